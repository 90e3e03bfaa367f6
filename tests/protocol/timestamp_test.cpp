// SPDX-License-Identifier: Apache-2.0
// The one RFC 3339 module, for the wire and the database (the tests of the two modules it
// replaced, merged).
#include "protocol/timestamp.hpp"

#include <type_traits>

#include <gtest/gtest.h>

namespace locker::protocol {
namespace {

using namespace std::chrono;

constexpr auto some_day = sys_days{year{2024} / 5 / 1};

TEST(timestamp, formats_utc_with_milliseconds) {
  const wall_time t =
      sys_days{year{2026} / 11 / 21} + hours{9} + minutes{12} + seconds{44} + milliseconds{120};
  EXPECT_EQ(format_timestamp(t), "2026-11-21T09:12:44.120Z");
  EXPECT_EQ(format_timestamp(wall_time{}), "1970-01-01T00:00:00.000Z");
  // Sub-millisecond parts are truncated, never rounded into the future.
  EXPECT_EQ(format_timestamp(t + microseconds{999}), "2026-11-21T09:12:44.120Z");
  EXPECT_EQ(format_timestamp(some_day + 12h + 34min + 56s + 789ms + 999us),
            "2024-05-01T12:34:56.789Z");
  // Towards the past before 1970 too.
  EXPECT_EQ(format_timestamp(wall_time{} - 1ms), "1969-12-31T23:59:59.999Z");
}

TEST(timestamp, round_trips) {
  for (const char* text : {"2026-11-21T09:12:44.120Z", "2024-02-29T23:59:59.999Z",
                           "1970-01-01T00:00:00.000Z", "2099-12-31T00:00:00.001Z"}) {
    const auto t = parse_timestamp(text);
    ASSERT_TRUE(t) << text;
    EXPECT_EQ(format_timestamp(*t), text);
  }
  const wall_time t = sys_days{year{2030} / 1 / 2} + milliseconds{123456789};
  EXPECT_EQ(parse_timestamp(format_timestamp(t)), t);
  const wall_time u = some_day + 1h + 2min + 3s + 4ms;
  EXPECT_EQ(parse_timestamp(format_timestamp(u)), u);
}

// protocol/README.md: "on input, RFC 3339 with or without fractional seconds and with any offset".
TEST(timestamp, parses_offsets_and_fractions) {
  const wall_time noon = some_day + 12h;
  EXPECT_EQ(parse_timestamp("2024-05-01T12:00:00Z"), noon);
  EXPECT_EQ(parse_timestamp("2024-05-01t12:00:00z"), noon);
  EXPECT_EQ(parse_timestamp("2024-05-01T14:00:00+02:00"), noon);
  EXPECT_EQ(parse_timestamp("2024-05-01T07:30:00-04:30"), noon);
  EXPECT_EQ(parse_timestamp("2024-05-02T00:30:00+12:30"), noon);
  EXPECT_EQ(parse_timestamp("2024-05-01T12:00:00+00:00"), noon);
  EXPECT_EQ(parse_timestamp("2024-05-01T12:00:00.5Z"), noon + 500ms);
  EXPECT_EQ(parse_timestamp("2024-05-01T12:00:00.12Z"), noon + 120ms);
  EXPECT_EQ(parse_timestamp("2024-05-01T12:00:00.1200Z"), noon + 120ms);
  EXPECT_EQ(parse_timestamp("2024-05-01T12:00:00.123456789Z"), noon + 123ms);
  EXPECT_EQ(parse_timestamp("2024-05-01T12:00:00.120+01:00"), noon - 1h + 120ms);
}

TEST(timestamp, refuses_what_is_not_rfc3339) {
  for (const char* text : {"",
                           "2024-05-01",
                           "2026-11-21 09:12:44.120Z",
                           "2026-11-21T09:12:44.120",
                           "2024-05-01T12:00:00",
                           "2024-05-01T12:00:00.Z",
                           "2024-05-01T12:00:00+0200",
                           "2024-05-01T12:00:00+24:00",
                           "2024-05-01T12:00:00Zjunk",
                           "2024-5-01T12:00:00Z",
                           "2026-13-21T09:12:44.120Z",
                           "2026-00-21T09:12:44.120Z",
                           "2026-02-29T09:12:44.120Z",
                           "2023-02-29T00:00:00Z",
                           "2026-04-31T09:12:44.120Z",
                           "2026-11-00T09:12:44.120Z",
                           "2026-11-21T24:00:00.000Z",
                           "2026-11-21T09:60:44.120Z",
                           "2026-11-21T09:12:60.000Z",
                           "2026-1l-21T09:12:44.120Z",
                           "+026-11-21T09:12:44.120Z",
                           "2026-11-21T09:12:44.-20Z",
                           " 2026-11-21T09:12:44.120Z",
                           "2026-11-21T09:12:44.120Z "}) {
    EXPECT_FALSE(parse_timestamp(text)) << text;
  }
  EXPECT_TRUE(parse_timestamp("2024-02-29T00:00:00Z"));
}

TEST(timestamp, far_dates_never_overflow_the_clock) {
  // libstdc++'s system_clock counts nanoseconds (years 1678–2262): beyond, parsing refuses.
  for (const char* text : {"9999-12-31T23:59:59.999Z", "6310-01-01T00:00:00.000Z",
                           "0000-01-01T00:00:00.000Z", "2262-04-12T00:00:00.000Z"}) {
    const auto t = parse_timestamp(text);
    if (t) {
      EXPECT_EQ(format_timestamp(*t), text);
    }
  }
  if constexpr (std::is_same_v<wall_time::duration, std::chrono::nanoseconds>) {
    EXPECT_FALSE(parse_timestamp("9999-12-31T23:59:59.999Z"));
    EXPECT_FALSE(parse_timestamp("0001-01-01T00:00:00Z"));
    // The offset is applied before the range is checked.
    EXPECT_TRUE(parse_timestamp("2262-04-11T00:00:00Z"));
    EXPECT_FALSE(parse_timestamp("2262-04-11T00:00:00-23:59"));
  }
}

TEST(timestamp, text_order_is_time_order) {
  const wall_time a = some_day + 9h + 999ms;
  const wall_time b = some_day + 10h;
  EXPECT_LT(format_timestamp(a), format_timestamp(b));
}

}  // namespace
}  // namespace locker::protocol
