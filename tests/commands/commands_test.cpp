// SPDX-License-Identifier: Apache-2.0
// The MQTT commands and cfg/desired against the whole locker in-process (the scenario rig:
// simulated cabinet, real SQLite store, virtual time), with a publisher that records what
// would go to the broker. Each command: the reply the contract says and its effect in the
// store; each bad request: the contract's reply and nothing changed.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "daemon/activity/locker_activity.hpp"
#include "daemon/commands/command_handler.hpp"
#include "daemon/commands/remote_settings.hpp"
#include "daemon/update/updater.hpp"
#include "protocol/timestamp.hpp"
#include "tests/scenario/locker_rig.hpp"
#include "tests/support/command_replies.hpp"

namespace locker::commands {
namespace {

using nlohmann::json;
using scenario::locker_rig;
using scenario::move_time;
using test::expect_error;
using test::expect_ok;
using namespace std::chrono_literals;

const std::string courier_pin = "24681357";

struct message {
  std::string topic;
  std::string payload;
  int qos = 0;
  bool retained = false;
  std::optional<std::string> correlation_data;
};

class recording_publisher final : public publisher {
 public:
  void publish(std::string_view topic, std::string_view payload, int qos, bool retained,
               const std::optional<std::string>& correlation_data) override {
    messages.push_back({std::string(topic), std::string(payload), qos, retained, correlation_data});
  }
  std::vector<message> messages;
};

// Everything a command could change, in a comparable form.
json snapshot(store::store& db) {
  json j = json::object();
  j["reservations"] = json::array();
  for (const auto& r : db.reservations().all())
    j["reservations"].push_back({r.reservation_id, r.tracking_number, r.size,
                                 r.pickup_code_hash.value_or(""), r.pickup_window_h.value_or(-1),
                                 store::to_string(r.state)});
  j["parcels"] = json::array();
  for (const auto& p : db.parcels().all())
    j["parcels"].push_back({p.id, p.tracking_number, p.compartment_id, store::to_string(p.state)});
  j["couriers"] = json::array();
  for (const auto& c : db.couriers().all())
    j["couriers"].push_back({c.courier_id, c.name, c.pin_hash, c.enabled});
  j["compartments"] = json::array();
  for (const auto& c : db.compartments().all())
    j["compartments"].push_back({c.id, store::to_string(c.service), c.out_of_service,
                                 store::to_string(c.door), c.operation, c.alarms});
  j["seq"] = db.journal().last_seq();
  j["cfg"] = {db.settings().get("cfg.version").value_or(""),
              db.settings().get("cfg.settings").value_or("")};
  return j;
}

class commands : public ::testing::Test {
 protected:
  commands() : topics_(*protocol::topic_set::make("test")) { make_handler(); }

  void make_handler() {
    report_ = std::make_unique<state::state_report>(rig_.locker(), rig_.db(), rig_.clock());
    handler_ = std::make_unique<command_handler>(rig_.locker(), rig_.db(), rig_.key(), rig_.clock(),
                                                 topics_, pub_, *report_);
    handler_->on_rebirth([this] { ++rebirths_; });
  }
  // kill -9 and start again; the handler is rebuilt over the new controller and store.
  void restart() {
    handler_.reset();
    report_.reset();
    rig_.restart();
    make_handler();
  }

  void send_raw(std::string_view name, std::string_view payload,
                std::optional<std::string> response_topic = std::nullopt,
                std::optional<std::string> correlation = std::nullopt) {
    pub_.messages.clear();
    handler_->handle_command(name, payload, std::move(response_topic), std::move(correlation));
  }
  // Sends and returns the reply on res/<name> (null if none yet).
  json send(std::string_view name, const json& payload) {
    send_raw(name, payload.dump());
    return reply(name);
  }
  [[nodiscard]] json reply(std::string_view name) const {
    json out;
    for (const auto& m : pub_.messages)
      if (m.topic == topics_.res(name)) out = json::parse(m.payload);
    return out;
  }
  [[nodiscard]] std::string in(std::chrono::seconds s) {
    return protocol::format_timestamp(rig_.clock().wall_now() + s);
  }
  json open_request(const std::string& req_id, const std::string& id) {
    return {{"req_id", req_id},
            {"expires_at", in(60s)},
            {"compartment", id},
            {"reason", "customer on the phone"},
            {"operator", "olga"}};
  }
  std::size_t audit_count() { return rig_.db().audit().newest(1'000'000).size(); }

  // A courier starts a deposit of `tracking` (size S when not announced) and the door
  // pops ajar; returns the compartment.
  std::string start_deposit(const std::string& tracking, bool announced) {
    if (!rig_.db().couriers().find("c-1")) rig_.add_courier("c-1", courier_pin);
    if (!rig_.session().courier_logged_in()) rig_.press("*" + courier_pin + "#");
    rig_.press("1");
    rig_.press(tracking + "#");
    if (!announced) rig_.press("1");
    rig_.advance(move_time);
    for (const auto* c : rig_.locker().compartments())
      if (rig_.locker().operation_kind(c->id()) == "deposit") return c->id();
    ADD_FAILURE() << "no deposit under way";
    return {};
  }
  std::string deposit(const std::string& tracking, bool announced) {
    auto id = start_deposit(tracking, announced);
    rig_.person_opens(id);
    rig_.person_puts(id);
    rig_.person_closes(id);
    rig_.press("#");
    return id;
  }

