// SPDX-License-Identifier: Apache-2.0
// RFC 3339 timestamps, for the wire and the database alike: the locker writes UTC with
// exactly millisecond precision ("2026-11-21T09:12:44.120Z"), a fixed-width form that sorts
// as text in time order (the store relies on that in SQL comparisons), and reads any RFC 3339
// date-time (protocol/README.md: with or without fractional seconds, with any offset).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace locker::protocol {

using wall_time = std::chrono::system_clock::time_point;

// Truncates to milliseconds, towards the past (also before 1970: never rounds up into the
// future). Years 0000–9999.
[[nodiscard]] std::string format_timestamp(wall_time t);

// Accepts "YYYY-MM-DDTHH:MM:SS", an optional fraction ('.' and any number of digits, kept to
// milliseconds, truncated), then "Z" or an offset "+HH:MM"/"-HH:MM"; 'T' and 'Z' in either
// case. A real calendar date, hours 00–23, minutes and seconds 00–59 (no leap second), and
// within what system_clock can represent (with libstdc++: 1678–2262). nullopt otherwise.
[[nodiscard]] std::optional<wall_time> parse_timestamp(std::string_view text);

}  // namespace locker::protocol
