// SPDX-License-Identifier: Apache-2.0
// What a PIN, a pickup code, a tracking number and an identifier may look like: one rule
// each, for everything that takes them in (the command decoder, the keypad, lockeradm, the
// configuration loader), so that the contract (protocol/README.md) and every input agree.
// Pure: no I/O, no allocation. Messages built from these never quote a secret.
#pragma once

#include <cstddef>
#include <string_view>

namespace locker::protocol::rules {

// A courier's PIN (courier_upsert, the keypad's login): 6-12 digits.
inline constexpr std::size_t pin_min_digits = 6;
inline constexpr std::size_t pin_max_digits = 12;
inline constexpr std::string_view pin_rule = "6-12 digits";

// A recipient's pickup code (reservation_create, the keypad, policy.pickup_code_digits for
// the codes the locker makes): 6-10 digits.
inline constexpr std::size_t pickup_code_min_digits = 6;
inline constexpr std::size_t pickup_code_max_digits = 10;
inline constexpr std::string_view pickup_code_rule = "6-10 digits";

// A tracking number: 1-64 printable ASCII characters without spaces, as the contract's
// schema says (common.schema.json, "^[!-~]{1,64}$"). Alphanumeric everywhere: letters of
// either case, digits and the punctuation carriers print (1Z999AA10123456784, JJD00...,
// RR123456785DE), whether announced over MQTT, added with lockeradm or scanned at the
// keypad; only typed on the keypad are they digits. Kept as wide as the schema, not narrowed
// to [A-Za-z0-9-]: the contract already accepts the rest, and narrowing it would refuse
// numbers a tracking system may already send.
inline constexpr std::size_t tracking_number_max_length = 64;
inline constexpr std::string_view tracking_number_rule =
    "1-64 printable ASCII characters without spaces";

// A courier's badge id (courier_upsert's badge, lockeradm, a badge reader): 1-64 printable
// ASCII characters without spaces. A Wiegand reader gives "facility:card" ("123:45678"), a
// HID reader the digits or hex it types. A secret like a PIN: stored only as its keyed hash.
inline constexpr std::size_t badge_max_length = 64;
inline constexpr std::string_view badge_rule = "1-64 printable ASCII characters without spaces";

// reservation_id, courier_id (and the operator's name in compartment_open): 1-64
// characters (code points, as the contract's JSON Schema counts them) and no control
// characters, which would garble logs, the audit log and lockeradm's tables.
inline constexpr std::size_t id_max_length = 64;
inline constexpr std::string_view id_rule = "1-64 characters, without control characters";

// A compartment id, as in the board file and the contract: [A-Za-z0-9-]{1,16}.
inline constexpr std::size_t compartment_id_max_length = 16;
inline constexpr std::string_view compartment_id_rule = "1-16 characters of A-Z, a-z, 0-9 and '-'";

[[nodiscard]] bool valid_pin(std::string_view pin);
[[nodiscard]] bool valid_pickup_code(std::string_view code);
[[nodiscard]] bool valid_tracking_number(std::string_view tracking_number);
[[nodiscard]] bool valid_badge(std::string_view badge);
[[nodiscard]] bool valid_id(std::string_view id);
[[nodiscard]] bool valid_compartment_id(std::string_view id);

// Only ASCII digits, and between min and max of them.
[[nodiscard]] bool digits_between(std::string_view s, std::size_t min, std::size_t max);
// UTF-8 code points (bytes that are not continuation bytes).
[[nodiscard]] std::size_t code_points(std::string_view s);
// A C0 control character or DEL.
[[nodiscard]] bool has_control_char(std::string_view s);

}  // namespace locker::protocol::rules
