// SPDX-License-Identifier: Apache-2.0
// The rig of the process tests: a real mosquitto, a real locker-sim (the cabinet) and a real
// lockerd process, people driven through the simulator's control socket, a tracking system's
// commands over the broker. Every test ends with the contract check: every payload the daemon
// published (its topics and the response topics of the commands) passes its JSON Schema in
// protocol/schemas, replies' data included. Real time, so every wait is on a condition with a
// deadline. A process per lockerd replaces an in-process fork, which Paho's threads do not
// survive.
#pragma once

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <mqtt/properties.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include "daemon/keypad/screen_texts.hpp"
#include "protocol/schema_check.hpp"
#include "protocol/timestamp.hpp"
#include "tests/support/failure.hpp"
#include "tests/support/locker_db.hpp"
#include "tests/support/locker_processes.hpp"
#include "tests/support/mosquitto_broker.hpp"
#include "tests/support/sim_control.hpp"

namespace locker::mqtt::process_testing {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;
using steady = std::chrono::steady_clock;
using test::db_reader;
using test::fail;
using test::failure;
using test::match;

constexpr std::string_view locker_id = "t1";
constexpr std::string_view root = "locker/v1/t1/";
constexpr std::string_view courier_pin = "246813";
// Where the tests' tracking system wants replies (MQTT 5 response topic): replies/<command>/<n>.
constexpr std::string_view replies_root = "tracking/replies/";
// Long enough for a loaded 2-core machine; a hung daemon still fails the test in bounded time.
constexpr auto deadline = 15s;
// The daemon's debounce in these tests (short, so people can be quick), and the least time a
// person's hand takes between two moves of a door: several debounces, as any real hand.
constexpr int debounce_ms = 8;
constexpr auto hand_time = 25ms;
constexpr int keepalive_s = 2;

// The schema a reply's data must pass when the reply is ok (or accepted with data), by
// command; nullopt where the contract leaves data free.
inline std::optional<std::string> reply_data_schema(std::string_view command) {
  static const std::map<std::string, std::string, std::less<>> files{
      {"reservation_create", "reply_data_empty.schema.json"},
      {"reservation_cancel", "reply_data_reservation_cancel.schema.json"},
      {"compartment_open", "reply_data_compartment_open.schema.json"},
      {"compartment_set_service", "reply_data_empty.schema.json"},
      {"courier_upsert", "reply_data_empty.schema.json"},
      {"courier_remove", "reply_data_empty.schema.json"},
      {"get_state", "get_state_data.schema.json"},
      {"rebirth", "reply_data_empty.schema.json"},
      {"reboot", "reply_data_empty.schema.json"},
  };
  const auto it = files.find(command);
  if (it == files.end()) return std::nullopt;
  return it->second;
}

// What a message the daemon published must pass: (schema, part) pairs, part "" for the whole
// payload or "/data" for a reply's data. nullopt: not the daemon's (the tests' own commands
// and desired settings). A topic of the daemon's with no schema here is a failure of its own.
using schema_checks = std::vector<std::pair<std::string, std::string>>;
inline std::optional<schema_checks> contract_for(std::string_view topic, const json& payload) {
  const auto reply_checks = [&](std::string_view command) {
    schema_checks out{{"reply.schema.json", ""}};
    const auto status = payload.is_object() ? payload.value("status", "") : std::string();
    if (status != "error" && payload.is_object() && payload.contains("data")) {
      if (const auto data = reply_data_schema(command)) out.emplace_back(*data, "/data");
    }
    return out;
  };
  if (topic.starts_with(replies_root)) {
    const auto rest = topic.substr(replies_root.size());
    return reply_checks(rest.substr(0, rest.find('/')));
  }
  if (!topic.starts_with(root)) return schema_checks{};  // not the contract's: nothing to check
  const auto rest = topic.substr(root.size());
  if (rest.starts_with("cmd/") || rest == "cfg/desired") return std::nullopt;
  if (rest.starts_with("res/")) return reply_checks(rest.substr(4));
  if (rest.starts_with("job/")) return schema_checks{{"job.schema.json", ""}};
  static const std::map<std::string, std::string, std::less<>> files{
      {"status", "status.schema.json"},         {"info", "info.schema.json"},
      {"state", "state.schema.json"},           {"tele", "tele.schema.json"},
      {"evt/parcel", "evt_parcel.schema.json"}, {"evt/door", "evt_door.schema.json"},
      {"evt/alarm", "evt_alarm.schema.json"},   {"cfg/reported", "cfg_reported.schema.json"},
  };
  const auto it = files.find(rest);
  if (it == files.end())
    return schema_checks{};  // the daemon's, but the contract has no such topic
  return schema_checks{{it->second, ""}};
}

class mqtt_lockerd_process : public ::testing::Test {
 protected:
  void SetUp() override {
    auto schemas = protocol::schema_set::load(fs::path(LOCKER_SOURCE_DIR) / "protocol" / "schemas");
    ASSERT_TRUE(schemas.ok()) << schemas.error();
    schemas_ = std::make_unique<protocol::schema_set>(std::move(schemas.value()));
    // Persistent, so the recording subscriber's session (and what was queued for it) survives
    // a broker restart.
    broker_ = std::make_unique<test::mosquitto_broker>(test::broker_options{
        .tls = std::nullopt, .persistence = true, .password_file = std::nullopt});
    // Also the tracking system: it sends the commands, and the replies on its response
    // topics come here too (one Paho client: a second one in this process connects slowly).
    recorder_ = std::make_unique<test::test_subscriber>(
        broker_->url(), std::string(root) + "#",
        test::subscriber_options{.client_id = "recorder",
                                 .more_filters = {std::string(replies_root) + "#"},
                                 .persistent = true,
                                 .qos = 1});
    write_config();
    sim_ = std::make_unique<test::locker_sim_process>(LOCKER_SIM_PATH, board_, files_.sim_socket,
                                                      files_.sim_log, deadline);
    control_ = &sim_->control();
  }

