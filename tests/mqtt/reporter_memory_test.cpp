// SPDX-License-Identifier: Apache-2.0
// The reporter without a broker: the whole locker in-process (the scenario rig, virtual time)
// and the in-memory link. The birth after every connect (status, info, state, retained), the
// state's 5 per second, telemetry at QoS 0 every period, and the rebirth command.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "daemon/mqtt/memory/memory_link.hpp"
#include "daemon/mqtt/reporter.hpp"
#include "daemon/state/state_report.hpp"
#include "protocol/topics.hpp"
#include "tests/mqtt/reporter_settings.hpp"
#include "tests/scenario/locker_rig.hpp"

namespace locker::mqtt::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class reporter_memory_test : public ::testing::Test {
 protected:
  reporter_settings settings() { return test_reporter_settings(rig_.clock().wall_now(), 1s); }
  // The topics of everything published so far, in order.
  [[nodiscard]] std::vector<std::string> topics_published() const {
    std::vector<std::string> out;
    for (const auto& m : link_.published()) out.push_back(m.topic);
    return out;
  }
  [[nodiscard]] std::size_t count_on(const std::string& topic) const {
    return link_.published_on(topic).size();
  }
  void turn() { rig_.advance(0ms); }

  scenario::locker_rig rig_{{}, scenario::locker_rig::mqtt_stack::none};  // locker id "test"
  protocol::topic_set topics_ = *protocol::topic_set::make("test");
  memory_link link_{rig_.clock()};
  state::state_report report_{rig_.locker(), rig_.db(), rig_.clock()};
  reporter rep_{link_, rig_.clock(), rig_.db(), report_, rig_.cfg(), topics_, settings()};
};

TEST_F(reporter_memory_test, birth_is_status_info_and_state_retained_after_connect) {
  EXPECT_TRUE(link_.published().empty()) << "nothing before a connection";
  link_.start();
  turn();
  ASSERT_TRUE(link_.connected());
  EXPECT_EQ(topics_published(),
            (std::vector<std::string>{topics_.status(), topics_.info(), topics_.state()}));
  for (const auto& m : link_.published()) {
    EXPECT_TRUE(m.retained) << m.topic;
    EXPECT_EQ(m.qos, 1) << m.topic;
  }
  const auto st = json::parse(link_.published_on(topics_.status()).at(0).payload);
  EXPECT_EQ(st["online"], true);
  EXPECT_EQ(st["version"], "9.9.9");
  EXPECT_EQ(st["boot_id"], "00000000-0000-4000-8000-000000000001");
  const auto info = json::parse(link_.published_on(topics_.info()).at(0).payload);
  EXPECT_EQ(info["compartments"].size(), rig_.cfg().board.compartments.size());
  EXPECT_EQ(info["config_version"], 0);
  const auto state = json::parse(link_.published_on(topics_.state()).at(0).payload);
  EXPECT_EQ(state["compartments"].size(), rig_.cfg().board.compartments.size());
  EXPECT_EQ(state["seq"], rig_.db().journal().last_seq());
  EXPECT_EQ(rep_.states_published(), 1U);
}

TEST_F(reporter_memory_test, every_reconnect_is_a_new_birth) {
  link_.start();
  turn();
  link_.disconnect();
  rep_.state_changed();  // while away: the next birth has it anyway
  rig_.advance(1s);
  EXPECT_EQ(link_.published().size(), 3U);
  link_.connect();
  EXPECT_EQ(count_on(topics_.status()), 2U);
  EXPECT_EQ(count_on(topics_.info()), 2U);
  EXPECT_EQ(count_on(topics_.state()), 2U);
}

TEST_F(reporter_memory_test, state_follows_changes_at_most_five_per_second) {
  rig_.locker().on_change([this] {
    report_.observe();
    rep_.state_changed();
  });
  link_.start();
  turn();
  ASSERT_EQ(rep_.states_published(), 1U);

  // A burst at one instant: one more state, once the interval is over, not twenty.
  for (int i = 0; i < 20; ++i) rep_.state_changed();
  turn();
  EXPECT_EQ(rep_.states_published(), 1U);
  rig_.advance(199ms);
  EXPECT_EQ(rep_.states_published(), 1U);
  rig_.advance(51ms);
  EXPECT_EQ(rep_.states_published(), 2U);
  rig_.advance(1s);
  EXPECT_EQ(rep_.states_published(), 2U) << "nothing more was due";

  // A real change: a door forced open is in the next state.
  ASSERT_TRUE(rig_.model().force("1").ok());
  rig_.advance(1s);
  const auto last = json::parse(link_.published_on(topics_.state()).back().payload);
  EXPECT_EQ(last["compartments"][0]["door"], "open");
  EXPECT_FALSE(last["alarms"].empty());
  EXPECT_EQ(last["seq"], rig_.db().journal().last_seq());

  // A door that chatters for three seconds: many changes, never more than 5 states a second.
  const auto before = rep_.states_published();
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(rig_.model().stick("5", i % 2 == 0).ok());
    rig_.advance(60ms);
  }
  EXPECT_LE(rep_.states_published() - before, 5U * 3U + 1U);
  EXPECT_GE(rep_.states_published() - before, 2U);
}

TEST_F(reporter_memory_test, telemetry_goes_out_at_qos0_every_period) {
  link_.start();
  turn();
  rig_.advance(999ms);
  EXPECT_EQ(count_on(topics_.tele()), 0U);
  rig_.advance(1ms);
  ASSERT_EQ(count_on(topics_.tele()), 1U);
  const auto m = link_.published_on(topics_.tele()).at(0);
  EXPECT_EQ(m.qos, 0);
  EXPECT_FALSE(m.retained);
  const auto t = json::parse(m.payload);
  EXPECT_TRUE(t.contains("uptime_s"));
  EXPECT_EQ(t["journal_backlog"], rig_.db().journal().backlog());
  rig_.advance(1s);
  EXPECT_EQ(count_on(topics_.tele()), 2U);

  // 1 s -> 5 s: nothing at the old pace; the next one 5 s after the change.
  rep_.set_telemetry(5s);
  rig_.advance(4999ms);
  EXPECT_EQ(count_on(topics_.tele()), 2U);
  rig_.advance(1ms);
  EXPECT_EQ(count_on(topics_.tele()), 3U);

  // None while the broker is away.
  link_.disconnect();
  rig_.advance(20s);
  EXPECT_EQ(count_on(topics_.tele()), 3U);
}

TEST_F(reporter_memory_test, rebirth_republishes_status_and_info_and_keeps_the_state_pace) {
  link_.start();
  turn();
  for (int i = 0; i < 20; ++i) rep_.rebirth();
  EXPECT_EQ(count_on(topics_.status()), 21U);
  EXPECT_EQ(count_on(topics_.info()), 21U);
  EXPECT_EQ(rep_.states_published(), 1U);
  rig_.advance(250ms);
  EXPECT_EQ(rep_.states_published(), 2U);
  rig_.advance(1s);
  EXPECT_EQ(rep_.states_published(), 2U);
}

TEST_F(reporter_memory_test, a_new_config_version_is_in_info_at_once) {
  link_.start();
  turn();
  rep_.set_config_version(7);
  const auto info = json::parse(link_.published_on(topics_.info()).back().payload);
  EXPECT_EQ(info["config_version"], 7);
  EXPECT_EQ(count_on(topics_.info()), 2U);
}

}  // namespace
}  // namespace locker::mqtt::testing
