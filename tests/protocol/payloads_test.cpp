// SPDX-License-Identifier: Apache-2.0
// Every payload builder's output validates against its schema in protocol/schemas, and
// mutated payloads (a required field missing, a field of the wrong type, an extra field) do not.
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "daemon/config/settings_table.hpp"
#include "protocol/events.hpp"
#include "protocol/replies.hpp"
#include "protocol/schema_check.hpp"
#include "protocol/settings.hpp"

namespace locker::protocol {
namespace {

using nlohmann::json;

const wall_time t0 = *parse_timestamp("2026-11-21T09:12:44.120Z");
const wall_time t1 = *parse_timestamp("2026-11-24T09:12:44.120Z");

const schema_set& schemas() {
  static const schema_set set = [] {
    auto r = schema_set::load(std::string(LOCKER_SOURCE_DIR) + "/protocol/schemas");
    if (!r.ok()) throw std::runtime_error(r.error());
    return std::move(r).value();
  }();
  return set;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& e : v) s += e + "\n";
  return s;
}

json wrong_type(const json& v) {
  if (v.is_string()) return 42;
  if (v.is_null()) return true;
  return "x";
}

// Checks text against schema, then that removing each of `required` and retyping or adding
// any top-level field makes it invalid.
void expect_valid_and_strict(const std::string& schema, const std::string& text,
                             const std::vector<std::string>& required) {
  SCOPED_TRACE(schema + ": " + text);
  const json payload = json::parse(text);
  ASSERT_TRUE(payload.is_object());
  EXPECT_EQ(join(schemas().validate(schema, payload)), "");
  for (const auto& key : required) {
    ASSERT_TRUE(payload.contains(key)) << key;
    json p = payload;
    p.erase(key);
    EXPECT_NE(join(schemas().validate(schema, p)), "") << "without " << key;
  }
  for (const auto& [key, value] : payload.items()) {
    json p = payload;
    p[key] = wrong_type(value);
    EXPECT_NE(join(schemas().validate(schema, p)), "") << key << " retyped";
  }
  json extra = payload;
  extra["unexpected"] = 1;
  EXPECT_NE(join(schemas().validate(schema, extra)), "") << "extra field";
}

const std::vector<std::string> event_required{"event_id", "seq", "ts", "type"};

std::vector<std::string> with_header(std::vector<std::string> fields) {
  fields.insert(fields.end(), event_required.begin(), event_required.end());
  return fields;
}

event_header header(std::uint64_t seq, bool queued = false) {
  return {"3f2b8c1e-5d4a-4e7b-9c2d-1a2b3c4d5e6f", seq, t0, queued};
}

TEST(payloads, parcel_events_match_the_schema) {
  const std::string schema = "evt_parcel.schema.json";
  const std::string stored = encode_parcel_event(
      header(1), parcel_stored{"TN-1", "A01", "M", "c-9", "res-1", t1, "48213957", std::nullopt});
  expect_valid_and_strict(
      schema, stored,
      with_header({"tracking_number", "compartment", "size", "courier_id", "expires_at"}));
  const json j = json::parse(stored);
  EXPECT_EQ(j["type"], "stored");
  EXPECT_EQ(j["expires_at"], "2026-11-24T09:12:44.120Z");
  EXPECT_EQ(j["ts"], "2026-11-21T09:12:44.120Z");
  EXPECT_EQ(j["queued"], false);
  EXPECT_EQ(j["pickup_code"], "48213957");

  const std::string minimal = encode_parcel_event(
      header(2, true),
      parcel_stored{"TN-1", "A01", "M", "c-9", std::nullopt, t1, std::nullopt, std::nullopt});
  expect_valid_and_strict(schema, minimal, {});
  EXPECT_FALSE(json::parse(minimal).contains("pickup_code"));
  EXPECT_FALSE(json::parse(minimal).contains("accessible"));
  EXPECT_EQ(json::parse(minimal)["queued"], true);

  // Accessibility (issue 13): a reservation that asked for a low compartment says whether it
  // got one, either way.
  for (const bool low : {true, false}) {
    const parcel_stored accessible{"TN-1", "A01", "M", "c-9", "res-1", t1, std::nullopt, low};
    const std::string text = encode_parcel_event(header(6), accessible);
    expect_valid_and_strict(schema, text, {});
    EXPECT_EQ(json::parse(text)["accessible"], low);
  }

  expect_valid_and_strict(
      schema, encode_parcel_event(header(3), parcel_collected{"TN-1", "A01", 3600, 2}),
      with_header({"tracking_number", "compartment", "dwell_s", "failed_attempts"}));
  expect_valid_and_strict(schema, encode_parcel_event(header(4), parcel_expired{"TN-1", "A01"}),
                          with_header({"tracking_number", "compartment"}));
  for (auto reason :
       {removal_reason::expired, removal_reason::cancelled, removal_reason::by_operator}) {
    expect_valid_and_strict(
        schema, encode_parcel_event(header(5), parcel_removed{"TN-1", "A01", "c-9", reason}),
        with_header({"tracking_number", "compartment", "courier_id", "reason"}));
  }
  for (auto reason : {deposit_failure::no_free_compartment, deposit_failure::lock_fault,
                      deposit_failure::timeout, deposit_failure::cancelled}) {
    expect_valid_and_strict(schema,
                            encode_parcel_event(header(6), parcel_deposit_failed{"TN-1", reason}),
                            with_header({"tracking_number", "reason"}));
  }
  EXPECT_EQ(json::parse(encode_parcel_event(
                header(5), parcel_removed{"T", "A", "c", removal_reason::by_operator}))["reason"],
            "operator");
}

// Drop-off flow (issue 13): dropped_off, removed with an outbound reason, reservation_create's
// drop-off fields and its reply data.
TEST(payloads, dropoff_flow_is_in_the_contract) {
  const std::string schema = "evt_parcel.schema.json";
  const std::string dropped = encode_parcel_event(
      header(7), parcel_dropped_off{"TN-7", "A01", "M", "dropoff", "res-7", "dhl"});
  expect_valid_and_strict(schema, dropped,
                          with_header({"tracking_number", "compartment", "size", "kind"}));
  expect_valid_and_strict(
      schema,
      encode_parcel_event(header(8), parcel_dropped_off{"TN-8", "A01", "S", "return", {}, {}}), {});
  json bad = json::parse(dropped);
  bad["kind"] = "delivery";
  EXPECT_FALSE(schemas().validate(schema, bad).empty());
  for (auto reason : {removal_reason::dropoff, removal_reason::returned}) {
    expect_valid_and_strict(
        schema, encode_parcel_event(header(9), parcel_removed{"TN-1", "A01", "c-9", reason}),
        with_header({"tracking_number", "compartment", "courier_id", "reason"}));
  }
  EXPECT_EQ(json::parse(encode_parcel_event(
                header(9), parcel_removed{"T", "A", "c", removal_reason::returned}))["reason"],
            "return");

  const std::string cmd = "cmd_reservation_create.schema.json";
  const json request = {{"req_id", "q-1"}, {"reservation_id", "r-1"}, {"tracking_number", "T-1"},
                        {"size", "M"},     {"kind", "return"},        {"dropoff_code", "55501234"},
                        {"carrier", "dhl"}};
  EXPECT_EQ(join(schemas().validate(cmd, request)), "");
  json wrong = request;
  wrong["kind"] = "parcel";
  EXPECT_NE(join(schemas().validate(cmd, wrong)), "");
  wrong = request;
  wrong["dropoff_code"] = "12a45678";
  EXPECT_NE(join(schemas().validate(cmd, wrong)), "");
  EXPECT_EQ(join(schemas().validate(
                "cmd_courier_upsert.schema.json",
                {{"req_id", "q-2"}, {"courier_id", "c-1"}, {"enabled", true}, {"carrier", ""}})),
            "");

  const std::string data = "reply_data_reservation_create.schema.json";
  EXPECT_EQ(join(schemas().validate(data, reservation_create_data("48213957"))), "");
  EXPECT_EQ(join(schemas().validate(data, json::object())), "");
  EXPECT_NE(join(schemas().validate(data, json{{"dropoff_code", "12"}})), "");
  EXPECT_NE(join(schemas().validate(data, json{{"pickup_code", "48213957"}})), "");
}

TEST(payloads, a_parcel_event_of_another_type_is_rejected) {
  json j = json::parse(encode_parcel_event(header(4), parcel_expired{"TN-1", "A01"}));
  j["type"] = "stored";  // stored needs size, courier_id, expires_at
  EXPECT_FALSE(schemas().validate("evt_parcel.schema.json", j).empty());
  j["type"] = "lost";
  EXPECT_FALSE(schemas().validate("evt_parcel.schema.json", j).empty());
  j = json::parse(encode_parcel_event(header(4), parcel_expired{"TN-1", "A01"}));
  j["event_id"] = "3f2b8c1e-5d4a-1e7b-9c2d-1a2b3c4d5e6f";  // a UUID, but not v4
  EXPECT_FALSE(schemas().validate("evt_parcel.schema.json", j).empty());
  j["event_id"] = "3f2b8c1e-5d4a-4e7b-9c2d-1a2b3c4d5e6f";
  j["seq"] = -1;
  EXPECT_FALSE(schemas().validate("evt_parcel.schema.json", j).empty());
}

TEST(payloads, door_events_match_the_schema) {
  for (auto type : {door_movement::opened, door_movement::closed}) {
    for (auto cause : {door_cause::deposit, door_cause::pickup, door_cause::courier_removal,
                       door_cause::by_operator, door_cause::none}) {
      const auto text = encode_door_event(header(7), door_event{type, "A01", cause});
      expect_valid_and_strict("evt_door.schema.json", text, with_header({"compartment", "cause"}));
    }
  }
  const auto j = json::parse(encode_door_event(
      header(7), door_event{door_movement::closed, "A01", door_cause::by_operator}));
  EXPECT_EQ(j["type"], "closed");
  EXPECT_EQ(j["cause"], "operator");
}

TEST(payloads, alarm_events_match_the_schema) {
  for (auto type : {alarm_type::door_forced, alarm_type::door_left_open, alarm_type::lock_fault,
                    alarm_type::sensor_fault, alarm_type::keypad_lockout, alarm_type::power,
                    alarm_type::tamper, alarm_type::storage_fault, alarm_type::parcel_left_inside,
                    alarm_type::unexpected_contents}) {
    for (bool active : {true, false}) {
      expect_valid_and_strict(
          "evt_alarm.schema.json",
          encode_alarm_event(header(8), alarm_event{type, "A01", alarm_severity::critical, active}),
          with_header({"severity", "active"}));
      expect_valid_and_strict(
          "evt_alarm.schema.json",
          encode_alarm_event(header(8),
                             alarm_event{type, std::nullopt, alarm_severity::warning, active}),
          {});
    }
  }
}

TEST(payloads, status_matches_the_schema) {
  expect_valid_and_strict("status.schema.json",
                          encode_status_online({"0.1.0", "b7d3c7a2-boot", t0}),
                          {"online", "version", "boot_id", "started_at"});
  EXPECT_EQ(encode_status_offline(offline_reason::lost), R"({"online":false,"reason":"lost"})");
  EXPECT_EQ(encode_status_offline(offline_reason::shutdown),
            R"({"online":false,"reason":"shutdown"})");
  expect_valid_and_strict("status.schema.json", encode_status_offline(offline_reason::lost),
                          {"online", "reason"});
  // online true with an offline reason is neither form
  EXPECT_FALSE(
      schemas().validate("status.schema.json", json{{"online", true}, {"reason", "lost"}}).empty());
}

TEST(payloads, info_matches_the_schema) {
  const locker_info info{"0.1.0", "ref-board-1", {{"A01", "S"}, {"A02", "M"}}, {"fw_update"}, 3};
  const auto text = encode_info(info);
  expect_valid_and_strict(
      "info.schema.json", text,
      {"version", "hardware", "compartments", "capabilities", "config_version"});
  json j = json::parse(text);
  j["compartments"][0].erase("size");
  EXPECT_FALSE(schemas().validate("info.schema.json", j).empty());
}

locker_state sample_state() {
  locker_state s;
  s.seq = 42;
  s.compartments.push_back(
      {"A01", "S", door_state::closed, lock_state::locked, true, service_state::in_service,
       parcel_summary{"TN-1", parcel_state::stored, "res-1", t0, t1}, std::nullopt});
  s.compartments.push_back({"A02", "M", door_state::open, lock_state::unlocked, false,
                            service_state::faulty, std::nullopt, std::nullopt});
  s.compartments.push_back({"A03", "L", door_state::unknown, lock_state::locked, false,
                            service_state::out_of_service, std::nullopt, std::nullopt});
  // Flow "hold": a compartment held for a reservation, and the capacity per size.
  s.compartments.push_back({"A04", "S", door_state::closed, lock_state::locked, false,
                            service_state::in_service, std::nullopt, hold_summary{"res-3", t1}});
  s.capacity["S"] = {0, 1, 1, 0, 0};
  s.capacity["M"] = {0, 0, 0, 1, 0};
  s.capacity["L"] = {0, 0, 0, 1, 0};
  s.alarms.push_back({alarm_type::door_left_open, "A02", alarm_severity::warning, t0});
  s.alarms.push_back({alarm_type::power, std::nullopt, alarm_severity::critical, t0});
  return s;
}

TEST(payloads, state_matches_the_schema) {
  const auto text = encode_state(sample_state());
  expect_valid_and_strict("state.schema.json", text, {"seq", "compartments", "alarms"});
  expect_valid_and_strict("state.schema.json", encode_state(locker_state{}), {});
  json j = json::parse(text);
  j["compartments"][0]["door"] = "ajar";
  EXPECT_FALSE(schemas().validate("state.schema.json", j).empty());
  j = json::parse(text);
  j["compartments"][0]["parcel"].erase("tracking_number");
  EXPECT_FALSE(schemas().validate("state.schema.json", j).empty());
  j = json::parse(text);
  j["alarms"][1]["severity"] = "info";
  EXPECT_FALSE(schemas().validate("state.schema.json", j).empty());
}

// storage_fault (issue 11), added within v1: critical, no compartment, in evt/alarm and in the
// state's alarms; an unknown alarm type is still refused.
TEST(payloads, storage_fault_is_in_the_contract) {
  const auto event =
      json::parse(encode_alarm_event(header(9), alarm_event{alarm_type::storage_fault, std::nullopt,
                                                            alarm_severity::critical, true}));
  EXPECT_EQ(event["type"], "storage_fault");
  EXPECT_EQ(event["severity"], "critical");
  EXPECT_FALSE(event.contains("compartment"));
  EXPECT_TRUE(schemas().validate("evt_alarm.schema.json", event).empty());
  auto st = sample_state();
  st.alarms.push_back({alarm_type::storage_fault, std::nullopt, alarm_severity::critical, t1});
  const auto state = json::parse(encode_state(st));
  EXPECT_EQ(state["alarms"][2]["type"], "storage_fault");
  EXPECT_TRUE(schemas().validate("state.schema.json", state).empty());
  auto unknown = event;
  unknown["type"] = "storage_full";
  EXPECT_FALSE(schemas().validate("evt_alarm.schema.json", unknown).empty());
}

TEST(payloads, books_lost_is_in_the_contract) {
  auto event =
      json::parse(encode_alarm_event(header(9), alarm_event{alarm_type::books_lost, std::nullopt,
                                                            alarm_severity::critical, true}));
  EXPECT_EQ(event["type"], "books_lost");
  EXPECT_FALSE(event.contains("compartment"));
  event["moved_to"] = "lockerd.damaged-20261201T225000Z.db";
  EXPECT_TRUE(schemas().validate("evt_alarm.schema.json", event).empty());
  event["moved_to"] = 7;
  EXPECT_FALSE(schemas().validate("evt_alarm.schema.json", event).empty());
  auto st = sample_state();
  st.alarms.push_back({alarm_type::books_lost, std::nullopt, alarm_severity::critical, t1});
  const auto state = json::parse(encode_state(st));
  EXPECT_EQ(state["alarms"].back()["type"], "books_lost");
  EXPECT_TRUE(schemas().validate("state.schema.json", state).empty());
}

TEST(payloads, presence_alarms_are_in_the_contract) {
  for (const auto& [type, name, severity] :
       {std::tuple{alarm_type::parcel_left_inside, "parcel_left_inside", alarm_severity::warning},
        std::tuple{alarm_type::unexpected_contents, "unexpected_contents",
                   alarm_severity::critical}}) {
    const auto event =
        json::parse(encode_alarm_event(header(9), alarm_event{type, "A01", severity, true}));
    EXPECT_EQ(event["type"], name);
    EXPECT_EQ(event["compartment"], "A01");
    EXPECT_TRUE(schemas().validate("evt_alarm.schema.json", event).empty());
    auto st = sample_state();
    st.alarms.push_back({type, "A01", severity, t1});
    const auto state = json::parse(encode_state(st));
    EXPECT_EQ(state["alarms"].back()["type"], name);
    EXPECT_TRUE(schemas().validate("state.schema.json", state).empty());
  }
}

TEST(payloads, get_state_reply_matches_the_schema) {
  const auto data = get_state_data(sample_state(), {{"res-2", "TN-2", "L", t0}});
  expect_valid_and_strict("get_state_data.schema.json", data.dump(),
                          {"seq", "compartments", "alarms", "reservations"});
  expect_valid_and_strict("reply.schema.json", encode_reply(ok_reply("r-7", data)),
                          {"req_id", "status"});
}

TEST(payloads, telemetry_matches_the_schema) {
  telemetry t{t0, 3600, {{"S", 3}, {"M", 0}}, 12, 1000000, 8000000, {{"cpu", 48.5}}, {}};
  expect_valid_and_strict("tele.schema.json", encode_telemetry(t),
                          {"ts", "uptime_s", "free", "journal_backlog", "disk"});
  t.temperatures_c = {{"cpu", std::numeric_limits<double>::quiet_NaN()}};
  EXPECT_TRUE(schemas().validate_text("tele.schema.json", encode_telemetry(t)).empty());
  json j = json::parse(encode_telemetry(t));
  j["free"]["S"] = -1;
  EXPECT_FALSE(schemas().validate("tele.schema.json", j).empty());
}

TEST(payloads, job_matches_the_schema) {
  expect_valid_and_strict("job.schema.json",
                          encode_job({"fw-1", job_state::downloading, 40, std::nullopt, t0}),
                          {"job_id", "state", "ts"});
  expect_valid_and_strict(
      "job.schema.json",
      encode_job({"fw-1", job_state::failed, std::nullopt, "signature did not verify", t0}), {});
  json j = json::parse(encode_job({"fw-1", job_state::downloading, 40, std::nullopt, t0}));
  j["percent"] = 101;
  EXPECT_FALSE(schemas().validate("job.schema.json", j).empty());
}

TEST(payloads, cfg_reported_matches_the_schema) {
  expect_valid_and_strict("cfg_reported.schema.json", encode_cfg_applied(7),
                          {"version", "status", "errors"});
  const auto rejected =
      decode_cfg_desired(R"({"version":8,"lock_pulse_ms":1})", config::remote_rules());
  ASSERT_FALSE(rejected.ok());
  expect_valid_and_strict("cfg_reported.schema.json", encode_cfg_rejected(rejected.error()),
                          {"version", "status", "errors"});
  const auto no_version = decode_cfg_desired("not json", config::remote_rules());
  ASSERT_FALSE(no_version.ok());
  EXPECT_EQ(join(schemas().validate_text("cfg_reported.schema.json",
                                         encode_cfg_rejected(no_version.error()))),
            "");
  // applied with errors is neither form
  json j = json::parse(encode_cfg_applied(7));
  j["errors"].push_back({{"key", "x"}, {"message", "y"}});
  EXPECT_FALSE(schemas().validate("cfg_reported.schema.json", j).empty());
}

TEST(payloads, replies_match_the_schema) {
  const std::string schema = "reply.schema.json";
  expect_valid_and_strict(schema, encode_reply(ok_reply("r-1")), {"req_id", "status"});
  expect_valid_and_strict(schema, encode_reply(accepted_reply("r-9")), {"req_id", "status"});
  expect_valid_and_strict(
      schema, encode_reply(error_reply("r-2", error_code::not_found, "no such reservation")),
      {"req_id", "status", "code"});
  const auto unreadable = encode_reply(
      error_reply(error{error_code::bad_request, "malformed JSON at byte 3", std::nullopt}));
  EXPECT_EQ(json::parse(unreadable)["req_id"], nullptr);
  EXPECT_EQ(join(schemas().validate_text(schema, unreadable)), "");
  // ok replies carry no error code; an error reply needs one from the contract
  json j = json::parse(encode_reply(ok_reply("r-1")));
  j["code"] = "bad_request";
  EXPECT_FALSE(schemas().validate(schema, j).empty());
  j = json::parse(encode_reply(error_reply("r-2", error_code::busy, "busy")));
  j["code"] = "oops";
  EXPECT_FALSE(schemas().validate(schema, j).empty());
  // ok with a null req_id is not allowed
  j = json::parse(encode_reply(ok_reply("r-1")));
  j["req_id"] = nullptr;
  EXPECT_FALSE(schemas().validate(schema, j).empty());
}

TEST(payloads, reply_data_match_their_schemas) {
  expect_valid_and_strict("reply_data_reservation_cancel.schema.json",
                          reservation_cancel_data(cancel_outcome::cancelled).dump(), {"state"});
  expect_valid_and_strict("reply_data_reservation_cancel.schema.json",
                          reservation_cancel_data(cancel_outcome::removal_pending).dump(), {});
  expect_valid_and_strict("reply_data_compartment_open.schema.json",
                          compartment_open_data(true).dump(), {"door"});
  EXPECT_EQ(compartment_open_data(false)["door"], "not_detected");
  EXPECT_TRUE(schemas().validate("reply_data_empty.schema.json", json::object()).empty());
  EXPECT_FALSE(schemas().validate("reply_data_empty.schema.json", json{{"a", 1}}).empty());
}

TEST(payloads, every_error_code_has_its_wire_name) {
  for (auto code :
       {error_code::bad_request, error_code::unknown_command, error_code::expired,
        error_code::not_found, error_code::conflict, error_code::no_free_compartment,
        error_code::door_open, error_code::lock_fault, error_code::busy, error_code::internal}) {
    const auto text = encode_reply(error_reply("r", code, "m"));
    EXPECT_EQ(join(schemas().validate_text("reply.schema.json", text)), "") << text;
  }
}

// ---- flow "hold" (issue 13): held compartments, capacity, expiring reservations ----------

TEST(payloads, hold_events_match_the_schema) {
  const std::string schema = "evt_parcel.schema.json";
  const auto expired = encode_parcel_event(header(7), parcel_hold_expired{"res-1", "TN-1", "A01"});
  expect_valid_and_strict(schema, expired,
                          with_header({"reservation_id", "tracking_number", "compartment"}));
  EXPECT_EQ(json::parse(expired)["type"], "hold_expired");
  for (const char* reason : {"out_of_service", "faulty"}) {
    const auto moved = encode_parcel_event(
        header(8), parcel_hold_moved{"res-1", "TN-1", "A02", "A01", reason, t1});
    expect_valid_and_strict(schema, moved,
                            with_header({"reservation_id", "tracking_number", "compartment", "from",
                                         "reason", "hold_until"}));
    EXPECT_EQ(json::parse(moved)["hold_until"], "2026-11-24T09:12:44.120Z");
    expect_valid_and_strict(
        schema, encode_parcel_event(header(9), parcel_hold_lost{"res-1", "TN-1", "A01", reason}),
        with_header({"reservation_id", "tracking_number", "compartment", "reason"}));
  }
  json lost = json::parse(
      encode_parcel_event(header(9), parcel_hold_lost{"res-1", "TN-1", "A01", "faulty"}));
  lost["reason"] = "stolen";
  EXPECT_FALSE(schemas().validate(schema, lost).empty());

  const auto res = encode_parcel_event(
      header(10), parcel_reservation_expired{"res-1", "TN-1", t0, std::string("A01")});
  expect_valid_and_strict(schema, res,
                          with_header({"reservation_id", "tracking_number", "created_at"}));
  EXPECT_EQ(json::parse(res)["type"], "reservation_expired");
  const auto bare =
      encode_parcel_event(header(11), parcel_reservation_expired{"res-1", "TN-1", t0, {}});
  expect_valid_and_strict(schema, bare, {});
  EXPECT_FALSE(json::parse(bare).contains("compartment"));
}

TEST(payloads, capacity_and_holds_are_in_state_and_telemetry) {
  const auto state = json::parse(encode_state(sample_state()));
  EXPECT_EQ(state["compartments"][3]["hold"],
            (json{{"reservation_id", "res-3"}, {"until", "2026-11-24T09:12:44.120Z"}}));
  EXPECT_FALSE(state["compartments"][0].contains("hold"));
  EXPECT_EQ(state["capacity"]["S"],
            (json{{"free", 0}, {"held", 1}, {"occupied", 1}, {"out_of_service", 0}, {"busy", 0}}));
  EXPECT_TRUE(schemas().validate("state.schema.json", state).empty());
  for (const char* field : {"free", "held", "occupied", "out_of_service", "busy"}) {
    json j = state;
    j["capacity"]["S"].erase(field);
    EXPECT_FALSE(schemas().validate("state.schema.json", j).empty()) << "without " << field;
    j = state;
    j["capacity"]["S"][field] = -1;
    EXPECT_FALSE(schemas().validate("state.schema.json", j).empty()) << field << " negative";
  }
  json j = state;
  j["compartments"][3]["hold"].erase("until");
  EXPECT_FALSE(schemas().validate("state.schema.json", j).empty());
  j = state;
  j["capacity"]["S"]["lost"] = 0;
  EXPECT_FALSE(schemas().validate("state.schema.json", j).empty());

  const auto data = get_state_data(sample_state(), {});
  EXPECT_TRUE(data.contains("capacity"));
  EXPECT_TRUE(schemas().validate("get_state_data.schema.json", data).empty());

  telemetry t{t0, 60, {{"S", 0}}, 0, 1, 2, {}, {}};
  t.capacity["S"] = {0, 2, 3, 1, 0};
  const auto tele = json::parse(encode_telemetry(t));
  EXPECT_EQ(tele["capacity"]["S"]["held"], 2);
  EXPECT_TRUE(schemas().validate("tele.schema.json", tele).empty());
  j = tele;
  j["capacity"]["S"].erase("busy");
  EXPECT_FALSE(schemas().validate("tele.schema.json", j).empty());
  EXPECT_FALSE(json::parse(encode_telemetry(telemetry{})).contains("capacity"));
}

}  // namespace
}  // namespace locker::protocol
