// SPDX-License-Identifier: Apache-2.0
// lockeradm's commands against a real SQLite file in a temporary state folder.
#include "daemon/admin/admin.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <future>
#include <initializer_list>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include "daemon/security/secret_key.hpp"
#include "daemon/store/courier_badges_repository.hpp"
#include "daemon/store/lockout_repository.hpp"
#include "daemon/store/schema.hpp"
#include "daemon/store/store.hpp"
#include "tests/store/temp_dir.hpp"

namespace locker::admin {
namespace {

using namespace std::chrono_literals;
using testing::HasSubstr;
using testing::Not;
using testing::StartsWith;

struct result {
  int status = -1;
  std::string out;
  std::string err;  // without the note below, which these tests (no lockerd runs) all get
  // lockeradm said it changed the file itself because no lockerd was running.
  bool direct = false;
};

class admin_test : public store::testing::temp_dir_test {
 protected:
  // Runs lockeradm --state-dir <dir> ARGS with `input` on standard input.
  result run(std::initializer_list<std::string_view> args, const std::string& input = "",
             const environment& env = {}) {
    std::vector<std::string_view> all{"--state-dir", dir_str_};
    all.insert(all.end(), args.begin(), args.end());
    return run_raw(all, input, env);
  }
  static result run_raw(const std::vector<std::string_view>& args, const std::string& input = "",
                        const environment& env = {}) {
    std::istringstream in(input);
    std::ostringstream out, err;
    result r;
    r.status = run_admin(args, in, out, err, env);
    r.out = out.str();
    r.err = err.str();
    const std::string note = "lockeradm: lockerd is not running: changing ";
    if (const auto at = r.err.find(note); at != std::string::npos) {
      const auto end = r.err.find(" directly\n", at);
      EXPECT_NE(end, std::string::npos) << r.err;
      r.direct = true;
      r.err.erase(at, end + 10 - at);
    }
    return r;
  }
  void SetUp() override {
    temp_dir_test::SetUp();
    dir_str_ = dir_.string();
  }
  security::secret_key key() const { return security::load_or_create_key(dir_); }
  // As lockerd does at start: the compartments the board has.
  void add_compartments(store::store& st) {
    st.compartments().upsert("A1", "S", t0_);
    st.compartments().upsert("A2", "M", t0_);
    st.compartments().upsert("A3", "L", t0_);
  }
  static void expect_one_error_line(const result& r) {
    EXPECT_THAT(r.err, StartsWith("lockeradm: "));
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }

  std::string dir_str_;
  const store::wall_time t0_ = std::chrono::system_clock::now();
};

TEST_F(admin_test, only_a_change_made_on_the_file_itself_is_announced_as_such) {
  ASSERT_EQ(run({"courier", "add", "c-1"}, "12345678\n").status, exit_ok);
  const auto look = run({"courier", "list"});
  ASSERT_EQ(look.status, exit_ok) << look.err;
  EXPECT_FALSE(look.direct);  // reading is no change: lockerd stays the one writer
  EXPECT_EQ(look.err, "");
  const auto change = run({"courier", "disable", "c-1"});
  ASSERT_EQ(change.status, exit_ok) << change.err;
  EXPECT_TRUE(change.direct);
}

TEST_F(admin_test, courier_add_stores_the_pin_hash_lockerd_checks) {
  const auto r = run({"courier", "add", "c-1", "--name", "Ann Smith"}, "12345678\n");
  ASSERT_EQ(r.status, exit_ok) << r.err;
  EXPECT_TRUE(r.direct);  // no lockerd runs here: the change went to the file, and it says so
  EXPECT_EQ(r.out, "courier c-1 added\n");
  EXPECT_EQ(r.err, "");

  store::store st(db_path());
  const auto c = st.couriers().find("c-1");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->name, "Ann Smith");
  EXPECT_TRUE(c->enabled);
  // The same hash the controller computes at login, so the keypad accepts this PIN.
  EXPECT_EQ(c->pin_hash, security::courier_pin_hash(key(), "12345678"));
  ASSERT_TRUE(st.couriers().find_by_pin_hash(security::courier_pin_hash(key(), "12345678")));

  const auto log = st.audit().newest(10);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].actor, "lockeradm");
  EXPECT_EQ(log[0].action, "courier_add");
  EXPECT_THAT(log[0].detail, HasSubstr("c-1"));
  EXPECT_THAT(log[0].detail, Not(HasSubstr("12345678")));
  EXPECT_THAT(log[0].detail, Not(HasSubstr(c->pin_hash)));
}

TEST_F(admin_test, courier_list_disable_enable_remove) {
  ASSERT_EQ(run({"courier", "add", "c-1", "--name", "Ann"}, "123456\n").status, exit_ok);
  ASSERT_EQ(run({"courier", "add", "c-2", "--disabled"}, "654321\r\n").status, exit_ok);

  auto list = run({"courier", "list"});
  ASSERT_EQ(list.status, exit_ok) << list.err;
  EXPECT_THAT(list.out, HasSubstr("ID   NAME  ENABLED"));
  EXPECT_THAT(list.out, HasSubstr("c-1  Ann   yes"));
  EXPECT_THAT(list.out, HasSubstr("c-2  -     no"));
  {
    store::store st(db_path());
    for (const auto& c : st.couriers().all()) EXPECT_THAT(list.out, Not(HasSubstr(c.pin_hash)));
  }

  EXPECT_EQ(run({"courier", "disable", "c-1"}).status, exit_ok);
  EXPECT_EQ(run({"courier", "enable", "c-2"}).status, exit_ok);
  list = run({"courier", "list"});
  EXPECT_THAT(list.out, HasSubstr("c-1  Ann   no"));
  EXPECT_THAT(list.out, HasSubstr("c-2  -     yes"));

  const auto removed = run({"courier", "remove", "c-1"});
  EXPECT_EQ(removed.status, exit_ok);
  EXPECT_EQ(removed.out, "courier c-1 removed\n");
  list = run({"courier", "list"});
  EXPECT_THAT(list.out, Not(HasSubstr("c-1")));

  const auto missing = run({"courier", "remove", "c-1"});
  EXPECT_EQ(missing.status, exit_failure);
  EXPECT_EQ(missing.err, "lockeradm: no courier 'c-1'\n");

  store::store st(db_path());
  std::vector<std::string> actions;
  for (const auto& e : st.audit().newest(100)) actions.insert(actions.begin(), e.action);
  EXPECT_EQ(actions, (std::vector<std::string>{"courier_add", "courier_add", "courier_disable",
                                               "courier_enable", "courier_remove"}));
}

