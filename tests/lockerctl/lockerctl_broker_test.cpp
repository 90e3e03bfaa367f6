// SPDX-License-Identifier: Apache-2.0
// lockerctl as a real process against a real mosquitto, with a fake locker answering in the
// test. Every wait has a deadline; nothing asserts on a fixed sleep.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <mqtt/async_client.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/mosquitto_broker.hpp"
#include "tests/support/test_certs.hpp"

extern char** environ;

namespace locker::ctl {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// lockerctl run as a child process, with stdin from a string and stdout/stderr into files.
class ctl_process {
 public:
  // extra_env: NAME=value lines added to the environment lockerctl runs with.
  ctl_process(const std::vector<std::string>& args, const std::string& stdin_text = "",
              const std::vector<std::string>& extra_env = {}) {
    dir_ = test::detail::make_temp_dir("lockerctl-test");
    { std::ofstream(dir_ / "stdin") << stdin_text; }
    std::vector<std::string> argv_store{LOCKERCTL_PATH};
    argv_store.insert(argv_store.end(), args.begin(), args.end());
    std::vector<char*> argv;
    argv.reserve(argv_store.size() + 1);
    for (auto& a : argv_store) argv.push_back(a.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const std::string in = (dir_ / "stdin").string();
    const std::string out = (dir_ / "stdout").string();
    const std::string err = (dir_ / "stderr").string();
    posix_spawn_file_actions_addopen(&actions, 0, in.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    // No LOCKERCTL_* (nor OpenSSL's SSL_CERT_*) from the developer's shell may leak into what
    // is tested.
    std::vector<std::string> env_store;
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string_view var(*e);
      if (var.rfind("LOCKERCTL_", 0) != 0 && var.rfind("SSL_CERT_", 0) != 0)
        env_store.emplace_back(var);
    }
    env_store.insert(env_store.end(), extra_env.begin(), extra_env.end());
    std::vector<char*> env;
    env.reserve(env_store.size() + 1);
    for (auto& e : env_store) env.push_back(e.data());
    env.push_back(nullptr);
    if (posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), env.data()) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ctl_process(const ctl_process&) = delete;
  ctl_process& operator=(const ctl_process&) = delete;
  ~ctl_process() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // The exit status, or nullopt when still running at the deadline.
  std::optional<int> wait(std::chrono::milliseconds deadline = 20s) {
    if (exit_code_) return exit_code_;
    const auto end = std::chrono::steady_clock::now() + deadline;
    while (pid_ > 0) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        break;
      }
      if (std::chrono::steady_clock::now() > end) return std::nullopt;
      std::this_thread::sleep_for(5ms);
    }
    return exit_code_;
  }

  void signal(int sig) {
    if (pid_ > 0) ::kill(pid_, sig);
  }

  [[nodiscard]] std::string out() const { return read(dir_ / "stdout"); }
  [[nodiscard]] std::string err() const { return read(dir_ / "stderr"); }

