// SPDX-License-Identifier: Apache-2.0
// lockerd as a process (lockerd_process.hpp): the liveness status (online, will on kill -9,
// shutdown on SIGTERM), a deposit and a pickup reaching a subscriber as events in seq order,
// nothing lost when lockerd is killed while events are in flight, the keypad lockout alarm,
// and what queued means for the events of a start. TearDown checks the contract.
#include "tests/mqtt/lockerd_process.hpp"

#include "tests/support/command_replies.hpp"

namespace locker::mqtt::process_testing {
namespace {

TEST_F(mqtt_lockerd_process, status_is_online_then_the_will_on_kill_and_shutdown_on_sigterm) {
  try {
    start_lockerd();
    // A subscriber arriving after the birth gets it, retained (one arriving earlier would
    // see it live, without the retained flag).
    ASSERT_TRUE(wait_online());
    {
      test::test_subscriber late(broker_->url(), std::string(root) + "+");
      ASSERT_TRUE(late.wait_for(
          [](const auto& m) {
            std::set<std::string> t;
            for (const auto& x : m)
              if (x.retained) t.insert(x.topic);
            return t.size() >= 3;
          },
          deadline))
          << late.count();
      const auto st = late.on_topic(status_topic);
      ASSERT_EQ(st.size(), 1U);
      EXPECT_TRUE(st[0].retained);
      EXPECT_EQ(json::parse(st[0].payload)["online"], true);
      EXPECT_EQ(late.on_topic(std::string(root) + "info").size(), 1U);
      EXPECT_EQ(late.on_topic(std::string(root) + "state").size(), 1U);
    }

    // kill -9: the broker sends the will within 1.5 keepalives.
    lockerd_.stop(SIGKILL);
    ASSERT_TRUE(wait_recorded([](const auto& m) {
      const auto s = status_of(m);
      return s && (*s)["online"] == false;
    })) << broker_->log();
    EXPECT_EQ(*status_of(recorder_->messages()),
              json::parse(R"({"online":false,"reason":"lost"})"));

    // Back again, then a clean stop: the shutdown status, retained, and no will after it.
    start_lockerd();
    ASSERT_TRUE(wait_recorded([](const auto& m) {
      const auto s = status_of(m);
      return s && (*s)["online"] == true;
    }));
    const int status = lockerd_.stop(SIGTERM);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << "\n" << log_tail();
    ASSERT_TRUE(wait_recorded([](const auto& m) {
      const auto s = status_of(m);
      return s && (*s)["online"] == false;
    }));
    EXPECT_EQ(*status_of(recorder_->messages()),
              json::parse(R"({"online":false,"reason":"shutdown"})"));
    // A will would come within 1.5 keepalives of the last packet: watch twice that long.
    EXPECT_FALSE(wait_recorded(
        [](const auto& m) {
          const auto s = status_of(m);
          return s && s->value("reason", "") == "lost";
        },
        std::chrono::seconds(3 * keepalive_s)))
        << "the will fired after a clean stop";
    test::test_subscriber late(broker_->url(), status_topic);
    ASSERT_TRUE(late.wait_for([](const auto& m) { return !m.empty(); }, deadline));
    EXPECT_TRUE(late.messages()[0].retained);
    EXPECT_EQ(json::parse(late.messages()[0].payload)["reason"], "shutdown");
  } catch (const failure& f) {
    FAIL() << f.what() << "\n" << log_tail();
  }
}

// Losing the cabinet stops lockerd as SIGTERM does, but with reason lost and status 1: the
// offline status goes out first and the disconnect is clean (no will: lockerd said it).
TEST_F(mqtt_lockerd_process, losing_the_hardware_publishes_offline_lost_before_a_clean_disconnect) {
  try {
    start_lockerd();
    ASSERT_TRUE(wait_online());
    control_ = nullptr;
    sim_->stop(SIGTERM);
    std::optional<int> status;
    const auto end = std::chrono::steady_clock::now() + deadline;
    while (!(status = lockerd_.ended()) && std::chrono::steady_clock::now() < end)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_TRUE(status) << "lockerd still runs without its cabinet\n" << log_tail();
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 1) << *status << "\n" << log_tail();
    ASSERT_TRUE(wait_recorded([](const auto& m) {
      const auto s = status_of(m);
      return s && (*s)["online"] == false;
    })) << broker_->log();
    EXPECT_EQ(*status_of(recorder_->messages()),
              json::parse(R"({"online":false,"reason":"lost"})"));
    // mosquitto says "disconnected" after a DISCONNECT, "closed its connection" (and sends the
    // will) when the socket just went away.
    const auto log = broker_->log();
    EXPECT_NE(log.find("Client locker-t1 disconnected"), std::string::npos) << log;
    EXPECT_EQ(log.find("Client locker-t1 closed its connection"), std::string::npos) << log;
  } catch (const failure& f) {
    FAIL() << f.what() << "\n" << log_tail();
  }
}

TEST_F(mqtt_lockerd_process, a_deposit_and_a_pickup_reach_a_subscriber_in_seq_order) {
  try {
    start_lockerd();
    // Connected first, so that no event is (rightly) marked queued.
    ASSERT_TRUE(wait_online());
    const std::string tracking = "70000001";
    const auto box = deposit(tracking);
    ASSERT_TRUE(wait_recorded([&](const auto& m) {
      return has_parcel_event(m, "stored", tracking);
    })) << log_tail();
    std::string code;
    for (const auto& e : distinct_events(recorder_->messages()))
      if (e["type"] == "stored") code = e.value("pickup_code", "");
    ASSERT_FALSE(code.empty()) << "the stored event carries no pickup_code";
    pickup(code, box);
    ASSERT_TRUE(wait_recorded([&](const auto& m) {
      return has_parcel_event(m, "collected", tracking);
    })) << log_tail();
    // The door's closing after the pickup may trail the collected event by a moment.
    ASSERT_TRUE(wait_recorded([&](const auto& m) {
      int closed = 0;
      for (const auto& e : distinct_events(m))
        if (e["_topic"] == std::string(root) + "evt/door" && e["type"] == "closed") ++closed;
      return closed >= 2;
    }));

    // In seq order as they arrived, with no gap, and the story told right.
    std::vector<std::uint64_t> arrival;
    std::set<std::string> seen;
    for (const auto& m : recorder_->messages()) {
      if (m.topic.find("/evt/") == std::string::npos) continue;
      const auto j = json::parse(m.payload);
      if (seen.insert(j["event_id"].get<std::string>()).second)
        arrival.push_back(j["seq"].get<std::uint64_t>());
    }
    ASSERT_FALSE(arrival.empty());
    for (std::size_t i = 1; i < arrival.size(); ++i)
      EXPECT_EQ(arrival[i], arrival[i - 1] + 1) << "at arrival " << i;
    std::vector<std::string> story;
    for (const auto& e : distinct_events(recorder_->messages())) {
      const auto topic = e["_topic"].get<std::string>().substr(root.size());
      story.push_back(topic + ":" + e["type"].get<std::string>() + ":" +
                      e.value("compartment", std::string{}));
      EXPECT_FALSE(e.value("queued", false)) << e.dump();
    }
    const std::vector<std::string> expected{
        "evt/door:opened:" + box, "evt/door:closed:" + box,      "evt/parcel:stored:" + box,
        "evt/door:opened:" + box, "evt/parcel:collected:" + box, "evt/door:closed:" + box};
    // The order of the door's closing and the parcel event within one step is the
    // controller's; what matters is that each is there, in seq order (checked above).
    std::multiset<std::string> got(story.begin(), story.end());
    std::multiset<std::string> want(expected.begin(), expected.end());
    EXPECT_EQ(got, want) << ::testing::PrintToString(story);
    const auto stored_it = std::find(story.begin(), story.end(), "evt/parcel:stored:" + box);
    const auto collected_it = std::find(story.begin(), story.end(), "evt/parcel:collected:" + box);
    EXPECT_LT(stored_it, collected_it);

    // The state follows: the last one shows the box empty again and seq at the last event.
    ASSERT_TRUE(wait_recorded([&](const auto& m) {
      const auto states = payloads_on(m, std::string(root) + "state");
      return !states.empty() && states.back()["seq"] == arrival.back();
    })) << "the state never caught up with seq "
        << arrival.back();
  } catch (const failure& f) {
    FAIL() << f.what() << "\n" << log_tail();
  }
}

TEST_F(mqtt_lockerd_process, events_in_flight_when_lockerd_is_killed_all_arrive_after_the_restart) {
  try {
    start_lockerd();
    ASSERT_TRUE(wait_recorded([](const auto& m) {
      const auto s = status_of(m);
      return s && (*s)["online"] == true;
    }));
    // One deposit while the broker is there: published at once.
    deposit("70000011");
    ASSERT_TRUE(
        wait_recorded([&](const auto& m) { return has_parcel_event(m, "stored", "70000011"); }));
    // The last seq seen live before the outage (a door event may trail the stored one).
    const auto seen_live = [&] {
      std::uint64_t seq = 0;
      for (const auto& e : distinct_events(recorder_->messages()))
        seq = std::max(seq, e["seq"].get<std::uint64_t>());
      return seq;
    };
    const auto live_upto = seen_live();

    // The broker goes away; a deposit happens meanwhile (journaled, not published).
    broker_->stop();
    deposit("70000012");
    // The broker comes back and lockerd is killed right away: whatever it had in flight is
    // neither acknowledged nor deleted, and must go out after the restart.
    broker_->start();
    lockerd_.stop(SIGKILL);
    ASSERT_TRUE(recorder_->wait_subscribed(2, deadline));
    start_lockerd();
    ASSERT_TRUE(wait_recorded([&](const auto& m) {
      return has_parcel_event(m, "stored", "70000012");
    })) << log_tail();
    // A last deposit after all that, published live.
    deposit("70000013");
    ASSERT_TRUE(wait_recorded([&](const auto& m) {
      return has_parcel_event(m, "stored", "70000013");
    })) << log_tail();

    // Every event, once each by event_id, seq contiguous over the union.
    const auto events = distinct_events(recorder_->messages());
    ASSERT_FALSE(events.empty());
    const auto first_seq = events.front()["seq"].get<std::uint64_t>();
    EXPECT_EQ(first_seq, 1U);
    for (std::size_t i = 0; i < events.size(); ++i)
      EXPECT_EQ(events[i]["seq"].get<std::uint64_t>(), first_seq + i) << events[i].dump();
    // Every event the outage held back was published late, and says so; the live ones do not.
    std::uint64_t outage_upto = 0;
    for (const auto& e : events)
      if (e["type"] == "stored" && e["tracking_number"] == "70000012")
        outage_upto = e["seq"].get<std::uint64_t>();
    ASSERT_GT(outage_upto, live_upto);
    for (const auto& e : events) {
      const auto seq = e["seq"].get<std::uint64_t>();
      if (seq > live_upto && seq <= outage_upto) {
        EXPECT_EQ(e.value("queued", false), true) << "published after the outage: " << e.dump();
      }
      if (e["type"] == "stored" && e["tracking_number"] != "70000012") {
        EXPECT_FALSE(e.value("queued", false)) << e.dump();
      }
    }
  } catch (const failure& f) {
    FAIL() << f.what() << "\n" << log_tail();
  }
}

// Wrong pickup codes until the keypad locks out: the alarm reaches evt/alarm, and the
// contract check in TearDown validates it like every other payload.
TEST_F(mqtt_lockerd_process, a_keypad_lockout_is_reported_as_an_alarm) {
  try {
    start_lockerd();
    ASSERT_TRUE(wait_online());
    for (int i = 0; i < 12 && !match(texts_.locked_out, control_->display()); ++i) {
      go_idle();
      send("press 99999999#");
      wait_display(
          [&](const std::string& d) {
            return match(texts_.wrong_code, d) || match(texts_.locked_out, d);
          },
          texts_.wrong_code);
    }
    ASSERT_TRUE(match(texts_.locked_out, control_->display())) << control_->display();
    ASSERT_TRUE(wait_recorded([](const auto& m) {
      for (const auto& x : m)
        if (x.topic == std::string(root) + "evt/alarm" &&
            x.payload.find("keypad_lockout") != std::string::npos)
          return true;
      return false;
    })) << log_tail();
  } catch (const failure& f) {
    FAIL() << f.what() << "\n" << log_tail();
  }
}

// A door forced while lockerd was down is found at start and journaled milliseconds before
// the first connect: published as it happened, so not queued (protocol: queued means more
// than 1 s late).
TEST_F(mqtt_lockerd_process, events_found_at_start_are_not_marked_queued) {
  try {
    send("force 7");
    start_lockerd();
    ASSERT_TRUE(wait_recorded([](const auto& m) {
      for (const auto& x : m)
        if (x.topic == std::string(root) + "evt/alarm" &&
            x.payload.find("door_forced") != std::string::npos)
          return true;
      return false;
    })) << log_tail();
    ASSERT_TRUE(wait_online()) << log_tail();
    const auto events = distinct_events(recorder_->messages());
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.front()["seq"], 1U);
    for (const auto& e : events) EXPECT_FALSE(e.contains("queued")) << e.dump();
  } catch (const failure& f) {
    FAIL() << f.what() << "\n" << log_tail();
  }
}