  locker_rig rig_{{}, locker_rig::mqtt_stack::none};
  protocol::topic_set topics_;
  recording_publisher pub_;
  std::unique_ptr<state::state_report> report_;
  std::unique_ptr<command_handler> handler_;
  int rebirths_ = 0;
};

// ---- clock trust -------------------------------------------------------------------------

// clock_sync "system" on a board whose clock the system does not call synchronized yet: a
// deadline is not judged (busy, nothing done, nothing kept: the same req_id is taken once the
// clock is synced); without a deadline a command runs as always; clock_sync "none" trusts it.
TEST(clock_sync, deadlines_wait_for_the_clock_to_be_synchronized) {
  locker_rig rig([](config::locker_config& c) { c.clock_sync = config::clock_sync_kind::system; },
                 locker_rig::mqtt_stack::none);
  const auto topics = *protocol::topic_set::make("test");
  recording_publisher pub;
  state::state_report report(rig.locker(), rig.db(), rig.clock());
  command_handler handler(rig.locker(), rig.db(), rig.key(), rig.clock(), topics, pub, report);
  const auto send = [&](std::string_view name, const json& payload) {
    pub.messages.clear();
    handler.handle_command(name, payload.dump(), std::nullopt, std::nullopt);
    json out;
    for (const auto& m : pub.messages)
      if (m.topic == topics.res(name)) out = json::parse(m.payload);
    return out;
  };
  const json open = {{"req_id", "t1"},
                     {"expires_at", protocol::format_timestamp(rig.clock().wall_now() + 60s)},
                     {"compartment", "5"},
                     {"reason", "customer on the phone"},
                     {"operator", "olga"}};
  rig.clock().set_wall_clock_synchronized(false);
  const auto refused = send("compartment_open", open);
  expect_error(refused, "busy");
  EXPECT_NE(refused.value("message", "").find("not synchronized"), std::string::npos) << refused;
  rig.advance(move_time);
  EXPECT_EQ(rig.compartment("5").door(), compartment::door_state::closed);
  expect_ok(send("get_state", {{"req_id", "t2"}}), "t2");

  // NTP reached: the same request is taken now.
  rig.clock().set_wall_clock_synchronized(true);
  send("compartment_open", open);
  rig.advance(move_time);
  EXPECT_EQ(rig.compartment("5").door(), compartment::door_state::open);
}

TEST(clock_sync, none_trusts_the_clock_as_it_is) {
  locker_rig rig({}, locker_rig::mqtt_stack::none);
  const auto topics = *protocol::topic_set::make("test");
  recording_publisher pub;
  state::state_report report(rig.locker(), rig.db(), rig.clock());
  command_handler handler(rig.locker(), rig.db(), rig.key(), rig.clock(), topics, pub, report);
  rig.clock().set_wall_clock_synchronized(false);
  handler.handle_command(
      "compartment_open",
      json{{"req_id", "t3"},
           {"expires_at", protocol::format_timestamp(rig.clock().wall_now() + 60s)},
           {"compartment", "5"},
           {"reason", "customer on the phone"},
           {"operator", "olga"}}
          .dump(),
      std::nullopt, std::nullopt);
  rig.advance(move_time);
  EXPECT_EQ(rig.compartment("5").door(), compartment::door_state::open);
}

// ---- reservation_create ------------------------------------------------------------------

TEST_F(commands, reservation_create_stores_the_code_only_as_keyed_hash) {
  const auto r = send("reservation_create", {{"req_id", "q1"},
                                             {"reservation_id", "r-1"},
                                             {"tracking_number", "1001"},
                                             {"size", "M"},
                                             {"pickup_code", "90817263"},
                                             {"pickup_window_h", 48}});
  expect_ok(r, "q1");
  EXPECT_EQ(r.at("data"), json::object());
  const auto rec = rig_.db().reservations().find("r-1");
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->tracking_number, "1001");
  EXPECT_EQ(rec->size, "M");
  EXPECT_EQ(rec->pickup_window_h, 48);
  EXPECT_EQ(rec->state, store::reservation_state::announced);
  EXPECT_EQ(rec->pickup_code_hash, security::pickup_code_hash(rig_.key(), "90817263"));
  // Nowhere in the database files, audit and saved reply included.
  for (const auto& f : std::filesystem::directory_iterator(rig_.cfg().state_dir)) {
    std::ifstream in(f.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(bytes.find("90817263"), std::string::npos) << f.path();
  }
  const auto audit = rig_.db().audit().newest(1);
  ASSERT_EQ(audit.size(), 1U);
  EXPECT_EQ(audit[0].actor, "mqtt");
  EXPECT_EQ(audit[0].action, "cmd:reservation_create");

  // The courier's deposit uses it, and the announced code opens the compartment.
  const auto id = deposit("1001", true);
  EXPECT_EQ(rig_.compartment(id).size(), "M");
  EXPECT_EQ(rig_.db().reservations().find("r-1")->state, store::reservation_state::deposited);
}

TEST_F(commands, reservation_create_same_content_is_idempotent_other_content_conflicts) {
  const json create = {{"req_id", "q1"},
                       {"reservation_id", "r-1"},
                       {"tracking_number", "2001"},
                       {"size", "S"},
                       {"pickup_code", "123456"}};
  expect_ok(send("reservation_create", create), "q1");
  const auto before = snapshot(rig_.db());

  auto again = create;
  again["req_id"] = "q2";
  expect_ok(send("reservation_create", again), "q2");
  EXPECT_EQ(snapshot(rig_.db()), before);

  auto other = create;
  other["req_id"] = "q3";
  other["pickup_code"] = "654321";
  expect_error(send("reservation_create", other), "conflict");
  other["req_id"] = "q4";
  other["pickup_code"] = "123456";
  other["size"] = "L";
  expect_error(send("reservation_create", other), "conflict");
  // Another reservation for a tracking number already announced.
  expect_error(send("reservation_create", {{"req_id", "q5"},
                                           {"reservation_id", "r-2"},
                                           {"tracking_number", "2001"},
                                           {"size", "S"}}),
               "conflict");
  EXPECT_EQ(snapshot(rig_.db()), before);
}

TEST_F(commands, reservation_create_refuses_unknown_size_and_live_tracking_number) {
  auto before = snapshot(rig_.db());
  const auto r = send(
      "reservation_create",
      {{"req_id", "q1"}, {"reservation_id", "r-1"}, {"tracking_number", "2001"}, {"size", "XXL"}});
  expect_error(r, "bad_request");
  EXPECT_NE(r.value("message", "").find("size"), std::string::npos);
  EXPECT_EQ(snapshot(rig_.db()), before);

  deposit("2002", false);
  before = snapshot(rig_.db());
  expect_error(send("reservation_create", {{"req_id", "q2"},
                                           {"reservation_id", "r-2"},
                                           {"tracking_number", "2002"},
                                           {"size", "S"}}),
               "conflict");
  EXPECT_EQ(snapshot(rig_.db()), before);
}

TEST_F(commands, reservation_create_refuses_a_code_that_is_live_without_saying_where) {
  expect_ok(send("reservation_create", {{"req_id", "q1"},
                                        {"reservation_id", "r-1"},
                                        {"tracking_number", "2001"},
                                        {"size", "S"},
                                        {"pickup_code", "123456"}}),
            "q1");
  // The code of another announced reservation.
  auto before = snapshot(rig_.db());
  auto r = send("reservation_create", {{"req_id", "q2"},
                                       {"reservation_id", "r-2"},
                                       {"tracking_number", "2002"},
                                       {"size", "S"},
                                       {"pickup_code", "123456"}});
  expect_error(r, "conflict");
  const auto says = r.value("message", "");
  EXPECT_NE(says.find("pickup_code"), std::string::npos) << says;
  for (const char* secret : {"r-1", "2001", "123456"})
    EXPECT_EQ(says.find(secret), std::string::npos) << says;
  EXPECT_EQ(snapshot(rig_.db()), before);

  // The code the locker generated for a stored parcel.
  deposit("2003", false);
  const auto stored = rig_.events_of("stored");
  ASSERT_EQ(stored.size(), 1U);
  const auto generated = stored[0].at("pickup_code").get<std::string>();
  before = snapshot(rig_.db());
  expect_error(send("reservation_create", {{"req_id", "q3"},
                                           {"reservation_id", "r-3"},
                                           {"tracking_number", "2004"},
                                           {"size", "S"},
                                           {"pickup_code", generated}}),
               "conflict");
  EXPECT_EQ(snapshot(rig_.db()), before);

  // Once nothing opens with it any more, the code may be given again.
  expect_ok(send("reservation_cancel", {{"req_id", "q4"}, {"reservation_id", "r-1"}}), "q4");
  expect_ok(send("reservation_create", {{"req_id", "q5"},
                                        {"reservation_id", "r-5"},
                                        {"tracking_number", "2005"},
                                        {"size", "S"},
                                        {"pickup_code", "123456"}}),
            "q5");
}

// ---- requests that change nothing --------------------------------------------------------

TEST_F(commands, bad_requests_are_answered_and_change_nothing) {
  const auto before = snapshot(rig_.db());
  const auto audits = audit_count();

  send_raw("courier_upsert", "{not json");
  auto r = reply("courier_upsert");
  expect_error(r, "bad_request");
  EXPECT_TRUE(r.at("req_id").is_null());

  r = send("courier_upsert", {{"courier_id", "c-9"}, {"pin", "12345678"}, {"enabled", true}});
  expect_error(r, "bad_request");  // no req_id

  r = send("courier_upsert", {{"req_id", "q1"}, {"courier_id", "c-9"}, {"enabled", true}});
  expect_error(r, "bad_request");  // no pin
  EXPECT_EQ(r.value("req_id", ""), "q1");
  EXPECT_EQ(r.value("message", "").find("12345678"), std::string::npos);

  r = send("courier_upsert",
           {{"req_id", "q2"}, {"courier_id", "c-9"}, {"pin", 12345678}, {"enabled", true}});
  expect_error(r, "bad_request");  // wrong type
  r = send("reservation_cancel", {{"req_id", "q3"}, {"reservation_id", 7}});
  expect_error(r, "bad_request");
  r = send("compartment_set_service",
           {{"req_id", "q4"}, {"compartment", "1"}, {"in_service", "no"}, {"reason", "x"}});
  expect_error(r, "bad_request");

  r = send("self_destruct", {{"req_id", "q5"}});
  expect_error(r, "unknown_command");
  EXPECT_EQ(r.value("req_id", ""), "q5");

  r = send("courier_upsert", {{"req_id", "q6"},
                              {"expires_at", in(-1s)},
                              {"courier_id", "c-9"},
                              {"pin", "12345678"},
                              {"enabled", true}});
  expect_error(r, "expired");

  EXPECT_EQ(snapshot(rig_.db()), before);
  EXPECT_EQ(audit_count(), audits);
  for (const auto* id : {"q1", "q2", "q3", "q4", "q5", "q6"})
    EXPECT_FALSE(rig_.db().command_replies().find(id)) << id;
}

TEST_F(commands, reply_goes_to_res_and_to_the_response_topic_with_correlation_data) {
  send_raw("get_state", json{{"req_id", "q1"}}.dump(), "app/replies/42", "corr-\x01\x02");
  ASSERT_EQ(pub_.messages.size(), 2U);
  EXPECT_EQ(pub_.messages[0].topic, "locker/v1/test/res/get_state");
  EXPECT_EQ(pub_.messages[1].topic, "app/replies/42");
  for (const auto& m : pub_.messages) {
    EXPECT_EQ(m.qos, 1);
    EXPECT_FALSE(m.retained);
    EXPECT_EQ(m.correlation_data, std::string("corr-\x01\x02"));
    EXPECT_EQ(json::parse(m.payload).value("req_id", ""), "q1");
  }
  EXPECT_EQ(pub_.messages[0].payload, pub_.messages[1].payload);

  // Without MQTT 5 properties: res/<name> only. Errors take the same way.
  send_raw("get_state", R"({"req_id":"q2"})");
  ASSERT_EQ(pub_.messages.size(), 1U);
  send_raw("get_state", "[]", "app/replies/42", "c");
  ASSERT_EQ(pub_.messages.size(), 2U);
  EXPECT_EQ(pub_.messages[1].topic, "app/replies/42");
  expect_error(json::parse(pub_.messages[1].payload), "bad_request");
}

TEST_F(commands, a_repeated_req_id_gets_the_saved_reply_and_runs_once_also_after_restart) {
  const json upsert = {{"req_id", "q1"},
                       {"courier_id", "c-7"},
                       {"pin", "11223344"},
                       {"name", "Ann"},
                       {"enabled", true}};
  const auto first = send("courier_upsert", upsert);
  expect_ok(first, "q1");
  const auto audits = audit_count();

  // Meanwhile someone else changes the courier: a replay must not undo that.
  rig_.db().couriers().upsert("c-7", "Ann B.", security::courier_pin_hash(rig_.key(), "99887766"),
                              false, rig_.clock().wall_now());
  const auto before = snapshot(rig_.db());

  EXPECT_EQ(send("courier_upsert", upsert), first);
  EXPECT_EQ(snapshot(rig_.db()), before);
  EXPECT_EQ(audit_count(), audits);

  restart();
  EXPECT_EQ(send("courier_upsert", upsert), first);
  EXPECT_EQ(snapshot(rig_.db()), before);

  // Redelivered after its expires_at: still the saved reply, not "expired".
  auto with_deadline = upsert;
  with_deadline["req_id"] = "q2";
  with_deadline["expires_at"] = in(10s);
  expect_ok(send("courier_upsert", with_deadline), "q2");
  rig_.advance(20s);
  expect_ok(send("courier_upsert", with_deadline), "q2");

  // The same req_id for another command is not that request.
  expect_error(send("courier_remove", {{"req_id", "q1"}, {"courier_id", "c-7"}}), "conflict");
  EXPECT_TRUE(rig_.db().couriers().find("c-7"));

  // After 24 hours the req_id is forgotten.
  rig_.advance(25h);
  expect_ok(send("courier_upsert", upsert), "q1");
  EXPECT_EQ(rig_.db().couriers().find("c-7")->name, "Ann");
}

// ---- reservation_cancel ------------------------------------------------------------------

TEST_F(commands, reservation_cancel_announced_stored_and_unknown) {
  expect_ok(send("reservation_create", {{"req_id", "q1"},
                                        {"reservation_id", "r-1"},
                                        {"tracking_number", "2001"},
                                        {"size", "S"}}),
            "q1");
  auto r = send("reservation_cancel", {{"req_id", "q2"}, {"reservation_id", "r-1"}});
  expect_ok(r, "q2");
  EXPECT_EQ(r.at("data"), (json{{"state", "cancelled"}}));
  EXPECT_EQ(rig_.db().reservations().find("r-1")->state, store::reservation_state::cancelled);
  EXPECT_FALSE(rig_.locker().announced_size("2001"));

  const auto before = snapshot(rig_.db());
  expect_error(send("reservation_cancel", {{"req_id", "q3"}, {"reservation_id", "nope"}}),
               "not_found");
  EXPECT_EQ(snapshot(rig_.db()), before);

  // A stored parcel: its code stops working and a courier sees it among the removals.
  expect_ok(send("reservation_create", {{"req_id", "q4"},
                                        {"reservation_id", "r-2"},
                                        {"tracking_number", "2002"},
                                        {"size", "S"},
                                        {"pickup_code", "55554444"}}),
            "q4");
  const auto id = deposit("2002", true);
  int state_changes = 0;
  handler_->on_state_change([&] { ++state_changes; });
  r = send("reservation_cancel", {{"req_id", "q5"}, {"reservation_id", "r-2"}});
  EXPECT_EQ(state_changes, 1) << "the state shows removal_pending now";
  expect_ok(r, "q5");
  EXPECT_EQ(r.at("data"), (json{{"state", "removal_pending"}}));
  EXPECT_EQ(rig_.db().parcels().live_in(id)->state, store::parcel_state::cancelled);
  EXPECT_EQ(rig_.locker().pickup("55554444").outcome, keypad::code_outcome::wrong);
  const auto removals = rig_.locker().removals();
  ASSERT_EQ(removals.size(), 1U);
  EXPECT_EQ(removals[0].compartment, id);
  EXPECT_EQ(removals[0].reason, "cancelled");
}

TEST_F(commands, reservation_cancel_while_its_parcel_is_being_deposited_is_busy) {
  expect_ok(send("reservation_create", {{"req_id", "q1"},
                                        {"reservation_id", "r-1"},
                                        {"tracking_number", "2001"},
                                        {"size", "S"},
                                        {"pickup_code", "55554444"}}),
            "q1");
  const auto id = start_deposit("2001", true);
  // The door is ajar for the courier: cancelled now, the parcel would be stored anyway.
  auto before = snapshot(rig_.db());
  auto r = send("reservation_cancel", {{"req_id", "q2"}, {"reservation_id", "r-1"}});
  expect_error(r, "busy");
  EXPECT_NE(r.value("message", "").find(id), std::string::npos) << r;
  EXPECT_EQ(snapshot(rig_.db()), before);
  rig_.person_opens(id);
  before = snapshot(rig_.db());
  expect_error(send("reservation_cancel", {{"req_id", "q3"}, {"reservation_id", "r-1"}}), "busy");
  EXPECT_EQ(snapshot(rig_.db()), before);
  rig_.person_puts(id);
  rig_.person_closes(id);
  rig_.press("#");
  EXPECT_EQ(rig_.db().reservations().find("r-1")->state, store::reservation_state::deposited);
  ASSERT_EQ(rig_.events_of("stored").size(), 1U);

  // Asked again once the door is shut: the stored parcel goes to a courier for removal.
  r = send("reservation_cancel", {{"req_id", "q4"}, {"reservation_id", "r-1"}});
  expect_ok(r, "q4");
  EXPECT_EQ(r.at("data"), (json{{"state", "removal_pending"}}));
  EXPECT_EQ(rig_.db().parcels().live_in(id)->state, store::parcel_state::cancelled);
  // The busy answer is q2's answer (a retry is a new request, with a new req_id).
  expect_error(send("reservation_cancel", {{"req_id", "q2"}, {"reservation_id", "r-1"}}), "busy");
}

// ---- compartment_open --------------------------------------------------------------------

// The database refuses the unlock's intent (the audit still works): an internal error, not
// "busy", and nothing unlocked.
TEST_F(commands, compartment_open_the_database_refuses_is_an_internal_error_not_busy) {
  rig_.db().db().exec(
      "CREATE TEMP TRIGGER refuse_compartments BEFORE UPDATE ON compartments "
      "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;");
  expect_error(send("compartment_open", open_request("q1", "5")), "internal");
  EXPECT_TRUE(rig_.locker().storage_fault_since().has_value());
  EXPECT_EQ(rig_.compartment("5").lock(), compartment::lock_state::locked);
}

TEST_F(commands, compartment_open_answers_when_the_door_opened) {
  const auto audits = audit_count();
  send_raw("compartment_open", open_request("q1", "5").dump(), "app/r", "c1");
  EXPECT_TRUE(pub_.messages.empty()) << "the reply waits for the door";
  // Redelivered while waiting: not a second unlock, not a second reply.
  handler_->handle_command("compartment_open", open_request("q1", "5").dump(), "app/r", "c1");
  EXPECT_TRUE(pub_.messages.empty());

  rig_.advance(move_time);
  ASSERT_EQ(pub_.messages.size(), 2U);
  auto r = json::parse(pub_.messages[0].payload);
  expect_ok(r, "q1");
  EXPECT_EQ(r.at("data"), (json{{"door", "opened"}}));
  EXPECT_EQ(pub_.messages[1].topic, "app/r");
  EXPECT_EQ(pub_.messages[1].correlation_data, "c1");
  EXPECT_EQ(rig_.compartment("5").door(), compartment::door_state::open);
  const auto opened = rig_.events_of("opened");
  ASSERT_EQ(opened.size(), 1U);
  EXPECT_EQ(opened[0]["cause"], "operator");
  bool by_olga = false;
  for (const auto& a : rig_.db().audit().newest(10)) by_olga = by_olga || a.actor == "olga";
  EXPECT_TRUE(by_olga);
  EXPECT_GT(audit_count(), audits);

  // Again while the door is open.
  expect_error(send("compartment_open", open_request("q2", "5")), "busy");
  rig_.person_closes("5");
  // Now the door is shut, the saved reply is replayed: no second unlock.
  EXPECT_EQ(send("compartment_open", open_request("q1", "5")), r);
  EXPECT_EQ(rig_.events_of("opened").size(), 1U);
}

// lockerd dies after the unlock and before the door's result: the reply never went out and
// the tracking system sends the same request again. It must not unlock a second time.
TEST_F(commands, compartment_open_redelivered_after_a_restart_does_not_unlock_again) {
  const auto request = open_request("q1", "5");
  send_raw("compartment_open", request.dump());
  EXPECT_TRUE(pub_.messages.empty()) << "the reply waits for the door";
  restart();  // before the door sprang open

  send_raw("compartment_open", request.dump(), "app/r", "c1");
  rig_.advance(10s);
  auto r = reply("compartment_open");
  EXPECT_EQ(r.value("status", ""), "accepted") << r;
  EXPECT_EQ(r.value("req_id", ""), "q1") << r;
  EXPECT_NE(r.value("message", "").find("restarted"), std::string::npos) << r;
  EXPECT_EQ(rig_.cabinet("5").door, simulator::door_state::closed);
  EXPECT_TRUE(rig_.events_of("opened").empty());
  EXPECT_EQ(rig_.compartment("5").service(), compartment::service_state::in_service);
  ASSERT_EQ(pub_.messages.size(), 2U);
  EXPECT_EQ(pub_.messages[1].topic, "app/r");
  EXPECT_EQ(pub_.messages[1].correlation_data, "c1");

  // A new request opens it: the compartment was fine, only the old one is not run again.
  send_raw("compartment_open", open_request("q2", "5").dump());
  rig_.advance(move_time);
  expect_ok(reply("compartment_open"), "q2");
  EXPECT_EQ(rig_.events_of("opened").size(), 1U);
}

TEST_F(commands, compartment_open_with_a_jammed_lock_reports_not_detected) {
  ASSERT_TRUE(rig_.model().jam("5").ok());
  send_raw("compartment_open", open_request("q1", "5").dump());
  rig_.advance(10s);
  auto r = reply("compartment_open");
  expect_ok(r, "q1");
  EXPECT_EQ(r.at("data"), (json{{"door", "not_detected"}}));
  EXPECT_EQ(rig_.compartment("5").service(), compartment::service_state::faulty);

  const auto before = snapshot(rig_.db());
  expect_error(send("compartment_open", open_request("q2", "5")), "lock_fault");
  EXPECT_EQ(snapshot(rig_.db()), before);
}

TEST_F(commands, compartment_set_service_clears_a_fault_only_when_the_sensors_agree) {
  ASSERT_TRUE(rig_.model().jam("5").ok());
  send_raw("compartment_open", open_request("q1", "5").dump());
  rig_.advance(10s);
  ASSERT_EQ(rig_.compartment("5").service(), compartment::service_state::faulty);
  ASSERT_TRUE(rig_.model().unjam("5").ok());  // the technician fixed the lock

  // Someone opened the door meanwhile (with a key): the sensor reads open, so the operator's
  // "it was checked" is not what the compartment says. Nothing changes.
  ASSERT_TRUE(rig_.model().force("5").ok());
  rig_.advance(move_time);
  // Just moved: not steady yet.
  expect_error(
      send("compartment_set_service",
           {{"req_id", "q2a"}, {"compartment", "5"}, {"in_service", true}, {"reason", "fixed"}}),
      "conflict");
  rig_.advance(3s);
  auto before = snapshot(rig_.db());
  const auto audits = audit_count();
  auto r =
      send("compartment_set_service",
           {{"req_id", "q2"}, {"compartment", "5"}, {"in_service", true}, {"reason", "fixed"}});
  expect_error(r, "conflict");
  EXPECT_NE(r.value("message", "").find("door sensor reads open"), std::string::npos) << r.dump();
  EXPECT_EQ(snapshot(rig_.db()), before);
  EXPECT_EQ(audit_count(), audits + 1);  // the refused command, nothing else
  EXPECT_EQ(rig_.compartment("5").service(), compartment::service_state::faulty);

  // Closed again: the lock_fault is cleared, its alarm event journaled, and said so.
  rig_.person_closes("5");
  rig_.advance(3s);  // steady
  const auto events_before = rig_.event_count();
  r = send("compartment_set_service",
           {{"req_id", "q3"}, {"compartment", "5"}, {"in_service", true}, {"reason", "fixed"}});
  expect_ok(r, "q3");
  EXPECT_EQ(r.value("message", ""), "cleared: lock_fault");
  EXPECT_EQ(r.at("data"), json::object());
  EXPECT_EQ(rig_.compartment("5").service(), compartment::service_state::in_service);
  const auto events = rig_.events_since(events_before);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].at("type"), "lock_fault");
  EXPECT_EQ(events[0].at("active"), false);
  EXPECT_EQ(events[0].at("compartment"), "5");
  const auto audit = rig_.db().audit().newest(2);
  ASSERT_EQ(audit.size(), 2U);
  EXPECT_EQ(audit[0].action, "cmd:compartment_set_service");
  EXPECT_EQ(json::parse(audit[0].detail).value("cleared", ""), "lock_fault");
  EXPECT_EQ(audit[1].action, "compartment_in_service");
  EXPECT_EQ(rig_.db().compartments().find("5")->alarms, "");