  // Waits until stdout contains text.
  bool wait_for_output(const std::string& text, std::chrono::milliseconds deadline = 10s) {
    const auto end = std::chrono::steady_clock::now() + deadline;
    while (out().find(text) == std::string::npos) {
      if (std::chrono::steady_clock::now() > end) return false;
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }

 private:
  static std::string read(const std::filesystem::path& p) {
    std::ifstream in(p);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

  std::filesystem::path dir_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

struct request_seen {
  std::string name;
  json payload;
  std::string response_topic;
  std::string correlation_data;
};

// A stand-in for lockerd: answers locker/v1/t1/cmd/# with whatever the test decides, on the
// MQTT 5 response topic with the correlation data, and (when asked) on …/res/<name> too.
class fake_locker {
 public:
  using answer = std::function<std::optional<json>(const std::string& name, const json& request)>;

  fake_locker(const std::string& tcp_uri, answer a, bool reply_on_response_topic = true)
      : answer_(std::move(a)),
        on_response_topic_(reply_on_response_topic),
        client_(tcp_uri, "fake-locker-t1", mqtt::create_options(MQTTVERSION_5)) {
    client_.set_message_callback([this](const mqtt::const_message_ptr& m) { handle(m); });
    const auto options =
        mqtt::connect_options_builder().mqtt_version(MQTTVERSION_5).clean_start(true).finalize();
    client_.connect(options)->wait_for(5s);
    client_.subscribe(root + "cmd/#", 1)->wait_for(5s);
    client_.subscribe(root + "cfg/desired", 1)->wait_for(5s);
  }
  ~fake_locker() {
    try {
      client_.disable_callbacks();
      client_.disconnect()->wait_for(2s);
    } catch (const std::exception&) {
    }
  }
  fake_locker(const fake_locker&) = delete;
  fake_locker& operator=(const fake_locker&) = delete;

  std::vector<request_seen> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  // Sends a message of the locker's own (e.g. job progress); also from inside an answer.
  void publish(const std::string& topic, const std::string& payload) {
    client_.publish(mqtt::make_message(topic, payload, 1, false));
  }

  static inline const std::string root = "locker/v1/t1/";

 private:
  void handle(const mqtt::const_message_ptr& m) {
    const std::string topic = m->get_topic();
    const std::string name = topic.substr(topic.rfind('/') + 1);
    json payload = json::parse(m->to_string(), nullptr, false);
    request_seen seen{name, payload, "", ""};
    const auto& props = m->get_properties();
    if (props.contains(mqtt::property::RESPONSE_TOPIC)) {
      seen.response_topic = mqtt::get<std::string>(props, mqtt::property::RESPONSE_TOPIC);
    }
    if (props.contains(mqtt::property::CORRELATION_DATA)) {
      seen.correlation_data = mqtt::get<std::string>(props, mqtt::property::CORRELATION_DATA);
    }
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(seen);
    }
    const auto reply = answer_(topic == root + "cfg/desired" ? "cfg/desired" : name, payload);
    if (!reply) return;
    // Never wait on a token here: this is Paho's callback thread.
    if (topic == root + "cfg/desired") {
      client_.publish(mqtt::make_message(root + "cfg/reported", reply->dump(), 1, true));
      return;
    }
    if (on_response_topic_ && !seen.response_topic.empty()) {
      auto r = mqtt::make_message(seen.response_topic, reply->dump(), 1, false);
      r->set_properties(
          mqtt::properties{{mqtt::property::CORRELATION_DATA, seen.correlation_data}});
      client_.publish(r);
    }
    client_.publish(mqtt::make_message(root + "res/" + name, reply->dump(), 1, false));
  }

  answer answer_;
  bool on_response_topic_;
  mqtt::async_client client_;
  std::mutex mutex_;
  std::vector<request_seen> requests_;
};

json ok(const json& request, json data = json::object()) {
  return {{"req_id", request.value("req_id", "")}, {"status", "ok"}, {"data", std::move(data)}};
}
json error(const json& request, const std::string& code, const std::string& message) {
  return {{"req_id", request.value("req_id", "")},
          {"status", "error"},
          {"code", code},
          {"message", message}};
}

class lockerctl_broker : public ::testing::Test {
 protected:
  std::vector<std::string> args(std::vector<std::string> rest, const std::string& timeout = "5") {
    std::vector<std::string> a{"--broker", broker_.url(), "--locker", "t1", "--timeout", timeout};
    a.insert(a.end(), rest.begin(), rest.end());
    return a;
  }

  test::mosquitto_broker broker_;
};

TEST_F(lockerctl_broker, OkReplyOnTheResponseTopicExitsZero) {
  fake_locker locker(broker_.tcp_uri(),
                     [](const std::string& name, const json& req) -> std::optional<json> {
                       if (name == "compartment_open") return ok(req, {{"door", "opened"}});
                       return std::nullopt;
                     });
  ctl_process ctl(
      args({"open", "--compartment", "A3", "--reason", "stuck door", "--operator", "ann"}));
  ASSERT_EQ(ctl.wait(), 0) << ctl.err();
  EXPECT_EQ(ctl.out(), "compartment A3: door opened\n");

  const auto requests = locker.requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& r = requests[0];
  EXPECT_EQ(r.name, "compartment_open");
  EXPECT_EQ(r.payload["compartment"], "A3");
  EXPECT_EQ(r.payload["operator"], "ann");
  EXPECT_TRUE(r.payload["expires_at"].is_string());
  EXPECT_EQ(r.correlation_data, r.payload["req_id"]);
  EXPECT_EQ(r.response_topic.rfind("lockerctl/lockerctl-", 0), 0u) << r.response_topic;
  EXPECT_EQ(r.response_topic.substr(r.response_topic.size() - 4), "/res");
}

TEST_F(lockerctl_broker, ErrorReplyExitsOneWithCodeAndMessage) {
  fake_locker locker(broker_.tcp_uri(),
                     [](const std::string&, const json& req) -> std::optional<json> {
                       return error(req, "not_found", "no reservation with that id");
                     });
  ctl_process ctl(args({"cancel", "--reservation", "R404"}));
  ASSERT_EQ(ctl.wait(), 1);
  EXPECT_EQ(ctl.err(), "error: not_found: no reservation with that id\n");
  EXPECT_EQ(ctl.out(), "");
}

TEST_F(lockerctl_broker, ReplyOnlyOnTheResTopicIsAcceptedByReqId) {
  fake_locker locker(
      broker_.tcp_uri(),
      [](const std::string&, const json& req) -> std::optional<json> {
        return ok(req, {{"state", "cancelled"}});
      },
      /*reply_on_response_topic=*/false);
  ctl_process ctl(args({"--json", "cancel", "--reservation", "R1"}));
  ASSERT_EQ(ctl.wait(), 0) << ctl.err();
  const json printed = json::parse(ctl.out());
  EXPECT_EQ(printed["status"], "ok");
  EXPECT_EQ(printed["data"]["state"], "cancelled");
}

TEST_F(lockerctl_broker, StateIsShownAsATable) {
  fake_locker locker(
      broker_.tcp_uri(), [](const std::string&, const json& req) -> std::optional<json> {
        return ok(
            req,
            json::parse(
                R"({"seq":5,"compartments":[{"id":"A1","size":"S","door":"closed","lock":"locked",
        "occupied":false,"service":"in_service"}],"alarms":[],"reservations":[]})"));
      });
  ctl_process ctl(args({"state"}));
  ASSERT_EQ(ctl.wait(), 0) << ctl.err();
  EXPECT_NE(ctl.out().find("last event seq 5\nCOMPARTMENT"), std::string::npos) << ctl.out();
  EXPECT_NE(ctl.out().find("A1           S     closed"), std::string::npos) << ctl.out();
}

