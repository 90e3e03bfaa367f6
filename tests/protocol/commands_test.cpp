// SPDX-License-Identifier: Apache-2.0
#include "protocol/commands.hpp"

#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "protocol/replies.hpp"
#include "protocol/schema_check.hpp"
#include "protocol/topics.hpp"

namespace locker::protocol {
namespace {

using nlohmann::json;

const wall_time now = *parse_timestamp("2026-11-21T09:00:00.000Z");

// One valid request per command; secrets are distinctive so a leak is easy to spot.
std::map<std::string, json> valid_requests() {
  return {
      {"reservation_create",
       {{"req_id", "r-1"},
        {"reservation_id", "res-1"},
        {"tracking_number", "TN-00012345"},
        {"size", "M"},
        {"pickup_code", "48213957"},
        {"pickup_window_h", 48}}},
      {"reservation_cancel", {{"req_id", "r-2"}, {"reservation_id", "res-1"}}},
      {"compartment_open",
       {{"req_id", "r-3"},
        {"expires_at", "2026-11-21T09:04:00.000Z"},
        {"compartment", "A01"},
        {"reason", "customer called"},
        {"operator", "ops-7"}}},
      {"compartment_set_service",
       {{"req_id", "r-4"}, {"compartment", "B-12"}, {"in_service", false}, {"reason", "hinge"}}},
      {"courier_upsert",
       {{"req_id", "r-5"},
        {"courier_id", "c-9"},
        {"pin", "73914682"},
        {"name", "Ann"},
        {"enabled", true},
        {"badge", "123:45678"}}},
      {"courier_remove", {{"req_id", "r-6"}, {"courier_id", "c-9"}}},
      {"get_state", {{"req_id", "r-7"}}},
      {"rebirth", {{"req_id", "r-8"}}},
      {"fw_update",
       {{"req_id", "r-9"},
        {"job_id", "fw-2026_11"},
        {"url", "https://updates/lockerd.raucb"},
        {"sha256", std::string(64, 'A')}}},
      {"reboot", {{"req_id", "r-10"}, {"reason", "maintenance"}}},
      {"lockout_clear", {{"req_id", "r-11"}, {"budget", "courier"}}},
  };
}

// Required arguments per command, from the contract's table.
const std::map<std::string, std::vector<std::string>> required_args{
    {"reservation_create", {"reservation_id", "tracking_number", "size"}},
    {"reservation_cancel", {"reservation_id"}},
    {"compartment_open", {"compartment", "reason", "operator"}},
    {"compartment_set_service", {"compartment", "in_service", "reason"}},
    {"courier_upsert", {"courier_id", "enabled"}},
    {"courier_remove", {"courier_id"}},
    {"get_state", {}},
    {"rebirth", {}},
    {"fw_update", {"job_id", "url", "sha256"}},
    {"reboot", {"reason"}},
    {"lockout_clear", {}},
};

const std::vector<std::string> secrets{"48213957", "73914682"};

result<command, error> decode(const std::string& name, const json& payload) {
  return decode_command(name, payload.dump(), now);
}

void expect_error(const result<command, error>& r, error_code code, const std::string& field,
                  const std::optional<std::string>& req_id) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(to_string(r.error().code), to_string(code)) << r.error().message;
  EXPECT_TRUE(r.error().message.starts_with(field + ":")) << r.error().message;
  EXPECT_EQ(r.error().req_id, req_id);
  for (const auto& s : secrets) {
    EXPECT_EQ(r.error().message.find(s), std::string::npos) << r.error().message;
    EXPECT_EQ(encode_reply(error_reply(r.error())).find(s), std::string::npos);
  }
}

const schema_set& schemas() {
  static const schema_set set = [] {
    auto r = schema_set::load(std::string(LOCKER_SOURCE_DIR) + "/protocol/schemas");
    if (!r.ok()) throw std::runtime_error(r.error());
    return std::move(r).value();
  }();
  return set;
}

TEST(decode_command, every_command_decodes_from_a_valid_payload) {
  for (const auto& [name, payload] : valid_requests()) {
    SCOPED_TRACE(name);
    const auto r = decode(name, payload);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(command_name(r->args), name);
    EXPECT_EQ(r->req_id, payload["req_id"]);
  }
  EXPECT_EQ(command_names().size(), valid_requests().size());
}

TEST(decode_command, valid_payloads_agree_with_their_schemas) {
  for (const auto& [name, payload] : valid_requests()) {
    const auto errors = schemas().validate("cmd_" + name + ".schema.json", payload);
    EXPECT_TRUE(errors.empty()) << name << ": " << (errors.empty() ? "" : errors.front());
  }
}

TEST(decode_command, typed_fields_are_filled_in) {
  auto all = valid_requests();
  const auto create = decode("reservation_create", all["reservation_create"]);
  const auto& rc = std::get<reservation_create>(create->args);
  EXPECT_EQ(rc.reservation_id, "res-1");
  EXPECT_EQ(rc.tracking_number, "TN-00012345");
  EXPECT_EQ(rc.size, "M");
  EXPECT_EQ(rc.pickup_code, "48213957");
  EXPECT_EQ(rc.pickup_window_h, 48);
  EXPECT_FALSE(create->expires_at);

  const auto open = decode("compartment_open", all["compartment_open"]);
  const auto& co = std::get<compartment_open>(open->args);
  EXPECT_EQ(co.compartment, "A01");
  EXPECT_EQ(co.reason, "customer called");
  EXPECT_EQ(co.operator_name, "ops-7");
  EXPECT_EQ(open->expires_at, parse_timestamp("2026-11-21T09:04:00.000Z"));

  const auto service = decode("compartment_set_service", all["compartment_set_service"]);
  EXPECT_FALSE(std::get<compartment_set_service>(service->args).in_service);

  const auto courier = decode("courier_upsert", all["courier_upsert"]);
  const auto& cu = std::get<courier_upsert>(courier->args);
  EXPECT_EQ(cu.pin, std::optional<std::string>("73914682"));
  EXPECT_EQ(cu.name, "Ann");
  EXPECT_TRUE(cu.enabled);
  EXPECT_EQ(cu.badge, std::optional<std::string>("123:45678"));

  const auto fw = decode("fw_update", all["fw_update"]);
  EXPECT_EQ(std::get<fw_update>(fw->args).sha256, std::string(64, 'a'));  // lower-cased
  EXPECT_EQ(std::get<fw_update>(fw->args).job_id, "fw-2026_11");

  const auto reb = decode("reboot", all["reboot"]);
  EXPECT_EQ(std::get<reboot>(reb->args).reason, "maintenance");
}

TEST(decode_command, optional_arguments_may_be_absent) {
  json p{{"req_id", "x"}, {"reservation_id", "r"}, {"tracking_number", "T"}, {"size", "S"}};
  const auto r = decode("reservation_create", p);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(std::get<reservation_create>(r->args).pickup_code);
  EXPECT_FALSE(std::get<reservation_create>(r->args).pickup_window_h);
  EXPECT_FALSE(std::get<reservation_create>(r->args).accessible);
  EXPECT_FALSE(std::get<reservation_create>(r->args).extended_time);
  json c{{"req_id", "x"}, {"courier_id", "c"}, {"pin", "123456"}, {"enabled", false}};
  ASSERT_TRUE(decode("courier_upsert", c).ok());
  // Without a PIN (v1 addition): the handler keeps an existing courier's PIN.
  json no_pin{{"req_id", "x"}, {"courier_id", "c"}, {"enabled", false}};
  const auto np = decode("courier_upsert", no_pin);
  ASSERT_TRUE(np.ok()) << np.error().message;
  EXPECT_FALSE(std::get<courier_upsert>(np->args).pin);
  EXPECT_FALSE(std::get<courier_upsert>(np->args).badge);  // v1 addition: the badge stays
  no_pin["pin"] = "12ab56";
  EXPECT_FALSE(decode("courier_upsert", no_pin).ok());  // present, it must still be a PIN
}

TEST(decode_command, unknown_fields_are_ignored) {
  for (auto [name, payload] : valid_requests()) {
    payload["future_field"] = {{"nested", 1}};
    payload["x"] = nullptr;
    EXPECT_TRUE(decode(name, payload).ok()) << name;
  }
}

TEST(decode_command, missing_each_required_field_is_bad_request_naming_it) {
  for (const auto& [name, payload] : valid_requests()) {
    auto fields = required_args.at(name);
    fields.emplace_back("req_id");
    for (const auto& field : fields) {
      SCOPED_TRACE(testing::Message() << name << "." << field);
      json p = payload;
      p.erase(field);
      const std::optional<std::string> req_id =
          field == "req_id" ? std::nullopt : std::optional<std::string>(payload["req_id"]);
      const auto r = decode(name, p);
      expect_error(r, error_code::bad_request, field, req_id);
      EXPECT_NE(r.error().message.find("required"), std::string::npos);
      EXPECT_FALSE(schemas().validate("cmd_" + name + ".schema.json", p).empty());
    }
  }
}

TEST(decode_command, wrong_type_of_each_field_is_bad_request_naming_it) {
  for (const auto& [name, payload] : valid_requests()) {
    for (const auto& [field, value] : payload.items()) {
      SCOPED_TRACE(testing::Message() << name << "." << field);
      json p = payload;
      // A string where a bool or number belongs, a number where a string belongs.
      p[field] = value.is_string() ? json(12345678) : json("12345678");
      const std::optional<std::string> req_id =
          field == "req_id" ? std::nullopt : std::optional<std::string>(payload["req_id"]);
      expect_error(decode(name, p), error_code::bad_request, field, req_id);
      EXPECT_FALSE(schemas().validate("cmd_" + name + ".schema.json", p).empty());
    }
  }
}

struct bad_value {
  std::string command;
  std::string field;
  json value;
};

TEST(decode_command, out_of_range_values_are_bad_request_naming_the_field) {
  const std::vector<bad_value> cases{
      {"reservation_create", "req_id", ""},
      {"reservation_create", "req_id", std::string(65, 'r')},
      {"reservation_create", "reservation_id", ""},
      {"reservation_create", "reservation_id", std::string(65, 'x')},
      // lockeradm's rule, now the one rule for ids (protocol/input_rules.hpp).
      {"reservation_create", "reservation_id", "r\n1"},
      {"reservation_create", "tracking_number", ""},
      {"reservation_create", "tracking_number", "TN 123"},
      {"reservation_create", "tracking_number", "TN\n123"},
      {"reservation_create", "tracking_number", std::string(65, '1')},
      {"reservation_create", "size", ""},
      {"reservation_create", "pickup_code", "48213"},
      {"reservation_create", "pickup_code", "48213957123"},
      {"reservation_create", "pickup_code", "4821395a"},
      {"reservation_create", "pickup_window_h", 0},
      {"reservation_create", "pickup_window_h", 721},
      {"reservation_create", "pickup_window_h", 1.5},
      {"reservation_create", "accessible", "yes"},
      {"reservation_create", "accessible", 1},
      {"reservation_create", "extended_time", "on"},
      {"reservation_cancel", "reservation_id", ""},
      {"compartment_open", "compartment", ""},
      {"compartment_open", "compartment", "A/1"},
      {"compartment_open", "compartment", std::string(17, 'A')},
      {"compartment_open", "reason", ""},
      {"compartment_open", "operator", ""},
      {"compartment_set_service", "reason", std::string(257, 'r')},
      {"courier_upsert", "courier_id", ""},
      {"courier_upsert", "courier_id", "c\x1b[1"},
      {"courier_upsert", "pin", "73914"},
      {"courier_upsert", "pin", "7391468273914"},
      {"courier_upsert", "pin", "73914x82"},
      {"courier_upsert", "name", ""},
      {"courier_upsert", "badge", ""},
      {"courier_upsert", "badge", "123 45678"},
      {"courier_upsert", "badge", std::string(65, '7')},
      {"courier_upsert", "badge", 12345678},
      {"courier_remove", "courier_id", std::string(65, 'c')},
      {"fw_update", "job_id", "a/b"},
      {"fw_update", "job_id", "job+1"},
      {"fw_update", "url", ""},
      {"fw_update", "sha256", std::string(63, 'a')},
      {"fw_update", "sha256", std::string(63, 'a') + "g"},
      {"reboot", "reason", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.command + "." + c.field + " = " + c.value.dump());
    json p = valid_requests().at(c.command);
    p[c.field] = c.value;
    const auto r = decode(c.command, p);
    const std::optional<std::string> req_id =
        c.field == "req_id" ? std::nullopt : std::optional<std::string>(p["req_id"]);
    expect_error(r, error_code::bad_request, c.field, req_id);
    if (c.value.is_string() && c.value.get<std::string>().size() > 3) {
      EXPECT_EQ(r.error().message.find(c.value.get<std::string>()), std::string::npos)
          << "the message quotes the value";
    }
    EXPECT_FALSE(schemas().validate("cmd_" + c.command + ".schema.json", p).empty());
  }
}

// Accessibility (issue 13): two optional flags, additive within v1.
TEST(decode_command, reservation_create_takes_the_accessibility_flags) {
  json p = valid_requests().at("reservation_create");
  p["accessible"] = true;
  p["extended_time"] = true;
  EXPECT_TRUE(schemas().validate("cmd_reservation_create.schema.json", p).empty());
  const auto r = decode("reservation_create", p);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(std::get<reservation_create>(r->args).accessible);
  EXPECT_TRUE(std::get<reservation_create>(r->args).extended_time);
  p["accessible"] = false;
  p.erase("extended_time");
  EXPECT_TRUE(schemas().validate("cmd_reservation_create.schema.json", p).empty());
  const auto only_false = decode("reservation_create", p);
  ASSERT_TRUE(only_false.ok());
  EXPECT_FALSE(std::get<reservation_create>(only_false->args).accessible);
  EXPECT_FALSE(std::get<reservation_create>(only_false->args).extended_time);
}

TEST(decode_command, boundary_values_are_accepted) {
  json p = valid_requests().at("reservation_create");
  p["pickup_code"] = "123456";
  p["pickup_window_h"] = 720;
  p["req_id"] = std::string(64, 'r');
  p["tracking_number"] = std::string(64, '~');
  EXPECT_TRUE(decode("reservation_create", p).ok());
  p["pickup_code"] = "1234567890";
  p["pickup_window_h"] = 1;
  EXPECT_TRUE(decode("reservation_create", p).ok());
  json c = valid_requests().at("courier_upsert");
  c["pin"] = "123456789012";
  EXPECT_TRUE(decode("courier_upsert", c).ok());
}

TEST(decode_command, malformed_json_is_bad_request_without_quoting_it) {
  const std::string truncated = R"({"req_id":"r-5","courier_id":"c","pin":"73914682")";
  for (const std::string& text : {truncated, std::string("{"), std::string(""),
                                  std::string("{\"req_id\":\"a\",}"), std::string("73914682x")}) {
    SCOPED_TRACE(text);
    const auto r = decode_command("courier_upsert", text, now);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, error_code::bad_request);
    EXPECT_TRUE(r.error().message.starts_with("malformed JSON")) << r.error().message;
    EXPECT_EQ(r.error().message.find("73914682"), std::string::npos) << r.error().message;
    EXPECT_FALSE(r.error().req_id);
  }
}

