// SPDX-License-Identifier: Apache-2.0
// The birth (status, info, state retained after connect) and the rate-limited state, for a
// whole in-process locker (the scenario rig on virtual time) and a real broker; and that
// get_state answers the very state the reporter publishes.
#include "daemon/mqtt/reporter.hpp"

#include <gtest/gtest.h>

#include "daemon/commands/command_handler.hpp"
#include "daemon/mqtt/link_publisher.hpp"
#include "tests/mqtt/mqtt_test_support.hpp"
#include "tests/mqtt/reporter_settings.hpp"
#include "tests/scenario/locker_rig.hpp"

namespace locker::mqtt::testing {
namespace {

class reporter_test : public mqtt_fixture {
 protected:
  reporter_settings settings() { return test_reporter_settings(rig_.clock().wall_now(), 1s); }
  // A reporter on a link to a broker of its own; the link is not started yet.
  struct reporting {
    explicit reporting(reporter_test& t)
        : link(t.io_, t.clock_, test_settings(broker.url(), t.topics_)),
          rep(link, t.rig_.clock(), t.rig_.db(), t.report_, t.rig_.cfg(), t.topics_, t.settings()) {
    }
    test::mosquitto_broker broker;
    mqtt_link link;
    reporter rep;
  };
  // Starts the link: true once it is connected and the first state is out.
  bool online(reporting& r) {
    r.link.start();
    return run_until([&] { return r.link.connected() && r.rep.states_published() == 1; });
  }
  // A subscriber to telemetry, at QoS 0 as it is sent.
  static test::subscriber_options at_qos0() {
    return {.client_id = "", .more_filters = {}, .persistent = false, .qos = 0};
  }
  // Starts the link and lets one telemetry period (1 s) pass: its one message reaches sub.
  bool first_telemetry(reporting& r, test::test_subscriber& sub) {
    r.link.start();
    if (!run_until([&] { return r.link.connected(); })) return false;
    rig_.advance(1001ms);
    return run_until([&] { return sub.count() == 1; });
  }
  scenario::locker_rig rig_{
      {}, scenario::locker_rig::mqtt_stack::none};  // locker id "test", as topics_
  state::state_report report_{rig_.locker(), rig_.db(), rig_.clock()};
};

TEST_F(reporter_test, status_info_and_state_are_retained_after_connect) {
  reporting r(*this);
  ASSERT_TRUE(online(r));

  // A subscriber arriving later gets all three, retained.
  test::test_subscriber late(r.broker.url(), topics_.root() + "+");
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
  EXPECT_EQ(s["seq"], rig_.db().journal().last_seq());
  EXPECT_EQ(s["compartments"][0]["door"], "closed");
  EXPECT_EQ(s["compartments"][0]["lock"], "locked");
}

TEST_F(reporter_test, state_follows_changes_at_most_five_per_second) {
  test::mosquitto_broker broker;
  test::test_subscriber sub(broker.url(), topics_.state());
  mqtt_link link(io_, clock_, test_settings(broker.url(), topics_));
  reporter rep(link, rig_.clock(), rig_.db(), report_, rig_.cfg(), topics_, settings());
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
  reporter rep(link, rig_.clock(), rig_.db(), report_, rig_.cfg(), topics_, settings());
  link.start();
  ASSERT_TRUE(run_until([&] { return sub.count() == 1; }));
  const auto alarms = json::parse(sub.messages().back().payload).at("alarms");
  ASSERT_EQ(alarms.size(), 1U) << alarms.dump();
  EXPECT_EQ(alarms[0].at("type"), "power");
  EXPECT_EQ(alarms[0].at("severity"), "warning");
  EXPECT_FALSE(alarms[0].contains("compartment"));
  EXPECT_EQ(alarms[0].at("since"), protocol::format_timestamp(*rig_.locker().power_alarm_since()));
}

TEST_F(reporter_test, telemetry_goes_out_at_qos0_every_interval) {
  reporting r(*this);
  test::test_subscriber sub(r.broker.url(), topics_.tele(), at_qos0());
  ASSERT_TRUE(first_telemetry(r, sub)) << sub.count();
  const auto t = json::parse(sub.messages()[0].payload);
  EXPECT_EQ(sub.messages()[0].qos, 0);
  EXPECT_TRUE(t.contains("uptime_s"));
  EXPECT_TRUE(t.contains("journal_backlog"));
  EXPECT_GT(t["disk"]["total_bytes"].get<std::uint64_t>(), 0U);
}

TEST_F(reporter_test, a_new_telemetry_period_takes_effect_at_once) {
  reporting r(*this);
  test::test_subscriber sub(r.broker.url(), topics_.tele(), at_qos0());
  ASSERT_TRUE(first_telemetry(r, sub)) << sub.count();

  // 1 s -> 5 s: nothing at the old pace, the next one 5 s after the change.
  r.rep.set_telemetry(5s);
  rig_.advance(4500ms);
  io_.restart();
  io_.run_for(100ms);
  EXPECT_EQ(sub.count(), 1U) << "the old period is still running";
  rig_.advance(600ms);
  ASSERT_TRUE(run_until([&] { return sub.count() == 2; }));
}

TEST_F(reporter_test, rebirth_keeps_the_state_to_five_per_second) {
  reporting r(*this);
  ASSERT_TRUE(online(r));
  // A flood of rebirth commands at one instant: status and info each time, one state later.
  for (int i = 0; i < 20; ++i) r.rep.rebirth();
  EXPECT_EQ(r.rep.states_published(), 1U);
  rig_.advance(250ms);
  EXPECT_EQ(r.rep.states_published(), 2U);
  rig_.advance(1s);
  EXPECT_EQ(r.rep.states_published(), 2U) << "nothing more was due";
}

TEST_F(reporter_test, info_lists_what_this_board_has) {
  const auto info = [&](reporter& rep) {
    return json::parse(protocol::encode_info(rep.current_info()));
  };
  test::mosquitto_broker broker;
  mqtt_link link(io_, clock_, test_settings(broker.url(), topics_));
  {
    reporter rep(link, rig_.clock(), rig_.db(), report_, rig_.cfg(), topics_, settings());
    EXPECT_EQ(info(rep)["capabilities"], json::array({"presence_sensor"}));
  }
  // The same cabinet without presence lines: occupied is only what the database says.
  auto bare = rig_.cfg();
  for (auto& c : bare.board.compartments) c.presence.reset();
  reporter rep(link, rig_.clock(), rig_.db(), report_, bare, topics_, settings());
  EXPECT_EQ(info(rep)["capabilities"], json::array());
}

// get_state's data is the published state plus the reservations, also where the two used
// to be built apart and differed: a door whose sensor is faulty, the alarms' since, the
// keypad lockout. And since survives a restart.
TEST_F(reporter_test, get_state_answers_the_published_state_plus_reservations) {
  test::mosquitto_broker broker;
  test::test_subscriber sub(broker.url(), topics_.root() + "#");
  auto link = std::make_unique<mqtt_link>(io_, clock_, test_settings(broker.url(), topics_));
  link_publisher replies(*link);
  auto report = std::make_unique<state::state_report>(rig_.locker(), rig_.db(), rig_.clock());
  auto rep = std::make_unique<reporter>(*link, rig_.clock(), rig_.db(), *report, rig_.cfg(),
                                        topics_, settings());
  auto handler = std::make_unique<commands::command_handler>(
      rig_.locker(), rig_.db(), rig_.key(), rig_.clock(), topics_, replies, *report);
  rig_.locker().on_change([&] {
    report->observe();
    rep->state_changed();
  });
  link->start();
  ASSERT_TRUE(run_until([&] { return link->connected() && rep->states_published() == 1; }));

  // A door forced open, a sensor that chatters, the keypad locked out, a parcel announced.
  ASSERT_TRUE(rig_.model().force("3").ok());
  rig_.advance(1s);
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(rig_.model().stick("5", i % 2 == 0).ok());
    rig_.advance(60ms);
  }
  rig_.advance(1s);
  for (int i = 0; i < rig_.cfg().policy.max_code_attempts; ++i)
    (void)rig_.locker().pickup("00000000");
  handler->handle_command("reservation_create", R"({"req_id":"q1","reservation_id":"r-1",)"
                                                R"("tracking_number":"4711","size":"S"})");
  rig_.advance(1s);

