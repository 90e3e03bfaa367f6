// SPDX-License-Identifier: Apache-2.0
// Timestamps on the wire: RFC 3339, UTC, exactly millisecond precision
// ("2026-11-21T09:12:44.120Z").
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace locker::protocol {

using wall_time = std::chrono::system_clock::time_point;

// Truncates to milliseconds (never rounds up into the future). Years 0000–9999.
[[nodiscard]] std::string format_timestamp(wall_time t);

// Strict: exactly "YYYY-MM-DDTHH:MM:SS.mmmZ" with upper-case T and Z, a real calendar date,
// hours 00–23, minutes and seconds 00–59 (no leap second, no offset, no other precision),
// within what system_clock can represent (with libstdc++: up to 2262).
[[nodiscard]] std::optional<wall_time> parse_timestamp(std::string_view text);

}  // namespace locker::protocol
