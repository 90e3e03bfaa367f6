// SPDX-License-Identifier: Apache-2.0
// Payloads the locker publishes: events (evt/parcel, evt/door, evt/alarm) and the retained
// and periodic reports (status, info, state, tele, job). Pure builders: typed fields in,
// compact JSON text out. Each matches protocol/schemas/<topic>.schema.json.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/timestamp.hpp"

namespace locker::protocol {

// ---- events ---------------------------------------------------------------------------------

// Common to every event. queued is true when the event is published later than it happened.
struct event_header {
  std::string event_id;  // UUID v4, made by the journal
  std::uint64_t seq = 0;
  wall_time ts;
  bool queued = false;
};

struct parcel_stored {
  std::string tracking_number;
  std::string compartment;
  std::string size;
  std::string courier_id;
  std::optional<std::string> reservation_id;
  wall_time expires_at;
  std::optional<std::string> pickup_code;  // only when the locker generated it
  // Accessibility (issue 13): only when the reservation asked for a low compartment: whether
  // the compartment is one (its handle at most 1220 mm high); false when none was free.
  std::optional<bool> accessible;
};

struct parcel_collected {
  std::string tracking_number;
  std::string compartment;
  std::uint64_t dwell_s = 0;
  std::uint32_t failed_attempts = 0;
};

struct parcel_expired {
  std::string tracking_number;
  std::string compartment;
};

// dropoff, returned (v1 additions, drop-off flow): an outbound parcel taken out by a courier;
// "dropoff" and "return" on the wire.
enum class removal_reason { expired, cancelled, by_operator, dropoff, returned };

struct parcel_removed {
  std::string tracking_number;
  std::string compartment;
  std::string courier_id;
  removal_reason reason = removal_reason::expired;
};

enum class deposit_failure { no_free_compartment, lock_fault, timeout, cancelled };

struct parcel_deposit_failed {
  std::string tracking_number;
  deposit_failure reason = deposit_failure::timeout;
};

// Flow "hold" (issue 13), added within v1: a held compartment's hold reached its deadline.
struct parcel_hold_expired {
  std::string reservation_id;
  std::string tracking_number;
  std::string compartment;
};

// The held compartment went out of service or faulty (`reason`): the hold moved to
// `compartment` from `from`, or (hold_lost) ended with no other one free.
struct parcel_hold_moved {
  std::string reservation_id;
  std::string tracking_number;
  std::string compartment;
  std::string from;
  std::string reason;  // "out_of_service" | "faulty"
  wall_time hold_until;
};

struct parcel_hold_lost {
  std::string reservation_id;
  std::string tracking_number;
  std::string compartment;
  std::string reason;  // "out_of_service" | "faulty"
};

// No courier deposited it within reservation_expiry_h; compartment: the hold that ended with it.
struct parcel_reservation_expired {
  std::string reservation_id;
  std::string tracking_number;
  wall_time created_at;
  std::optional<std::string> compartment;
};

// v1 addition (drop-off flow): a member of the public dropped off ("dropoff") or returned
// ("return") an announced parcel with its drop-off code and the door closed; it is outbound.
struct parcel_dropped_off {
  std::string tracking_number;
  std::string compartment;
  std::string size;
  std::string kind;  // "dropoff" | "return"
  std::optional<std::string> reservation_id;
  std::optional<std::string> carrier;
};

using parcel_event = std::variant<parcel_stored, parcel_collected, parcel_expired, parcel_removed,
                                  parcel_deposit_failed, parcel_hold_expired, parcel_hold_moved,
                                  parcel_hold_lost, parcel_reservation_expired, parcel_dropped_off>;

enum class door_movement { opened, closed };
enum class door_cause {
  deposit,
  pickup,
  courier_removal,
  by_operator,
  none
};  // by_operator: "operator"

struct door_event {
  door_movement type = door_movement::opened;
  std::string compartment;
  door_cause cause = door_cause::none;
};

enum class alarm_type {
  door_forced,
  door_left_open,
  lock_fault,
  sensor_fault,
  keypad_lockout,
  power,
  tamper,
  // The locker's database refused a read or a write (critical, no compartment): raised at the
  // first error, cleared when a later commit succeeds. Added within v1 (consumers ignore
  // alarm types they do not know).
  storage_fault,
  // With a presence sensor (added within v1): a recipient closed the door on the parcel and did
  // not reopen within the keypad session (warning); the parcel stays stored.
  parcel_left_inside,
  // With a presence sensor (added within v1): the compartment holds something no parcel on file
  // accounts for (critical); kept out of deposits until an operator clears it.
  unexpected_contents,
  // The wall clock was set by 2 s or more (warning, no compartment; added within v1): step_s
  // says by how much; cleared ten minutes later (daemon/controller/clock_trust.cpp).
  clock_step,
  // The locker started in place of a damaged database (critical, no compartment; added within
  // v1): moved_to names the file set aside; compartments out of service (reason books_lost)
  // until checked; cleared when the last is back in service (daemon/controller/books_lost.cpp).
  books_lost
};
enum class alarm_severity { warning, critical };

struct alarm_event {
  alarm_type type = alarm_type::tamper;
  std::optional<std::string> compartment;
  alarm_severity severity = alarm_severity::warning;
  bool active = true;  // raised: true, cleared: false
};

[[nodiscard]] std::string encode_parcel_event(const event_header& h, const parcel_event& e);
[[nodiscard]] std::string encode_door_event(const event_header& h, const door_event& e);
[[nodiscard]] std::string encode_alarm_event(const event_header& h, const alarm_event& e);

[[nodiscard]] std::string_view to_string(removal_reason r);
[[nodiscard]] std::string_view to_string(deposit_failure r);
[[nodiscard]] std::string_view to_string(door_movement m);
[[nodiscard]] std::string_view to_string(door_cause c);
[[nodiscard]] std::string_view to_string(alarm_type t);
[[nodiscard]] std::string_view to_string(alarm_severity s);

// ---- status (retained; the offline form is also the last will) -----------------------------

struct status_online {
  std::string version;
  std::string boot_id;
  wall_time started_at;
};
enum class offline_reason { lost, shutdown };

[[nodiscard]] std::string encode_status_online(const status_online& s);
[[nodiscard]] std::string encode_status_offline(offline_reason r);

// ---- info (retained) ------------------------------------------------------------------------

struct compartment_info {
  std::string id;
  std::string size;
};

struct locker_info {
  std::string version;
  std::string hardware;
  std::vector<compartment_info> compartments;
  std::vector<std::string> capabilities;  // e.g. "presence_sensor", "fw_update"
  std::uint64_t config_version = 0;       // last applied cfg/desired version, 0: none
};

[[nodiscard]] std::string encode_info(const locker_info& i);

// ---- state (retained) and get_state ---------------------------------------------------------

enum class door_state { open, closed, unknown };
enum class lock_state { locked, unlocked };
enum class service_state { in_service, out_of_service, faulty };
// outbound (v1 addition, drop-off flow): a drop-off or return waiting for a courier.
enum class parcel_state { stored, expired, removal_pending, outbound };

struct parcel_summary {
  std::string tracking_number;
  parcel_state state = parcel_state::stored;
  std::optional<std::string> reservation_id;
  wall_time stored_at;
  wall_time expires_at;
};

// Flow "hold" (issue 13): the reservation a compartment is held for, and until when.
struct hold_summary {
  std::string reservation_id;
  wall_time until;
};

struct compartment_state {
  std::string id;
  std::string size;
  door_state door = door_state::unknown;
  lock_state lock = lock_state::locked;
  bool occupied = false;
  service_state service = service_state::in_service;
  std::optional<parcel_summary> parcel;
  std::optional<hold_summary> hold;  // flow "hold": held for an announced reservation
};

// Flow "hold" (issue 13): the compartments of one size by what they are now; each counts in
// exactly one, in this order of precedence: out_of_service (out of service or faulty),
// occupied (a parcel on file or seen), held (for a reservation), free (may take a deposit
// now: the telemetry's `free`), busy (the rest: a door open, a lock moving, an alarm).
struct size_capacity {
  std::uint32_t free = 0;
  std::uint32_t held = 0;
  std::uint32_t occupied = 0;
  std::uint32_t out_of_service = 0;
  std::uint32_t busy = 0;
};
using capacity_by_size = std::map<std::string, size_capacity>;
[[nodiscard]] nlohmann::json capacity_json(const capacity_by_size& c);

struct active_alarm {
  alarm_type type = alarm_type::tamper;
  std::optional<std::string> compartment;
  alarm_severity severity = alarm_severity::warning;
  wall_time since;
};

struct locker_state {
  std::uint64_t seq = 0;  // seq of the last event
  std::vector<compartment_state> compartments;
  std::vector<active_alarm> alarms;
  capacity_by_size capacity;  // flow "hold": every board size; empty: not reported
};

struct reservation_summary {
  std::string reservation_id;
  std::string tracking_number;
  std::string size;
  wall_time created_at;
};

[[nodiscard]] nlohmann::json state_body(const locker_state& s);
[[nodiscard]] std::string encode_state(const locker_state& s);
// reply data of get_state: the state body plus "reservations".
[[nodiscard]] nlohmann::json get_state_data(const locker_state& s,
                                            const std::vector<reservation_summary>& reservations);

// ---- tele (QoS 0, every telemetry_s) --------------------------------------------------------

struct telemetry {
  wall_time ts;
  std::uint64_t uptime_s = 0;
  std::map<std::string, std::uint32_t> free_by_size;  // every board size, 0 included
  std::uint64_t journal_backlog = 0;                  // events not yet PUBACKed
  std::uint64_t disk_free_bytes = 0;
  std::uint64_t disk_total_bytes = 0;
  std::map<std::string, double> temperatures_c;  // only the sensors that exist
  capacity_by_size capacity;                     // flow "hold"; empty: not reported
};

[[nodiscard]] std::string encode_telemetry(const telemetry& t);

// ---- job/<job_id> ---------------------------------------------------------------------------

enum class job_state { downloading, verifying, installing, rebooting, done, failed };

struct job_progress {
  std::string job_id;
  job_state state = job_state::downloading;
  std::optional<int> percent;          // 0–100 where known
  std::optional<std::string> message;  // why it failed, for failed
  wall_time ts;
};

[[nodiscard]] std::string encode_job(const job_progress& j);

}  // namespace locker::protocol