TEST(decode_command, invalid_utf8_and_deep_nesting_are_bad_request) {
  EXPECT_EQ(decode_command("get_state", "{\"req_id\":\"\xff\"}", now).error().code,
            error_code::bad_request);
  const std::string deep = std::string(10000, '[') + std::string(10000, ']');
  EXPECT_EQ(decode_command("get_state", deep, now).error().code, error_code::bad_request);
  const std::string big = R"({"req_id":"a","pad":")" + std::string(max_command_bytes, 'x') + "\"}";
  const auto r = decode_command("get_state", big, now);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, error_code::bad_request);
}

TEST(decode_command, not_an_object_is_bad_request) {
  for (const std::string text : {"[]", "\"text\"", "42", "null", "true"}) {
    const auto r = decode_command("get_state", text, now);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().code, error_code::bad_request);
    EXPECT_EQ(r.error().message, "payload: must be a JSON object");
  }
}

TEST(decode_command, unknown_command_keeps_the_req_id) {
  const auto r = decode_command("open_all", R"({"req_id":"q-1"})", now);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, error_code::unknown_command);
  EXPECT_EQ(r.error().req_id, "q-1");
  EXPECT_NE(r.error().message.find("open_all"), std::string::npos);
  // Even with a payload that is not JSON, the command name decides first.
  EXPECT_EQ(decode_command("", "nonsense", now).error().code, error_code::unknown_command);
}