  void TearDown() override {
    // The daemon first, so that it never sees its cabinet vanish; then everything else.
    lockerd_.stop(SIGKILL);
    control_ = nullptr;
    sim_.reset();
    if (recorder_) {
      check_contract_at_the_end(recorder_->messages());
      recorder_.reset();
    }
    broker_.reset();
    std::error_code ec;
    if (!HasFailure())
      fs::remove_all(dir_, ec);
    else
      std::cout << "[mqtt_lockerd_process] kept " << dir_ << '\n';
  }

  void write_config() {
    test::make_state_dir(state_dir_);
    test::config_extras more;
    // Every second, so every test's contract check sees some.
    more.top_level = "telemetry_s = 1\n";
    // Back within a second of the broker, after any outage.
    more.tables = "[broker]\nurl = \"" + broker_->url() +
                  "\"\nkeepalive_s = " + std::to_string(keepalive_s) + "\nreconnect_max_s = 1\n" +
                  "[timings]\ndebounce_ms = " + std::to_string(debounce_ms) + "\n";
    test::write_config(files_, locker_id, board_, more);
    // The courier exists before the first start.
    test::add_courier(state_dir_, "courier-1", "Test", courier_pin);
  }

  [[nodiscard]] std::string log_tail() const { return lockerd_.log_tail(30); }

  void start_lockerd() { lockerd_.start(*control_); }

  // Waits until pred holds on the recorder's messages, keeping the control socket read.
  bool wait_recorded(const std::function<bool(const std::vector<test::received_message>&)>& pred,
                     std::chrono::milliseconds d = deadline) {
    const auto end = steady::now() + d;
    while (steady::now() < end) {
      if (pred(recorder_->messages())) return true;
      control_->pump(10ms);
    }
    return pred(recorder_->messages());
  }

  // The birth reached the recorder: the status online, info and state (the link connects
  // after "ready"; an event journaled at the start can arrive before info and state).
  bool wait_online() {
    return wait_recorded([](const auto& m) {
      const auto s = status_of(m);
      if (!s || (*s)["online"] != true) return false;
      bool info = false;
      bool state = false;
      for (const auto& x : m) {
        info = info || x.topic == std::string(root) + "info";
        state = state || x.topic == std::string(root) + "state";
      }
      return info && state;
    });
  }

  // ---- people at the cabinet ----

