// SPDX-License-Identifier: Apache-2.0
// A tracking system's commands and settings over a real mosquitto to a real lockerd
// (lockerd_process.hpp): each command, valid and invalid, sent with an MQTT 5 response topic
// and correlation data, is answered on res/<name> and on that response topic with the same
// correlation data, and what fails changes nothing; cfg/desired is applied without a restart
// and answered on cfg/reported. TearDown checks every payload against its schema.
#include "tests/mqtt/lockerd_process.hpp"
#include "tests/support/command_replies.hpp"

namespace locker::mqtt::process_testing {
namespace {

using test::expect_error;
using test::expect_ok;

class commands_process : public mqtt_lockerd_process {
 protected:
  // Everything a command could change, read beside the daemon, in a comparable form; the
  // state as get_state answers it (its own reply is not part of it).
  json snapshot() {
    db_reader db(state_dir_ / "lockerd.db");
    json j = json::object();
    j["reservations"] = db.query("SELECT * FROM reservations ORDER BY reservation_id");
    j["couriers"] = db.query(
        "SELECT courier_id, name, pin_hash, enabled, updated_at FROM couriers ORDER BY courier_id");
    j["parcels"] = db.query("SELECT id, tracking_number, compartment_id, state FROM parcels");
    j["compartments"] = db.query(
        "SELECT id, service, service_reason, door, cause, open_pending, out_of_service, alarms, "
        "operation FROM compartments ORDER BY id");
    j["journal"] = db.query("SELECT last_seq FROM journal_counter");
    j["cfg"] = db.query("SELECT key, value FROM settings WHERE key LIKE 'cfg.%' ORDER BY key");
    const auto state =
        command("get_state", {{"req_id", "snapshot-" + std::to_string(++snapshots_)}});
    j["state"] = state.value("data", json());
    return j;
  }
  int snapshots_ = 0;
};

TEST_F(commands_process, every_command_is_answered_on_res_and_on_its_response_topic) {
  try {
    start_lockerd();
    ASSERT_TRUE(wait_online());

    // ---- valid ----
    auto r = command("reservation_create", {{"req_id", "c1"},
                                            {"reservation_id", "r-1"},
                                            {"tracking_number", "90000001"},
                                            {"size", "S"},
                                            {"pickup_code", "12345678"}});
    expect_ok(r, "c1");
    EXPECT_EQ(r["data"], json::object());
    expect_ok(command("reservation_create", {{"req_id", "c2"},
                                             {"reservation_id", "r-2"},
                                             {"tracking_number", "90000002"},
                                             {"size", "M"}}),
              "c2");
    r = command("reservation_cancel", {{"req_id", "c3"}, {"reservation_id", "r-2"}});
    expect_ok(r, "c3");
    EXPECT_EQ(r["data"], (json{{"state", "cancelled"}}));
    expect_ok(command("courier_upsert", {{"req_id", "c4"},
                                         {"courier_id", "courier-9"},
                                         {"pin", "13579246"},
                                         {"name", "Nine"},
                                         {"enabled", true}}),
              "c4");
    expect_ok(command("courier_remove", {{"req_id", "c5"}, {"courier_id", "courier-9"}}), "c5");
    expect_ok(command("compartment_set_service", {{"req_id", "c6"},
                                                  {"compartment", "24"},
                                                  {"in_service", false},
                                                  {"reason", "broken hinge"}}),
              "c6");
    expect_ok(
        command(
            "compartment_set_service",
            {{"req_id", "c7"}, {"compartment", "24"}, {"in_service", true}, {"reason", "fixed"}}),
        "c7");
    // The real door springs open in the simulator; the reply comes when the sensor says so.
    const json open_5 = {{"req_id", "c8"},
                         {"expires_at", in(std::chrono::seconds(60))},
                         {"compartment", "5"},
                         {"reason", "customer on the phone"},
                         {"operator", "olga"}};
    const auto opened = command("compartment_open", open_5);
    expect_ok(opened, "c8");
    EXPECT_EQ(opened["data"], (json{{"door", "opened"}}));
    shut("5");
    r = command("get_state", {{"req_id", "c9"}});
    expect_ok(r, "c9");
    ASSERT_EQ(r["data"]["reservations"].size(), 1U) << r.dump();
    EXPECT_EQ(r["data"]["reservations"][0]["reservation_id"], "r-1");
    const auto births = payloads_on(recorder_->messages(), status_topic).size();
    expect_ok(command("rebirth", {{"req_id", "c10"}}), "c10");
    ASSERT_TRUE(wait_recorded([&](const auto& m) {
      return payloads_on(m, status_topic).size() > births &&
             !payloads_on(m, std::string(root) + "info").empty();
    })) << "rebirth republished nothing";

    // ---- invalid: each answered as the contract says, and nothing changes ----
    // The door's closing above may still be on its way into the database.
    ASSERT_TRUE(wait_recorded([&](const auto& m) {
      int closed = 0;
      for (const auto& e : distinct_events(m))
        if (e["_topic"] == std::string(root) + "evt/door" && e["type"] == "closed") ++closed;
      return closed >= 1;
    }));
    const auto before = snapshot();
    const auto events_before = distinct_events(recorder_->messages()).size();

    r = reply_to(send_command("reservation_create", std::string(R"({"req_id": "f1", oops)")));
    expect_error(r, "bad_request");
    EXPECT_TRUE(r["req_id"].is_null()) << r.dump();
    r = command(
        "reservation_create",
        {{"req_id", "f2"}, {"reservation_id", "r-3"}, {"size", "S"}});  // no tracking_number
    expect_error(r, "bad_request");
    EXPECT_EQ(r["req_id"], "f2");
    EXPECT_NE(r.value("message", "").find("tracking_number"), std::string::npos) << r.dump();
    expect_error(command("courier_upsert", {{"req_id", "f3"},
                                            {"courier_id", "courier-8"},
                                            {"pin", "24682468"},
                                            {"enabled", "yes"}}),  // a string, not a boolean
                 "bad_request");
    expect_error(command("compartment_set_service", {{"req_id", "f4"},
                                                     {"compartment", 5},  // a number
                                                     {"in_service", false},
                                                     {"reason", "x"}}),
                 "bad_request");
    expect_error(command("self_destruct", {{"req_id", "f5"}}), "unknown_command");
    // Expired: the door must not move.
    expect_error(command("compartment_open", {{"req_id", "f6"},
                                              {"expires_at", in(std::chrono::seconds(-10))},
                                              {"compartment", "6"},
                                              {"reason", "late"},
                                              {"operator", "olga"}}),
                 "expired");
    // Required for compartment_open, and at most 5 minutes ahead.
    expect_error(command("compartment_open", {{"req_id", "f7"},
                                              {"compartment", "6"},
                                              {"reason", "no deadline"},
                                              {"operator", "olga"}}),
                 "bad_request");
    expect_error(command("compartment_open", {{"req_id", "f8"},
                                              {"expires_at", in(std::chrono::seconds(600))},
                                              {"compartment", "6"},
                                              {"reason", "far ahead"},
                                              {"operator", "olga"}}),
                 "bad_request");
    expect_error(command("compartment_open", {{"req_id", "f9"},
                                              {"expires_at", in(std::chrono::seconds(60))},
                                              {"compartment", "99"},
                                              {"reason", "no such box"},
                                              {"operator", "olga"}}),
                 "not_found");
    expect_error(command("reservation_cancel", {{"req_id", "f10"}, {"reservation_id", "nope"}}),
                 "not_found");
    // Replayed req_ids: the saved reply, not run again (courier-9 stays removed, box 5 shut).
    EXPECT_EQ(command("courier_upsert", {{"req_id", "c4"},
                                         {"courier_id", "courier-9"},
                                         {"pin", "97531864"},
                                         {"name", "Other"},
                                         {"enabled", true}}),
              (json{{"req_id", "c4"}, {"status", "ok"}, {"data", json::object()}}));
    EXPECT_EQ(command("compartment_open", open_5), opened);
    // A req_id of another command is not that command.
    expect_error(command("courier_remove", {{"req_id", "c1"}, {"courier_id", "courier-1"}}),
                 "conflict");

    control_->pump(200ms);  // anything a failing command set off would show by now
    EXPECT_EQ(snapshot(), before);
    EXPECT_EQ(distinct_events(recorder_->messages()).size(), events_before)
        << "a failing command made the locker report something";
    for (const std::string box : {"5", "6"}) {
      const auto c = sim_compartment(box);
      EXPECT_EQ(c["door"], "closed") << box;
      EXPECT_EQ(c["coil"], false) << box;
    }
  } catch (const failure& f) {
    FAIL() << f.what() << "\n" << log_tail();
  }
}

// cfg/desired through the broker: applied without a restart (telemetry from every second to
// every 10 s, a lock_fault after the new open_detect_s), a bad version rejected whole, both
// answered on cfg/reported; tele and cfg/reported are in the contract check.
TEST_F(commands_process, settings_are_applied_at_once_and_reported) {
  try {
    start_lockerd();
    ASSERT_TRUE(wait_online());
    const std::string tele = std::string(root) + "tele";
    const std::string reported = std::string(root) + "cfg/reported";
    ASSERT_TRUE(wait_recorded([&](const auto& m) { return payloads_on(m, tele).size() >= 2; }))
        << "no telemetry every second";

    recorder_->publish(std::string(root) + "cfg/desired",
                       json{{"version", 7}, {"telemetry_s", 10}, {"open_detect_s", 2}}.dump(), 1,
                       true);
    ASSERT_TRUE(wait_recorded([&](const auto& m) { return !payloads_on(m, reported).empty(); }));
    EXPECT_EQ(payloads_on(recorder_->messages(), reported).back(),
              (json{{"version", 7}, {"status", "applied"}, {"errors", json::array()}}));
    ASSERT_TRUE(wait_recorded([&](const auto& m) {
      const auto info = payloads_on(m, std::string(root) + "info");
      return !info.empty() && info.back()["config_version"] == 7;
    })) << "info does not carry the applied version";

    // open_detect_s 2: a jammed lock is a lock_fault about 2 s after the unlock (5 s before).
    send("jam 6");
    const auto asked = steady::now();
    const auto r = command("compartment_open", {{"req_id", "o1"},
                                                {"expires_at", in(std::chrono::seconds(60))},
                                                {"compartment", "6"},
                                                {"reason", "test"},
                                                {"operator", "olga"}});
    const auto took = steady::now() - asked;
    expect_ok(r, "o1");
    EXPECT_EQ(r["data"], (json{{"door", "not_detected"}}));
    EXPECT_LT(took, 4s) << "open_detect_s is still the old 5 s";
    EXPECT_GE(took, 2s);

    // telemetry_s 10: none more for the next 3 s (after the one that may have been on its way).
    const auto teles = payloads_on(recorder_->messages(), tele).size();
    EXPECT_FALSE(
        wait_recorded([&](const auto& m) { return payloads_on(m, tele).size() > teles + 1; }, 3s))
        << "telemetry still every second";

    // A bad version is rejected whole and changes nothing.
    recorder_->publish(std::string(root) + "cfg/desired",
                       json{{"version", 8}, {"telemetry_s", 1}, {"max_code_attempts", 99}}.dump(),
                       1, true);
    ASSERT_TRUE(wait_recorded([&](const auto& m) {
      const auto all = payloads_on(m, reported);
      return !all.empty() && all.back()["version"] == 8;
    }));
    const auto rejected = payloads_on(recorder_->messages(), reported).back();
    EXPECT_EQ(rejected["status"], "rejected");
    ASSERT_EQ(rejected["errors"].size(), 2U) << rejected.dump();

    // Everything so far passes its schema, telemetry and cfg/reported included.
    const auto checked = check_contract(recorder_->messages());
    EXPECT_TRUE(checked.contains(tele));
    EXPECT_TRUE(checked.contains(reported));
    EXPECT_TRUE(checked.contains(std::string(root) + "res/compartment_open"));
  } catch (const failure& f) {
    FAIL() << f.what() << "\n" << log_tail();
  }
}

}  // namespace
}  // namespace locker::mqtt::process_testing