TEST_F(lockerctl_broker, CourierPinComesFromStdin) {
  fake_locker locker(
      broker_.tcp_uri(),
      [](const std::string&, const json& req) -> std::optional<json> { return ok(req); });
  ctl_process ctl(args({"courier", "add", "--id", "c7", "--name", "Bo"}), "24681357\n");
  ASSERT_EQ(ctl.wait(), 0) << ctl.err();
  EXPECT_EQ(ctl.out(), "courier c7 saved (enabled)\n");
  const auto requests = locker.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].name, "courier_upsert");
  EXPECT_EQ(requests[0].payload["pin"], "24681357");
}

TEST_F(lockerctl_broker, RawPayloadIsSentAsIsAndTheDaemonsVerdictShown) {
  fake_locker locker(broker_.tcp_uri(),
                     [](const std::string&, const json& req) -> std::optional<json> {
                       return error(req, "bad_request", "compartment: required");
                     });
  ctl_process ctl(args({"raw", "compartment_open", R"({"req_id":"mine-1","reason":"x"})"}));
  ASSERT_EQ(ctl.wait(), 1);
  EXPECT_EQ(ctl.err(), "error: bad_request: compartment: required\n");
  const auto requests = locker.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].payload, json::parse(R"({"req_id":"mine-1","reason":"x"})"));
}

