// SPDX-License-Identifier: Apache-2.0
#include "protocol/timestamp.hpp"

#include <array>
#include <cstdint>
#include <cstdio>

namespace locker::protocol {

namespace {

namespace chr = std::chrono;

// Reads exactly n ASCII digits at pos, advancing it.
bool digits(std::string_view s, std::size_t& pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

bool expect_either(std::string_view s, std::size_t& pos, char upper, char lower) {
  return expect(s, pos, upper) || expect(s, pos, lower);
}

}  // namespace

std::string format_timestamp(wall_time t) {
  const auto ms = chr::floor<chr::milliseconds>(t);
  const auto day = chr::floor<chr::days>(ms);
  const chr::year_month_day ymd{day};
  const chr::hh_mm_ss hms{ms - day};
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                static_cast<int>(hms.subseconds().count()));
  return buf.data();
}

std::optional<wall_time> parse_timestamp(std::string_view s) {
  std::size_t pos = 0;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!digits(s, pos, 4, y) || !expect(s, pos, '-') || !digits(s, pos, 2, mo) ||
      !expect(s, pos, '-') || !digits(s, pos, 2, d) || !expect_either(s, pos, 'T', 't') ||
      !digits(s, pos, 2, h) || !expect(s, pos, ':') || !digits(s, pos, 2, mi) ||
      !expect(s, pos, ':') || !digits(s, pos, 2, sec)) {
    return std::nullopt;
  }
  if (h > 23 || mi > 59 || sec > 59) return std::nullopt;
  int ms = 0;
  if (expect(s, pos, '.')) {
    const std::size_t start = pos;
    int scale = 100;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      ms += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  int offset_min = 0;
  if (expect_either(s, pos, 'Z', 'z')) {
    // UTC
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const int sign = s[pos] == '+' ? 1 : -1;
    ++pos;
    int oh = 0, om = 0;
    if (!digits(s, pos, 2, oh) || !expect(s, pos, ':') || !digits(s, pos, 2, om) || oh > 23 ||
        om > 59) {
      return std::nullopt;
    }
    offset_min = sign * (oh * 60 + om);
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  const chr::year_month_day ymd{chr::year{y}, chr::month{static_cast<unsigned>(mo)},
                                chr::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  // In milliseconds first (years 0000–9999 fit easily); local time minus its offset is UTC.
  const chr::sys_time<chr::milliseconds> t = chr::sys_days{ymd} + chr::hours{h} +
                                             chr::minutes{mi - offset_min} + chr::seconds{sec} +
                                             chr::milliseconds{ms};
  // system_clock may count nanoseconds (years 1678–2262 only): refuse what it cannot hold
  // rather than overflow.
  constexpr auto lo = chr::duration_cast<chr::milliseconds>(wall_time::duration::min());
  constexpr auto hi = chr::duration_cast<chr::milliseconds>(wall_time::duration::max());
  if (t.time_since_epoch() <= lo || t.time_since_epoch() >= hi) return std::nullopt;
  return chr::time_point_cast<wall_time::duration>(t);
}

}  // namespace locker::protocol