  void wait_display(const std::function<bool(const std::string&)>& pred, std::string_view what) {
    const auto end = steady::now() + deadline;
    while (!pred(control_->display())) {
      if (steady::now() > end)
        fail("waiting for '", what, "', the display shows '", control_->display(), "'");
      if (auto status = lockerd_.ended()) fail("lockerd died (status ", *status, ")\n", log_tail());
      control_->pump(5ms);
    }
  }
  void send(const std::string& command) { control_->command(command); }
  json sim_compartment(const std::string& id) { return control_->compartment(id); }
  void wait_door_moved(const std::string& id) {
    control_->wait_until([&] { return sim_compartment(id)["door"] != "closed"; },
                         [&] { return "door " + id + " never sprang open"; });
  }
  // Shuts a door so that it stays shut (against a coil still energized it springs ajar).
  void shut(const std::string& id) {
    const auto end = steady::now() + deadline;
    while (true) {
      const auto c = sim_compartment(id);
      if (c["door"] == "closed" && !c["coil"].get<bool>()) return;
      if (steady::now() > end) fail("door ", id, " does not stay shut");
      if (c["door"] != "closed") send("close " + id);
      control_->pump(hand_time);
    }
  }
  void go_idle() {
    for (int i = 0; i < 12 && control_->display() != texts_.idle; ++i) {
      const std::string before = control_->display();
      send(std::string("press ") +
           (before.ends_with("* = clear") || before.ends_with("* = back") ? "*" : "#"));
      const auto end = steady::now() + 500ms;
      while (control_->display() == before && steady::now() < end) control_->pump(5ms);
    }
    wait_display([&](const std::string& d) { return d == texts_.idle; }, texts_.idle);
  }

  // A courier logs in at the keypad and gets to the menu.
  void courier_login() {
    go_idle();
    send("press *");
    wait_display([&](const std::string& d) { return d == texts_.pin_prompt; }, texts_.pin_prompt);
    send("press " + std::string(courier_pin) + "#");
    wait_display([&](const std::string& d) { return match(texts_.menu, d).has_value(); },
                 texts_.menu);
  }

  // A courier at the menu (or on the "stored" screen, where 1 starts the next) deposits a
  // parcel: size S, or the announced size without a choice. Returns the compartment and leaves
  // the keypad on the "stored" screen.
  std::string deposit_at_menu(const std::string& tracking_number, bool announced = false) {
    send("press 1");
    wait_display([&](const std::string& d) { return d == texts_.tracking_prompt; },
                 texts_.tracking_prompt);
    send("press " + tracking_number + "#");
    if (!announced) {
      wait_display([&](const std::string& d) { return match(texts_.size_menu, d).has_value(); },
                   texts_.size_menu);
      send("press 1");
    }
    std::string box;
    wait_display(
        [&](const std::string& d) {
          const auto m = match(texts_.opening, d);
          if (m) box = (*m)[0];
          return m.has_value();
        },
        texts_.opening);
    wait_door_moved(box);
    send("open " + box);
    send("put " + box);
    control_->pump(hand_time);
    shut(box);
    wait_display([&](const std::string& d) { return match(texts_.stored, d).has_value(); },
                 texts_.stored);
    return box;
  }

  // A courier logs in and deposits a parcel (size S); returns the compartment.
  std::string deposit(const std::string& tracking_number) {
    courier_login();
    auto box = deposit_at_menu(tracking_number);
    send("press #");
    return box;
  }

  // A recipient collects with the code the tracking system was sent.
  void pickup(const std::string& code, const std::string& box) {
    go_idle();
    send("press " + code + "#");
    wait_display([&](const std::string& d) { return match(texts_.opening, d).has_value(); },
                 texts_.opening);
    wait_door_moved(box);
    send("open " + box);
    send("take " + box);
    control_->pump(hand_time);
    shut(box);
    wait_display([&](const std::string& d) { return d == texts_.thank_you; }, texts_.thank_you);
  }

  // ---- what the recorder saw ----

