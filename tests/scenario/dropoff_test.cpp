// SPDX-License-Identifier: Apache-2.0
// Drop-off, returns and outbound collection on the whole locker (issue 13): the tracking
// system announces a parcel a member of the public brings (reservation_create with kind
// dropoff or return); the sender types or scans the drop-off code at the idle prompt; the
// smallest free fitting box opens, the parcel goes in, the door closes → dropped_off; a
// courier takes outbound parcels out from the removal menu (removed, reason dropoff/return),
// limited to their carrier's. And the faults: closed empty, no fitting box, a wrong code
// (counted in the recipients' budget), a restart with the door open.
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "daemon/state/state_report.hpp"
#include "daemon/store/lockout_repository.hpp"
#include "daemon/store/outbound_repository.hpp"
#include "tests/scenario/locker_rig.hpp"

namespace locker::scenario {
namespace dropoff_test {
namespace {

const std::string dropoff_pin = "86421357";
const std::string idle_text = "Enter pickup code\n# = OK  * = courier";

// Sends a command over the in-memory broker and returns its reply.
json command(locker_rig& rig, const std::string& name, json body) {
  static int n = 0;
  body["req_id"] = "d-" + std::to_string(++n);
  const auto& topics = rig.app().topics();
  const auto before = rig.link().published_on(topics.res(name)).size();
  EXPECT_TRUE(rig.link().deliver(topics.cmd(name), body.dump()));
  const auto res = rig.link().published_on(topics.res(name));
  if (res.size() <= before) {
    ADD_FAILURE() << "no reply to " << name;
    return json::object();
  }
  return json::parse(res.back().payload);
}

json announce_dropoff(locker_rig& rig, const std::string& id, const std::string& tracking,
                      const std::string& size, const std::string& kind,
                      std::optional<std::string> code = std::nullopt,
                      std::optional<std::string> carrier = std::nullopt) {
  json body = {
      {"reservation_id", id}, {"tracking_number", tracking}, {"size", size}, {"kind", kind}};
  if (code) body["dropoff_code"] = *code;
  if (carrier) body["carrier"] = *carrier;
  return command(rig, "reservation_create", body);
}

std::int64_t code_failures(locker_rig& rig) {
  const auto saved = rig.db().lockouts().load("pickup_code");
  return saved ? saved->remains.failed : 0;
}

// The sender at an opened box: waits for the door, puts the parcel in and closes it.
void drop_into(locker_rig& rig, const std::string& box) {
  rig.advance(move_time);
  ASSERT_EQ(rig.display(), "Put parcel in " + box + "\nthen close door");
  rig.person_opens(box);
  rig.person_puts(box);
  rig.person_closes(box);
}

class dropoff_scenario : public ::testing::Test {
 protected:
  void SetUp() override {
    rig_.advance(key_time);
    ASSERT_TRUE(rig_.link().connected());
  }
  locker_rig rig_;
};

TEST_F(dropoff_scenario, a_typed_dropoff_code_opens_a_fitting_box_and_reports_dropped_off) {
  auto& rig = rig_;
  const auto reply = announce_dropoff(rig, "r-1", "DO-1", "M", "dropoff", "55501234", "dhl");
  ASSERT_EQ(reply["status"], "ok") << reply.dump();
  EXPECT_EQ(reply["data"], json::object()) << "a given code is not echoed";

  rig.press("55501234#");
  EXPECT_EQ(rig.display(), "Opening box 13...\nPlease wait");
  drop_into(rig, "13");
  EXPECT_EQ(rig.display(), "Thank you!\nParcel dropped off");

  const auto dropped = rig.events_of("dropped_off");
  ASSERT_EQ(dropped.size(), 1U);
  EXPECT_EQ(dropped[0]["tracking_number"], "DO-1");
  EXPECT_EQ(dropped[0]["compartment"], "13");
  EXPECT_EQ(dropped[0]["size"], "M");
  EXPECT_EQ(dropped[0]["kind"], "dropoff");
  EXPECT_EQ(dropped[0]["reservation_id"], "r-1");
  EXPECT_EQ(dropped[0]["carrier"], "dhl");
  EXPECT_TRUE(rig.events_of("stored").empty());
  EXPECT_EQ(rig.db().reservations().find("r-1")->state, store::reservation_state::deposited);
  const auto parcel = rig.db().parcels().live_in("13");
  ASSERT_TRUE(parcel);
  EXPECT_EQ(rig.db().outbound().parcel_kind(parcel->id), "dropoff");
  EXPECT_EQ(rig.db().outbound().outbound_parcels(), std::vector<std::int64_t>{parcel->id});
  EXPECT_EQ(code_failures(rig), 0);
  // In .../state: outbound, waiting for a courier.
  bool seen_outbound = false;
  for (const auto& c :
       state::state_report(rig.locker(), rig.db(), rig.clock()).current().compartments)
    if (c.id == "13") {
      ASSERT_TRUE(c.parcel);
      EXPECT_EQ(c.parcel->state, protocol::parcel_state::outbound);
      seen_outbound = true;
    }
  EXPECT_TRUE(seen_outbound);
  // Used: the code opens nothing any more, and counts as wrong.
  rig.advance(std::chrono::seconds{5});
  rig.press("55501234#");
  EXPECT_EQ(rig.display(), "Wrong code\nTries left: 4");
  // An outbound parcel never expires: a day past the pickup window a stored parcel of the same
  // deposit would have had. (Each virtual day costs 288 telemetry reports: the 40 days this
  // waited before were most of the test's time, a minute under qemu.)
  rig.advance(std::chrono::hours{rig.cfg().policy.pickup_window_h + 24});
  EXPECT_TRUE(rig.events_of("expired").empty());
  EXPECT_EQ(rig.db().parcels().live_in("13")->state, store::parcel_state::stored);
}

TEST_F(dropoff_scenario, a_drawn_code_is_in_the_reply_and_a_scanned_one_opens_too) {
  auto& rig = rig_;
  const auto reply = announce_dropoff(rig, "r-2", "RET-2", "S", "return");
  ASSERT_EQ(reply["status"], "ok") << reply.dump();
  const auto code = reply["data"].value("dropoff_code", std::string{});
  ASSERT_EQ(code.size(), static_cast<std::size_t>(rig.cfg().policy.pickup_code_digits));
  // Only the hash is on file.
  const auto extras = rig.db().outbound().of_reservation("r-2");
  EXPECT_EQ(extras.kind, "return");
  EXPECT_EQ(extras.dropoff_code_hash, security::dropoff_code_hash(rig.key(), code));

  rig.scan(code);
  EXPECT_EQ(rig.display(), "Opening box 1...\nPlease wait");
  drop_into(rig, "1");
  const auto dropped = rig.events_of("dropped_off");
  ASSERT_EQ(dropped.size(), 1U);
  EXPECT_EQ(dropped[0]["kind"], "return");
  EXPECT_EQ(dropped[0]["compartment"], "1");
  EXPECT_FALSE(dropped[0].contains("carrier"));
  for (const auto& e : rig.events()) EXPECT_EQ(e.dump().find(code), std::string::npos);
}

TEST_F(dropoff_scenario, a_door_closed_empty_stores_nothing_and_the_code_works_again) {
  auto& rig = rig_;
  ASSERT_EQ(announce_dropoff(rig, "r-3", "DO-3", "S", "dropoff", "55503333")["status"], "ok");
  rig.press("55503333#");
  rig.advance(move_time);
  ASSERT_EQ(rig.display(), "Put parcel in 1\nthen close door");
  rig.person_opens("1");
  rig.person_closes("1");
  EXPECT_EQ(rig.display(), "Box 1 is empty\nNothing stored");
  EXPECT_TRUE(rig.events_of("dropped_off").empty());
  const auto failed = rig.events_of("deposit_failed");
  ASSERT_EQ(failed.size(), 1U);
  EXPECT_EQ(failed[0]["tracking_number"], "DO-3");
  EXPECT_EQ(failed[0]["reason"], "cancelled");
  EXPECT_FALSE(rig.db().parcels().live_in("1"));
  EXPECT_EQ(rig.db().reservations().find("r-3")->state, store::reservation_state::announced);

  rig.advance(std::chrono::seconds{5});
  EXPECT_EQ(rig.display(), idle_text);
  rig.press("55503333#");
  drop_into(rig, "1");
  EXPECT_EQ(rig.events_of("dropped_off").size(), 1U);
  EXPECT_EQ(code_failures(rig), 0);
}

TEST_F(dropoff_scenario, no_fitting_box_free_says_so_counts_nothing_and_reports_it) {
  auto& rig = rig_;
  for (const auto* id : {"21", "22", "23", "24"})
    ASSERT_EQ(rig.locker().set_service_by_operator(id, false, "test", "repair").answer,
              controller::controller::service_answer::done);
  ASSERT_EQ(announce_dropoff(rig, "r-4", "DO-4", "L", "dropoff", "55504444")["status"], "ok");
  rig.press("55504444#");
  EXPECT_EQ(rig.display(), "No free box now\nPlease try later");
  const auto failed = rig.events_of("deposit_failed");
  ASSERT_EQ(failed.size(), 1U);
  EXPECT_EQ(failed[0]["tracking_number"], "DO-4");
  EXPECT_EQ(failed[0]["reason"], "no_free_compartment");
  EXPECT_EQ(code_failures(rig), 0);
  EXPECT_EQ(rig.db().reservations().find("r-4")->state, store::reservation_state::announced);
  for (const auto& c : rig.locker().compartments()) EXPECT_FALSE(rig.cabinet(c->id()).coil);
}

TEST_F(dropoff_scenario, a_wrong_dropoff_code_counts_in_the_recipients_budget) {
  auto& rig = rig_;
  ASSERT_EQ(announce_dropoff(rig, "r-5", "DO-5", "S", "dropoff", "55505555")["status"], "ok");
  rig.press("55505556#");
  EXPECT_EQ(rig.display(), "Wrong code\nTries left: 4");
  EXPECT_EQ(code_failures(rig), 1);
  // Locked out after the budget: the right drop-off code waits too.
  for (int i = 0; i < 4; ++i) {
    rig.advance(std::chrono::seconds{5});
    rig.press("11112222#");
  }
  EXPECT_GT(rig.locker().lockout_remaining().count(), 0);
  rig.advance(std::chrono::seconds{1});
  rig.press("55505555#");
  EXPECT_TRUE(rig.events_of("opened").empty());
  EXPECT_EQ(rig.db().reservations().find("r-5")->state, store::reservation_state::announced);
}

TEST_F(dropoff_scenario, one_code_opens_one_thing_across_pickup_and_dropoff_codes) {
  auto& rig = rig_;
  ASSERT_EQ(announce_dropoff(rig, "r-6", "DO-6", "S", "dropoff", "55506666")["status"], "ok");
  auto reply = command(rig, "reservation_create",
                       {{"reservation_id", "r-7"},
                        {"tracking_number", "PK-7"},
                        {"size", "S"},
                        {"pickup_code", "55506666"}});
  EXPECT_EQ(reply["code"], "conflict") << reply.dump();
  ASSERT_EQ(command(rig, "reservation_create",
                    {{"reservation_id", "r-8"},
                     {"tracking_number", "PK-8"},
                     {"size", "S"},
                     {"pickup_code", "55508888"}})["status"],
            "ok");
  reply = announce_dropoff(rig, "r-9", "DO-9", "S", "dropoff", "55508888");
  EXPECT_EQ(reply["code"], "conflict") << reply.dump();
  reply = announce_dropoff(rig, "r-10", "DO-10", "S", "dropoff", "55506666");
  EXPECT_EQ(reply["code"], "conflict") << reply.dump();
  EXPECT_FALSE(rig.db().reservations().find("r-9"));
  // A drop-off code only goes with a drop-off or return.
  reply = command(rig, "reservation_create",
                  {{"reservation_id", "r-11"},
                   {"tracking_number", "PK-11"},
                   {"size", "S"},
                   {"dropoff_code", "55501111"}});
  EXPECT_EQ(reply["code"], "bad_request") << reply.dump();
}

TEST_F(dropoff_scenario, a_restart_with_the_door_open_loses_nothing) {
  auto& rig = rig_;
  ASSERT_EQ(announce_dropoff(rig, "r-12", "DO-12", "S", "dropoff", "55501212")["status"], "ok");
  rig.press("55501212#");
  rig.advance(move_time);
  ASSERT_EQ(rig.display(), "Put parcel in 1\nthen close door");
  rig.person_opens("1");
  rig.person_puts("1");
  rig.restart();
  rig.advance(key_time);
  rig.person_closes("1");
  const auto dropped = rig.events_of("dropped_off");
  ASSERT_EQ(dropped.size(), 1U);
  EXPECT_EQ(dropped[0]["compartment"], "1");
  EXPECT_EQ(dropped[0]["tracking_number"], "DO-12");
  EXPECT_TRUE(rig.events_of("deposit_failed").empty());
  EXPECT_TRUE(rig.db().parcels().live_in("1"));
}

TEST_F(dropoff_scenario, typed_again_after_a_restart_it_goes_on_in_its_box) {
  auto& rig = rig_;
  ASSERT_EQ(announce_dropoff(rig, "r-18", "DO-18", "S", "dropoff", "55501818")["status"], "ok");
  rig.press("55501818#");
  rig.restart();  // killed while the latch was being released: the door sprang meanwhile
  rig.advance(key_time);
  rig.press("55501818#");  // its door is open already: put the parcel in
  drop_into(rig, "1");
  EXPECT_EQ(rig.display(), "Thank you!\nParcel dropped off");
  const auto dropped = rig.events_of("dropped_off");
  ASSERT_EQ(dropped.size(), 1U);
  EXPECT_EQ(dropped[0]["compartment"], "1");
  EXPECT_EQ(code_failures(rig), 0);
}

TEST_F(dropoff_scenario, a_courier_takes_outbound_parcels_out_with_their_reasons) {
  auto& rig = rig_;
  rig.add_courier("c-1", dropoff_pin);
  ASSERT_EQ(announce_dropoff(rig, "r-13", "DO-13", "S", "dropoff", "55501313")["status"], "ok");
  ASSERT_EQ(announce_dropoff(rig, "r-14", "RE-14", "S", "return", "55501414")["status"], "ok");
  rig.press("55501313#");
  drop_into(rig, "1");
  rig.advance(std::chrono::seconds{5});
  rig.press("55501414#");
  drop_into(rig, "2");
  rig.advance(std::chrono::seconds{5});

  rig.press("*" + dropoff_pin + "#");
  rig.press("2");
  EXPECT_EQ(rig.display(), "Remove DO-13\nBox 1 #=open *=next");
  rig.press("#");
  rig.advance(move_time);
  rig.person_opens("1");
  rig.person_takes("1");
  rig.person_closes("1");
  EXPECT_EQ(rig.display(), "Remove RE-14\nBox 2 #=open *=next");
  rig.press("#");
  rig.advance(move_time);
  rig.person_opens("2");
  rig.person_takes("2");
  rig.person_closes("2");
  EXPECT_EQ(rig.display(), "All done");

  const auto removed = rig.events_of("removed");
  ASSERT_EQ(removed.size(), 2U);
  EXPECT_EQ(removed[0]["tracking_number"], "DO-13");
  EXPECT_EQ(removed[0]["reason"], "dropoff");
  EXPECT_EQ(removed[0]["courier_id"], "c-1");
  EXPECT_EQ(removed[1]["tracking_number"], "RE-14");
  EXPECT_EQ(removed[1]["reason"], "return");
  EXPECT_TRUE(rig.db().outbound().outbound_parcels().empty());
  EXPECT_FALSE(rig.db().parcels().live_in("1"));
}

TEST_F(dropoff_scenario, a_courier_with_a_carrier_sees_and_takes_only_that_carriers_parcels) {
  auto& rig = rig_;
  auto reply = command(rig, "courier_upsert",
                       {{"courier_id", "c-dhl"},
                        {"name", "dhl"},
                        {"pin", dropoff_pin},
                        {"enabled", true},
                        {"carrier", "dhl"}});
  ASSERT_EQ(reply["status"], "ok") << reply.dump();
  EXPECT_EQ(rig.db().outbound().courier_carrier("c-dhl"), "dhl");
  rig.add_courier("c-any", "97531864");
  ASSERT_EQ(announce_dropoff(rig, "r-15", "DHL-15", "S", "dropoff", "55501515", "dhl")["status"],
            "ok");
  ASSERT_EQ(announce_dropoff(rig, "r-16", "UPS-16", "S", "dropoff", "55501616", "ups")["status"],
            "ok");
  ASSERT_EQ(announce_dropoff(rig, "r-17", "ANY-17", "S", "return", "55501717")["status"], "ok");
  for (const auto* code : {"55501515#", "55501616#", "55501717#"}) {
    rig.press(code);
    rig.advance(move_time);
    const auto box = rig.events_of("opened").back()["compartment"].get<std::string>();
    rig.person_opens(box);
    rig.person_puts(box);
    rig.person_closes(box);
    rig.advance(std::chrono::seconds{5});
  }
  ASSERT_EQ(rig.events_of("dropped_off").size(), 3U);

  const keypad::courier_identity dhl{"c-dhl", "dhl"};
  std::vector<std::string> seen;
  for (const auto& item : rig.locker().removals_for(dhl)) seen.push_back(item.tracking_number);
  EXPECT_EQ(seen, (std::vector<std::string>{"DHL-15", "ANY-17"}));
  const auto ups_parcel = rig.db().parcels().live_with_tracking_number("UPS-16");
  ASSERT_TRUE(ups_parcel);
  EXPECT_FALSE(rig.locker().begin_removal(dhl, ups_parcel->id));
  EXPECT_FALSE(rig.cabinet(ups_parcel->compartment_id).coil);

  seen.clear();
  for (const auto& item : rig.locker().removals_for({"c-any", "c-any"}))
    seen.push_back(item.tracking_number);
  EXPECT_EQ(seen, (std::vector<std::string>{"DHL-15", "UPS-16", "ANY-17"}));

  // At the keypad the dhl courier goes through its two and is done.
  rig.press("*" + dropoff_pin + "#");
  rig.press("2");
  EXPECT_EQ(rig.display(), "Remove DHL-15\nBox 1 #=open *=next");
  rig.press("#");
  rig.advance(move_time);
  rig.person_opens("1");
  rig.person_takes("1");
  rig.person_closes("1");
  EXPECT_EQ(rig.display(), "Remove ANY-17\nBox 3 #=open *=next");
  rig.press("#");
  rig.advance(move_time);
  rig.person_opens("3");
  rig.person_takes("3");
  rig.person_closes("3");
  EXPECT_EQ(rig.display(), "All done");
  EXPECT_TRUE(rig.db().parcels().live_with_tracking_number("UPS-16"));

  // "" clears the carrier: the courier sees every parcel again.
  reply =
      command(rig, "courier_upsert", {{"courier_id", "c-dhl"}, {"enabled", true}, {"carrier", ""}});
  ASSERT_EQ(reply["status"], "ok") << reply.dump();
  EXPECT_FALSE(rig.db().outbound().courier_carrier("c-dhl"));
  EXPECT_EQ(rig.locker().removals_for(dhl).size(), 1U);
}

}  // namespace
}  // namespace dropoff_test
}  // namespace locker::scenario