  // And it opens again.
  send_raw("compartment_open", open_request("q4", "5").dump());
  rig_.advance(move_time);
  EXPECT_EQ(reply("compartment_open").at("data"), (json{{"door", "opened"}}));
}

TEST_F(commands, compartment_open_refusals_change_nothing) {
  // A deposit in progress: busy, before and after its door opened.
  const auto id = start_deposit("2001", false);
  auto before = snapshot(rig_.db());
  expect_error(send("compartment_open", open_request("q1", id)), "busy");
  rig_.person_opens(id);
  before = snapshot(rig_.db());
  expect_error(send("compartment_open", open_request("q2", id)), "busy");
  EXPECT_EQ(snapshot(rig_.db()), before);
  rig_.person_puts(id);
  rig_.person_closes(id);
  rig_.press("#");

  before = snapshot(rig_.db());
  expect_error(send("compartment_open", open_request("q3", "99")), "not_found");
  // A door someone forced open: no unlock needed.
  ASSERT_TRUE(rig_.model().force("7").ok());
  rig_.advance(move_time);
  before = snapshot(rig_.db());
  expect_error(send("compartment_open", open_request("q4", "7")), "door_open");
  EXPECT_EQ(snapshot(rig_.db()), before);

  // Out of service: conflict, with the reason.
  expect_ok(send("compartment_set_service", {{"req_id", "q5"},
                                             {"compartment", "9"},
                                             {"in_service", false},
                                             {"reason", "broken hinge"}}),
            "q5");
  before = snapshot(rig_.db());
  const auto r = send("compartment_open", open_request("q6", "9"));
  expect_error(r, "conflict");
  EXPECT_NE(r.value("message", "").find("broken hinge"), std::string::npos);

  // No expires_at, too far ahead, or past it: nothing unlocks.
  auto no_deadline = open_request("q7", "9");
  no_deadline.erase("expires_at");
  expect_error(send("compartment_open", no_deadline), "bad_request");
  auto far = open_request("q8", "3");
  far["expires_at"] = in(10min);
  expect_error(send("compartment_open", far), "bad_request");
  auto late = open_request("q9", "3");
  late["expires_at"] = in(-1s);
  expect_error(send("compartment_open", late), "expired");
  rig_.advance(move_time);
  EXPECT_EQ(rig_.compartment("3").door(), compartment::door_state::closed);
  EXPECT_EQ(snapshot(rig_.db()), before);
}