TEST(decode_command, a_request_past_expires_at_is_expired) {
  json p = valid_requests().at("reboot");
  p["expires_at"] = "2026-11-21T08:59:59.999Z";
  const auto r = decode("reboot", p);
  expect_error(r, error_code::expired, "expires_at", "r-10");
  p["expires_at"] = "2026-11-21T09:00:00.000Z";  // not past yet
  EXPECT_TRUE(decode("reboot", p).ok());
  // Expiry is answered even when the arguments are bad: the request does nothing either way.
  p["expires_at"] = "2026-11-20T09:00:00.000Z";
  p.erase("reason");
  EXPECT_EQ(decode("reboot", p).error().code, error_code::expired);
}

// Issue 15 (clock trust): a life beyond the 24-hour replay window is not believed.
TEST(decode_command, expires_at_more_than_a_day_ahead_is_refused) {
  json p = valid_requests().at("reboot");
  p["expires_at"] = "2026-11-22T09:00:00.000Z";  // exactly 24 h after now: still taken
  EXPECT_TRUE(decode("reboot", p).ok());
  p["expires_at"] = "2026-11-22T09:00:00.001Z";
  const auto r = decode("reboot", p);
  expect_error(r, error_code::bad_request, "expires_at", "r-10");
  EXPECT_NE(r.error().message.find("24 hours"), std::string::npos) << r.error().message;
  p["expires_at"] = "2036-11-21T09:00:00.000Z";
  expect_error(decode("reboot", p), error_code::bad_request, "expires_at", "r-10");
}