// A damaged database (issue 15): lockerd does not refuse to start, which would leave the
// locker unreachable, nor loop: it sets the file aside, starts, and says so on MQTT (the
// books_lost alarm; sim-24's presence sensors do the checking at once, so it clears again and
// the parcel nobody has a record of any more is unexpected_contents) and the commands work.
TEST_F(mqtt_lockerd_process, a_damaged_database_is_set_aside_and_the_locker_stays_reachable) {
  try {
    start_lockerd();
    ASSERT_TRUE(wait_online());
    const auto box = deposit("70000031");
    ASSERT_TRUE(
        wait_recorded([&](const auto& m) { return has_parcel_event(m, "stored", "70000031"); }));
    std::uint64_t last_seq = 0;
    for (const auto& e : distinct_events(recorder_->messages()))
      last_seq = std::max(last_seq, e["seq"].get<std::uint64_t>());
    lockerd_.stop(SIGKILL);
    // What a failing eMMC leaves: the header torn, the WAL gone.
    fs::remove(state_dir_ / "lockerd.db-wal");
    fs::remove(state_dir_ / "lockerd.db-shm");
    {
      std::fstream f(state_dir_ / "lockerd.db", std::ios::in | std::ios::out | std::ios::binary);
      f << "torn torn torn torn torn torn torn torn";
    }
    start_lockerd();
    std::optional<json> raised;
    bool cleared = false;
    bool unexpected = false;
    ASSERT_TRUE(wait_recorded([&](const auto& m) {
      for (const auto& e : distinct_events(m)) {
        if (e["type"] == "books_lost" && e["active"] == true) raised = e;
        if (e["type"] == "books_lost" && e["active"] == false) cleared = true;
        if (e["type"] == "unexpected_contents" && e.value("compartment", "") == box)
          unexpected = true;
      }
      return raised && cleared && unexpected;
    })) << log_tail();
    EXPECT_GT((*raised)["seq"].get<std::uint64_t>(), last_seq) << "seq never goes back";
    EXPECT_TRUE(fs::exists(state_dir_ / (*raised)["moved_to"].get<std::string>()));
    EXPECT_EQ(lockerd_.ended(), std::nullopt) << "lockerd stopped";
    // Reachable: the state on request, with the compartment that holds what nobody has a
    // record of.
    const auto r = command("get_state", {{"req_id", "bl-1"}});
    test::expect_ok(r, "bl-1");
    bool listed = false;
    for (const auto& a : r["data"]["alarms"])
      listed = listed || (a["type"] == "unexpected_contents" && a.value("compartment", "") == box);
    EXPECT_TRUE(listed) << r.dump();
  } catch (const failure& f) {
    FAIL() << f.what() << "\n" << log_tail();
  }
}

