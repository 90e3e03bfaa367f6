// SPDX-License-Identifier: Apache-2.0
// The controller's error boundary on virtual time (issue 11): while the database refuses,
// every flow at the keypad says "out of order" (never "no free box", never a counted wrong
// code), nothing escapes onto the loop, and the storage_fault alarm is raised once (journaled
// when the journal still takes it, else in memory and on the LED); it clears when a commit
// succeeds again.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "daemon/state/state_report.hpp"
#include "daemon/store/lockout_repository.hpp"
#include "protocol/events.hpp"
#include "tests/scenario/locker_rig.hpp"

namespace locker::scenario {
namespace storage_fault_test {
namespace {

const std::string courier_pin = "24681357";
const std::string idle_text = "Enter pickup code\n# = OK  * = courier";
const std::string menu_text = "Hi c-1  #=end\n1 Deposit 2 Remove";
const std::string out_of_order = "Out of order\nPlease try later";

std::vector<std::string> types(const std::vector<json>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) {
    std::string t = e.at("type").get<std::string>();
    if (e.contains("active")) t += e.at("active").get<bool>() ? ":on" : ":off";
    if (e.contains("compartment")) t += "@" + e.at("compartment").get<std::string>();
    out.push_back(t);
  }
  return out;
}

// Every write refused (SQLITE_READONLY), reads still answered: the journal cannot take the
// alarm either.
void refuse_writes(locker_rig& rig) { rig.db().db().exec("PRAGMA query_only = ON"); }
void allow_writes(locker_rig& rig) { rig.db().db().exec("PRAGMA query_only = OFF"); }

// One table refuses inserts (or updates); the journal still works.
void refuse(locker_rig& rig, const std::string& what, const std::string& table) {
  rig.db().db().exec("CREATE TEMP TRIGGER refuse_" + table + " BEFORE " + what + " ON " + table +
                     " BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;");
}
void allow(locker_rig& rig, const std::string& table) {
  rig.db().db().exec("DROP TRIGGER refuse_" + table);
}

class storage_fault : public ::testing::Test {
 protected:
  // A whole deposit into compartment `id` (size key '1': S); returns the pickup code.
  static std::string deposit(locker_rig& rig, const std::string& tracking, const std::string& id) {
    rig.press("*" + courier_pin + "#");
    rig.press("1");
    rig.press(tracking + "#");
    rig.press("1");
    rig.advance(move_time);
    EXPECT_EQ(rig.display(), "Put in box " + id + ", close\n*=too big #=cancel");
    rig.person_opens(id);
    rig.person_puts(id);
    rig.person_closes(id);
    rig.press("#");
    EXPECT_EQ(rig.display(), idle_text);
    const auto stored = rig.events_of("stored");
    if (stored.empty()) {
      ADD_FAILURE() << "no stored event";
      return {};
    }
    return stored.back().value("pickup_code", std::string{});
  }