// ---- compartment_set_service -------------------------------------------------------------

TEST_F(commands, compartment_set_service_persists_and_refuses_busy_and_unknown) {
  auto r =
      send("compartment_set_service",
           {{"req_id", "q1"}, {"compartment", "2"}, {"in_service", false}, {"reason", "cleaning"}});
  expect_ok(r, "q1");
  EXPECT_EQ(r.at("data"), json::object());
  EXPECT_EQ(rig_.compartment("2").service(), compartment::service_state::out_of_service);
  EXPECT_EQ(rig_.db().compartments().find("2")->service, store::service_state::out_of_service);
  restart();
  EXPECT_EQ(rig_.compartment("2").service(), compartment::service_state::out_of_service);
  EXPECT_EQ(rig_.compartment("2").service_reason(), "cleaning");

  expect_ok(
      send("compartment_set_service",
           {{"req_id", "q2"}, {"compartment", "2"}, {"in_service", true}, {"reason", "clean"}}),
      "q2");
  EXPECT_EQ(rig_.compartment("2").service(), compartment::service_state::in_service);
  EXPECT_EQ(rig_.db().compartments().find("2")->service, store::service_state::in_service);

  auto before = snapshot(rig_.db());
  expect_error(
      send("compartment_set_service",
           {{"req_id", "q3"}, {"compartment", "x1"}, {"in_service", false}, {"reason", "?"}}),
      "not_found");
  const auto id = start_deposit("2001", false);
  before = snapshot(rig_.db());
  expect_error(
      send("compartment_set_service",
           {{"req_id", "q4"}, {"compartment", id}, {"in_service", false}, {"reason", "now"}}),
      "busy");
  EXPECT_EQ(snapshot(rig_.db()), before);
  EXPECT_EQ(rig_.compartment(id).service(), compartment::service_state::in_service);
}

