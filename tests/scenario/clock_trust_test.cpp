// SPDX-License-Identifier: Apache-2.0
// Clock trust (issue 15): a step of the wall clock is reported as the clock_step alarm (with
// by how much, checked against the contract's schema), the wall-clock deadlines are looked at
// again at once rather than at their next hourly re-check, the alarm clears ten minutes
// later, and a clock that only drifts says nothing.
#include <chrono>
#include <cstdint>
#include <string>

#include <gtest/gtest.h>

#include "tests/scenario/flows.hpp"
#include "tests/scenario/locker_rig.hpp"

namespace locker::scenario {
namespace clock_trust_test {
namespace {

using namespace std::chrono_literals;

const std::string pin = "24681357";

TEST(clock_trust, a_step_forward_is_reported_and_expires_what_is_now_due_at_once) {
  locker_rig rig;
  rig.add_courier("c-1", pin);
  const auto [id, code] = courier_deposit(rig, pin, "8001");
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(rig.events_of("expired").empty());

  // NTP's first sync after a boot with a flat RTC battery: four days forward at once.
  rig.clock().step_wall(std::chrono::hours{96});
  rig.advance(1s);
  const auto steps = rig.events_of("clock_step");
  ASSERT_EQ(steps.size(), 1U);
  EXPECT_TRUE(steps[0].at("active").get<bool>());
  EXPECT_EQ(steps[0].at("severity"), "warning");
  EXPECT_EQ(steps[0].at("step_s").get<std::int64_t>(), 96 * 3600);
  EXPECT_FALSE(steps[0].contains("compartment"));
  EXPECT_EQ(schema_errors("evt_alarm.schema.json", steps[0]), "");
  EXPECT_TRUE(rig.locker().clock_step_since().has_value());
  // The pickup window (72 h) ended with the step: expired now, not within the hour.
  const auto expired = rig.events_of("expired");
  ASSERT_EQ(expired.size(), 1U);
  EXPECT_EQ(expired[0].at("compartment"), id);

  rig.advance(10min);
  const auto after = rig.events_of("clock_step");
  ASSERT_EQ(after.size(), 2U);
  EXPECT_FALSE(after[1].at("active").get<bool>());
  EXPECT_EQ(schema_errors("evt_alarm.schema.json", after[1]), "");
  EXPECT_FALSE(rig.locker().clock_step_since().has_value());
}

TEST(clock_trust, a_step_back_is_reported_and_a_second_or_less_is_not) {
  locker_rig rig;
  rig.clock().step_wall(-std::chrono::seconds{1});
  rig.advance(1s);
  EXPECT_TRUE(rig.events_of("clock_step").empty()) << "a second is drift, not a step";
  rig.clock().step_wall(-std::chrono::hours{2});
  rig.advance(1s);
  const auto steps = rig.events_of("clock_step");
  ASSERT_EQ(steps.size(), 1U);
  EXPECT_EQ(steps[0].at("step_s").get<std::int64_t>(), -2 * 3600);
}

}  // namespace
}  // namespace clock_trust_test
}  // namespace locker::scenario