  static void expect_raised(locker_rig& rig) {
    EXPECT_TRUE(rig.locker().storage_fault_since().has_value());
    EXPECT_TRUE(rig.model().alarm()) << "the alarm LED shows it";
  }
  static void expect_cleared(locker_rig& rig) {
    EXPECT_FALSE(rig.locker().storage_fault_since().has_value());
    EXPECT_FALSE(rig.model().alarm());
  }
};

TEST_F(storage_fault, a_pickup_code_is_out_of_order_not_wrong_and_counts_nothing) {
  locker_rig rig;
  rig.add_courier("c-1", courier_pin);
  const auto code = deposit(rig, "7001", "1");
  ASSERT_EQ(code.size(), 8U);
  const auto before = rig.event_count();

  refuse_writes(rig);
  rig.press("11111111#");
  EXPECT_EQ(rig.display(), out_of_order);
  EXPECT_FALSE(rig.db().lockouts().load("pickup_code")) << "no wrong attempt counted";
  expect_raised(rig);
  // The right code cannot open either: its intent cannot be saved before the coil.
  rig.advance(std::chrono::seconds{5});
  EXPECT_EQ(rig.display(), idle_text);
  rig.press(code + "#");
  EXPECT_EQ(rig.display(), out_of_order);
  rig.advance(move_time);
  EXPECT_FALSE(rig.cabinet("1").coil);
  EXPECT_EQ(rig.cabinet("1").door, simulator::door_state::closed);
  EXPECT_EQ(rig.event_count(), before) << "the journal refuses too: the alarm is in memory";
  {
    // …/state lists it all the same: critical, no compartment, since the first refusal.
    state::state_report report(rig.locker(), rig.db(), rig.clock());
    const auto st = report.current();
    ASSERT_EQ(st.alarms.size(), 1U);
    EXPECT_EQ(st.alarms[0].type, protocol::alarm_type::storage_fault);
    EXPECT_EQ(st.alarms[0].severity, protocol::alarm_severity::critical);
    EXPECT_FALSE(st.alarms[0].compartment.has_value());
    EXPECT_EQ(st.alarms[0].since, *rig.locker().storage_fault_since());
  }
  // More failures raise no second alarm.
  rig.advance(std::chrono::seconds{5});
  rig.press("22222222#");
  EXPECT_EQ(rig.display(), out_of_order);
  EXPECT_FALSE(rig.db().lockouts().load("pickup_code"));

  allow_writes(rig);
  rig.advance(std::chrono::seconds{5});
  rig.press(code + "#");
  EXPECT_EQ(rig.display(), "Opening box 1...\nPlease wait");
  expect_cleared(rig);
  EXPECT_TRUE(state::state_report(rig.locker(), rig.db(), rig.clock()).current().alarms.empty());
  // Its raising reaches the journal with its clearing, once, before the door's events.
  rig.advance(move_time);
  rig.person_opens("1");
  rig.person_takes("1");
  rig.person_closes("1");
  EXPECT_EQ(rig.display(), "Thank you!");
  EXPECT_EQ(types(rig.events_since(before)),
            (std::vector<std::string>{"storage_fault:on", "storage_fault:off", "opened@1",
                                      "closed@1", "collected@1"}));
  const auto alarm = rig.events_of("storage_fault").front();
  EXPECT_EQ(alarm["severity"], "critical");
  EXPECT_FALSE(alarm.contains("compartment"));
}

TEST_F(storage_fault, a_wrong_code_that_cannot_be_counted_is_out_of_order) {
  locker_rig rig;
  refuse(rig, "INSERT", "access_budgets");
  rig.press("11111111#");
  EXPECT_EQ(rig.display(), out_of_order);
  EXPECT_FALSE(rig.db().lockouts().load("pickup_code"));
  expect_raised(rig);
  // The journal still works: the alarm is in it at once.
  EXPECT_EQ(types(rig.events()), (std::vector<std::string>{"storage_fault:on"}));
  allow(rig, "access_budgets");
  rig.advance(std::chrono::seconds{5});
  rig.press("11111111#");
  EXPECT_EQ(rig.display(), "Wrong code\nTries left: 4");
  expect_cleared(rig);
  EXPECT_EQ(types(rig.events()),
            (std::vector<std::string>{"storage_fault:on", "storage_fault:off"}));
}

TEST_F(storage_fault, a_courier_pin_and_the_removal_list_are_out_of_order_not_wrong_or_empty) {
  locker_rig rig;
  rig.add_courier("c-1", courier_pin);
  refuse_writes(rig);
  rig.press("*" + courier_pin + "#");  // the login's audit entry cannot be written
  EXPECT_EQ(rig.display(), out_of_order);
  rig.advance(std::chrono::seconds{5});
  rig.press("*13572468#");  // a wrong PIN that cannot be counted
  EXPECT_EQ(rig.display(), out_of_order);
  EXPECT_FALSE(rig.db().lockouts().load("courier"));
  expect_raised(rig);
  allow_writes(rig);
  rig.advance(std::chrono::seconds{5});
  rig.press("*" + courier_pin + "#");
  EXPECT_EQ(rig.display(), menu_text);
  expect_cleared(rig);

  // The list of parcels to take out cannot be read: not "nothing to remove".
  rig.db().db().exec("ALTER TABLE parcels RENAME TO parcels_away");
  rig.press("2");
  EXPECT_EQ(rig.display(), out_of_order);
  expect_raised(rig);
  rig.db().db().exec("ALTER TABLE parcels_away RENAME TO parcels");
  rig.advance(std::chrono::seconds{5});
  EXPECT_EQ(rig.display(), menu_text);
}

TEST_F(storage_fault, a_deposit_is_out_of_order_not_no_free_compartment) {
  locker_rig rig;
  rig.add_courier("c-1", courier_pin);
  rig.press("*" + courier_pin + "#");
  ASSERT_EQ(rig.display(), menu_text);
  refuse_writes(rig);
  rig.press("1");
  rig.press("7002#");
  rig.press("1");
  EXPECT_EQ(rig.display(), out_of_order);
  rig.advance(move_time);
  EXPECT_FALSE(rig.cabinet("1").coil);
  expect_raised(rig);
  EXPECT_TRUE(rig.events_of("deposit_failed").empty()) << "not no_free_compartment";
  rig.advance(std::chrono::seconds{5});
  EXPECT_EQ(rig.display(), menu_text) << "back to the courier's menu";

  allow_writes(rig);
  rig.press("1");
  rig.press("7002#");
  rig.press("1");
  rig.advance(move_time);
  EXPECT_EQ(rig.display(), "Put in box 1, close\n*=too big #=cancel");
  expect_cleared(rig);
}

TEST_F(storage_fault, a_door_close_that_cannot_be_booked_is_out_of_order_and_kept_for_later) {
  locker_rig rig;
  rig.add_courier("c-1", courier_pin);
  rig.press("*" + courier_pin + "#");
  rig.press("1");
  rig.press("7003#");
  rig.press("1");
  rig.advance(move_time);
  ASSERT_EQ(rig.display(), "Put in box 1, close\n*=too big #=cancel");
  rig.person_opens("1");
  rig.person_puts("1");
  refuse(rig, "INSERT", "parcels");
  rig.person_closes("1");
  EXPECT_EQ(rig.display(), out_of_order);
  EXPECT_TRUE(rig.events_of("stored").empty());
  EXPECT_TRUE(rig.events_of("closed").empty()) << "the close and its booking are one";
  expect_raised(rig);
  EXPECT_EQ(types(rig.events_of("storage_fault")), (std::vector<std::string>{"storage_fault:on"}));
  rig.advance(std::chrono::seconds{5});
  EXPECT_EQ(rig.display(), menu_text);

  // The database works again; the restart books what the close owed (the presence sensor
  // sees the parcel) and ends the journaled alarm.
  allow(rig, "parcels");
  rig.restart();
  expect_cleared(rig);
  ASSERT_EQ(rig.events_of("stored").size(), 1U);
  EXPECT_EQ(rig.events_of("stored").front()["compartment"], "1");
  EXPECT_EQ(types(rig.events_of("storage_fault")),
            (std::vector<std::string>{"storage_fault:on", "storage_fault:off"}));
}

TEST_F(storage_fault, the_expiry_timer_survives_a_refusing_database_and_tries_again) {
  locker_rig rig;
  rig.add_courier("c-1", courier_pin);
  deposit(rig, "7004", "1");
  refuse(rig, "UPDATE", "parcels");
  rig.advance(std::chrono::hours{72} + std::chrono::seconds{5});  // nothing escapes the loop
  EXPECT_TRUE(rig.events_of("expired").empty());
  expect_raised(rig);
  EXPECT_EQ(types(rig.events_of("storage_fault")), (std::vector<std::string>{"storage_fault:on"}));

  allow(rig, "parcels");
  rig.advance(std::chrono::seconds{61});
  ASSERT_EQ(rig.events_of("expired").size(), 1U);
  EXPECT_EQ(rig.db().parcels().live_in("1")->state, store::parcel_state::expired);
  expect_cleared(rig);
  EXPECT_EQ(types(rig.events_of("storage_fault")),
            (std::vector<std::string>{"storage_fault:on", "storage_fault:off"}));
}

}  // namespace
}  // namespace storage_fault_test
}  // namespace locker::scenario
