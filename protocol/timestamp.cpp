// SPDX-License-Identifier: Apache-2.0
#include "protocol/timestamp.hpp"

#include <array>
#include <cstdio>

namespace locker::protocol {

namespace {

using std::chrono::days;
using std::chrono::milliseconds;

// Reads exactly n ASCII digits at pos; -1 if any is not a digit.
int digits(std::string_view s, std::size_t pos, std::size_t n) {
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

}  // namespace

std::string format_timestamp(wall_time t) {
  const auto ms = std::chrono::floor<milliseconds>(t);
  const auto day = std::chrono::floor<days>(ms);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{ms - day};
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                static_cast<int>(hms.subseconds().count()));
  return buf.data();
}

std::optional<wall_time> parse_timestamp(std::string_view s) {
  // Positions of the fixed punctuation in "YYYY-MM-DDTHH:MM:SS.mmmZ".
  if (s.size() != 24 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
      s[16] != ':' || s[19] != '.' || s[23] != 'Z') {
    return std::nullopt;
  }
  const int year = digits(s, 0, 4), month = digits(s, 5, 2), day = digits(s, 8, 2);
  const int hour = digits(s, 11, 2), minute = digits(s, 14, 2), second = digits(s, 17, 2);
  const int milli = digits(s, 20, 3);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 || milli < 0) {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year{year},
                                        std::chrono::month{static_cast<unsigned>(month)},
                                        std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 59) return std::nullopt;
  const auto t = std::chrono::sys_days{ymd} + std::chrono::hours{hour} +
                 std::chrono::minutes{minute} + std::chrono::seconds{second} + milliseconds{milli};
  // system_clock may count nanoseconds (years 1678–2262 only): refuse what it cannot hold
  // rather than overflow.
  constexpr auto lo = std::chrono::duration_cast<milliseconds>(wall_time::duration::min());
  constexpr auto hi = std::chrono::duration_cast<milliseconds>(wall_time::duration::max());
  if (t.time_since_epoch() <= lo || t.time_since_epoch() >= hi) return std::nullopt;
  return std::chrono::time_point_cast<wall_time::duration>(t);
}

}  // namespace locker::protocol