TEST_F(lockerctl_broker, NoAnswerExitsThreeAndNamesTheLastStatus) {
  test::test_subscriber publisher(broker_.url(), "locker/v1/t1/none");
  publisher.publish("locker/v1/t1/status", R"({"online":false,"reason":"lost"})", 1, true);
  ctl_process ctl(args({"rebirth"}, "1"));
  ASSERT_EQ(ctl.wait(), 3);
  EXPECT_EQ(ctl.err(),
            "lockerctl: the locker did not answer within 1 s: is it online? (last status: offline "
            "(lost))\n");
}

TEST_F(lockerctl_broker, BrokerDownExitsFour) {
  const std::string url = broker_.url();
  broker_.stop();
  ctl_process ctl(args({"state"}, "2"));
  ASSERT_EQ(ctl.wait(), 4);
  EXPECT_EQ(ctl.err().rfind("lockerctl: cannot reach the broker at " + url + ": ", 0), 0u)
      << ctl.err();
}

TEST_F(lockerctl_broker, UsageErrorExitsTwoBeforeContactingTheBroker) {
  broker_.stop();  // a usage error must not even try
  ctl_process ctl(args({"open", "--compartment", "A3"}));
  ASSERT_EQ(ctl.wait(), 2);
  EXPECT_NE(ctl.err().find("open: --reason is required"), std::string::npos) << ctl.err();
}

TEST_F(lockerctl_broker, EventsPrintsEachEventAsOneLine) {
  test::test_subscriber publisher(broker_.url(), "locker/v1/t1/none");
  publisher.publish(
      "locker/v1/t1/status",
      R"({"online":true,"version":"0.1.0","boot_id":"b1","started_at":"2026-11-21T09:00:00.000Z"})",
      1, true);
  ctl_process ctl(args({"events", "--since-seq", "10"}, "2"));
  // The retained status is printed once both subscriptions are in place.
  ASSERT_TRUE(ctl.wait_for_output("status: online since 2026-11-21T09:00:00.000Z")) << ctl.err();

  publisher.publish(
      "locker/v1/t1/evt/door",
      R"({"event_id":"e10","seq":10,"ts":"2026-11-21T09:12:40.000Z","type":"closed","compartment":"A1","cause":"none"})");
  publisher.publish(
      "locker/v1/t1/evt/door",
      R"({"event_id":"e11","seq":11,"ts":"2026-11-21T09:12:44.120Z","type":"opened","compartment":"A2","cause":"pickup"})");
  publisher.publish(
      "locker/v1/t1/evt/door",  // a redelivery: printed once
      R"({"event_id":"e11","seq":11,"ts":"2026-11-21T09:12:44.120Z","type":"opened","compartment":"A2","cause":"pickup"})");
  publisher.publish(
      "locker/v1/t1/evt/alarm",
      R"({"event_id":"e12","seq":12,"ts":"2026-11-21T09:12:45.000Z","type":"door_forced","compartment":"A3","severity":"critical","active":true})");
  publisher.publish("locker/v1/t1/status", R"({"online":false,"reason":"shutdown"})", 1, true);

  ASSERT_EQ(ctl.wait(), 0) << ctl.err();  // after 2 s of silence
  EXPECT_EQ(ctl.out(),
            "status: online since 2026-11-21T09:00:00.000Z, version 0.1.0\n"
            "11 2026-11-21T09:12:44.120Z door.opened A2 cause=pickup\n"
            "12 2026-11-21T09:12:45.000Z alarm.door_forced A3 raised severity=critical\n"
            "status: offline (shutdown)\n");
}