  static std::vector<json> payloads_on(const std::vector<test::received_message>& msgs,
                                       const std::string& topic) {
    std::vector<json> out;
    for (const auto& m : msgs)
      if (m.topic == topic) out.push_back(json::parse(m.payload, nullptr, false));
    return out;
  }
  // Events (evt/*), first copy of each event_id, sorted by seq.
  static std::vector<json> distinct_events(const std::vector<test::received_message>& msgs) {
    std::map<std::uint64_t, json> by_seq;
    std::set<std::string> seen;
    for (const auto& m : msgs) {
      if (m.topic.find("/evt/") == std::string::npos) continue;
      auto j = json::parse(m.payload, nullptr, false);
      if (!j.is_object() || !j.contains("event_id") || !j.contains("seq")) continue;
      if (!seen.insert(j["event_id"].get<std::string>()).second) continue;
      j["_topic"] = m.topic;
      by_seq.emplace(j["seq"].get<std::uint64_t>(), std::move(j));
    }
    std::vector<json> out;
    out.reserve(by_seq.size());
    for (auto& [seq, j] : by_seq) out.push_back(std::move(j));
    return out;
  }
  static bool has_parcel_event(const std::vector<test::received_message>& msgs,
                               std::string_view type, const std::string& tracking_number) {
    for (const auto& m : msgs) {
      if (m.topic != std::string(root) + "evt/parcel") continue;
      const auto j = json::parse(m.payload, nullptr, false);
      if (j.is_object() && j.value("type", "") == type &&
          j.value("tracking_number", "") == tracking_number)
        return true;
    }
    return false;
  }
  static std::optional<json> status_of(const std::vector<test::received_message>& msgs) {
    std::optional<json> last;
    for (const auto& m : msgs)
      if (m.topic == std::string(root) + "status") last = json::parse(m.payload, nullptr, false);
    return last;
  }

  // The contract: every payload the daemon published passes its schema (a reply's data
  // too); a failure names the topic, the schema and why. Returns the topics checked.
  std::set<std::string> check_contract(const std::vector<test::received_message>& msgs) {
    std::set<std::string> checked;
    for (const auto& m : msgs) {
      const auto payload = json::parse(m.payload, nullptr, false);
      const auto checks = contract_for(m.topic, payload);
      if (!checks) continue;  // the tests' own
      if (checks->empty() && m.topic.starts_with(root)) {
        ADD_FAILURE() << "the daemon published on " << m.topic
                      << ", which the contract does not have\n  payload: " << m.payload;
        continue;
      }
      for (const auto& [schema, part] : *checks) {
        const json& what = part.empty() ? payload : payload[json::json_pointer(part)];
        for (const auto& why : schemas_->validate(schema, what))
          ADD_FAILURE() << m.topic << " against " << schema << (part.empty() ? "" : " at ") << part
                        << ": " << why << "\n  payload: " << m.payload;
      }
      if (!checks->empty()) checked.insert(m.topic);
    }
    return checked;
  }
  void check_contract_at_the_end(const std::vector<test::received_message>& msgs) {
    const auto checked = check_contract(msgs);
    // At least the birth (status, info, state) was there to check.
    EXPECT_GE(checked.size(), 3U) << "too little was published to check the contract";
  }

  // ---- the tracking system ----

  // Publishes a command on cmd/<name> with an MQTT 5 response topic (replies/<name>/<n>) and
  // correlation data ("corr-<n>"); returns n.
  int send_command(const std::string& name, const std::string& payload) {
    const int n = ++commands_sent_;
    ::mqtt::properties props;
    props.add(::mqtt::property(::mqtt::property::RESPONSE_TOPIC,
                               std::string(replies_root) + name + "/" + std::to_string(n)));
    props.add(::mqtt::property(::mqtt::property::CORRELATION_DATA, "corr-" + std::to_string(n)));
    recorder_->publish(std::string(root) + "cmd/" + name, payload, 1, false, props);
    command_names_[n] = name;
    return n;
  }
  int send_command(const std::string& name, const json& payload) {
    return send_command(name, payload.dump());
  }

  // The reply to command n, which must come twice: on res/<name> and on its response topic,
  // both with its correlation data and the same payload. Fails if either does not come.
  json reply_to(int n) {
    const auto& name = command_names_.at(n);
    const std::string corr = "corr-" + std::to_string(n);
    const std::string response_topic = std::string(replies_root) + name + "/" + std::to_string(n);
    std::optional<test::received_message> on_res;
    std::optional<test::received_message> on_response_topic;
    const bool both = wait_recorded([&](const auto& msgs) {
      for (const auto& m : msgs) {
        if (m.correlation_data != corr) continue;
        if (m.topic == std::string(root) + "res/" + name) on_res = m;
        if (m.topic == response_topic) on_response_topic = m;
      }
      return on_res && on_response_topic;
    });
    if (!both)
      fail("command ", n, " (", name, "): no reply", on_res ? " on its response topic" : " on res/",
           on_res ? "" : name, "\n", log_tail());
    if (on_res->payload != on_response_topic->payload)
      fail("command ", n, " (", name, "): res/", name, " says ", on_res->payload,
           " but the response topic says ", on_response_topic->payload);
    return json::parse(on_res->payload);
  }
  json command(const std::string& name, const json& payload) {
    return reply_to(send_command(name, payload));
  }