// ---- couriers ----------------------------------------------------------------------------

TEST_F(commands, courier_upsert_and_remove) {
  auto r = send("courier_upsert", {{"req_id", "q1"},
                                   {"courier_id", "c-7"},
                                   {"pin", "11223344"},
                                   {"name", "Ann"},
                                   {"enabled", true}});
  expect_ok(r, "q1");
  auto c = rig_.db().couriers().find("c-7");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->name, "Ann");
  EXPECT_EQ(c->pin_hash, security::courier_pin_hash(rig_.key(), "11223344"));
  ASSERT_TRUE(rig_.locker().courier_login("11223344"));
  for (const auto& a : rig_.db().audit().newest(100))
    EXPECT_EQ(a.detail.find("11223344"), std::string::npos) << a.detail;

  // Without a name the name is kept; disabled couriers cannot log in.
  expect_ok(
      send("courier_upsert",
           {{"req_id", "q2"}, {"courier_id", "c-7"}, {"pin", "11223344"}, {"enabled", false}}),
      "q2");
  EXPECT_EQ(rig_.db().couriers().find("c-7")->name, "Ann");
  EXPECT_FALSE(rig_.locker().courier_login("11223344"));

  // Without a PIN (v1 addition) an existing courier keeps the one on file.
  expect_ok(send("courier_upsert", {{"req_id", "q2b"}, {"courier_id", "c-7"}, {"enabled", true}}),
            "q2b");
  EXPECT_EQ(rig_.db().couriers().find("c-7")->pin_hash,
            security::courier_pin_hash(rig_.key(), "11223344"));
  EXPECT_TRUE(rig_.locker().courier_login("11223344"));
  expect_ok(send("courier_upsert", {{"req_id", "q2c"}, {"courier_id", "c-7"}, {"enabled", false}}),
            "q2c");
  EXPECT_FALSE(rig_.locker().courier_login("11223344"));

  // Another courier with the same PIN: conflict, nothing changed.
  const auto before = snapshot(rig_.db());
  r = send("courier_upsert",
           {{"req_id", "q3"}, {"courier_id", "c-8"}, {"pin", "11223344"}, {"enabled", true}});
  expect_error(r, "conflict");
  EXPECT_EQ(r.dump().find("11223344"), std::string::npos);
  EXPECT_EQ(snapshot(rig_.db()), before);

  expect_ok(send("courier_remove", {{"req_id", "q4"}, {"courier_id", "c-7"}}), "q4");
  EXPECT_FALSE(rig_.db().couriers().find("c-7"));
  expect_error(send("courier_remove", {{"req_id", "q5"}, {"courier_id", "c-7"}}), "not_found");
}

// ---- get_state, rebirth, fw_update, reboot ------------------------------------------------