TEST_F(admin_test, bad_pins_are_refused_and_nothing_is_written) {
  for (const std::string pin : {"12ab56\n", "12345\n", "1234567890123\n", "\n", ""}) {
    const auto r = run({"courier", "add", "c-1"}, pin);
    EXPECT_EQ(r.status, exit_failure) << pin;
    expect_one_error_line(r);
    if (!pin.empty() && pin != "\n") {
      EXPECT_EQ(r.err, "lockeradm: the PIN must be 6-12 digits (read from standard input)\n");
      EXPECT_THAT(r.err, Not(HasSubstr(pin.substr(0, pin.size() - 1))));
    }
  }
  store::store st(db_path());
  EXPECT_TRUE(st.couriers().all().empty());
  EXPECT_TRUE(st.audit().newest(10).empty());
}

TEST_F(admin_test, a_pin_used_by_another_courier_is_refused) {
  ASSERT_EQ(run({"courier", "add", "c-1"}, "246810\n").status, exit_ok);
  const auto r = run({"courier", "add", "c-2"}, "246810\n");
  EXPECT_EQ(r.status, exit_failure);
  EXPECT_EQ(r.err, "lockeradm: that PIN is already used by another courier\n");

  ASSERT_EQ(run({"courier", "add", "c-3"}, "135791\n").status, exit_ok);
  EXPECT_EQ(run({"courier", "set-pin", "c-3"}, "246810\n").status, exit_failure);

  store::store st(db_path());
  EXPECT_EQ(st.couriers().all().size(), 2u);
  EXPECT_EQ(st.couriers().find("c-3")->pin_hash, security::courier_pin_hash(key(), "135791"));
  EXPECT_EQ(st.audit().newest(10).size(), 2u);  // the two adds only
}

TEST_F(admin_test, set_pin_changes_the_hash_and_keeps_the_rest) {
  ASSERT_EQ(run({"courier", "add", "c-1", "--name", "Bo", "--disabled"}, "111222\n").status,
            exit_ok);
  const auto r = run({"courier", "set-pin", "c-1"}, "333444555\n");
  ASSERT_EQ(r.status, exit_ok) << r.err;
  store::store st(db_path());
  const auto c = st.couriers().find("c-1");
  EXPECT_EQ(c->pin_hash, security::courier_pin_hash(key(), "333444555"));
  EXPECT_EQ(c->name, "Bo");
  EXPECT_FALSE(c->enabled);
  EXPECT_EQ(run({"courier", "set-pin", "nobody"}, "333444555\n").status, exit_failure);
}

TEST_F(admin_test, badges_are_stored_as_the_hash_lockerd_checks_and_never_shared) {
  const auto added = run({"courier", "add", "c-1", "--badge"}, "111222\n12:3456\n");
  ASSERT_EQ(added.status, exit_ok) << added.err;
  EXPECT_EQ(added.out, "courier c-1 added, with a badge\n");
  ASSERT_EQ(run({"courier", "add", "c-2"}, "333444\n").status, exit_ok);
  // Another courier's badge: refused, nothing changed.
  const auto shared = run({"courier", "set-badge", "c-2"}, "12:3456\n");
  EXPECT_EQ(shared.status, exit_failure);
  EXPECT_EQ(shared.err, "lockeradm: that badge is already used by another courier\n");
  const auto bad = run({"courier", "set-badge", "c-2"}, "12 3456\n");
  EXPECT_EQ(bad.status, exit_failure);
  EXPECT_THAT(bad.err, Not(HasSubstr("3456")));
  EXPECT_EQ(run({"courier", "set-badge", "nobody"}, "7:7\n").status, exit_failure);
  const auto changed = run({"courier", "set-badge", "c-2"}, "77:65432\n");
  ASSERT_EQ(changed.status, exit_ok) << changed.err;
  EXPECT_EQ(changed.out, "courier c-2: badge changed\n");

  store::store st(db_path());
  auto& badges = st.courier_badges();
  // The same hashes the controller computes when a badge is read at the keypad.
  EXPECT_EQ(badges.find_courier(security::courier_badge_hash(key(), "12:3456")), "c-1");
  EXPECT_EQ(badges.find_courier(security::courier_badge_hash(key(), "77:65432")), "c-2");
  for (const auto& e : st.audit().newest(100)) {
    EXPECT_THAT(e.detail, Not(HasSubstr("12:3456")));
    EXPECT_THAT(e.detail, Not(HasSubstr("77:65432")));
  }
  EXPECT_EQ(st.audit().newest(100).front().action, "courier_set_badge");
}

