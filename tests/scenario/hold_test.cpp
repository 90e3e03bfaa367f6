// SPDX-License-Identifier: Apache-2.0
// Scenario tests of issue 13's flow "held compartments and capacity": reservation_create with
// hold_until holds a free compartment of its size for that reservation's deposit alone; no free
// one refuses the announcement; holds end at their deadline (hold_expired), move off a
// compartment that leaves service (hold_moved, hold_lost) and survive a restart; reservations no
// courier deposited expire (reservation_expired); the state and the telemetry count per size
// what is free, held, occupied, out of service and busy. All on virtual time.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "protocol/schema_check.hpp"
#include "protocol/timestamp.hpp"
#include "tests/scenario/locker_rig.hpp"

namespace locker::scenario {
namespace hold_test {
namespace {

const std::string hold_pin = "24681357";
const std::string hold_menu = "Hi c-1  #=end\n1 Deposit 2 Remove";

const protocol::schema_set& schemas() {
  static const protocol::schema_set set = [] {
    auto r = protocol::schema_set::load(std::string(LOCKER_SOURCE_DIR) + "/protocol/schemas");
    if (!r.ok()) throw std::runtime_error(r.error());
    return std::move(r).value();
  }();
  return set;
}

std::string errors_of(const std::string& schema, const json& payload) {
  std::string out;
  for (const auto& e : schemas().validate(schema, payload)) out += e + "\n";
  return out;
}

class hold_scenario : public ::testing::Test {
 protected:
  // The rig with the courier c-1, connected to the in-memory broker.
  static std::unique_ptr<locker_rig> make_rig(
      const std::function<void(config::locker_config&)>& adjust = {}) {
    auto rig = std::make_unique<locker_rig>(adjust);
    rig->add_courier("c-1", hold_pin);
    rig->advance(key_time);
    EXPECT_TRUE(rig->link().connected());
    return rig;
  }

  // One MQTT command and its reply.
  static json command(locker_rig& rig, const std::string& name, const json& payload) {
    const auto& topics = rig.app().topics();
    const auto before = rig.link().published_on(topics.res(name)).size();
    EXPECT_TRUE(rig.link().deliver(topics.cmd(name), payload.dump()));
    const auto replies = rig.link().published_on(topics.res(name));
    if (replies.size() <= before) {
      ADD_FAILURE() << "no reply to " << name;
      return json::object();
    }
    return json::parse(replies.back().payload);
  }

  static std::string in(locker_rig& rig, std::chrono::minutes m) {
    return protocol::format_timestamp(rig.clock().wall_now() + m);
  }

  // reservation_create, with a hold until `hold_until` when given.
  static json announce(locker_rig& rig, const std::string& id, const std::string& tracking,
                       const std::string& size, std::optional<std::string> hold_until) {
    json p{{"req_id", "q-" + id},
           {"reservation_id", id},
           {"tracking_number", tracking},
           {"size", size}};
    if (hold_until) p["hold_until"] = *hold_until;
    return command(rig, "reservation_create", p);
  }

  // A courier's whole deposit of `tracking` into `expect_in` (size_key: the size menu's key
  // for an unannounced parcel).
  static void deposit(locker_rig& rig, const std::string& tracking, std::optional<char> size_key,
                      const std::string& expect_in) {
    rig.press("*" + hold_pin + "#");
    ASSERT_EQ(rig.display(), hold_menu);
    rig.press("1");
    rig.press(tracking + "#");
    if (size_key) {
      ASSERT_EQ(rig.display(), "Size? 1=S 2=M 3=L\n* = back");
      rig.press(std::string(1, *size_key));
    }
    rig.advance(move_time);
    ASSERT_EQ(rig.display(), "Put in box " + expect_in + ", close\n*=too big #=cancel");
    rig.person_opens(expect_in);
    rig.person_puts(expect_in);
    rig.person_closes(expect_in);
    ASSERT_EQ(rig.display(), "Stored in " + expect_in + "  #=end\n1 Next 2 Remove");
    rig.press("#");
  }