// clock_sync "system" before the first time sync: a deadline is not judged (busy, with the
// req_id, saying why); requests without one are answered as always.
TEST(decode_command, a_deadline_is_not_judged_by_a_clock_that_is_not_synchronized) {
  const auto untrusted = [](const std::string& name, const json& payload) {
    return decode_command(name, payload.dump(), now, false);
  };
  json reboot = valid_requests().at("reboot");
  reboot["expires_at"] = "2026-11-21T09:01:00.000Z";
  const auto r = untrusted("reboot", reboot);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, error_code::busy);
  EXPECT_EQ(r.error().req_id, "r-10");
  EXPECT_NE(r.error().message.find("not synchronized"), std::string::npos) << r.error().message;
  EXPECT_EQ(untrusted("compartment_open", valid_requests().at("compartment_open")).error().code,
            error_code::busy);
  reboot.erase("expires_at");
  EXPECT_TRUE(untrusted("reboot", reboot).ok());
  EXPECT_TRUE(untrusted("get_state", valid_requests().at("get_state")).ok());
}

TEST(decode_command, expires_at_must_be_an_rfc3339_timestamp) {
  for (const json& bad : {json("2026-11-21 09:12:44.120Z"), json("2026-11-21T09:12:44.120"),
                          json("2026-11-21T09:12:44.120+0100"), json(1700000000), json(nullptr)}) {
    json p = valid_requests().at("get_state");
    p["expires_at"] = bad;
    expect_error(decode("get_state", p), error_code::bad_request, "expires_at", "r-7");
  }
}

