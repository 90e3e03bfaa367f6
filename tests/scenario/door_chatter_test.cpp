// SPDX-License-Identifier: Apache-2.0
// Scenario tests for door chatter against a person (issue 12): a contact making millisecond
// edges is a sensor_fault with no door movement reported for its edges, while a person opening
// and shutting a door quickly is reported move by move with no fault; door movements after a
// fault are still reported.
#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/scenario/locker_rig.hpp"

namespace locker::scenario {
namespace door_chatter_test {
namespace {

using compartment::alarm_type;
using compartment::service_state;

std::vector<std::string> moves(const std::vector<json>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) {
    std::string t = e.at("type").get<std::string>();
    if (e.contains("cause")) t += ":" + e.at("cause").get<std::string>();
    if (e.contains("active")) t += e.at("active").get<bool>() ? ":on" : ":off";
    if (e.contains("compartment")) t += "@" + e.at("compartment").get<std::string>();
    out.push_back(t);
  }
  return out;
}

TEST(door_chatter, millisecond_edges_are_a_sensor_fault_and_no_door_movement) {
  locker_rig rig;
  ASSERT_TRUE(rig.model().chatter("3").ok());  // edges every 2-8 ms for a second
  rig.advance(std::chrono::seconds{3});
  EXPECT_EQ(moves(rig.events()), (std::vector<std::string>{"sensor_fault:on@3"}));
  EXPECT_EQ(rig.compartment("3").service(), service_state::faulty);

  // The contact is quiet again; a person forces the door and shuts it: both are reported,
  // with the fault still raised (never hidden).
  ASSERT_TRUE(rig.model().force("3").ok());
  rig.advance(std::chrono::milliseconds{300});
  rig.person_closes("3");
  EXPECT_EQ(moves(rig.events()),
            (std::vector<std::string>{"sensor_fault:on@3", "opened:none@3", "door_forced:on@3",
                                      "closed:none@3", "door_forced:off@3"}));
  EXPECT_TRUE(rig.compartment("3").alarms().has(alarm_type::sensor_fault));
}

TEST(door_chatter, a_person_opening_and_shutting_quickly_is_every_move_and_no_fault) {
  locker_rig rig;
  // Six times open and shut within two seconds, each held 150 ms: more than the 10 changes in
  // 2 s that used to be called chatter.
  std::vector<std::string> expected;
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(rig.model().force("5").ok());
    rig.advance(std::chrono::milliseconds{150});
    ASSERT_TRUE(rig.model().close("5").ok());
    rig.advance(std::chrono::milliseconds{150});
    for (const char* e :
         {"opened:none@5", "door_forced:on@5", "closed:none@5", "door_forced:off@5"})
      expected.emplace_back(e);
  }
  rig.advance(std::chrono::seconds{3});
  EXPECT_EQ(moves(rig.events()), expected);
  EXPECT_TRUE(rig.events_of("sensor_fault").empty());
  EXPECT_EQ(rig.compartment("5").service(), service_state::in_service);
}

}  // namespace
}  // namespace door_chatter_test
}  // namespace locker::scenario