TEST_F(admin_test, an_existing_courier_is_not_overwritten_by_add) {
  ASSERT_EQ(run({"courier", "add", "c-1"}, "111222\n").status, exit_ok);
  const auto r = run({"courier", "add", "c-1"}, "999888\n");
  EXPECT_EQ(r.status, exit_failure);
  EXPECT_THAT(r.err, HasSubstr("exists already"));
  store::store st(db_path());
  EXPECT_EQ(st.couriers().find("c-1")->pin_hash, security::courier_pin_hash(key(), "111222"));
}

TEST_F(admin_test, reservation_add_without_and_with_a_code) {
  {
    store::store st(db_path());
    add_compartments(st);
  }
  auto r = run({"reservation", "add", "--id", "r-1", "--tracking", "TN-1", "--size", "M"});
  ASSERT_EQ(r.status, exit_ok) << r.err;
  r = run({"reservation", "add", "--id=r-2", "--tracking=TN-2", "--size=L", "--window-h", "24",
           "--code-stdin"},
          "48213957\n");
  ASSERT_EQ(r.status, exit_ok) << r.err;

  store::store st(db_path());
  const auto r1 = st.reservations().find("r-1");
  ASSERT_TRUE(r1);
  EXPECT_EQ(r1->tracking_number, "TN-1");
  EXPECT_EQ(r1->size, "M");
  EXPECT_FALSE(r1->pickup_code_hash);
  EXPECT_FALSE(r1->pickup_window_h);
  EXPECT_EQ(r1->state, store::reservation_state::announced);
  const auto r2 = st.reservations().find("r-2");
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->pickup_code_hash, security::pickup_code_hash(key(), "48213957"));
  EXPECT_EQ(r2->pickup_window_h, 24);
  EXPECT_EQ(st.reservations().find_announced("TN-2")->reservation_id, "r-2");

  for (const auto& e : st.audit().newest(10)) {
    EXPECT_EQ(e.action, "reservation_add");
    EXPECT_THAT(e.detail, Not(HasSubstr("48213957")));
    EXPECT_THAT(e.detail, Not(HasSubstr(*r2->pickup_code_hash)));
  }
  const auto list = run({"reservation", "list"});
  EXPECT_EQ(list.status, exit_ok);
  EXPECT_THAT(list.out, HasSubstr("r-2  TN-2      L     announced  24"));
  EXPECT_THAT(list.out, Not(HasSubstr("48213957")));
  EXPECT_THAT(list.out, Not(HasSubstr(*r2->pickup_code_hash)));
}

TEST_F(admin_test, bad_reservations_are_refused_and_nothing_is_written) {
  {
    store::store st(db_path());
    add_compartments(st);
  }
  auto r = run({"reservation", "add", "--id", "r-1", "--tracking", "TN-1", "--size", "XL"});
  EXPECT_EQ(r.status, exit_failure);
  EXPECT_EQ(r.err, "lockeradm: size 'XL' is not one of the board's sizes (S, M, L)\n");
  r = run(
      {"reservation", "add", "--id", "r-1", "--tracking", "TN-1", "--size", "S", "--code-stdin"},
      "12345\n");
  EXPECT_EQ(r.status, exit_failure);
  EXPECT_EQ(r.err, "lockeradm: the pickup code must be 6-10 digits (read from standard input)\n");
  r = run({"reservation", "add", "--id", "r-1", "--tracking", "TN 1", "--size", "S"});
  EXPECT_EQ(r.status, exit_usage);
  r = run({"reservation", "add", "--id", "r-1", "--tracking", "TN-1", "--size", "S", "--window-h",
           "0"});
  EXPECT_EQ(r.status, exit_usage);
  r = run({"reservation", "add", "--tracking", "TN-1", "--size", "S"});
  EXPECT_EQ(r.status, exit_usage);
  EXPECT_THAT(r.err, HasSubstr("--id is required"));

  store::store st(db_path());
  EXPECT_TRUE(st.reservations().all().empty());
  EXPECT_TRUE(st.audit().newest(10).empty());

  ASSERT_EQ(run({"reservation", "add", "--id", "r-1", "--tracking", "TN-1", "--size", "S"}).status,
            exit_ok);
  r = run({"reservation", "add", "--id", "r-1", "--tracking", "TN-9", "--size", "S"});
  EXPECT_EQ(r.status, exit_failure);
  EXPECT_EQ(r.err, "lockeradm: reservation 'r-1' exists already\n");
  EXPECT_EQ(st.reservations().find("r-1")->tracking_number, "TN-1");
}

TEST_F(admin_test, a_pickup_code_that_is_live_is_refused) {
  {
    store::store st(db_path());
    add_compartments(st);
  }
  ASSERT_EQ(run({"reservation", "add", "--id", "r-1", "--tracking", "TN-1", "--size", "S",
                 "--code-stdin"},
                "48213957\n")
                .status,
            exit_ok);
  const auto r = run(
      {"reservation", "add", "--id", "r-2", "--tracking", "TN-2", "--size", "S", "--code-stdin"},
      "48213957\n");
  EXPECT_EQ(r.status, exit_failure);
  EXPECT_EQ(r.err, "lockeradm: this pickup code is not available: choose another\n");
  store::store st(db_path());
  EXPECT_FALSE(st.reservations().find("r-2"));
  EXPECT_EQ(st.audit().newest(10).size(), 1U);
}

