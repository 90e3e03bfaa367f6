// SPDX-License-Identifier: Apache-2.0
// Scenario tests for several parcels under one code (issue 13, "Several parcels, one code"):
// reservations that share a recipient key share their pickup code; typed or scanned, it opens
// every compartment holding one of them, one coil at a time, and each closed door reports its
// own `collected`. A jammed box never blocks the others, a code that is ambiguous across
// recipients opens nothing, reservation_create refuses to share a code across recipients, and
// a restart in the middle loses nothing.
#include <algorithm>
#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/scenario/locker_rig.hpp"

namespace locker::scenario {
namespace multi_parcel_test {
namespace {

const std::string pin = "24681357";
const std::string code = "55554444";
const std::string idle = "Enter pickup code\n# = OK  * = courier";

// Announced straight into the database (as the rig's announce(), with a recipient key):
// reservation_create's own rule is tested over MQTT below.
void announce(locker_rig& rig, const std::string& id, const std::string& tracking,
              const std::optional<std::string>& recipient, const std::string& with_code = code) {
  store::reservation_record r;
  r.reservation_id = id;
  r.tracking_number = tracking;
  r.size = "S";
  r.pickup_code_hash = security::pickup_code_hash(rig.key(), with_code);
  r.created_at = rig.clock().wall_now();
  store::transaction tx(rig.db().db());
  rig.db().reservations().create(tx, r);
  if (recipient) rig.db().recipients().set(tx, id, *recipient);
  tx.commit();
}

// A courier deposits the announced `tracking` (size S: no size menu) into `into`.
void deposit(locker_rig& rig, const std::string& tracking, const std::string& into) {
  if (!rig.session().courier_logged_in()) rig.press("*" + pin + "#");
  rig.press("1");
  rig.press(tracking + "#");
  rig.advance(move_time);
  ASSERT_EQ(rig.display(), "Put in box " + into + ", close\n*=too big #=cancel");
  rig.person_opens(into);
  rig.person_puts(into);
  rig.person_closes(into);
  ASSERT_EQ(rig.display(), "Stored in " + into + "  #=end\n1 Next 2 Remove");
}

// Three parcels of one recipient, under one code, in boxes 1, 2 and 3; the courier logs out.
void three_parcels(locker_rig& rig) {
  rig.add_courier("c-1", pin);
  for (int i = 1; i <= 3; ++i)
    announce(rig, "r-" + std::to_string(i), "900" + std::to_string(i), "recipient-7");
  for (int i = 1; i <= 3; ++i) deposit(rig, "900" + std::to_string(i), std::to_string(i));
  rig.press("#");
  ASSERT_EQ(rig.display(), idle);
}

std::vector<std::string> collected_in(locker_rig& rig) {
  std::vector<std::string> out;
  for (const auto& e : rig.events_of("collected"))
    out.push_back(e.at("compartment").get<std::string>());
  return out;
}

// Watches the coils in 10 ms steps for `how_long`: never two at once; returns the order in
// which they were first energized.
std::vector<std::string> watch_coils(locker_rig& rig, drivers::millis how_long,
                                     const std::vector<std::string>& ids) {
  std::vector<std::string> order;
  for (drivers::millis t{0}; t < how_long; t += drivers::millis{10}) {
    int on = 0;
    for (const auto& id : ids) {
      if (!rig.cabinet(id).coil) continue;
      ++on;
      if (std::find(order.begin(), order.end(), id) == order.end()) order.push_back(id);
    }
    EXPECT_LE(on, 1) << "two coils at once, at " << t.count() << " ms";
    rig.advance(drivers::millis{10});
  }
  return order;
}

TEST(multi_parcel, one_code_opens_every_box_of_the_recipient_one_coil_at_a_time) {
  locker_rig rig;
  three_parcels(rig);
  const auto before = rig.event_count();
  rig.press(code + "#");
  EXPECT_EQ(rig.display(), "Opening 3 boxes...\nPlease wait");
  EXPECT_EQ(watch_coils(rig, std::chrono::seconds{2}, {"1", "2", "3"}),
            (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(rig.display(), "Boxes 1, 2, 3 open\nTake parcels, close");

  // Each door reports its own collected, in the order they close.
  rig.person_opens("2");
  rig.person_takes("2");
  rig.person_closes("2");
  EXPECT_EQ(rig.display(), "Boxes 1, 3 open\nTake parcels, close");
  rig.person_opens("3");
  rig.person_takes("3");
  rig.person_closes("3");
  EXPECT_EQ(rig.display(), "Box 1 is open\nTake parcel, close");
  rig.person_opens("1");
  rig.person_takes("1");
  rig.person_closes("1");
  EXPECT_EQ(rig.display(), "Thank you!");

  EXPECT_EQ(collected_in(rig), (std::vector<std::string>{"2", "3", "1"}));
  std::set<std::string> tracking;
  for (const auto& e : rig.events_of("collected")) tracking.insert(e.at("tracking_number"));
  EXPECT_EQ(tracking, (std::set<std::string>{"9001", "9002", "9003"}));
  const auto events = rig.events_since(before);
  EXPECT_EQ(std::count_if(events.begin(), events.end(),
                          [](const json& e) { return e.value("cause", "") == "pickup"; }),
            6)
      << "three openings and three closings";
  for (const auto& id : {"1", "2", "3"}) EXPECT_FALSE(rig.db().parcels().live_in(id)) << id;
  EXPECT_FALSE(rig.db().lockouts().load("pickup_code")) << "the right code counts nothing";
}

TEST(multi_parcel, a_jammed_box_never_blocks_the_others) {
  locker_rig rig;
  three_parcels(rig);
  ASSERT_TRUE(rig.model().jam("2").ok());
  rig.press(code + "#");
  rig.advance(std::chrono::seconds{1});
  EXPECT_EQ(rig.display(), "Boxes 1, 3 open\nTake parcels, close");
  EXPECT_EQ(rig.cabinet("1").door, simulator::door_state::ajar);
  EXPECT_EQ(rig.cabinet("3").door, simulator::door_state::ajar);
  // The jammed one is found out after open_detect: the display says which, over the others.
  rig.advance(std::chrono::seconds{5});
  EXPECT_EQ(rig.display(), "Box 2 did not open\nPlease call service");
  EXPECT_EQ(rig.compartment("2").service(), compartment::service_state::faulty);
  rig.advance(std::chrono::seconds{4});
  EXPECT_EQ(rig.display(), "Boxes 1, 3 open\nTake parcels, close");

  for (const auto& id : {"1", "3"}) {
    rig.person_opens(id);
    rig.person_takes(id);
    rig.person_closes(id);
  }
  EXPECT_EQ(collected_in(rig), (std::vector<std::string>{"1", "3"}));
  // The end says again which box failed; its parcel stays stored.
  EXPECT_EQ(rig.display(), "Box 2 did not open\nPlease call service");
  ASSERT_TRUE(rig.db().parcels().live_in("2"));
  EXPECT_EQ(rig.db().parcels().live_in("2")->state, store::parcel_state::stored);
  EXPECT_EQ(rig.events_of("lock_fault").size(), 1U);
}

TEST(multi_parcel, a_parcel_left_inside_reopens_alone_with_the_same_code) {
  locker_rig rig;
  three_parcels(rig);
  rig.press(code + "#");
  rig.advance(std::chrono::seconds{2});
  rig.person_opens("1");
  rig.person_takes("1");
  rig.person_closes("1");
  rig.person_opens("2");
  rig.person_closes("2");  // its parcel still inside
  EXPECT_EQ(rig.display(), "Parcel still in 2\nType code to reopen");
  rig.advance(std::chrono::seconds{4});
  EXPECT_EQ(rig.display(), "Box 3 is open\nTake parcel, close");
  rig.person_opens("3");
  rig.person_takes("3");
  rig.person_closes("3");
  EXPECT_EQ(rig.display(), "Parcel still in 2\nType code to reopen");
  // The same code, within the session: only the box that still holds a parcel opens.
  rig.press(code + "#");
  EXPECT_EQ(rig.display(), "Opening box 2...\nPlease wait");
  rig.advance(std::chrono::seconds{1});
  EXPECT_FALSE(rig.cabinet("1").coil);
  rig.person_opens("2");
  rig.person_takes("2");
  rig.person_closes("2");
  EXPECT_EQ(rig.display(), "Thank you!");
  EXPECT_EQ(collected_in(rig), (std::vector<std::string>{"1", "3", "2"}));
  EXPECT_TRUE(rig.events_of("parcel_left_inside").empty());
}

TEST(multi_parcel, a_code_ambiguous_across_recipients_opens_nothing_and_counts) {
  locker_rig rig;
  rig.add_courier("c-1", pin);
  // Written past reservation_create's rule (a database from before it): a key and none, and
  // under another code two different keys.
  announce(rig, "r-1", "9101", "recipient-7");
  announce(rig, "r-2", "9102", std::nullopt);
  announce(rig, "r-3", "9103", "recipient-7", "66667777");
  announce(rig, "r-4", "9104", "recipient-8", "66667777");
  deposit(rig, "9101", "1");
  deposit(rig, "9102", "2");
  deposit(rig, "9103", "3");
  deposit(rig, "9104", "4");
  rig.press("#");
  const auto before = rig.event_count();
  rig.press(code + "#");
  EXPECT_EQ(rig.display(), "Wrong code\nTries left: 4");
  rig.advance(std::chrono::seconds{5});
  rig.press("66667777#");
  EXPECT_EQ(rig.display(), "Wrong code\nTries left: 3");
  rig.advance(std::chrono::seconds{2});
  EXPECT_EQ(rig.event_count(), before) << "nothing opened";
  for (const auto& id : {"1", "2", "3", "4"}) {
    EXPECT_EQ(rig.cabinet(id).door, simulator::door_state::closed) << id;
    EXPECT_EQ(rig.db().parcels().live_in(id)->state, store::parcel_state::stored) << id;
  }
  // Counted as wrong codes: a guess against every stored parcel.
  EXPECT_EQ(rig.db().parcels().live_in("1")->failed_attempts, 2);
}

TEST(multi_parcel, reservation_create_refuses_a_code_shared_across_recipients) {
  locker_rig rig;
  rig.add_courier("c-1", pin);
  rig.advance(std::chrono::seconds{1});  // the link is up and subscribed
  int n = 0;
  // Tracking numbers a courier can type: the id's characters as their codes.
  const auto tracking_of = [](const std::string& id) {
    std::string out;
    for (const char c : id) out += std::to_string(static_cast<int>(c));
    return out;
  };
  const auto create = [&](const std::string& id, const std::optional<std::string>& recipient,
                          const std::string& with_code) {
    json cmd{{"req_id", "q-" + std::to_string(++n)},
             {"reservation_id", id},
             {"tracking_number", tracking_of(id)},
             {"size", "S"},
             {"pickup_code", with_code}};
    if (recipient) cmd["recipient"] = *recipient;
    EXPECT_TRUE(rig.link().deliver(rig.app().topics().cmd("reservation_create"), cmd.dump()));
    rig.advance(key_time);
    const auto replies = rig.link().published_on(rig.app().topics().res("reservation_create"));
    EXPECT_FALSE(replies.empty());
    if (replies.empty()) return json::object();
    auto reply = json::parse(replies.back().payload);
    EXPECT_EQ(reply["req_id"], cmd["req_id"]);
    EXPECT_EQ(reply.dump().find(with_code), std::string::npos) << "no code in a reply";
    return reply;
  };
  const auto ok = [](const json& r) { return r.value("status", "") == "ok"; };
  const auto conflict = [](const json& r) { return r.value("code", "") == "conflict"; };

  EXPECT_TRUE(ok(create("a-1", "recipient-7", code)));
  EXPECT_TRUE(ok(create("a-2", "recipient-7", code))) << "the same recipient shares it";
  EXPECT_TRUE(conflict(create("b-1", "recipient-8", code))) << "another recipient";
  EXPECT_TRUE(conflict(create("b-2", std::nullopt, code))) << "no recipient key";
  // A code held without a key is never shared, not even by a key.
  EXPECT_TRUE(ok(create("c-1", std::nullopt, "66667777")));
  EXPECT_TRUE(conflict(create("c-2", "recipient-7", "66667777")));
  // The same announcement again is the same; with another key it differs.
  EXPECT_TRUE(ok(create("a-1", "recipient-7", code)));
  EXPECT_TRUE(conflict(create("a-1", "recipient-8", code)));

  // Stored parcels hold it too: once a-1 is in the locker, the rule is the same.
  deposit(rig, tracking_of("a-1"), "1");
  rig.press("#");
  EXPECT_TRUE(conflict(create("b-3", "recipient-8", code)));
  EXPECT_TRUE(ok(create("a-3", "recipient-7", code)));
  EXPECT_EQ(rig.db().recipients().of_reservation("a-3"), "recipient-7");
  EXPECT_FALSE(rig.db().recipients().of_reservation("c-1"));
  EXPECT_FALSE(rig.db().reservations().find("b-1"));
}

TEST(multi_parcel, a_restart_in_the_middle_loses_nothing) {
  locker_rig rig;
  three_parcels(rig);
  rig.scan(code);  // by scan, as typed
  EXPECT_EQ(rig.display(), "Opening 3 boxes...\nPlease wait");
  rig.advance(std::chrono::seconds{2});
  for (const auto& id : {"1", "2", "3"}) rig.person_opens(id);
  rig.person_takes("1");
  rig.person_closes("1");
  ASSERT_EQ(collected_in(rig), (std::vector<std::string>{"1"}));
  rig.person_takes("2");

  // kill -9 with two doors still open: they come back as the pickups they were.
  rig.restart();
  for (const auto& id : {"2", "3"}) {
    EXPECT_EQ(rig.compartment(id).door(), compartment::door_state::open) << id;
    EXPECT_EQ(rig.db().parcels().live_in(id)->state, store::parcel_state::stored) << id;
  }
  rig.person_closes("2");
  rig.person_takes("3");
  rig.person_closes("3");
  EXPECT_EQ(collected_in(rig), (std::vector<std::string>{"1", "2", "3"}));
  for (const auto& id : {"1", "2", "3"}) {
    EXPECT_FALSE(rig.db().parcels().live_in(id)) << id;
    EXPECT_EQ(rig.compartment(id).lock(), compartment::lock_state::locked) << id;
  }
  // seq runs on without a gap or a repeat.
  std::uint64_t expected = 1;
  for (const auto& e : rig.events()) EXPECT_EQ(e.at("seq").get<std::uint64_t>(), expected++);
}

}  // namespace
}  // namespace multi_parcel_test
}  // namespace locker::scenario
