// SPDX-License-Identifier: Apache-2.0
#include "protocol/timestamp.hpp"

#include <type_traits>

#include <gtest/gtest.h>

namespace locker::protocol {
namespace {

using namespace std::chrono;

TEST(timestamp, formats_utc_with_milliseconds) {
  const wall_time t =
      sys_days{year{2026} / 11 / 21} + hours{9} + minutes{12} + seconds{44} + milliseconds{120};
  EXPECT_EQ(format_timestamp(t), "2026-11-21T09:12:44.120Z");
  EXPECT_EQ(format_timestamp(wall_time{}), "1970-01-01T00:00:00.000Z");
  // Sub-millisecond parts are truncated, never rounded into the future.
  EXPECT_EQ(format_timestamp(t + microseconds{999}), "2026-11-21T09:12:44.120Z");
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
}

TEST(timestamp, rejects_anything_not_strict) {
  for (const char* text : {"",
                           "2026-11-21T09:12:44Z",
                           "2026-11-21T09:12:44.12Z",
                           "2026-11-21T09:12:44.1200Z",
                           "2026-11-21t09:12:44.120Z",
                           "2026-11-21T09:12:44.120z",
                           "2026-11-21 09:12:44.120Z",
                           "2026-11-21T09:12:44.120+00:00",
                           "2026-11-21T09:12:44.120",
                           "2026-13-21T09:12:44.120Z",
                           "2026-00-21T09:12:44.120Z",
                           "2026-02-29T09:12:44.120Z",
                           "2026-04-31T09:12:44.120Z",
                           "2026-11-00T09:12:44.120Z",
                           "2026-11-21T24:00:00.000Z",
                           "2026-11-21T09:60:44.120Z",
                           "2026-11-21T09:12:60.000Z",
                           "2026-1l-21T09:12:44.120Z",
                           "+026-11-21T09:12:44.120Z",
                           "2026-11-21T09:12:44.-20Z",
                           " 2026-11-21T09:12:44.120Z"}) {
    EXPECT_FALSE(parse_timestamp(text)) << text;
  }
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
  }
}

}  // namespace
}  // namespace locker::protocol