// The same checks as reservation_create over MQTT (daemon/parcels): a tracking number is
// announced once and never while its parcel is in the locker.
TEST_F(admin_test, a_tracking_number_in_the_locker_or_announced_is_refused) {
  {
    store::store st(db_path());
    add_compartments(st);
    store::transaction tx(st.db());
    const auto id = st.parcels().store(
        tx, {"TN-IN", "A2", std::nullopt, "c-1", "h", std::nullopt, t0_, t0_ + 72h});
    st.parcels().mark(tx, id, store::parcel_state::expired, t0_ + 73h);  // still in A2
    tx.commit();
  }
  auto r = run({"reservation", "add", "--id", "r-1", "--tracking", "TN-IN", "--size", "S"});
  EXPECT_EQ(r.status, exit_failure);
  EXPECT_EQ(r.err, "lockeradm: tracking number 'TN-IN' is already in compartment A2\n");

  ASSERT_EQ(run({"reservation", "add", "--id", "r-2", "--tracking", "TN-2", "--size", "S"}).status,
            exit_ok);
  r = run({"reservation", "add", "--id", "r-3", "--tracking", "TN-2", "--size", "M"});
  EXPECT_EQ(r.status, exit_failure);
  EXPECT_EQ(r.err, "lockeradm: tracking number 'TN-2' is already announced by reservation 'r-2'\n");

  store::store st(db_path());
  EXPECT_FALSE(st.reservations().find("r-1"));
  EXPECT_FALSE(st.reservations().find("r-3"));
  EXPECT_EQ(st.reservations().all().size(), 1U);
  EXPECT_EQ(st.audit().newest(10).size(), 1U) << "a refusal leaves no audit entry";

  // Once the parcel has left, its number may be announced again.
  {
    store::transaction tx(st.db());
    st.parcels().mark(tx, st.parcels().live_in("A2")->id, store::parcel_state::removed, t0_ + 74h);
    tx.commit();
  }
  r = run({"reservation", "add", "--id", "r-1", "--tracking", "TN-IN", "--size", "S"});
  EXPECT_EQ(r.status, exit_ok) << r.err;
}

TEST_F(admin_test, in_service_leaves_a_request_for_lockerds_next_start) {
  {
    store::store st(db_path());
    add_compartments(st);
    store::compartment_record rec = *st.compartments().find("A2");
    rec.service = store::service_state::faulty;
    rec.service_reason = "lock_fault";
    rec.alarms = "lock_fault";
    store::transaction tx(st.db());
    st.compartments().save(tx, rec, t0_);
    tx.commit();
  }
  auto r = run({"in-service", "A2", "--reason", "lock replaced"});
  ASSERT_EQ(r.status, exit_ok) << r.err;
  EXPECT_THAT(r.out,
              HasSubstr("when lockerd next starts (clearing lock_fault if its sensors agree)"));
  store::store st(db_path());
  EXPECT_EQ(st.in_service_requests().find("A2"), "lock replaced");
  EXPECT_EQ(st.compartments().find("A2")->alarms, "lock_fault")
      << "lockerd clears it, not lockeradm";
  EXPECT_EQ(st.audit().newest(1)[0].action, "in_service_requested");

  r = run({"in-service", "Z9", "--reason", "x"});
  EXPECT_EQ(r.status, exit_failure);
  EXPECT_EQ(r.err, "lockeradm: no compartment 'Z9'\n");
  EXPECT_FALSE(st.in_service_requests().find("Z9"));
  r = run({"in-service", "A1"});
  EXPECT_EQ(r.status, exit_usage);
  EXPECT_THAT(r.err, HasSubstr("--reason is required"));
  EXPECT_FALSE(st.in_service_requests().find("A1"));
}

TEST_F(admin_test, compartments_and_parcels_never_show_a_code_or_hash) {
  const std::string code = "48213957";
  const std::string hash = security::pickup_code_hash(key(), code);
  {
    store::store st(db_path());
    add_compartments(st);
    st.compartments().set_service("A3", store::service_state::out_of_service, "broken hinge", t0_);
    store::transaction tx(st.db());
    store::new_parcel p{"TN-42", "A2", std::nullopt, "c-1", hash, code, t0_, t0_ + 72h};
    const auto id = st.parcels().store(tx, p);
    st.journal().append(tx, store::journal_topic::parcel, "stored",
                        {{"tracking_number", "TN-42"}, {"pickup_code", code}}, t0_, id);
    tx.commit();
  }
  const auto comp = run({"compartments"});
  ASSERT_EQ(comp.status, exit_ok) << comp.err;
  EXPECT_THAT(comp.out, HasSubstr("A2  M     in_service"));
  EXPECT_THAT(comp.out, HasSubstr("TN-42"));
  EXPECT_THAT(comp.out, HasSubstr("stored"));
  EXPECT_THAT(comp.out, HasSubstr("out_of_service (broken hinge)"));

  const auto live = run({"parcels"});
  const auto all = run({"parcels", "--all"});
  ASSERT_EQ(live.status, exit_ok) << live.err;
  ASSERT_EQ(all.status, exit_ok) << all.err;
  EXPECT_THAT(live.out, HasSubstr("TN-42"));
  EXPECT_THAT(live.out, HasSubstr("A2"));
  for (const auto* out : {&comp.out, &live.out, &all.out}) {
    EXPECT_THAT(*out, Not(HasSubstr(code)));
    EXPECT_THAT(*out, Not(HasSubstr(hash)));
  }
}