// A signed bundle through the real daemon: accepted, downloaded, verified, handed to the RAUC
// stand-in, reboot asked of the systemctl stand-in; after the "reboot" (a new process, still
// the old version: RAUC fell back) the job is reported failed once connected.
TEST_F(mqtt_lockerd_process, a_signed_update_goes_through_and_a_fallback_is_reported) {
  try {
    enable_updates();
    start_lockerd();
    ASSERT_TRUE(wait_online());
    const int n = fw_update("u1", "job-1", bundles_ / "good.raucb");
    EXPECT_EQ(reply_to(n)["status"], "accepted");
    ASSERT_TRUE(wait_job("job-1", "rebooting")) << log_tail();
    ASSERT_TRUE(wait_recorded([&](const auto&) { return !stand_in_log("systemctl").empty(); }));
    EXPECT_EQ(stand_in_log("systemctl"), "reboot\n");
    std::vector<std::string> states;
    for (const auto& j : job_messages("job-1"))
      if (states.empty() || states.back() != j["state"]) states.push_back(j["state"]);
    EXPECT_EQ(states,
              (std::vector<std::string>{"downloading", "verifying", "installing", "rebooting"}));
    const auto staged = (state_dir_ / "update" / "job-1.raucb").string();
    EXPECT_NE(stand_in_log("rauc").find("install " + staged + "\n"), std::string::npos)
        << stand_in_log("rauc");

    lockerd_.stop(SIGTERM);
    start_lockerd();
    ASSERT_TRUE(wait_job("job-1", "failed")) << log_tail();
    EXPECT_NE(job_messages("job-1").back().value("message", "").find("fell back"),
              std::string::npos);
    EXPECT_EQ(stand_in_log("rauc").find("mark-good"), std::string::npos);
  } catch (const failure& f) {
    FAIL() << f.what() << "\n" << log_tail();
  }
}

TEST_F(mqtt_lockerd_process, a_tampered_bundle_is_refused_and_nothing_is_installed) {
  try {
    enable_updates();
    start_lockerd();
    ASSERT_TRUE(wait_online());
    const auto first = reply_to(fw_update("u1", "job-2", bundles_ / "tampered.raucb"));
    EXPECT_EQ(first["status"], "accepted");
    ASSERT_TRUE(wait_job("job-2", "failed")) << log_tail();
    EXPECT_NE(job_messages("job-2").back().value("message", "").find("bad signature"),
              std::string::npos);
    EXPECT_EQ(stand_in_log("rauc"), "");
    EXPECT_EQ(stand_in_log("systemctl"), "");
    // Asked again with the same req_id: the stored reply, not a second job.
    const auto jobs_before = job_messages("job-2").size();
    EXPECT_EQ(reply_to(fw_update("u1", "job-2", bundles_ / "tampered.raucb")), first);
    EXPECT_EQ(job_messages("job-2").size(), jobs_before);
  } catch (const failure& f) {
    FAIL() << f.what() << "\n" << log_tail();
  }
}

}  // namespace
}  // namespace locker::mqtt::process_testing
