// SPDX-License-Identifier: Apache-2.0
// The states and kinds the store keeps as text, shared by the repositories and their callers.
// Each enum's names are its column values, in declaration order, so to_string and the
// repositories' parsing (columns.hpp) read the same table.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

#include "protocol/timestamp.hpp"

namespace locker::store {

using protocol::wall_time;

enum class service_state { in_service, out_of_service, faulty };
enum class door_state { closed, open };
enum class reservation_state { announced, deposited, cancelled };
// stored, expired and cancelled are "live": the parcel is still in its compartment.
enum class parcel_state { stored, expired, cancelled, collected, removed };
enum class journal_topic { parcel, door, alarm };
// A software update job's progress (protocol job_state); done and failed are final.
enum class update_state { downloading, verifying, installing, rebooting, done, failed };

namespace names {
inline constexpr std::array<std::string_view, 3> service{"in_service", "out_of_service", "faulty"};
inline constexpr std::array<std::string_view, 2> door{"closed", "open"};
inline constexpr std::array<std::string_view, 3> reservation{"announced", "deposited", "cancelled"};
inline constexpr std::array<std::string_view, 5> parcel{"stored", "expired", "cancelled",
                                                        "collected", "removed"};
inline constexpr std::array<std::string_view, 3> topic{"parcel", "door", "alarm"};
inline constexpr std::array<std::string_view, 6> update{"downloading", "verifying", "installing",
                                                        "rebooting",   "done",      "failed"};
}  // namespace names

[[nodiscard]] inline std::string_view to_string(service_state s) {
  return names::service[static_cast<std::size_t>(s)];
}
[[nodiscard]] inline std::string_view to_string(door_state s) {
  return names::door[static_cast<std::size_t>(s)];
}
[[nodiscard]] inline std::string_view to_string(reservation_state s) {
  return names::reservation[static_cast<std::size_t>(s)];
}
[[nodiscard]] inline std::string_view to_string(parcel_state s) {
  return names::parcel[static_cast<std::size_t>(s)];
}
[[nodiscard]] inline std::string_view to_string(journal_topic t) {
  return names::topic[static_cast<std::size_t>(t)];
}
[[nodiscard]] inline std::string_view to_string(update_state s) {
  return names::update[static_cast<std::size_t>(s)];
}

}  // namespace locker::store