// protocol/README.md: on input, with or without fractional seconds and with any offset.
TEST(decode_command, expires_at_takes_any_offset_and_precision) {
  for (const char* same : {"2026-11-21T09:04:00.000Z", "2026-11-21T09:04:00Z",
                           "2026-11-21T10:04:00+01:00", "2026-11-21t04:04:00.0-05:00"}) {
    json p = valid_requests().at("compartment_open");
    p["expires_at"] = same;
    const auto r = decode("compartment_open", p);
    ASSERT_TRUE(r) << same << ": " << r.error().message;
    EXPECT_EQ(r->expires_at, parse_timestamp("2026-11-21T09:04:00.000Z")) << same;
    EXPECT_TRUE(schemas().validate("cmd_compartment_open.schema.json", p).empty()) << same;
  }
}

TEST(decode_command, compartment_open_requires_expires_at) {
  json p = valid_requests().at("compartment_open");
  p.erase("expires_at");
  expect_error(decode("compartment_open", p), error_code::bad_request, "expires_at", "r-3");
  EXPECT_FALSE(schemas().validate("cmd_compartment_open.schema.json", p).empty());
}

TEST(decode_command, compartment_open_expires_at_at_most_5_minutes_ahead) {
  json p = valid_requests().at("compartment_open");
  p["expires_at"] = "2026-11-21T09:05:00.000Z";
  EXPECT_TRUE(decode("compartment_open", p).ok());
  p["expires_at"] = "2026-11-21T09:05:00.001Z";
  const auto r = decode("compartment_open", p);
  expect_error(r, error_code::bad_request, "expires_at", "r-3");
  EXPECT_NE(r.error().message.find("5 minutes"), std::string::npos);
  p["expires_at"] = "2026-11-21T08:59:00.000Z";
  expect_error(decode("compartment_open", p), error_code::expired, "expires_at", "r-3");
}