TEST_F(commands, get_state_is_the_state_body_plus_reservations) {
  expect_ok(send("reservation_create", {{"req_id", "q1"},
                                        {"reservation_id", "r-1"},
                                        {"tracking_number", "2001"},
                                        {"size", "L"}}),
            "q1");
  const auto id = deposit("2002", false);
  const auto r = send("get_state", {{"req_id", "q2"}});
  expect_ok(r, "q2");
  const auto& d = r.at("data");
  EXPECT_EQ(d.at("seq").get<std::uint64_t>(), rig_.db().journal().last_seq());
  ASSERT_EQ(d.at("compartments").size(), rig_.locker().compartments().size());
  bool found = false;
  for (const auto& c : d.at("compartments")) {
    if (c.at("id") != id) continue;
    found = true;
    EXPECT_EQ(c.at("occupied"), true);
    EXPECT_EQ(c.at("door"), "closed");
    EXPECT_EQ(c.at("lock"), "locked");
    EXPECT_EQ(c.at("service"), "in_service");
    EXPECT_EQ(c.at("parcel").at("tracking_number"), "2002");
    EXPECT_EQ(c.at("parcel").at("state"), "stored");
  }
  EXPECT_TRUE(found);
  ASSERT_EQ(d.at("reservations").size(), 1U);
  EXPECT_EQ(d.at("reservations")[0].at("reservation_id"), "r-1");
  EXPECT_EQ(d.at("alarms"), json::array());
}

TEST_F(commands, get_state_lists_the_power_and_tamper_alarms) {
  const auto id = deposit("2002", false);
  // The parcel vanished while the locker was off, and the mains is off now.
  handler_.reset();
  rig_.restart([&] {
    ASSERT_TRUE(rig_.model().force(id).ok());
    ASSERT_TRUE(rig_.model().take(id).ok());
    ASSERT_TRUE(rig_.model().close(id).ok());
    rig_.advance(move_time);
  });
  make_handler();
  ASSERT_TRUE(rig_.model().set_power(false).ok());
  rig_.advance(2s);
  const auto r = send("get_state", {{"req_id", "q1"}});
  expect_ok(r, "q1");
  const auto& alarms = r.at("data").at("alarms");
  ASSERT_EQ(alarms.size(), 2U) << alarms.dump();
  json tamper;
  json power;
  for (const auto& a : alarms) (a.at("type") == "tamper" ? tamper : power) = a;
  EXPECT_EQ(tamper.at("compartment"), id);
  EXPECT_EQ(tamper.at("severity"), "critical");
  EXPECT_EQ(power.at("type"), "power");
  EXPECT_EQ(power.at("severity"), "warning");
  EXPECT_FALSE(power.contains("compartment"));
  EXPECT_EQ(power.at("since"), protocol::format_timestamp(*rig_.locker().power_alarm_since()));
}

TEST_F(commands, rebirth_calls_the_hook_once) {
  expect_ok(send("rebirth", {{"req_id", "q1"}}), "q1");
  EXPECT_EQ(rebirths_, 1);
  expect_ok(send("rebirth", {{"req_id", "q1"}}), "q1");
  EXPECT_EQ(rebirths_, 1) << "a repeated req_id does not run twice";
  expect_ok(send("rebirth", {{"req_id", "q2"}}), "q2");
  EXPECT_EQ(rebirths_, 2);
}

TEST_F(commands, without_an_updater_fw_update_and_reboot_are_not_available) {
  const auto before = snapshot(rig_.db());
  auto r = send("fw_update", {{"req_id", "q1"},
                              {"job_id", "j1"},
                              {"url", "https://x/b"},
                              {"sha256", std::string(64, 'a')}});
  expect_error(r, "internal");
  EXPECT_NE(r.value("message", "").find("not available"), std::string::npos);
  expect_error(send("reboot", {{"req_id", "q2"}, {"reason", "test"}}), "internal");
  expect_error(send("fw_update", {{"req_id", "q3"}}), "bad_request");
  EXPECT_EQ(snapshot(rig_.db()), before);
  EXPECT_FALSE(rig_.db().command_replies().find("q1")) << "a later build may run the same req_id";
}

// ---- cfg/desired --------------------------------------------------------------------------

class cfg : public commands {
 protected:
  [[nodiscard]] std::optional<message> reported() const {
    std::optional<message> out;
    for (const auto& m : pub_.messages)
      if (m.topic == topics_.cfg_reported()) out = m;
    return out;
  }
  void desired(const json& j) {
    pub_.messages.clear();
    handler_->handle_cfg_desired(j.dump());
  }
};

TEST_F(cfg, a_good_version_is_applied_persisted_and_survives_a_restart) {
  std::optional<int> seen_telemetry;
  handler_->on_settings_applied([&](const config::locker_config& c) {
    seen_telemetry = static_cast<int>(c.telemetry.count());
  });
  desired({{"version", 3},
           {"max_code_attempts", 3},
           {"pickup_window_h", 24},
           {"open_detect_s", 7},
           {"telemetry_s", 60},
           {"colour", "blue"}});
  auto m = reported();
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->retained);
  EXPECT_EQ(m->qos, 1);
  EXPECT_EQ(json::parse(m->payload),
            (json{{"version", 3}, {"status", "applied"}, {"errors", json::array()}}));
  EXPECT_EQ(handler_->config_version(), 3U);
  EXPECT_EQ(rig_.locker().current_config().policy.max_code_attempts, 3);  // at once
  EXPECT_EQ(rig_.locker().current_config().policy.pickup_window_h, 24);
  EXPECT_EQ(seen_telemetry, 60);

  // Three wrong codes now lock the keypad out.
  for (int i = 0; i < 3; ++i) rig_.locker().pickup("00000000");
  EXPECT_GT(rig_.locker().lockout_remaining().count(), 0);

  // The same version again: answered, not re-applied.
  const auto audits = audit_count();
  desired({{"version", 3}, {"max_code_attempts", 9}});
  m = reported();
  ASSERT_TRUE(m);
  EXPECT_EQ(json::parse(m->payload).at("status"), "applied");
  EXPECT_EQ(rig_.locker().current_config().policy.max_code_attempts, 3);
  EXPECT_EQ(audit_count(), audits);

  // A later version changes only what it names.
  desired({{"version", 4}, {"pickup_code_digits", 6}});
  EXPECT_EQ(rig_.locker().current_config().policy.pickup_code_digits, 6);
  EXPECT_EQ(rig_.locker().current_config().policy.max_code_attempts, 3);

  restart();
  EXPECT_EQ(handler_->config_version(), 4U);
  EXPECT_EQ(rig_.locker().current_config().policy.max_code_attempts, 3);
  EXPECT_EQ(rig_.locker().current_config().policy.pickup_code_digits, 6);
  EXPECT_EQ(rig_.locker().current_config().policy.pickup_window_h, 24);

  // What lockerd does at start lays the timings over the configuration too.
  config::locker_config file_cfg = rig_.cfg();
  EXPECT_EQ(apply_stored_settings(rig_.db(), file_cfg), 4U);
  EXPECT_EQ(file_cfg.timings.open_detect, 7s);
  EXPECT_EQ(file_cfg.telemetry, 60s);
  EXPECT_EQ(file_cfg.policy.max_code_attempts, 3);
}

