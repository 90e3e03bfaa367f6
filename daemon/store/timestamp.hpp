// SPDX-License-Identifier: Apache-2.0
// RFC 3339 timestamps as the protocol and the database use them: UTC, millisecond
// precision, "2024-05-01T12:34:56.789Z". This fixed-width form sorts as text in time order,
// which the store relies on in SQL comparisons.
// Lives here until protocol/ has a shared spot for it; it depends on nothing but <chrono>.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace locker::store {

using wall_time = std::chrono::system_clock::time_point;

// Truncates to milliseconds (towards the past, also before 1970).
[[nodiscard]] std::string format_rfc3339_ms(wall_time t);

// Accepts RFC 3339 date-times: "YYYY-MM-DDTHH:MM:SS", optional fraction (any number of
// digits; kept to milliseconds), then "Z" or "+HH:MM"/"-HH:MM". 't'/'z' in either case.
// Leap seconds (":60") and years outside 1900-2200 are refused. nullopt for anything else.
[[nodiscard]] std::optional<wall_time> parse_rfc3339(std::string_view text);

}  // namespace locker::store
