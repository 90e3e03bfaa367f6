// SPDX-License-Identifier: Apache-2.0
// Notify after acting: between a person's intent on disk and the coil, nothing builds or
// publishes the state. The whole locker in-process, wired to MQTT as lockerd wires it (relay,
// state report, reporter) on the in-memory link; every observer and every message published
// notes whether the coil was already energized at that moment.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "daemon/mqtt/journal_relay.hpp"
#include "daemon/mqtt/memory/memory_link.hpp"
#include "daemon/mqtt/reporter.hpp"
#include "daemon/state/state_report.hpp"
#include "protocol/topics.hpp"
#include "tests/scenario/locker_rig.hpp"

namespace locker::mqtt::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const std::string courier_pin = "24681357";

class notify_after_acting_test : public ::testing::Test {
 protected:
  void SetUp() override {
    link_.auto_acknowledge(true);
    rig_.locker().on_journal([this] { relay_.wake(); });
    // As lockerd's `changed`: note the alarms, then the state follows (rate-limited).
    rig_.locker().on_change([this] {
      seen_.push_back({"on_change", coil_on()});
      report_.observe();
      rep_.state_changed();
    });
    link_.on_publish([this](const memory_link::message& m) {
      seen_.push_back({m.topic, coil_on()});
    });
    link_.start();
    rig_.advance(1s);
    rig_.add_courier("c-1", courier_pin);
  }

  struct moment {
    std::string what;  // "on_change" or the topic published on
    bool coil = false;
  };
  [[nodiscard]] bool coil_on() const { return rig_.cabinet(box_).coil; }
  // What was seen while keys were typed (the last one is the one that opens).
  std::vector<moment> while_typing(std::string_view keys) {
    seen_.clear();
    rig_.press(keys);
    return seen_;
  }
  void expect_all_after_the_coil(const std::vector<moment>& seen) {
    bool changed = false;
    bool state = false;
    for (const auto& m : seen) {
      EXPECT_TRUE(m.coil) << m.what << " ran before the coil was energized";
      changed = changed || m.what == "on_change";
      state = state || m.what == topics_.state();
    }
    EXPECT_TRUE(changed) << "the unlock is a change";
    EXPECT_TRUE(state) << "the state was published";
  }

  scenario::locker_rig rig_{{}, scenario::locker_rig::mqtt_stack::none};  // locker id "test"
  protocol::topic_set topics_ = *protocol::topic_set::make("test");
  memory_link link_{rig_.clock()};
  journal_relay relay_{rig_.db(), link_, rig_.clock(), topics_};
  state::state_report report_{rig_.locker(), rig_.db(), rig_.clock()};
  reporter rep_{link_, rig_.clock(), rig_.db(), report_, rig_.cfg(), topics_, reporter_settings{}};
  std::string box_ = "13";  // where an M parcel goes on sim-24
  std::vector<moment> seen_;
};

TEST_F(notify_after_acting_test, a_pickup_energizes_the_coil_before_the_state_is_built) {
  rig_.announce("r-1", "1001", "M", "55554444");
  rig_.press("*" + courier_pin + "#");
  rig_.press("1");
  // The deposit's unlock: the courier's last key.
  expect_all_after_the_coil(while_typing("1001#"));
  rig_.advance(scenario::move_time);
  ASSERT_EQ(rig_.display(), "Put in box 13, close\n*=too big #=cancel");
  rig_.person_opens(box_);
  rig_.person_puts(box_);
  rig_.person_closes(box_);
  rig_.press("#");
  rig_.advance(1s);

  // The recipient's pickup.
  const auto seen = while_typing("55554444#");
  ASSERT_EQ(rig_.display(), "Opening box 13...\nPlease wait");
  expect_all_after_the_coil(seen);
  // The state built after the unlock says so.
  rig_.advance(1s);
  const auto state = json::parse(link_.published_on(topics_.state()).back().payload);
  for (const auto& c : state["compartments"]) {
    if (c["id"] == box_) {
      EXPECT_EQ(c["door"], "open");
    }
  }
  // And every event reached the broker (the relay's wake-up comes after the coil too).
  EXPECT_EQ(relay_.backlog(), 0);
}

TEST_F(notify_after_acting_test, an_operator_opening_moves_the_coil_before_anyone_is_told) {
  box_ = "1";
  seen_.clear();
  bool done = false;
  ASSERT_EQ(rig_.locker().open_by_operator(box_, "op", "check", [&](auto) { done = true; }),
            compartment::open_status::accepted);
  EXPECT_TRUE(coil_on());
  EXPECT_TRUE(seen_.empty()) << "told inside the commit: " << seen_.front().what;
  rig_.advance(0ms);
  expect_all_after_the_coil(seen_);
}

}  // namespace
}  // namespace locker::mqtt::testing