TEST_F(admin_test, parcels_lists_live_ones_unless_all) {
  store::store st(db_path());
  add_compartments(st);
  store::transaction tx(st.db());
  const auto gone = st.parcels().store(
      tx, {"TN-1", "A1", std::nullopt, "c-1", "h1", std::nullopt, t0_, t0_ + 1h});
  st.parcels().mark(tx, gone, store::parcel_state::collected, t0_ + 1min);
  st.parcels().store(tx, {"TN-2", "A1", std::nullopt, "c-1", "h2", std::nullopt, t0_, t0_ + 1h});
  tx.commit();
  const auto live = run({"parcels"});
  EXPECT_THAT(live.out, Not(HasSubstr("TN-1")));
  EXPECT_THAT(live.out, HasSubstr("TN-2"));
  const auto all = run({"parcels", "--all"});
  EXPECT_THAT(all.out, HasSubstr("TN-1"));
  EXPECT_THAT(all.out, HasSubstr("collected"));
}

// Drop-off flow (issue 13): the outbound parcels' view and a courier's carrier.
TEST_F(admin_test, outbound_lists_dropoffs_and_returns_waiting_for_a_courier) {
  (void)key();  // the folder's key, as lockerd made it (the courier below is hashed with it)
  {
    store::store st(db_path());
    add_compartments(st);
    store::transaction tx(st.db());
    st.reservations().create(tx, {"r-1", "DO-1", "S", std::nullopt, std::nullopt,
                                  store::reservation_state::deposited, t0_});
    st.outbound().set_reservation(tx, "r-1", {"dropoff", "hash", "dhl"});
    const auto dropped =
        st.parcels().store(tx, {"DO-1", "A1", "r-1", "", "", std::nullopt, t0_, t0_});
    st.outbound().set_parcel_kind(tx, dropped, "return");
    st.parcels().store(tx, {"TN-2", "A2", std::nullopt, "c-1", "h2", std::nullopt, t0_, t0_ + 1h});
    tx.commit();
  }
  const auto r = run({"outbound"});
  ASSERT_EQ(r.status, exit_ok) << r.err;
  EXPECT_THAT(r.out, HasSubstr("DO-1"));
  EXPECT_THAT(r.out, HasSubstr("return"));
  EXPECT_THAT(r.out, HasSubstr("dhl"));
  EXPECT_THAT(r.out, Not(HasSubstr("TN-2")));
  EXPECT_THAT(r.out, Not(HasSubstr("hash")));

  ASSERT_EQ(run({"courier", "add", "c-1"}, "12345678\n").status, exit_ok);
  ASSERT_EQ(run({"courier", "set-carrier", "c-1", "dhl"}).status, exit_ok);
  {
    store::store st(db_path());
    EXPECT_EQ(st.outbound().courier_carrier("c-1"), "dhl");
  }
  ASSERT_EQ(run({"courier", "set-carrier", "c-1"}).status, exit_ok);
  store::store st(db_path());
  EXPECT_FALSE(st.outbound().courier_carrier("c-1"));
  EXPECT_NE(run({"courier", "set-carrier", "c-9", "dhl"}).status, exit_ok);
}

TEST_F(admin_test, journal_prints_pending_events_in_seq_order) {
  store::store st(db_path());
  std::vector<std::string> payloads;
  for (const char* type : {"opened", "closed", "opened", "closed"}) {
    store::transaction tx(st.db());
    payloads.push_back(
        st.journal()
            .append(tx, store::journal_topic::door, type, {{"compartment", "A1"}}, t0_)
            .payload);
    tx.commit();
  }
  st.journal().remove(1);  // acknowledged by the broker: no longer shown

  auto r = run({"journal"});
  ASSERT_EQ(r.status, exit_ok) << r.err;
  EXPECT_EQ(r.out, payloads[1] + "\n" + payloads[2] + "\n" + payloads[3] + "\n");
  r = run({"journal", "--limit", "2"});
  EXPECT_EQ(r.out, payloads[1] + "\n" + payloads[2] + "\n");
}

TEST_F(admin_test, journal_follow_prints_new_events_until_told_to_stop) {
  store::store daemon(db_path());
  const auto append = [&](const char* type) {
    store::transaction tx(daemon.db());
    auto e =
        daemon.journal().append(tx, store::journal_topic::door, type, {{"compartment", "A1"}}, t0_);
    tx.commit();
    return e.payload;
  };
  const auto first = append("opened");
  std::string second;
  // The daemon appends between the tool's polls; the third question stops it.
  int polls = 0;
  environment env;
  env.poll_interval = 1ms;
  env.stop_requested = [&] {
    if (++polls == 1) second = append("closed");
    return polls >= 3;
  };
  const auto r = run({"journal", "--follow"}, "", env);
  ASSERT_EQ(r.status, exit_ok) << r.err;
  EXPECT_EQ(r.out, first + "\n" + second + "\n");
}

