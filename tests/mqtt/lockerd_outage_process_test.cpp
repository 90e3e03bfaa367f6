// SPDX-License-Identifier: Apache-2.0
// The broker goes away while people use the locker: 100 deposits and 100 pickups through
// the keypad and the cabinet's real (simulated) doors, by a real lockerd, then the broker
// comes back. A subscriber must get every event, in seq order, seq contiguous from the first
// to the last, none missing, and those published late must say queued (lockerd_process.hpp).
#include "tests/mqtt/lockerd_process.hpp"

namespace locker::mqtt::process_testing {
namespace {

constexpr int parcels = 100;
// Deposits in a row before their recipients come: fewer than the cabinet's 24 compartments.
constexpr int per_round = 20;

std::string tracking_number(int i) { return std::to_string(80000000 + i); }
std::string pickup_code(int i) { return std::to_string(30000000 + 7919 * i); }

// The rig's people and recorder, in a test suite of its own.
class outage_process : public mqtt_lockerd_process {};

TEST_F(outage_process, two_hundred_parcel_flows_during_a_broker_outage_all_arrive_in_order) {
  try {
    const auto began = steady::now();
    // Clean door contacts: this test is about the journal across an outage, and on a loaded
    // machine locker-sim's bounce timers run late, spreading a 5 ms bounce over more than the
    // daemon's 4 x 8 ms, which it rightly takes for a chattering sensor (sensor_fault). Bounce
    // through the processes is covered by the door tests and the gpio-sim kernel test.
    send("bounce 0 0");
    start_lockerd();
    ASSERT_TRUE(wait_online());
    // The tracking system announces the parcels with the codes it sends the recipients.
    std::vector<int> announcements;
    announcements.reserve(parcels);
    for (int i = 0; i < parcels; ++i) {
      announcements.push_back(
          send_command("reservation_create", {{"req_id", "a" + std::to_string(i)},
                                              {"reservation_id", "r-" + std::to_string(i)},
                                              {"tracking_number", tracking_number(i)},
                                              {"size", "S"},
                                              {"pickup_code", pickup_code(i)}}));
    }
    for (const int n : announcements) ASSERT_EQ(reply_to(n).value("status", ""), "ok");

    broker_->stop();
    const auto outage_began = steady::now();
    for (int round = 0; round < parcels / per_round; ++round) {
      courier_login();
      std::vector<std::string> boxes;
      boxes.reserve(per_round);
      for (int k = 0; k < per_round; ++k)
        boxes.push_back(deposit_at_menu(tracking_number(round * per_round + k), true));
      send("press #");  // the courier is done
      for (int k = 0; k < per_round; ++k) pickup(pickup_code(round * per_round + k), boxes[k]);
    }
    const auto outage_flows = steady::now() - outage_began;
    // Everything was journaled while the broker was away: the last seq is in the database.
    const auto last_seq = static_cast<std::uint64_t>(std::stoull(
        db_reader(state_dir_ / "lockerd.db").query("SELECT last_seq FROM journal_counter")[0][0]));
    const auto back_at = std::chrono::system_clock::now();
    broker_->start();
    ASSERT_TRUE(recorder_->wait_subscribed(2, deadline));
    ASSERT_TRUE(wait_recorded([&](const auto& m) { return distinct_events(m).size() >= last_seq; },
                              std::chrono::seconds(60)))
        << distinct_events(recorder_->messages()).size() << " of " << last_seq << "\n"
        << log_tail();
    const auto drained = steady::now();

    // Every event once by event_id, seq 1..last contiguous, and arriving in seq order.
    const auto msgs = recorder_->messages();
    const auto events = distinct_events(msgs);
    ASSERT_EQ(events.size(), last_seq);
    for (std::size_t i = 0; i < events.size(); ++i)
      ASSERT_EQ(events[i]["seq"].get<std::uint64_t>(), i + 1) << events[i].dump();
    std::set<std::string> seen;
    std::uint64_t previous = 0;
    for (const auto& m : msgs) {
      if (m.topic.find("/evt/") == std::string::npos) continue;
      const auto j = json::parse(m.payload);
      if (!seen.insert(j["event_id"].get<std::string>()).second) continue;
      const auto seq = j["seq"].get<std::uint64_t>();
      EXPECT_EQ(seq, previous + 1) << "arrived out of seq order";
      previous = seq;
    }

    // The story: each parcel stored, then collected, nothing else went wrong.
    std::map<std::string, int> stored;
    std::map<std::string, int> collected;
    std::map<std::string, int> types;
    for (const auto& e : events) {
      const auto type = e["type"].get<std::string>();
      ++types[type];
      if (type == "stored") ++stored[e["tracking_number"].get<std::string>()];
      if (type == "collected") ++collected[e["tracking_number"].get<std::string>()];
    }
    for (int i = 0; i < parcels; ++i) {
      EXPECT_EQ(stored[tracking_number(i)], 1) << tracking_number(i);
      EXPECT_EQ(collected[tracking_number(i)], 1) << tracking_number(i);
    }
    EXPECT_EQ(types, (std::map<std::string, int>{{"stored", parcels},
                                                 {"collected", parcels},
                                                 {"opened", 2 * parcels},
                                                 {"closed", 2 * parcels}}));

    // Published late, and saying so: all that happened over a second before the broker was
    // back; none that reached the subscriber within a second of happening.
    std::size_t queued = 0;
    for (const auto& m : msgs) {
      if (m.topic.find("/evt/") == std::string::npos) continue;
      const auto j = json::parse(m.payload);
      const auto ts = protocol::parse_timestamp(j["ts"].get<std::string>());
      ASSERT_TRUE(ts);
      const bool late = j.value("queued", false);
      queued += late ? 1 : 0;
      if (*ts < back_at - 1s) {
        EXPECT_TRUE(late) << "published after the outage: " << m.payload;
      }
      if (late) {
        EXPECT_GT(m.received_at - *ts, 1s) << m.payload;
      } else {
        EXPECT_LT(m.received_at - *ts, 1500ms) << m.payload;
      }
    }
    EXPECT_GT(queued, last_seq / 2);
    std::cout
        << "[ figures  ] " << parcels << " deposits and " << parcels << " pickups in "
        << std::chrono::duration_cast<std::chrono::milliseconds>(outage_flows).count() << " ms; "
        << last_seq << " events delivered "
        << std::chrono::duration_cast<std::chrono::milliseconds>(drained - outage_began -
                                                                 outage_flows)
               .count()
        << " ms after the broker was back; test "
        << std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - began).count()
        << " ms\n";
  } catch (const failure& f) {
    FAIL() << f.what() << "\n" << log_tail();
  }
}

}  // namespace
}  // namespace locker::mqtt::process_testing