// Every timing cfg/reported calls applied is in force at once, without a restart.
TEST_F(cfg, timings_take_effect_without_a_restart) {
  // lockerd hands session_idle_s to the keypad session (and telemetry_s to the reporter).
  handler_->on_settings_applied([&](const config::locker_config& c) {
    rig_.session().set_session_idle(c.timings.session_idle);
  });
  desired({{"version", 1},
           {"open_detect_s", 2},
           {"door_left_open_s", 10},
           {"lock_pulse_ms", 100},
           {"debounce_ms", 200},
           {"coil_gap_ms", 0},
           {"session_idle_s", 10}});
  ASSERT_EQ(json::parse(reported()->payload).at("status"), "applied");

  // open_detect_s 2 (not 5): a jammed lock is a lock_fault after 2 s.
  ASSERT_TRUE(rig_.model().jam("5").ok());
  send_raw("compartment_open", open_request("q1", "5").dump());
  // lock_pulse_ms 100 (not 300): the coil is off again well before 300 ms.
  rig_.advance(50ms);
  EXPECT_TRUE(rig_.cabinet("5").coil);
  rig_.advance(100ms);
  EXPECT_FALSE(rig_.cabinet("5").coil) << "the pulse is still the old 300 ms";
  rig_.advance(1900ms);
  EXPECT_EQ(reply("compartment_open").value("data", json::object()).value("door", ""),
            "not_detected")
      << "open_detect is still the old 5 s";

  // debounce_ms 200 (not 30): a door forced open is reported only once it held 200 ms.
  ASSERT_TRUE(rig_.model().force("7").ok());
  rig_.advance(150ms);
  EXPECT_TRUE(rig_.events_of("door_forced").empty()) << "the debounce is still the old 30 ms";
  rig_.advance(100ms);
  EXPECT_EQ(rig_.events_of("door_forced").size(), 1U);
  // door_left_open_s 10 (not 120).
  rig_.advance(10s);
  EXPECT_EQ(rig_.events_of("door_left_open").size(), 1U) << "door_left_open is still 120 s";

  // session_idle_s 10 (not 60): a courier who walks away is logged out after 10 s.
  rig_.add_courier("c-1", courier_pin);
  rig_.press("*" + courier_pin + "#");
  ASSERT_TRUE(rig_.session().courier_logged_in());
  rig_.advance(10500ms);
  EXPECT_FALSE(rig_.session().courier_logged_in()) << "session_idle is still 60 s";

  // Still in force after a restart (lockerd lays the stored ones over once, at start).
  restart();
  ASSERT_TRUE(rig_.model().jam("8").ok());
  send_raw("compartment_open", open_request("q2", "8").dump());
  rig_.advance(2100ms);
  EXPECT_EQ(reply("compartment_open").value("data", json::object()).value("door", ""),
            "not_detected");
}

TEST_F(cfg, a_bad_setting_rejects_the_whole_version) {
  const auto before = snapshot(rig_.db());
  desired({{"version", 5},
           {"max_code_attempts", 3},
           {"pickup_code_digits", 42},
           {"session_idle_s", "long"}});
  auto m = reported();
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->retained);
  const auto j = json::parse(m->payload);
  EXPECT_EQ(j.at("version"), 5);
  EXPECT_EQ(j.at("status"), "rejected");
  EXPECT_EQ(j.at("errors").size(), 2U);
  EXPECT_EQ(rig_.locker().current_config().policy.max_code_attempts, 5);
  EXPECT_EQ(handler_->config_version(), 0U);
  EXPECT_EQ(snapshot(rig_.db()), before);

  // Beyond this board's coil limit (lock_pulse_max_ms 1000).
  desired({{"version", 6}, {"lock_pulse_ms", 2000}});
  m = reported();
  ASSERT_TRUE(m);
  EXPECT_EQ(json::parse(m->payload).at("status"), "rejected");
  EXPECT_EQ(json::parse(m->payload).at("errors")[0].at("key"), "lock_pulse_ms");
  // The door would be given up on before the pulse that opens it is over.
  desired({{"version", 7}, {"open_detect_s", 1}, {"lock_pulse_ms", 1000}});
  m = reported();
  ASSERT_TRUE(m);
  EXPECT_EQ(json::parse(m->payload).at("status"), "rejected");
  EXPECT_EQ(json::parse(m->payload).at("errors")[0].at("key"), "open_detect_s");

  desired({{"max_code_attempts", 3}});  // no version
  m = reported();
  ASSERT_TRUE(m);
  EXPECT_TRUE(json::parse(m->payload).at("version").is_null());
  pub_.messages.clear();
  handler_->handle_cfg_desired("{oops");
  ASSERT_TRUE(reported());
  EXPECT_EQ(snapshot(rig_.db()), before);

  // Each value in range, but together a guesser could open a parcel within one window with
  // probability 1.7e-3 (six digits, the other defaults): over 1e-3, the whole version rejected.
  desired({{"version", 8}, {"pickup_code_digits", 6}});
  m = reported();
  ASSERT_TRUE(m);
  EXPECT_EQ(json::parse(m->payload).at("status"), "rejected");
  EXPECT_EQ(json::parse(m->payload).at("errors")[0].at("key"), "pickup_code_digits");
  EXPECT_NE(
      json::parse(m->payload).at("errors")[0].at("message").get<std::string>().find("probability"),
      std::string::npos);
  EXPECT_EQ(rig_.locker().current_config().policy.pickup_code_digits, 8);
  // With fewer attempts and a shorter window the same six digits pass.
  desired({{"version", 9},
           {"pickup_code_digits", 6},
           {"max_code_attempts", 3},
           {"pickup_window_h", 24}});
  m = reported();
  ASSERT_TRUE(m);
  EXPECT_EQ(json::parse(m->payload).at("status"), "applied") << m->payload;
}

TEST_F(cfg, a_cleared_retained_message_is_ignored) {
  const auto before = snapshot(rig_.db());
  pub_.messages.clear();
  handler_->handle_cfg_desired("");
  EXPECT_TRUE(pub_.messages.empty());
  EXPECT_EQ(snapshot(rig_.db()), before);
}

// fw_update and reboot with the real updater, asked whether the locker is busy the way lockerd
// asks it (activity::why_busy over the controller and the keypad session).
class commands_with_updater : public commands {
 protected:
  commands_with_updater() {
    dir_ = std::filesystem::temp_directory_path() /
           ("locker-commands-update-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    {
      std::ofstream f(dir_ / "systemctl");
      f << "#!/bin/sh\necho \"$*\" >> '" << (dir_ / "systemctl.log").string() << "'\n";
    }
    std::filesystem::permissions(dir_ / "systemctl", std::filesystem::perms::owner_all);
    update::update_settings s;
    s.keyring = dir_ / "keyring.pem";
    s.compatible = "locker-test";
    s.staging_dir = dir_ / "update";
    s.running_version = "0.1.0";
    s.systemctl = dir_ / "systemctl";
    updater_ = std::make_unique<update::updater>(
        io_, rig_.clock(), rig_.db(), topics_, s,
        [this] { return activity::why_busy(rig_.locker(), &rig_.session()); }, update_link_);
    handler_->set_updater(updater_.get());
  }

 public:
  ~commands_with_updater() override {
    handler_.reset();
    updater_.reset();
    std::filesystem::remove_all(dir_);
  }
  json fw_update(const std::string& req_id, const std::string& job_id) {
    return send("fw_update", {{"req_id", req_id},
                              {"job_id", job_id},
                              {"url", "file:///nonexistent/b.raucb"},
                              {"sha256", std::string(64, 'a')}});
  }

  boost::asio::io_context io_;
  std::filesystem::path dir_;
  mqtt::memory_link update_link_{rig_.clock()};  // job progress goes nowhere here
  std::unique_ptr<update::updater> updater_;
};

TEST_F(commands_with_updater, fw_update_is_accepted_once_and_the_reply_replayed) {
  auto r = fw_update("q1", "j1");
  EXPECT_EQ(r["status"], "accepted") << r.dump();
  ASSERT_TRUE(rig_.db().update_jobs().find("j1"));
  EXPECT_EQ(rig_.db().update_jobs().find("j1")->req_id, "q1");
  // The same request again: the saved reply, no second job.
  EXPECT_EQ(fw_update("q1", "j1"), r);
  // Another request while it runs: busy.
  r = fw_update("q2", "j2");
  expect_error(r, "busy");
  EXPECT_NE(r.value("message", "").find("j1 is still running"), std::string::npos);
  EXPECT_FALSE(rig_.db().update_jobs().find("j2"));
}