TEST_F(lockerctl_broker, EventsFollowStopsOnSigint) {
  ctl_process ctl(args({"events", "--follow", "--json"}, "1"));
  test::test_subscriber publisher(broker_.url(), "locker/v1/t1/none");
  // Without a retained status there is no marker: republish until the first event shows up.
  const std::string event =
      R"({"event_id":"e1","seq":1,"ts":"2026-11-21T09:12:44.120Z","type":"expired","tracking_number":"T1","compartment":"A1"})";
  const auto end = std::chrono::steady_clock::now() + 10s;
  while (ctl.out().empty() && std::chrono::steady_clock::now() < end) {
    publisher.publish("locker/v1/t1/evt/parcel", event);
    ctl.wait_for_output("e1", 200ms);
  }
  ASSERT_NE(ctl.out().find("\"event_id\":\"e1\""), std::string::npos);
  // --follow outlives --timeout of silence…
  EXPECT_EQ(ctl.wait(1500ms), std::nullopt);
  // …and ends cleanly on SIGINT.
  ctl.signal(SIGINT);
  EXPECT_EQ(ctl.wait(), 0);
  EXPECT_EQ(json::parse(ctl.out().substr(0, ctl.out().find('\n')))["seq"], 1);
}

// Issue 16: --follow outlives the broker: it reconnects and shows each event once; --json
// lines carry the topic and the kind.
TEST_F(lockerctl_broker, EventsFollowReconnectsAndShowsEachEventOnce) {
  ctl_process ctl(args({"events", "--follow", "--json"}, "1"));
  const auto event = [](int seq) {
    return R"({"event_id":"e)" + std::to_string(seq) + R"(","seq":)" + std::to_string(seq) +
           R"(,"ts":"2026-11-21T09:12:44.120Z","type":"expired","tracking_number":"T1","compartment":"A1"})";
  };
  const auto publish_until_seen = [&](int seq) {
    test::test_subscriber publisher(broker_.url(), "locker/v1/t1/none");
    const auto end = std::chrono::steady_clock::now() + 10s;
    const std::string marker = "\"event_id\":\"e" + std::to_string(seq) + "\"";
    while (ctl.out().find(marker) == std::string::npos && std::chrono::steady_clock::now() < end) {
      publisher.publish("locker/v1/t1/evt/parcel", event(seq));
      ctl.wait_for_output(marker, 200ms);
    }
    return ctl.out().find(marker) != std::string::npos;
  };
  ASSERT_TRUE(publish_until_seen(1)) << ctl.err();
  broker_.stop();
  broker_.start();
  {
    // The locker re-sends what was not acknowledged: seq 1 again, then 2.
    test::test_subscriber publisher(broker_.url(), "locker/v1/t1/none");
    publisher.publish(
        "locker/v1/t1/evt/parcel",
        R"({"event_id":"e1-again","seq":1,"ts":"2026-11-21T09:12:44.120Z","type":"expired","tracking_number":"T1","compartment":"A1"})");
  }
  ASSERT_TRUE(publish_until_seen(2)) << ctl.err();
  ctl.signal(SIGINT);
  EXPECT_EQ(ctl.wait(), 0);
  std::vector<json> lines;
  std::istringstream out(ctl.out());
  for (std::string line; std::getline(out, line);) lines.push_back(json::parse(line));
  ASSERT_EQ(lines.size(), 2u) << ctl.out();
  EXPECT_EQ(lines[0]["seq"], 1);
  EXPECT_EQ(lines[1]["seq"], 2);
  EXPECT_EQ(lines[1]["topic"], "locker/v1/t1/evt/parcel");
  EXPECT_EQ(lines[1]["kind"], "parcel");
  EXPECT_NE(ctl.err().find("reconnected"), std::string::npos) << ctl.err();
}

TEST_F(lockerctl_broker, AnUnknownHostIsNamedWithTheReason) {
  ctl_process ctl({"--broker", "mqtt://no-such-host.invalid:1883", "--locker", "t1", "state"});
  ASSERT_EQ(ctl.wait(), 4);
  EXPECT_NE(ctl.err().find("cannot resolve the host name 'no-such-host.invalid'"),
            std::string::npos)
      << ctl.err();
}