TEST(decode_command, whole_floats_count_as_integers) {
  json p = valid_requests().at("reservation_create");
  p["pickup_window_h"] = 24.0;
  const auto r = decode("reservation_create", p);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::get<reservation_create>(r->args).pickup_window_h, 24);
}

}  // namespace
}  // namespace locker::protocol

namespace locker::protocol {
namespace {

TEST(decode_command, lockout_clear_takes_one_budget_or_none) {
  const auto one = decode("lockout_clear", {{"req_id", "l-1"}, {"budget", "pickup_code"}});
  ASSERT_TRUE(one.ok()) << one.error().message;
  EXPECT_EQ(std::get<lockout_clear>(one->args).budget, "pickup_code");
  const auto all = decode("lockout_clear", {{"req_id", "l-2"}});
  ASSERT_TRUE(all.ok()) << all.error().message;
  EXPECT_FALSE(std::get<lockout_clear>(all->args).budget.has_value());
  expect_error(decode("lockout_clear", {{"req_id", "l-3"}, {"budget", "everyone"}}),
               error_code::bad_request, "budget", "l-3");
  expect_error(decode("lockout_clear", {{"req_id", "l-4"}, {"budget", 1}}), error_code::bad_request,
               "budget", "l-4");
  // The schema agrees on both sides.
  const std::string schema = "cmd_lockout_clear.schema.json";
  EXPECT_TRUE(schemas().validate(schema, json{{"req_id", "l-1"}, {"budget", "courier"}}).empty());
  EXPECT_TRUE(schemas().validate(schema, json{{"req_id", "l-2"}}).empty());
  EXPECT_FALSE(schemas().validate(schema, json{{"req_id", "l-3"}, {"budget", "everyone"}}).empty());
}

// Flow "hold" (issue 13): hold_until, an RFC 3339 timestamp after the request's arrival and at
// most 720 hours ahead (any offset on input, as expires_at).
TEST(decode_command, reservation_create_takes_a_hold_until) {
  json p{{"req_id", "h-1"},
         {"reservation_id", "r"},
         {"tracking_number", "T"},
         {"size", "S"},
         {"hold_until", "2026-11-21T12:00:00+01:00"}};
  const auto r = decode("reservation_create", p);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(std::get<reservation_create>(r->args).hold_until,
            parse_timestamp("2026-11-21T11:00:00.000Z"));
  EXPECT_TRUE(schemas().validate("cmd_reservation_create.schema.json", p).empty());

  const auto refused = [&](const json& hold_until, std::string_view message) {
    json q = p;
    q["hold_until"] = hold_until;
    const auto d = decode("reservation_create", q);
    ASSERT_FALSE(d.ok()) << hold_until.dump();
    EXPECT_EQ(d.error().code, error_code::bad_request);
    EXPECT_EQ(d.error().message, message);
    EXPECT_EQ(d.error().req_id, "h-1");
  };
  refused("tomorrow", "hold_until: must be an RFC 3339 timestamp such as 2026-11-21T09:12:44.120Z");
  refused(12, "hold_until: must be an RFC 3339 timestamp such as 2026-11-21T09:12:44.120Z");
  refused("2026-11-21T09:00:00.000Z", "hold_until: must be in the future");
  refused("2026-11-21T08:00:00.000Z", "hold_until: must be in the future");
  refused("2026-12-21T09:00:00.001Z", "hold_until: must be at most 720 hours ahead");
  json at_most = p;
  at_most["hold_until"] = "2026-12-21T09:00:00.000Z";
  EXPECT_TRUE(decode("reservation_create", at_most).ok());
  json bad = p;
  bad["hold_until"] = 12;
  EXPECT_FALSE(schemas().validate("cmd_reservation_create.schema.json", bad).empty());
}

// Drop-off flow (issue 13): kind, dropoff_code and carrier on reservation_create, carrier on
// courier_upsert; a drop-off code only with a drop-off or return, a pickup code only without.
TEST(decode_command, reservation_create_takes_a_dropoff_kind_code_and_carrier) {
  const json base = {
      {"req_id", "k-1"}, {"reservation_id", "r-1"}, {"tracking_number", "T-1"}, {"size", "M"}};
  const auto plain = decode("reservation_create", base);
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_EQ(std::get<reservation_create>(plain->args).kind, "delivery");
  EXPECT_FALSE(std::get<reservation_create>(plain->args).dropoff_code);
  EXPECT_FALSE(std::get<reservation_create>(plain->args).carrier);

  json dropoff = base;
  dropoff["kind"] = "return";
  dropoff["dropoff_code"] = "48213957";
  dropoff["carrier"] = "dhl";
  const auto r = decode("reservation_create", dropoff);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const auto& a = std::get<reservation_create>(r->args);
  EXPECT_EQ(a.kind, "return");
  EXPECT_EQ(a.dropoff_code, "48213957");
  EXPECT_EQ(a.carrier, "dhl");
  EXPECT_TRUE(schemas().validate("cmd_reservation_create.schema.json", dropoff).empty());

  json bad = base;
  bad["kind"] = "parcel";
  expect_error(decode("reservation_create", bad), error_code::bad_request, "kind", "k-1");
  bad = dropoff;
  bad["dropoff_code"] = "4821";
  expect_error(decode("reservation_create", bad), error_code::bad_request, "dropoff_code", "k-1");
  bad = base;
  bad["dropoff_code"] = "48213957";
  expect_error(decode("reservation_create", bad), error_code::bad_request, "dropoff_code", "k-1");
  bad = dropoff;
  bad.erase("dropoff_code");
  bad["pickup_code"] = "73914682";
  expect_error(decode("reservation_create", bad), error_code::bad_request, "pickup_code", "k-1");
  bad = base;
  bad["carrier"] = "";
  expect_error(decode("reservation_create", bad), error_code::bad_request, "carrier", "k-1");

  const json courier = {
      {"req_id", "k-2"}, {"courier_id", "c-1"}, {"enabled", true}, {"carrier", "dhl"}};
  const auto c = decode("courier_upsert", courier);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(std::get<courier_upsert>(c->args).carrier, "dhl");
  json cleared = courier;
  cleared["carrier"] = "";
  const auto c2 = decode("courier_upsert", cleared);
  ASSERT_TRUE(c2.ok()) << c2.error().message;
  EXPECT_EQ(std::get<courier_upsert>(c2->args).carrier, "");
  EXPECT_TRUE(schemas().validate("cmd_courier_upsert.schema.json", cleared).empty());
  cleared["carrier"] = std::string(65, 'x');
  expect_error(decode("courier_upsert", cleared), error_code::bad_request, "carrier", "k-2");
}

// Several parcels, one code (multi): reservation_create's optional `recipient`, an opaque key
// of 1-64 characters; the decoder and the schema agree on both sides.
TEST(decode_command, reservation_create_takes_an_optional_recipient_key) {
  const std::string schema = "cmd_reservation_create.schema.json";
  json p{{"req_id", "m-1"}, {"reservation_id", "r"},     {"tracking_number", "T"},
         {"size", "S"},     {"pickup_code", "48213957"}, {"recipient", "cust-42/home"}};
  const auto r = decode("reservation_create", p);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(std::get<reservation_create>(r->args).recipient, "cust-42/home");
  EXPECT_TRUE(schemas().validate(schema, p).empty());
  p["recipient"] = std::string(64, 'k');
  ASSERT_TRUE(decode("reservation_create", p).ok());
  EXPECT_TRUE(schemas().validate(schema, p).empty());
  p.erase("recipient");
  const auto without = decode("reservation_create", p);
  ASSERT_TRUE(without.ok());
  EXPECT_FALSE(std::get<reservation_create>(without->args).recipient);
  for (const json& bad : {json(""), json(std::string(65, 'k')), json(42)}) {
    SCOPED_TRACE(bad.dump());
    p["recipient"] = bad;
    expect_error(decode("reservation_create", p), error_code::bad_request, "recipient", "m-1");
    EXPECT_FALSE(schemas().validate(schema, p).empty());
  }
}

}  // namespace
}  // namespace locker::protocol