  static std::optional<std::string> held_compartment(locker_rig& rig, const std::string& id) {
    if (auto h = rig.db().holds().for_reservation(id)) return h->compartment_id;
    return std::nullopt;
  }

  // The last …/state the locker published (after the reporter's pacing).
  static json last_state(locker_rig& rig) {
    rig.advance(std::chrono::seconds{1});
    const auto states = rig.link().published_on(rig.app().topics().state());
    if (states.empty()) {
      ADD_FAILURE() << "no state published";
      return json::object();
    }
    return json::parse(states.back().payload);
  }
};

TEST_F(hold_scenario, a_held_compartment_takes_its_own_deposit_and_no_other) {
  auto rig = make_rig();
  const auto reply = announce(*rig, "r-1", "7001", "S", in(*rig, std::chrono::minutes{120}));
  ASSERT_EQ(reply["status"], "ok") << reply.dump();
  ASSERT_EQ(held_compartment(*rig, "r-1"), "1");  // the smallest free S, in board order

  // Another parcel, unannounced, of the same size: the held box is skipped.
  deposit(*rig, "8001", '1', "2");
  // Another reservation, without a hold: the same.
  ASSERT_EQ(announce(*rig, "r-2", "7002", "S", std::nullopt)["status"], "ok");
  deposit(*rig, "7002", std::nullopt, "3");
  EXPECT_EQ(held_compartment(*rig, "r-1"), "1");

  // The courier of the held reservation gets the held box; the hold ends with the deposit.
  deposit(*rig, "7001", std::nullopt, "1");
  EXPECT_FALSE(held_compartment(*rig, "r-1"));
  const auto stored = rig->events_of("stored");
  ASSERT_EQ(stored.size(), 3U);
  EXPECT_EQ(stored.back()["compartment"], "1");
  EXPECT_EQ(stored.back()["reservation_id"], "r-1");
  EXPECT_TRUE(rig->events_of("hold_expired").empty());
}

TEST_F(hold_scenario, a_hold_with_no_free_compartment_is_refused_and_creates_nothing) {
  auto rig = make_rig();
  const auto until = in(*rig, std::chrono::minutes{60});
  for (const char* id : {"l-1", "l-2", "l-3", "l-4"})
    ASSERT_EQ(announce(*rig, id, std::string("T-") + id, "L", until)["status"], "ok");
  EXPECT_EQ(rig->db().holds().all().size(), 4U);

  const auto reply = announce(*rig, "l-5", "T-l-5", "L", until);
  EXPECT_EQ(reply["status"], "error") << reply.dump();
  EXPECT_EQ(reply["code"], "no_free_compartment");
  EXPECT_FALSE(rig->db().reservations().find("l-5")) << "nothing created";
  EXPECT_FALSE(held_compartment(*rig, "l-5"));
  EXPECT_EQ(rig->db().holds().all().size(), 4U);
  // The same parcel announced without a hold is fine: a deposit then finds no box, as before.
  EXPECT_EQ(announce(*rig, "l-6", "T-l-5", "L", std::nullopt)["status"], "ok");
  // And a smaller parcel may still hold a box of its own size.
  EXPECT_EQ(announce(*rig, "s-1", "T-s-1", "S", until)["status"], "ok");
  EXPECT_EQ(held_compartment(*rig, "s-1"), "1");
}

TEST_F(hold_scenario, a_hold_expires_and_its_compartment_is_free_again) {
  auto rig = make_rig();
  ASSERT_EQ(announce(*rig, "r-1", "7001", "S", in(*rig, std::chrono::minutes{60}))["status"], "ok");
  ASSERT_EQ(held_compartment(*rig, "r-1"), "1");
  rig->advance(std::chrono::minutes{59});
  EXPECT_TRUE(rig->events_of("hold_expired").empty());
  EXPECT_EQ(last_state(*rig)["capacity"]["S"]["held"], 1);

  rig->advance(std::chrono::minutes{1});
  const auto expired = rig->events_of("hold_expired");
  ASSERT_EQ(expired.size(), 1U);
  EXPECT_EQ(expired[0]["reservation_id"], "r-1");
  EXPECT_EQ(expired[0]["tracking_number"], "7001");
  EXPECT_EQ(expired[0]["compartment"], "1");
  EXPECT_EQ(errors_of("evt_parcel.schema.json", expired[0]), "");
  EXPECT_FALSE(held_compartment(*rig, "r-1"));
  // The reservation stays announced; the box is anybody's again.
  EXPECT_EQ(rig->db().reservations().find("r-1")->state, store::reservation_state::announced);
  EXPECT_EQ(last_state(*rig)["capacity"]["S"]["held"], 0);
  deposit(*rig, "8001", '1', "1");
}

TEST_F(hold_scenario, a_cancel_ends_the_hold) {
  auto rig = make_rig();
  ASSERT_EQ(announce(*rig, "r-1", "7001", "S", in(*rig, std::chrono::minutes{60}))["status"], "ok");
  const auto reply =
      command(*rig, "reservation_cancel", {{"req_id", "c-1"}, {"reservation_id", "r-1"}});
  ASSERT_EQ(reply["status"], "ok") << reply.dump();
  EXPECT_FALSE(held_compartment(*rig, "r-1"));
  deposit(*rig, "8001", '1', "1");
  rig->advance(std::chrono::minutes{61});
  EXPECT_TRUE(rig->events_of("hold_expired").empty()) << "a cancelled hold does not expire";
}

TEST_F(hold_scenario, holds_survive_a_restart_and_expire_at_start_when_due) {
  auto rig = make_rig();
  ASSERT_EQ(announce(*rig, "r-1", "7001", "S", in(*rig, std::chrono::minutes{60}))["status"], "ok");
  ASSERT_EQ(announce(*rig, "r-2", "7002", "S", in(*rig, std::chrono::minutes{180}))["status"],
            "ok");
  rig->restart();
  EXPECT_EQ(held_compartment(*rig, "r-1"), "1");
  EXPECT_EQ(held_compartment(*rig, "r-2"), "2");
  deposit(*rig, "8001", '1', "3");

  // Off while r-1's deadline passes: it ends at start; r-2's timer runs on.
  rig->restart([&] { rig->advance(std::chrono::minutes{90}); });
  const auto expired = rig->events_of("hold_expired");
  ASSERT_EQ(expired.size(), 1U);
  EXPECT_EQ(expired[0]["reservation_id"], "r-1");
  EXPECT_EQ(held_compartment(*rig, "r-2"), "2");
  rig->advance(std::chrono::minutes{90});
  ASSERT_EQ(rig->events_of("hold_expired").size(), 2U);
  EXPECT_EQ(rig->events_of("hold_expired")[1]["reservation_id"], "r-2");
}

TEST_F(hold_scenario, a_held_compartment_leaving_service_moves_or_loses_its_hold) {
  auto rig = make_rig();
  const auto until = in(*rig, std::chrono::minutes{60});
  ASSERT_EQ(announce(*rig, "r-1", "7001", "S", until)["status"], "ok");
  ASSERT_EQ(held_compartment(*rig, "r-1"), "1");
  ASSERT_EQ(rig->locker().set_service_by_operator("1", false, "test", "hinge").answer,
            controller::controller::service_answer::done);
  const auto moved = rig->events_of("hold_moved");
  ASSERT_EQ(moved.size(), 1U);
  EXPECT_EQ(moved[0]["from"], "1");
  EXPECT_EQ(moved[0]["compartment"], "2");
  EXPECT_EQ(moved[0]["reason"], "out_of_service");
  EXPECT_EQ(moved[0]["hold_until"], until);
  EXPECT_EQ(errors_of("evt_parcel.schema.json", moved[0]), "");
  EXPECT_EQ(held_compartment(*rig, "r-1"), "2");

  // An L parcel's hold with no other L free: the hold ends; the reservation stays announced.
  ASSERT_EQ(announce(*rig, "r-9", "7009", "L", until)["status"], "ok");
  ASSERT_EQ(held_compartment(*rig, "r-9"), "21");
  for (const char* id : {"22", "23", "24"})
    ASSERT_EQ(rig->locker().set_service_by_operator(id, false, "test", "x").answer,
              controller::controller::service_answer::done);
  EXPECT_TRUE(rig->events_of("hold_lost").empty());
  ASSERT_EQ(rig->locker().set_service_by_operator("21", false, "test", "x").answer,
            controller::controller::service_answer::done);
  const auto lost = rig->events_of("hold_lost");
  ASSERT_EQ(lost.size(), 1U);
  EXPECT_EQ(lost[0]["reservation_id"], "r-9");
  EXPECT_EQ(lost[0]["compartment"], "21");
  EXPECT_EQ(errors_of("evt_parcel.schema.json", lost[0]), "");
  EXPECT_FALSE(held_compartment(*rig, "r-9"));
  EXPECT_EQ(rig->db().reservations().find("r-9")->state, store::reservation_state::announced);
}

TEST_F(hold_scenario, a_held_compartment_that_jams_moves_its_hold) {
  auto rig = make_rig();
  ASSERT_EQ(announce(*rig, "r-1", "7001", "S", in(*rig, std::chrono::minutes{60}))["status"], "ok");
  // The courier's own deposit: the held box's lock is jammed, so it goes faulty; the hold
  // moves to the next S box and the deposit with it.
  ASSERT_TRUE(rig->model().jam("1").ok());
  rig->press("*" + hold_pin + "#");
  rig->press("1");
  rig->press("7001#");
  EXPECT_EQ(rig->display(), "Opening box 1...\nPlease wait");
  rig->advance(std::chrono::seconds{5});  // open_detect_s
  EXPECT_EQ(rig->display(), "Box 1 faulty\nOpening box 2...");
  EXPECT_EQ(rig->compartment("1").service(), compartment::service_state::faulty);
  const auto moved = rig->events_of("hold_moved");
  ASSERT_EQ(moved.size(), 1U);
  EXPECT_EQ(moved[0]["reason"], "faulty");
  EXPECT_EQ(moved[0]["from"], "1");
  EXPECT_EQ(moved[0]["compartment"], "2");
  rig->advance(move_time);
  rig->person_opens("2");
  rig->person_puts("2");
  rig->person_closes("2");
  EXPECT_EQ(rig->events_of("stored").back()["compartment"], "2");
  EXPECT_FALSE(held_compartment(*rig, "r-1"));
}

TEST_F(hold_scenario, an_unannounced_reservation_expires) {
  auto rig = make_rig([](config::locker_config& c) { c.policy.reservation_expiry_h = 24; });
  json p{{"req_id", "q-1"},           {"reservation_id", "r-1"},
         {"tracking_number", "7001"}, {"size", "M"},
         {"pickup_code", "55554444"}, {"hold_until", in(*rig, std::chrono::minutes{48 * 60})}};
  ASSERT_EQ(command(*rig, "reservation_create", p)["status"], "ok");
  ASSERT_EQ(held_compartment(*rig, "r-1"), "13");
  const auto code_hash = security::pickup_code_hash(rig->key(), "55554444");
  EXPECT_TRUE(rig->db().parcels().pickup_code_in_use(code_hash));

  rig->advance(std::chrono::hours{24} - std::chrono::seconds{1});
  EXPECT_TRUE(rig->events_of("reservation_expired").empty());
  rig->advance(std::chrono::seconds{1});
  const auto expired = rig->events_of("reservation_expired");
  ASSERT_EQ(expired.size(), 1U);
  EXPECT_EQ(expired[0]["reservation_id"], "r-1");
  EXPECT_EQ(expired[0]["tracking_number"], "7001");
  EXPECT_EQ(expired[0]["compartment"], "13") << "its hold ended with it";
  EXPECT_EQ(errors_of("evt_parcel.schema.json", expired[0]), "");
  EXPECT_NE(rig->db().reservations().find("r-1")->state, store::reservation_state::announced);
  EXPECT_FALSE(held_compartment(*rig, "r-1"));
  EXPECT_TRUE(rig->events_of("hold_expired").empty());
  // Its code is no longer reserved, and the parcel counts as unannounced (the size menu).
  EXPECT_FALSE(rig->db().parcels().pickup_code_in_use(code_hash));
  deposit(*rig, "7001", '2', "13");
  EXPECT_FALSE(rig->events_of("stored").back().contains("reservation_id"));
  rig->advance(std::chrono::hours{48});
  EXPECT_EQ(rig->events_of("reservation_expired").size(), 1U);
}

TEST_F(hold_scenario, reservations_expire_at_start_too) {
  auto rig = make_rig([](config::locker_config& c) { c.policy.reservation_expiry_h = 24; });
  rig->announce("r-1", "7001", "S");  // written straight to the database: no timer knows it
  rig->announce("r-2", "7002", "S");
  rig->restart([&] { rig->advance(std::chrono::hours{25}); });
  const auto expired = rig->events_of("reservation_expired");
  ASSERT_EQ(expired.size(), 2U);
  EXPECT_EQ(expired[0]["reservation_id"], "r-1");
  EXPECT_EQ(expired[1]["reservation_id"], "r-2");
  EXPECT_FALSE(expired[0].contains("compartment"));
}

TEST_F(hold_scenario, capacity_is_in_the_state_and_the_telemetry) {
  auto rig = make_rig([](config::locker_config& c) { c.telemetry = std::chrono::seconds{10}; });
  ASSERT_EQ(announce(*rig, "r-1", "7001", "S", in(*rig, std::chrono::minutes{60}))["status"], "ok");
  deposit(*rig, "8001", '1', "2");
  ASSERT_EQ(rig->locker().set_service_by_operator("3", false, "test", "hinge").answer,
            controller::controller::service_answer::done);
  ASSERT_TRUE(rig->model().jam("21").ok());
  ASSERT_EQ(rig->locker().open_by_operator("21", "test", "look", [](auto) {}),
            compartment::open_status::accepted);
  rig->advance(std::chrono::seconds{6});
  ASSERT_EQ(rig->compartment("21").service(), compartment::service_state::faulty);

  const auto state = last_state(*rig);
  EXPECT_EQ(errors_of("state.schema.json", state), "");
  const json s_counts{
      {"free", 9}, {"held", 1}, {"occupied", 1}, {"out_of_service", 1}, {"busy", 0}};
  EXPECT_EQ(state["capacity"]["S"], s_counts);
  EXPECT_EQ(state["capacity"]["M"]["free"], 8);
  EXPECT_EQ(state["capacity"]["L"],
            (json{{"free", 3}, {"held", 0}, {"occupied", 0}, {"out_of_service", 1}, {"busy", 0}}))
      << "faulty counts as out of service";
  bool hold_shown = false;
  for (const auto& c : state["compartments"]) {
    if (c["id"] != "1") continue;
    hold_shown = true;
    EXPECT_EQ(c["hold"]["reservation_id"], "r-1");
  }
  EXPECT_TRUE(hold_shown);

  rig->advance(std::chrono::seconds{10});
  const auto teles = rig->link().published_on(rig->app().topics().tele());
  ASSERT_FALSE(teles.empty());
  const auto tele = json::parse(teles.back().payload);
  EXPECT_EQ(errors_of("tele.schema.json", tele), "");
  EXPECT_EQ(tele["capacity"]["S"], s_counts);
  EXPECT_EQ(tele["free"]["S"], 9) << "a held compartment is not free";
  EXPECT_EQ(tele["free"]["L"], 3);

  // get_state answers the same capacity.
  const auto reply = command(*rig, "get_state", {{"req_id", "g-1"}});
  EXPECT_EQ(reply["data"]["capacity"]["S"], s_counts);
}

}  // namespace
}  // namespace hold_test
}  // namespace locker::scenario
