// SPDX-License-Identifier: Apache-2.0
// Commands of contract v1 ("…/cmd/<name>"): typed requests and their pure, validating decoder.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "protocol/errors.hpp"
#include "protocol/result.hpp"
#include "protocol/timestamp.hpp"

namespace locker::protocol {

struct reservation_create {
  std::string reservation_id;              // 1–64 chars
  std::string tracking_number;             // 1–64 printable ASCII, no space
  std::string size;                        // 1–32 chars; the daemon checks it against the board
  std::optional<std::string> pickup_code;  // 6–10 digits; secret
  std::optional<int> pickup_window_h;      // 1–720
  // Accessibility (issue 13), both optional, false when absent: a compartment whose handle
  // is at most 1220 mm high when one is free; extended time at the keypad for its pickup.
  bool accessible = false;
  bool extended_time = false;
  // Flow "hold" (issue 13): hold a free compartment of the size until then (after the
  // request's arrival, at most max_hold_lead ahead); none free: no_free_compartment.
  std::optional<wall_time> hold_until;
  // Drop-off flow (v1 addition, issue 13). kind: "delivery" (absent: a courier brings it),
  // "dropoff" or "return" (a member of the public brings it to the keypad). dropoff_code:
  // 6–10 digits, secret, only with dropoff/return; absent there, the locker draws one and
  // reports it in the `dropoff_announced` event. carrier: the carrier whose couriers may take
  // the parcel out (1–64 chars); absent: any courier.
  std::string kind = "delivery";
  std::optional<std::string> dropoff_code;
  std::optional<std::string> carrier;
  // Several parcels, one code (multi): the tracking system's opaque recipient key, 1–64
  // characters (never shown). Reservations that share it may share one pickup code.
  std::optional<std::string> recipient;
};

// How far ahead reservation_create's hold_until may reach.
inline constexpr std::chrono::hours max_hold_lead{720};

struct reservation_cancel {
  std::string reservation_id;
};

struct compartment_open {
  std::string compartment;    // [A-Za-z0-9-]{1,16}, as in the board file
  std::string reason;         // 1–256 chars
  std::string operator_name;  // "operator" on the wire; 1–64 chars
};

struct compartment_set_service {
  std::string compartment;
  bool in_service = true;
  std::string reason;
};

struct courier_upsert {
  std::string courier_id;  // 1–64 chars
  // 6–12 digits; secret. Optional (v1 addition): without it an existing courier keeps the
  // PIN on file (to enable, disable or rename); a new courier needs one.
  std::optional<std::string> pin;
  std::optional<std::string> name;  // up to 128 chars
  bool enabled = true;
  // The courier's badge id (v1 addition), 1-64 printable ASCII characters; secret like the
  // PIN. Absent: the badge on file, if any, stays.
  std::optional<std::string> badge;
  // The courier's carrier (v1 addition, drop-off flow): the courier then sees and takes out
  // only parcels of that carrier or of none. Absent: the carrier on file stays; "" clears it.
  std::optional<std::string> carrier;
};

struct courier_remove {
  std::string courier_id;
};

struct get_state {};
struct rebirth {};

struct fw_update {
  std::string job_id;  // [A-Za-z0-9_-]{1,64} (it becomes a topic level)
  std::string url;     // 1–2048 chars
  std::string sha256;  // 64 hex digits, lower-cased by the decoder
};

struct reboot {
  std::string reason;
};

// v1 addition: ends the keypad's lockout and forgets its wrong attempts and back-off.
// budget: "pickup_code" (recipients' codes) or "courier" (couriers' PINs and badges); absent:
// both.
struct lockout_clear {
  std::optional<std::string> budget;
};

using request = std::variant<reservation_create, reservation_cancel, compartment_open,
                             compartment_set_service, courier_upsert, courier_remove, get_state,
                             rebirth, fw_update, reboot, lockout_clear>;

// A decoded command: the envelope every request carries, and its typed arguments.
struct command {
  std::string req_id;                   // 1–64 chars
  std::optional<wall_time> expires_at;  // always set for compartment_open
  request args;
};

// compartment_open must expire no later than this after it is received.
inline constexpr std::chrono::minutes max_open_lead{5};
// No request may claim a life longer than the replay window (24 h, protocol/README.md): a
// request still valid after its stored reply is gone could run twice, and an expires_at years
// ahead is a sender's clock (or intent) the locker must not trust.
inline constexpr std::chrono::hours max_request_lead{24};
// Larger payloads are refused before parsing: no command needs more.
inline constexpr std::size_t max_command_bytes = std::size_t{16} * 1024;

// Decodes the payload of "…/cmd/<name>" received at wall time now. Never throws.
// Errors, in the order they are checked:
//   unknown_command: name is not in the contract (req_id filled in if the payload has one);
//   bad_request: too large, malformed JSON, not an object, req_id or expires_at missing/mistyped;
//   expired: now is past expires_at;
//   bad_request: compartment_open without expires_at or with it more than 5 minutes ahead;
//                any argument missing, mistyped or out of range (the first one found).
//   busy: clock_trusted is false and the request has a deadline (expires_at, hold_until,
//         every compartment_open): now cannot judge it (the locker's clock is not synchronized
//         yet); the sender tries again later.
// Unknown fields are ignored.
[[nodiscard]] result<command, error> decode_command(std::string_view name, std::string_view payload,
                                                    wall_time now, bool clock_trusted = true);

// The wire name of a decoded request ("reservation_create", …).
[[nodiscard]] std::string_view command_name(const request& r);

}  // namespace locker::protocol