TEST_F(admin_test, works_beside_the_daemon_holding_the_database) {
  store::store daemon(db_path());
  add_compartments(daemon);
  // The daemon writes for a while; the tool waits for it (busy timeout) instead of failing.
  std::promise<void> locked;
  std::thread writer([&] {
    store::transaction tx(daemon.db());
    daemon.journal().append(tx, store::journal_topic::door, "opened", {{"compartment", "A1"}}, t0_);
    locked.set_value();
    std::this_thread::sleep_for(300ms);
    tx.commit();
  });
  locked.get_future().wait();
  const auto added = run({"courier", "add", "c-1"}, "192837\n");
  writer.join();
  ASSERT_EQ(added.status, exit_ok) << added.err;

  // The daemon sees the courier at once: its next login query finds it.
  const auto c = daemon.couriers().find_by_pin_hash(security::courier_pin_hash(key(), "192837"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->courier_id, "c-1");
  // And the tool sees the daemon's event.
  const auto j = run({"journal"});
  EXPECT_EQ(j.out, daemon.journal().pending(10)[0].payload + "\n");
}

TEST_F(admin_test, usage_errors_exit_2_with_one_line) {
  const std::vector<std::vector<std::string_view>> bad = {
      {},
      {"frobnicate"},
      {"--bogus", "courier", "list"},
      {"-c"},
      {"-c", "x.toml", "--state-dir", "y", "courier", "list"},
      {"--state-dir", "y", "courier"},
      {"--state-dir", "y", "courier", "fly"},
      {"--state-dir", "y", "courier", "add"},
      {"--state-dir", "y", "courier", "list", "extra"},
      {"--state-dir", "y", "journal", "--limit", "0"},
      {"--state-dir", "y", "journal", "--limit"},
      {"--state-dir", "y", "audit", "--limit", "ten"},
      {"--state-dir", "y", "parcels", "--every"},
      {"--state-dir", "y", "reservation", "add", "--id", "r", "--id", "s"},
  };
  for (const auto& args : bad) {
    const auto r = run_raw(args);
    std::string line;
    for (auto a : args) line += std::string(a) + " ";
    EXPECT_EQ(r.status, exit_usage) << line << r.err;
    expect_one_error_line(r);
    EXPECT_THAT(r.err, HasSubstr("--help)")) << line;
    EXPECT_EQ(r.out, "");
  }
  // Nothing was created in the folder the usage errors named.
  EXPECT_FALSE(std::filesystem::exists("y"));
}

TEST_F(admin_test, help_for_the_tool_and_each_command) {
  auto r = run_raw({"--help"});
  EXPECT_EQ(r.status, exit_ok);
  EXPECT_THAT(r.out, StartsWith("Usage: lockeradm"));
  EXPECT_THAT(r.out, HasSubstr("never from the command line"));
  r = run_raw({"journal", "--help"});
  EXPECT_EQ(r.status, exit_ok);
  EXPECT_THAT(r.out, HasSubstr("pickup code"));
  EXPECT_THAT(r.out, HasSubstr("treat the"));
  for (auto c :
       {"courier", "reservation", "compartments", "in-service", "parcels", "journal", "audit"}) {
    r = run_raw({"help", c});
    EXPECT_EQ(r.status, exit_ok) << c;
    EXPECT_THAT(r.out, StartsWith(std::string("Usage: lockeradm ") + c)) << c;
  }
  // --help wins over everything else and touches no state.
  r = run_raw({"--state-dir", "/nonexistent", "courier", "add", "x", "--help"});
  EXPECT_EQ(r.status, exit_ok);
}

TEST_F(admin_test, a_missing_state_is_an_error_and_looking_creates_nothing) {
  auto r = run_raw({"--state-dir", (dir_ / "nope").string(), "courier", "list"});
  EXPECT_EQ(r.status, exit_failure);
  EXPECT_THAT(r.err, HasSubstr("does not exist"));
  // A folder lockerd has not used yet is a fresh install: a look shows an empty locker
  // (issue 16: every command works on a fresh install) and still creates nothing.
  r = run({"parcels"});
  EXPECT_EQ(r.status, exit_ok) << r.err;
  EXPECT_FALSE(std::filesystem::exists(db_path()));
  r = run_raw({"-c", (dir_ / "missing.toml").string(), "courier", "list"});
  EXPECT_EQ(r.status, exit_failure);
  EXPECT_THAT(r.err, HasSubstr("bad configuration"));
  expect_one_error_line(r);
}

TEST_F(admin_test, config_gives_the_state_folder_and_the_board_sizes) {
  const auto state = dir_ / "state";
  std::filesystem::create_directories(state);
  const auto cfg = dir_ / "lockerd.toml";
  std::ofstream(cfg) << "locker_id = \"test-1\"\n"
                     << "state_dir = \"" << state.string() << "\"\n"
                     << "board = \"" << LOCKER_SOURCE_DIR << "/config/boards/sim-24.toml\"\n"
                     << "[hardware]\nbackend = \"sim\"\nsim_socket = \""
                     << (dir_ / "s.sock").string() << "\"\n";
  // No compartment recorded yet: the sizes come from the board file.
  auto r = run_raw(
      {"-c", cfg.string(), "reservation", "add", "--id", "r-1", "--tracking", "T", "--size", "L"});
  ASSERT_EQ(r.status, exit_ok) << r.err;
  const std::string config_arg = "--config=" + cfg.string();
  r = run_raw(
      {config_arg, "reservation", "add", "--id", "r-2", "--tracking", "T", "--size", "XXL"});
  EXPECT_EQ(r.status, exit_failure);
  EXPECT_THAT(r.err, HasSubstr("(S, M, L)"));
  store::store st(state / "lockerd.db");
  EXPECT_TRUE(st.reservations().find("r-1"));
}

// The real executable: main wires arguments and streams to run_admin.
TEST_F(admin_test, the_lockeradm_executable_runs) {
  const auto exec = [](const std::string& command, std::string& out) {
    FILE* p = ::popen(command.c_str(), "r");
    if (!p) return -1;
    char buf[4096];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    const int status = ::pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  std::string out;
  EXPECT_EQ(exec(std::string(LOCKERADM_PATH) + " --help", out), 0);
  EXPECT_THAT(out, StartsWith("Usage: lockeradm"));

  out.clear();
  const std::string cmd = "echo 24680135 | " + std::string(LOCKERADM_PATH) + " --state-dir '" +
                          dir_.string() + "' courier add c-9 --name Eve";
  EXPECT_EQ(exec(cmd, out), 0);
  EXPECT_EQ(out, "courier c-9 added\n");
  store::store st(db_path());
  ASSERT_TRUE(st.couriers().find("c-9"));
  EXPECT_EQ(st.couriers().find("c-9")->pin_hash, security::courier_pin_hash(key(), "24680135"));

  out.clear();
  EXPECT_EQ(exec(std::string(LOCKERADM_PATH) + " frobnicate 2>/dev/null", out), 2);
}

}  // namespace
}  // namespace locker::admin