TEST_F(lockerctl_broker, PushConfigWaitsForTheReportedVersion) {
  fake_locker locker(
      broker_.tcp_uri(), [](const std::string& name, const json& desired) -> std::optional<json> {
        if (name != "cfg/desired") return std::nullopt;
        if (desired.value("telemetry_s", 60) == 60) {
          return json{
              {"version", desired["version"]}, {"status", "applied"}, {"errors", json::array()}};
        }
        return json{{"version", desired["version"]},
                    {"status", "rejected"},
                    {"errors",
                     json::array({{{"key", "telemetry_s"}, {"message", "not on this hardware"}}})}};
      });
  const auto dir = test::detail::make_temp_dir("lockerctl-cfg");
  std::ofstream(dir / "good.json") << R"({"version": 3, "telemetry_s": 60})";
  std::ofstream(dir / "bad.json") << R"({"version": 4, "telemetry_s": 120})";
  std::ofstream(dir / "invalid.json") << R"({"version": 0})";

  ctl_process good(args({"push-config", (dir / "good.json").string()}));
  ASSERT_EQ(good.wait(), 0) << good.err();
  EXPECT_EQ(good.out(), "config version 3 applied\n");

  ctl_process bad(args({"push-config", (dir / "bad.json").string()}));
  ASSERT_EQ(bad.wait(), 1) << bad.err();
  EXPECT_EQ(bad.err(), "config version 4 rejected:\n  telemetry_s: not on this hardware\n");

  ctl_process invalid(args({"push-config", (dir / "invalid.json").string()}));
  ASSERT_EQ(invalid.wait(), 2);
  EXPECT_NE(invalid.err().find("version"), std::string::npos) << invalid.err();

  // Refused before sending, naming the key: a typo beside a known key (the locker would ignore
  // it and answer applied) and a value out of the settings table's range.
  std::ofstream(dir / "typo.json")
      << R"({"version": 5, "telemetry_s": 60, "door_left_open_secs": 30})";
  std::ofstream(dir / "range.json") << R"({"version": 6, "max_code_attempts": 50})";
  ctl_process typo(args({"push-config", (dir / "typo.json").string()}));
  ASSERT_EQ(typo.wait(), 2) << typo.out();
  EXPECT_NE(typo.err().find("door_left_open_secs: unknown setting"), std::string::npos)
      << typo.err();
  ctl_process range(args({"push-config", (dir / "range.json").string()}));
  ASSERT_EQ(range.wait(), 2) << range.out();
  EXPECT_NE(range.err().find("max_code_attempts: must be between 1 and 20"), std::string::npos)
      << range.err();
  std::filesystem::remove_all(dir);
}

// fw-update: the accepted reply, then the job's progress until done (exit 0) or failed (exit 1).
// The first progress is published before the reply, as a quick locker may: it is shown too.
TEST_F(lockerctl_broker, FwUpdateFollowsTheJobUntilDoneOrFailed) {
  for (const std::string final_state : {"done", "failed"}) {
    SCOPED_TRACE(final_state);
    fake_locker* self = nullptr;
    fake_locker locker(
        broker_.tcp_uri(), [&](const std::string& name, const json& req) -> std::optional<json> {
          if (name != "fw_update") return std::nullopt;
          const std::string topic = fake_locker::root + "job/" + req.value("job_id", "");
          const auto job = [&](const std::string& state, json extra) {
            extra["job_id"] = req.value("job_id", "");
            extra["state"] = state;
            extra["ts"] = "2026-11-21T09:12:44.120Z";
            self->publish(topic, extra.dump());
          };
          job("downloading", json::object());
          job("installing", {{"percent", 40}, {"message", "Copying image"}});
          job(final_state, final_state == "failed" ? json{{"message", "bad signature"}}
                                                   : json{{"percent", 100}});
          return json{{"req_id", req.value("req_id", "")}, {"status", "accepted"}};
        });
    self = &locker;
    ctl_process ctl(
        args({"fw-update", "--job-id", "j-" + final_state, "--url",
              "https://updates.example.com/b.raucb", "--sha256", std::string(64, 'a')}));
    ASSERT_EQ(ctl.wait(), final_state == "done" ? 0 : 1) << ctl.err();
    const std::string last =
        final_state == "done" ? "job j-done: done 100%\n" : "job j-failed: failed: bad signature\n";
    std::ostringstream expected;
    expected << "accepted: the locker is working on it\njob j-" << final_state
             << ": downloading\njob j-" << final_state << ": installing 40%: Copying image\n"
             << last;
    EXPECT_EQ(ctl.out(), expected.str());
    const auto requests = locker.requests();
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].payload["sha256"], std::string(64, 'a'));
  }
}