  const auto last_state = [&] {
    json out;
    for (const auto& m : sub.messages())
      if (m.topic == topics_.state()) out = json::parse(m.payload);
    return out;
  };
  const auto get_state = [&](const std::string& req_id) {
    handler->handle_command("get_state", R"({"req_id":")" + req_id + R"("})");
    json out;
    EXPECT_TRUE(run_until([&] {
      for (const auto& m : sub.messages()) {
        if (m.topic != topics_.res("get_state")) continue;
        auto j = json::parse(m.payload);
        if (j["req_id"] == req_id) out = j;
      }
      return !out.is_null();
    }));
    return out;
  };
  ASSERT_TRUE(
      run_until([&] { return last_state().value("seq", 0U) == rig_.db().journal().last_seq(); }));
  auto reply = get_state("q2");
  ASSERT_EQ(reply["status"], "ok") << reply;
  auto data = reply["data"];
  ASSERT_EQ(data["reservations"].size(), 1U);
  EXPECT_EQ(data["reservations"][0]["reservation_id"], "r-1");
  data.erase("reservations");
  const auto published = last_state();
  EXPECT_EQ(data, published);

  // What the two used to disagree on, checked outright.
  std::map<std::string, json> doors;
  for (const auto& c : published["compartments"]) doors[c["id"]] = c["door"];
  EXPECT_EQ(doors["3"], "open");
  EXPECT_EQ(doors["5"], "unknown") << "a faulty sensor's last report is not the truth";
  std::map<std::string, std::string> since;
  for (const auto& a : published["alarms"])
    since[a["type"].get<std::string>() + "/" + a.value("compartment", "")] = a["since"];
  ASSERT_EQ(since.size(), 3U) << published["alarms"];
  EXPECT_TRUE(since.contains("door_forced/3"));
  EXPECT_TRUE(since.contains("sensor_fault/5"));
  ASSERT_TRUE(since.contains("keypad_lockout/"));

  // kill -9 and start again, an hour later: the alarms still active keep their since.
  handler.reset();
  rep.reset();
  report.reset();
  link.reset();
  rig_.restart();
  rig_.advance(1h);
  state::state_report again(rig_.locker(), rig_.db(), rig_.clock());
  const auto after = json::parse(protocol::encode_state(again.current()));
  std::map<std::string, std::string> since_after;
  for (const auto& a : after["alarms"])
    since_after[a["type"].get<std::string>() + "/" + a.value("compartment", "")] = a["since"];
  EXPECT_EQ(since_after["door_forced/3"], since["door_forced/3"]);
  EXPECT_EQ(since_after["sensor_fault/5"], since["sensor_fault/5"]);
  EXPECT_FALSE(since_after.contains("keypad_lockout/")) << "the lockout ended meanwhile";
  // Raised while nobody watched (door 3 is open far longer than door_left_open_s): its
  // since is when this run first saw it.
  EXPECT_EQ(since_after["door_left_open/3"], protocol::format_timestamp(rig_.clock().wall_now()));
}

}  // namespace
}  // namespace locker::mqtt::testing