namespace locker::admin {
namespace {

TEST_F(admin_test, lockout_clear_without_lockerd_deletes_the_saved_budgets_audited) {
  {
    store::store st(db_path());
    auto& budgets = st.lockouts();
    store::saved_budget locked;
    locked.remains.level = 3;
    locked.remains.locked_left = std::chrono::hours{4};
    store::transaction tx(st.db());
    budgets.save(tx, "pickup_code", locked);
    budgets.save(tx, "courier", locked);
    tx.commit();
  }
  auto r = run({"lockout", "clear", "--budget", "courier"});
  ASSERT_EQ(r.status, exit_ok) << r.err;
  EXPECT_TRUE(r.direct);
  EXPECT_THAT(r.out, HasSubstr("keypad lockout cleared (courier)"));
  {
    store::store st(db_path());
    auto& budgets = st.lockouts();
    EXPECT_FALSE(budgets.load("courier").has_value());
    ASSERT_TRUE(budgets.load("pickup_code").has_value()) << "only the budget asked for";
    EXPECT_EQ(st.audit().newest(1)[0].action, "lockout_clear");
    EXPECT_EQ(st.audit().newest(1)[0].actor, "lockeradm");
  }
  r = run({"lockout", "clear"});
  ASSERT_EQ(r.status, exit_ok) << r.err;
  store::store st(db_path());
  EXPECT_FALSE(st.lockouts().load("pickup_code").has_value());
  r = run({"lockout", "clear", "--budget", "everyone"});
  EXPECT_EQ(r.status, exit_usage);
  r = run({"lockout"});
  EXPECT_EQ(r.status, exit_usage);
}

// ---- check, backup, restore (issue 15) ----------------------------------------------------

TEST_F(admin_test, check_says_the_database_is_whole_and_names_its_key) {
  ASSERT_EQ(run({"courier", "add", "c-1"}, "12345678\n").status, exit_ok);
  const auto r = run({"check"});
  EXPECT_EQ(r.status, exit_ok) << r.err;
  EXPECT_EQ(r.out, db_path().string() + ": ok (schema " + std::to_string(store::schema_version()) +
                       ", key " + security::key_fingerprint(key()) + ")\n");
}

TEST_F(admin_test, a_backup_restored_brings_the_books_back) {
  ASSERT_EQ(run({"courier", "add", "c-1"}, "12345678\n").status, exit_ok);
  const auto copy = (dir_ / "backup.db").string();
  const auto b = run({"backup", copy});
  ASSERT_EQ(b.status, exit_ok) << b.err;
  EXPECT_THAT(b.out, HasSubstr("keep secret.key's own backup apart"));
  EXPECT_EQ(run({"backup", copy}).status, exit_failure);  // never over an existing file
  ASSERT_EQ(run({"courier", "remove", "c-1"}).status, exit_ok);

  const auto r = run({"restore", copy});
  ASSERT_EQ(r.status, exit_ok) << r.err;
  EXPECT_TRUE(std::filesystem::exists(dir_ / "lockerd.db.before-restore"));
  const auto list = run({"courier", "list"});
  EXPECT_THAT(list.out, HasSubstr("c-1"));
  EXPECT_EQ(run({"check"}).status, exit_ok);
}

TEST_F(admin_test, another_lockers_backup_is_not_restored) {
  ASSERT_EQ(run({"courier", "add", "c-1"}, "12345678\n").status, exit_ok);
  const auto other = dir_ / "other";
  std::filesystem::create_directories(other);
  const auto other_dir = other.string();
  ASSERT_EQ(run_raw({"--state-dir", other_dir, "courier", "add", "c-9"}, "87654321\n").status,
            exit_ok);
  const auto copy = (dir_ / "other-backup.db").string();
  ASSERT_EQ(run_raw({"--state-dir", other_dir, "backup", copy}).status, exit_ok);

  const auto r = run({"restore", copy});
  EXPECT_EQ(r.status, exit_failure);
  EXPECT_THAT(r.err, HasSubstr("was made with key"));
  expect_one_error_line(r);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "lockerd.db.before-restore"));
  EXPECT_THAT(run({"courier", "list"}).out, HasSubstr("c-1"));  // unchanged
}

TEST_F(admin_test, a_damaged_backup_is_not_restored) {
  ASSERT_EQ(run({"courier", "add", "c-1"}, "12345678\n").status, exit_ok);
  const auto copy = dir_ / "junk.db";
  std::ofstream(copy) << std::string(8192, 'x');
  const auto r = run({"restore", copy.string()});
  EXPECT_EQ(r.status, exit_failure);
  expect_one_error_line(r);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "lockerd.db.restoring"));
  EXPECT_THAT(run({"courier", "list"}).out, HasSubstr("c-1"));
}

TEST_F(admin_test, a_missing_key_is_refused_not_replaced_by_lockeradm_too) {
  ASSERT_EQ(run({"courier", "add", "c-1"}, "12345678\n").status, exit_ok);
  std::filesystem::remove(dir_ / "secret.key");
  const auto r = run({"courier", "add", "c-2"}, "12345679\n");
  EXPECT_EQ(r.status, exit_failure);
  EXPECT_THAT(r.err, HasSubstr("secret.key is missing"));
  expect_one_error_line(r);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "secret.key"));
}