// Over mqtts:// lockerctl trusts what lockerd trusts: a broker certificate that chains to --ca,
// or without it to the system's trust store, and that is made out to the host in the URL.
class lockerctl_tls : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(test::make_ca(dir_, "ca"));
    ASSERT_TRUE(test::make_cert(dir_, "server", "ca"));
    ASSERT_TRUE(test::make_cert(dir_, "elsewhere", "ca", "subjectAltName=DNS:broker.example"));
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // A broker whose TLS listener shows <cert>; the fake locker uses its plain one.
  std::unique_ptr<test::mosquitto_broker> broker(const std::string& cert) {
    test::broker_options o;
    o.tls =
        test::broker_tls{dir_ / "ca.crt", dir_ / (cert + ".crt"), dir_ / (cert + ".key"), false};
    return std::make_unique<test::mosquitto_broker>(o);
  }
  static fake_locker::answer opens() {
    return [](const std::string& name, const json& req) -> std::optional<json> {
      if (name == "compartment_open") return ok(req, {{"door", "opened"}});
      return std::nullopt;
    };
  }
  static std::vector<std::string> open_over(const test::mosquitto_broker& b,
                                            std::vector<std::string> tls) {
    std::vector<std::string> a{"--broker", b.tls_url(), "--locker", "t1", "--timeout", "5"};
    a.insert(a.end(), tls.begin(), tls.end());
    for (const char* arg :
         {"open", "--compartment", "A3", "--reason", "stuck", "--operator", "ann"})
      a.emplace_back(arg);
    return a;
  }

  std::filesystem::path dir_ = test::detail::make_temp_dir("lockerctl-tls");
};

TEST_F(lockerctl_tls, ABrokerCertificateFromTheCaForTheHostIsAccepted) {
  auto b = broker("server");
  fake_locker locker(b->tcp_uri(), opens());
  ctl_process ctl(open_over(*b, {"--ca", (dir_ / "ca.crt").string()}));
  ASSERT_EQ(ctl.wait(), 0) << ctl.err();
  EXPECT_EQ(ctl.out(), "compartment A3: door opened\n");
}

TEST_F(lockerctl_tls, ABrokerCertificateForAnotherHostIsRefusedAndNamed) {
  auto b = broker("elsewhere");
  fake_locker locker(b->tcp_uri(), opens());
  ctl_process ctl(open_over(*b, {"--ca", (dir_ / "ca.crt").string()}));
  ASSERT_EQ(ctl.wait(), 4) << ctl.out();
  EXPECT_NE(ctl.err().find("IP address mismatch (it is not made out to 127.0.0.1)"),
            std::string::npos)
      << ctl.err();
  EXPECT_TRUE(locker.requests().empty());
}

TEST_F(lockerctl_tls, WithoutCaTheSystemsTrustStoreDecides) {
  auto b = broker("server");
  fake_locker locker(b->tcp_uri(), opens());
  {
    // The test CA is not among the system's: refused, and said so.
    ctl_process ctl(open_over(*b, {}));
    ASSERT_EQ(ctl.wait(), 4) << ctl.out();
    EXPECT_NE(ctl.err().find("the CA that signed it is not in the system's CAs"), std::string::npos)
        << ctl.err();
  }
  // OpenSSL's own way to point the system's store elsewhere: now the CA is trusted.
  ctl_process ctl(open_over(*b, {}), "", {"SSL_CERT_FILE=" + (dir_ / "ca.crt").string()});
  ASSERT_EQ(ctl.wait(), 0) << ctl.err();
  EXPECT_EQ(ctl.out(), "compartment A3: door opened\n");
}

}  // namespace
}  // namespace locker::ctl
