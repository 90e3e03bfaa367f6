// SPDX-License-Identifier: Apache-2.0
#include "daemon/store/timestamp.hpp"

#include <chrono>

#include <gtest/gtest.h>

namespace locker::store {
namespace {

using namespace std::chrono;

constexpr auto some_day = sys_days{year{2024} / 5 / 1};

TEST(timestamp, formats_utc_with_milliseconds) {
  wall_time t = some_day + 12h + 34min + 56s + 789ms + 999us;
  EXPECT_EQ(format_rfc3339_ms(t), "2024-05-01T12:34:56.789Z");
  EXPECT_EQ(format_rfc3339_ms(wall_time{}), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339_ms(wall_time{} - 1ms), "1969-12-31T23:59:59.999Z");
}

TEST(timestamp, parses_what_it_formats) {
  wall_time t = some_day + 1h + 2min + 3s + 4ms;
  EXPECT_EQ(parse_rfc3339(format_rfc3339_ms(t)), t);
}

TEST(timestamp, parses_offsets_and_fractions) {
  const wall_time noon = some_day + 12h;
  EXPECT_EQ(parse_rfc3339("2024-05-01T12:00:00Z"), noon);
  EXPECT_EQ(parse_rfc3339("2024-05-01t12:00:00z"), noon);
  EXPECT_EQ(parse_rfc3339("2024-05-01T14:00:00+02:00"), noon);
  EXPECT_EQ(parse_rfc3339("2024-05-01T07:30:00-04:30"), noon);
  EXPECT_EQ(parse_rfc3339("2024-05-02T00:30:00+12:30"), noon);
  EXPECT_EQ(parse_rfc3339("2024-05-01T12:00:00.5Z"), noon + 500ms);
  EXPECT_EQ(parse_rfc3339("2024-05-01T12:00:00.123456789Z"), noon + 123ms);
}

TEST(timestamp, refuses_malformed) {
  for (const char* bad :
       {"", "2024-05-01", "2024-05-01 12:00:00Z", "2024-05-01T12:00:00", "2024-13-01T00:00:00Z",
        "2023-02-29T00:00:00Z", "2024-05-01T24:00:00Z", "2024-05-01T12:00:60Z",
        "2024-05-01T12:00:00.Z", "2024-05-01T12:00:00+0200", "2024-05-01T12:00:00Zjunk",
        "0001-01-01T00:00:00Z", "2024-5-01T12:00:00Z"}) {
    EXPECT_EQ(parse_rfc3339(bad), std::nullopt) << bad;
  }
  EXPECT_TRUE(parse_rfc3339("2024-02-29T00:00:00Z"));
}

TEST(timestamp, text_order_is_time_order) {
  const wall_time a = some_day + 9h + 999ms;
  const wall_time b = some_day + 10h;
  EXPECT_LT(format_rfc3339_ms(a), format_rfc3339_ms(b));
}

}  // namespace
}  // namespace locker::store