// Flow "hold" (issue 13): the held compartments, and per size what is free, held, occupied,
// out of service (faulty included) and busy.
TEST_F(admin_test, holds_lists_the_held_compartments_and_the_capacity) {
  {
    store::store st(db_path());
    add_compartments(st);
    st.compartments().upsert("A4", "S", t0_);
    st.compartments().upsert("A5", "S", t0_);
    st.compartments().upsert("A6", "S", t0_);
    st.compartments().set_service("A5", store::service_state::faulty, "lock", t0_);
    store::transaction tx(st.db());
    store::reservation_record r{
        "res-7", "TN-7", "S", std::nullopt, std::nullopt, store::reservation_state::announced, t0_};
    st.reservations().create(tx, r);
    st.holds().create(tx, {"res-7", "A4", t0_ + 2h, t0_});
    store::new_parcel p{"TN-42", "A1", std::nullopt, "c-1", "h", std::nullopt, t0_, t0_ + 72h};
    st.parcels().store(tx, p);
    tx.commit();
  }
  const auto r = run({"holds"});
  ASSERT_EQ(r.status, exit_ok) << r.err;
  EXPECT_FALSE(r.direct);
  EXPECT_THAT(r.out, HasSubstr("RESERVATION  TRACKING  COMPARTMENT  SIZE  HELD_UNTIL"));
  EXPECT_THAT(r.out, HasSubstr("res-7        TN-7      A4           S     " +
                               protocol::format_timestamp(t0_ + 2h)));
  EXPECT_THAT(r.out, HasSubstr("SIZE  FREE  HELD  OCCUPIED  OUT_OF_SERVICE  BUSY\n"
                               "S     1     1     1         1               0\n"
                               "M     1     0     0         0               0\n"
                               "L     1     0     0         0               0\n"));
  const auto help = run_raw({"help", "holds"});
  EXPECT_EQ(help.status, exit_ok);
  EXPECT_THAT(help.out, StartsWith("Usage: lockeradm holds"));
}

}  // namespace
}  // namespace locker::admin

namespace locker::admin {
namespace {

// Issue 16: every command works on a fresh install, before lockerd or any change made a
// database; and a look there leaves the folder as it was.
TEST_F(admin_test, every_look_works_on_a_fresh_install_and_leaves_nothing) {
  for (const auto& look : std::vector<std::vector<std::string_view>>{{"courier", "list"},
                                                                     {"reservation", "list"},
                                                                     {"compartments"},
                                                                     {"parcels", "--all"},
                                                                     {"outbound"},
                                                                     {"journal"},
                                                                     {"audit"},
                                                                     {"holds"},
                                                                     {"check"}}) {
    std::vector<std::string_view> args{"--state-dir", dir_str_};
    args.insert(args.end(), look.begin(), look.end());
    const auto r = run_raw(args);
    EXPECT_EQ(r.status, exit_ok) << look[0] << ": " << r.err;
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir_));
  EXPECT_EQ(run({"courier", "list"}).out, "ID  NAME  ENABLED  UPDATED\n");
  // And a change afterwards makes the real database, which the next look reads.
  ASSERT_EQ(run({"courier", "add", "c-1"}, "12345678\n").status, exit_ok);
  EXPECT_THAT(run({"courier", "list"}).out, HasSubstr("c-1"));
}

TEST_F(admin_test, compartments_are_sorted_as_numbers) {
  {
    store::store st(db_path());
    for (const char* id : {"10", "2", "1", "A10", "A2"}) st.compartments().upsert(id, "S", t0_);
  }
  const auto r = run({"compartments"});
  ASSERT_EQ(r.status, exit_ok) << r.err;
  std::vector<std::string> ids;
  std::istringstream lines(r.out);
  std::string line;
  std::getline(lines, line);  // the header
  while (std::getline(lines, line)) ids.push_back(line.substr(0, line.find(' ')));
  EXPECT_EQ(ids, (std::vector<std::string>{"1", "2", "10", "A2", "A10"}));
}

// lockerctl's spelling "courier add --id ID" works here too (one scheme: README).
TEST_F(admin_test, courier_id_may_be_given_as_lockerctl_spells_it) {
  ASSERT_EQ(run({"courier", "add", "--id", "c-7"}, "12345678\n").status, exit_ok);
  EXPECT_EQ(run({"courier", "disable", "--id", "c-7"}).status, exit_ok);
  EXPECT_EQ(run({"courier", "remove", "c-7", "--id", "c-7"}).status, exit_usage);
  EXPECT_EQ(run({"courier", "remove", "--id", "c-7"}).status, exit_ok);
}

// The conventions every program follows (base/cli).
TEST_F(admin_test, version_and_usage_follow_the_convention) {
  auto r = run_raw({"--version"});
  EXPECT_EQ(r.status, exit_ok);
  EXPECT_THAT(r.out, StartsWith("lockeradm "));
  r = run_raw({});
  EXPECT_EQ(r.status, exit_usage);
  EXPECT_THAT(r.err, StartsWith("lockeradm: usage: lockeradm"));
  r = run_raw({"--frobnicate"});
  EXPECT_EQ(r.status, exit_usage);
  EXPECT_EQ(r.err, "lockeradm: unknown option --frobnicate (try --help)\n");
  r = run_raw({"courier", "--help"});
  EXPECT_EQ(r.status, exit_ok);
  EXPECT_THAT(r.out, StartsWith("Usage: lockeradm courier"));
}

}  // namespace
}  // namespace locker::admin