  // An RFC 3339 timestamp `from_now` away (expires_at).
  static std::string in(std::chrono::seconds from_now) {
    return protocol::format_timestamp(std::chrono::system_clock::now() + from_now);
  }

  // ---- software updates ----

  // Real bundles (tests/update/make_bundles.sh) and recording stand-ins for the RAUC command
  // line (its `info` is RAUC's own) and systemctl; [update] added to the config.
  void enable_updates() {
    bundles_ = dir_ / "bundles";
    const std::string make = std::string(LOCKER_SOURCE_DIR) + "/tests/update/make_bundles.sh " +
                             bundles_.string() + " >/dev/null";
    if (std::system(make.c_str()) != 0) fail("make_bundles.sh failed");
    const auto stand_in = [&](const std::string& name, const std::string& body) {
      std::ofstream f(dir_ / name);
      f << "#!/bin/sh\necho \"$*\" >> '" << (dir_ / (name + ".log")).string() << "'\n" << body;
      f.close();
      fs::permissions(dir_ / name, fs::perms::owner_all);
    };
    stand_in("rauc",
             "case \"$1\" in info) exec /usr/bin/rauc \"$@\" ;; install) echo ' 50% Copying'; "
             "echo '100% Installing done.' ;; esac\nexit 0\n");
    stand_in("systemctl", "exit 0\n");
    std::ofstream(files_.config_file, std::ios::app)
        << "[update]\nkeyring = \"" << (bundles_ / "test-ca.pem").string() << "\"\n"
        << "compatible = \"locker-test\"\n"
        << "rauc = \"" << (dir_ / "rauc").string() << "\"\n"
        << "systemctl = \"" << (dir_ / "systemctl").string() << "\"\n";
  }
  [[nodiscard]] std::string stand_in_log(const std::string& name) const {
    std::ifstream in(dir_ / (name + ".log"));
    return {std::istreambuf_iterator<char>(in), {}};
  }
  [[nodiscard]] std::string sha256_of(const fs::path& file) const {
    const std::string cmd = "sha256sum '" + file.string() + "' > '" + (dir_ / "sha").string() + "'";
    if (std::system(cmd.c_str()) != 0) fail("sha256sum failed");
    std::ifstream in(dir_ / "sha");
    std::string sha;
    in >> sha;
    return sha;
  }
  // Sends fw_update for a local bundle; returns the command's number for reply_to().
  int fw_update(const std::string& req_id, const std::string& job_id, const fs::path& bundle) {
    return send_command("fw_update", json{{"req_id", req_id},
                                          {"job_id", job_id},
                                          {"url", "file://" + bundle.string()},
                                          {"sha256", sha256_of(bundle)}});
  }
  // The job messages seen so far, in order.
  [[nodiscard]] std::vector<json> job_messages(const std::string& job_id) {
    std::vector<json> out;
    for (const auto& m : recorder_->messages())
      if (m.topic == std::string(root) + "job/" + job_id) out.push_back(json::parse(m.payload));
    return out;
  }
  bool wait_job(const std::string& job_id, const std::string& state) {
    return wait_recorded([&](const auto&) {
      for (const auto& j : job_messages(job_id))
        if (j["state"] == state) return true;
      return false;
    });
  }

  test::locker_files files_{test::detail::make_temp_dir("locker-mqtt-process")};
  const fs::path& dir_ = files_.dir;
  const fs::path& state_dir_ = files_.state_dir;
  fs::path bundles_;
  fs::path board_ = fs::path(LOCKER_SOURCE_DIR) / "config/boards/sim-24.toml";
  const keypad::screen_texts texts_{};
  std::unique_ptr<protocol::schema_set> schemas_;
  std::unique_ptr<test::mosquitto_broker> broker_;
  std::unique_ptr<test::test_subscriber> recorder_;
  std::unique_ptr<test::locker_sim_process> sim_;
  test::control_client* control_ = nullptr;  // sim_'s, watching
  test::lockerd_process lockerd_{LOCKERD_PATH, files_.config_file, files_.lockerd_log};
  int commands_sent_ = 0;
  std::map<int, std::string> command_names_;
};

inline const std::string status_topic = std::string(root) + "status";

}  // namespace locker::mqtt::process_testing