TEST_F(commands_with_updater, fw_update_and_reboot_wait_while_a_door_is_open) {
  const auto id = start_deposit("4711", false);
  auto r = fw_update("q1", "j1");
  expect_error(r, "busy");
  EXPECT_NE(r.value("message", "").find("compartment " + id), std::string::npos) << r.dump();
  r = send("reboot", {{"req_id", "q2"}, {"reason", "maintenance"}});
  expect_error(r, "busy");
  EXPECT_FALSE(rig_.db().update_jobs().find("j1"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "systemctl.log"));
}

TEST_F(commands_with_updater, reboot_waits_while_someone_types_at_the_keypad) {
  rig_.press("12");  // a recipient is typing a code
  auto r = send("reboot", {{"req_id", "q3"}, {"reason", "maintenance"}});
  expect_error(r, "busy");
  EXPECT_NE(r.value("message", "").find("keypad"), std::string::npos) << r.dump();
}

TEST_F(commands_with_updater, reboot_answers_ok_then_asks_systemd) {
  const auto r = send("reboot", {{"req_id", "q1"}, {"reason", "maintenance"}});
  expect_ok(r, "q1");
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!std::filesystem::exists(dir_ / "systemctl.log") && std::chrono::steady_clock::now() < end)
    io_.run_one_for(std::chrono::milliseconds(20));
  std::ifstream log(dir_ / "systemctl.log");
  std::string line;
  std::getline(log, line);
  EXPECT_EQ(line, "reboot");
  bool audited = false;
  for (const auto& a : rig_.db().audit().newest(10)) audited = audited || a.action == "reboot";
  EXPECT_TRUE(audited);
}

// ---- a command channel that cannot be abused (issue 15) ------------------------------------

TEST_F(commands, get_state_is_answered_fresh_and_neither_saved_nor_audited) {
  const auto audits = audit_count();
  expect_ok(send("get_state", {{"req_id", "s1"}}), "s1");
  EXPECT_FALSE(rig_.db().command_replies().find("s1")) << "a read-only answer was saved";
  EXPECT_EQ(audit_count(), audits);
  // A repeat is answered again, from the state as it is now.
  rig_.add_courier("c-1", courier_pin);
  deposit("3001", false);
  const auto again = send("get_state", {{"req_id", "s1"}});
  expect_ok(again, "s1");
  bool occupied = false;
  for (const auto& c : again.at("data").at("compartments")) occupied = occupied || c.at("occupied");
  EXPECT_TRUE(occupied);
}

TEST_F(commands, a_flood_of_commands_is_answered_busy_beyond_the_limit_and_changes_nothing) {
  const auto burst = static_cast<int>(command_rate_limit.burst);
  int ok = 0;
  int busy = 0;
  for (int i = 0; i < burst + 30; ++i) {
    const auto r = send("reservation_create", {{"req_id", "f" + std::to_string(i)},
                                               {"reservation_id", "fr-" + std::to_string(i)},
                                               {"tracking_number", std::to_string(40000 + i)},
                                               {"size", "S"}});
    if (r.value("status", "") == "ok") ++ok;
    if (r.value("code", "") == "busy") ++busy;
  }
  EXPECT_EQ(ok, burst);
  EXPECT_EQ(busy, 30);
  EXPECT_FALSE(rig_.db().reservations().find("fr-" + std::to_string(burst)))
      << "a command over the limit was carried out";
  EXPECT_FALSE(rig_.db().command_replies().find("f" + std::to_string(burst)))
      << "a busy answer was saved: the same req_id must run once the limit allows";
  // A second later there is room again, at the limit's rate.
  rig_.advance(1s);
  const auto later = send("reservation_create", {{"req_id", "f" + std::to_string(burst)},
                                                 {"reservation_id", "fr-late"},
                                                 {"tracking_number", "49999"},
                                                 {"size", "S"}});
  expect_ok(later, "f" + std::to_string(burst));
}

// A refusal for a PIN in use tells the sender that some courier has it (issue 15's minor
// point): beyond the budget every command bringing a PIN is answered busy unseen, so neither
// refusals nor successes can be used to search the PIN space; lockeradm's are not budgeted.
TEST_F(commands, refusals_for_a_pin_in_use_are_budgeted_then_every_pin_is_answered_busy) {
  expect_ok(
      send("courier_upsert",
           {{"req_id", "p0"}, {"courier_id", "owner"}, {"pin", "24681357"}, {"enabled", true}}),
      "p0");
  const auto budget = static_cast<int>(secret_conflict_limit.burst);
  for (int i = 0; i < budget; ++i) {
    const auto r = send("courier_upsert", {{"req_id", "pc" + std::to_string(i)},
                                           {"courier_id", "probe"},
                                           {"pin", "24681357"},
                                           {"enabled", true}});
    EXPECT_EQ(r.value("code", ""), "conflict") << r.dump();
  }
  // Spent: a taken PIN and a free one get the same answer, and nothing is changed.
  for (const char* pin : {"24681357", "97531864"}) {
    const auto r = send("courier_upsert", {{"req_id", std::string("pb-") + pin},
                                           {"courier_id", "probe"},
                                           {"pin", pin},
                                           {"enabled", true}});
    EXPECT_EQ(r.value("code", ""), "busy") << r.dump();
  }
  EXPECT_FALSE(rig_.db().couriers().find("probe")) << "a command answered busy was carried out";
  // A pickup code brings a secret too.
  const auto code = send("reservation_create", {{"req_id", "pr"},
                                                {"reservation_id", "r-probe"},
                                                {"tracking_number", "55501"},
                                                {"size", "S"},
                                                {"pickup_code", "13572468"}});
  EXPECT_EQ(code.value("code", ""), "busy") << code.dump();
  // Commands without a secret go on as ever.
  expect_ok(send("courier_upsert", {{"req_id", "pe"}, {"courier_id", "owner"}, {"enabled", false}}),
            "pe");
  // lockeradm, on the board, is not budgeted.
  std::string local;
  handler_->handle_local(
      "courier_upsert",
      json{{"req_id", "pl"}, {"courier_id", "local"}, {"pin", "11223344"}, {"enabled", true}}
          .dump(),
      "lockeradm", [&](const std::string& reply) { local = reply; });
  EXPECT_EQ(json::parse(local).value("status", ""), "ok") << local;
  // The budget refills: one refusal's worth after six minutes.
  rig_.advance(std::chrono::seconds(361));
  expect_ok(
      send("courier_upsert",
           {{"req_id", "pn"}, {"courier_id", "probe"}, {"pin", "97531864"}, {"enabled", true}}),
      "pn");
}

TEST_F(commands, local_commands_are_not_rate_limited) {
  int ok = 0;
  for (int i = 0; i < static_cast<int>(command_rate_limit.burst) + 10; ++i) {
    handler_->handle_local("get_state", json{{"req_id", "l" + std::to_string(i)}}.dump(),
                           "lockeradm", [&](const std::string& reply) {
                             ok += json::parse(reply).value("status", "") == "ok" ? 1 : 0;
                           });
  }
  EXPECT_EQ(ok, static_cast<int>(command_rate_limit.burst) + 10);
}

TEST_F(commands, the_saved_replies_are_bounded_the_oldest_going_first) {
  auto& replies = rig_.db().command_replies();
  const auto t = rig_.clock().wall_now();
  {
    store::transaction tx(rig_.db().db());
    for (int i = 0; i < 30; ++i)
      replies.save(tx, "b" + std::to_string(i), "reservation_create", "{}",
                   t - std::chrono::minutes(60 - i));
    tx.commit();
  }
  EXPECT_EQ(replies.prune_to(20), 10);
  EXPECT_EQ(replies.count(), 20);
  EXPECT_FALSE(replies.find("b9"));
  EXPECT_TRUE(replies.find("b10"));
  EXPECT_TRUE(replies.find("b29"));
}

}  // namespace
}  // namespace locker::commands
