// SPDX-License-Identifier: Apache-2.0
// The birth (status, info, state retained after connect) and the rate-limited state, for a
// whole in-process locker (the scenario rig on virtual time) and a real broker.
#include <gtest/gtest.h>

#include "daemon/mqtt/reporter.hpp"
#include "tests/mqtt/mqtt_test_support.hpp"
#include "tests/scenario/locker_rig.hpp"

namespace locker::mqtt::testing {
namespace {

class reporter_test : public mqtt_fixture {
 protected:
  reporter_settings settings() {
    reporter_settings s;
    s.version = "9.9.9";
    s.boot_id = "00000000-0000-4000-8000-000000000001";
    s.started_at = rig_.clock().wall_now();
    s.telemetry = 1s;
    return s;
  }
  scenario::locker_rig rig_;  // locker id "test", as topics_
};

TEST_F(reporter_test, status_info_and_state_are_retained_after_connect) {
  test::mosquitto_broker broker;
  mqtt_link link(io_, clock_, test_settings(broker.url(), topics_));
  reporter rep(link, rig_.clock(), rig_.db(), rig_.locker(), rig_.cfg(), topics_, settings());
  link.start();
  ASSERT_TRUE(run_until([&] { return link.connected() && rep.states_published() == 1; }));

  // A subscriber arriving later gets all three, retained.
  test::test_subscriber late(broker.url(), topics_.root() + "+");
  ASSERT_TRUE(late.wait_for([](const auto& m) { return m.size() >= 3; })) << late.count();
  const auto status = late.on_topic(topics_.status());
  const auto info = late.on_topic(topics_.info());
  const auto state = late.on_topic(topics_.state());
  ASSERT_EQ(status.size(), 1U);
  ASSERT_EQ(info.size(), 1U);
  ASSERT_EQ(state.size(), 1U);
  EXPECT_TRUE(status[0].retained && info[0].retained && state[0].retained);
  const auto st = json::parse(status[0].payload);
  EXPECT_EQ(st["online"], true);
  EXPECT_EQ(st["version"], "9.9.9");
  EXPECT_EQ(st["boot_id"], "00000000-0000-4000-8000-000000000001");
  EXPECT_TRUE(st.contains("started_at"));
  const auto in = json::parse(info[0].payload);
  EXPECT_EQ(in["compartments"].size(), rig_.cfg().board.compartments.size());
  EXPECT_EQ(in["config_version"], 0);
  const auto s = json::parse(state[0].payload);
  EXPECT_EQ(s["compartments"].size(), rig_.cfg().board.compartments.size());
  EXPECT_EQ(s["seq"], rig_.db().journal_last_seq());
  EXPECT_EQ(s["compartments"][0]["door"], "closed");
  EXPECT_EQ(s["compartments"][0]["lock"], "locked");
}

TEST_F(reporter_test, state_follows_changes_at_most_five_per_second) {
  test::mosquitto_broker broker;
  test::test_subscriber sub(broker.url(), topics_.state());
  mqtt_link link(io_, clock_, test_settings(broker.url(), topics_));
  reporter rep(link, rig_.clock(), rig_.db(), rig_.locker(), rig_.cfg(), topics_, settings());
  rig_.locker().on_change([&] { rep.state_changed(); });
  link.start();
  ASSERT_TRUE(run_until([&] { return sub.count() == 1; }));

  // A burst of changes at one instant: one more state, after the interval, not twenty.
  for (int i = 0; i < 20; ++i) rep.state_changed();
  io_.restart();
  io_.poll();
  EXPECT_EQ(rep.states_published(), 1U);
  rig_.advance(250ms);
  EXPECT_EQ(rep.states_published(), 2U);
  ASSERT_TRUE(run_until([&] { return sub.count() == 2; }));

  // A real change: a door forced open shows in the next state.
  rig_.advance(1s);
  const auto id = rig_.cfg().board.compartments[0].id;
  // force(), not person_opens(): a person cannot open a locked door, the simulator refuses.
  ASSERT_TRUE(rig_.model().force(id).ok());
  rig_.advance(1s);
  ASSERT_TRUE(run_until([&] {
    const auto m = sub.messages();
    if (m.empty()) return false;
    const auto j = json::parse(m.back().payload);
    return j["compartments"][0]["door"] == "open" && !j["alarms"].empty();
  })) << sub.messages().back().payload;
  // Never more than 5 per second of virtual time (3.45 s so far, generously rounded up).
  EXPECT_LE(rep.states_published(), 2U + 5U * 3U);
}

TEST_F(reporter_test, state_lists_the_power_alarm_while_on_the_backup_supply) {
  ASSERT_TRUE(rig_.model().set_power(false).ok());  // sim-24 has a backup battery
  rig_.advance(2s);
  ASSERT_TRUE(rig_.locker().power_alarm_since());
  test::mosquitto_broker broker;
  test::test_subscriber sub(broker.url(), topics_.state());
  mqtt_link link(io_, clock_, test_settings(broker.url(), topics_));
  reporter rep(link, rig_.clock(), rig_.db(), rig_.locker(), rig_.cfg(), topics_, settings());
  link.start();
  ASSERT_TRUE(run_until([&] { return sub.count() == 1; }));
  const auto alarms = json::parse(sub.messages().back().payload).at("alarms");
  ASSERT_EQ(alarms.size(), 1U) << alarms.dump();
  EXPECT_EQ(alarms[0].at("type"), "power");
  EXPECT_EQ(alarms[0].at("severity"), "warning");
  EXPECT_FALSE(alarms[0].contains("compartment"));
  EXPECT_EQ(alarms[0].at("since"),
            protocol::format_timestamp(*rig_.locker().power_alarm_since()));
}

TEST_F(reporter_test, telemetry_goes_out_at_qos0_every_interval) {
  test::mosquitto_broker broker;
  test::test_subscriber sub(broker.url(), topics_.tele(), {.client_id = "", .persistent = false, .qos = 0});
  mqtt_link link(io_, clock_, test_settings(broker.url(), topics_));
  reporter rep(link, rig_.clock(), rig_.db(), rig_.locker(), rig_.cfg(), topics_, settings());
  link.start();
  ASSERT_TRUE(run_until([&] { return link.connected(); }));
  rig_.advance(1001ms);
  ASSERT_TRUE(run_until([&] { return sub.count() >= 1; }));
  const auto t = json::parse(sub.messages()[0].payload);
  EXPECT_EQ(sub.messages()[0].qos, 0);
  EXPECT_TRUE(t.contains("uptime_s"));
  EXPECT_TRUE(t.contains("journal_backlog"));
  EXPECT_GT(t["disk"]["total_bytes"].get<std::uint64_t>(), 0U);
}

}  // namespace
}  // namespace locker::mqtt::testing
