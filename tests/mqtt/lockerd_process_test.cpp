// SPDX-License-Identifier: Apache-2.0
// The real thing end to end: a real mosquitto, a real locker-sim (the cabinet) and a real
// lockerd process, people driven through the simulator's control socket. Checks the liveness
// status (online, will on kill -9, shutdown on SIGTERM), that a deposit and a pickup reach a
// subscriber as events in seq order, that nothing is lost when lockerd is killed while events
// are in flight, and that every payload the daemon emitted passes its JSON Schema in
// protocol/schemas (the contract test). Real time, so every wait is on a condition with a
// deadline. A process per lockerd replaces an in-process fork, which Paho's threads do not survive.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/keypad/screen_texts.hpp"
#include "daemon/security/secret_key.hpp"
#include "daemon/store/store.hpp"
#include "drivers/sim/sim_protocol.hpp"
#include "protocol/schema_check.hpp"
#include "tests/support/mosquitto_broker.hpp"

extern char** environ;

namespace locker::mqtt::process_testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;
using steady = std::chrono::steady_clock;

constexpr std::string_view locker_id = "t1";
constexpr std::string_view root = "locker/v1/t1/";
constexpr std::string_view courier_pin = "246813";
// Long enough for a loaded 2-core machine; a hung daemon still fails the test in bounded time.
constexpr auto deadline = 15s;
constexpr int keepalive_s = 2;

struct failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <class... A>
[[noreturn]] void fail(const A&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  throw failure(out.str());
}

// Matches text against a screen_texts pattern; the "{}" parts are returned.
std::optional<std::vector<std::string>> match(std::string_view pattern, std::string_view text) {
  std::vector<std::string> out;
  while (true) {
    const auto hole = pattern.find("{}");
    const auto fixed = pattern.substr(0, hole);
    if (!text.starts_with(fixed)) return std::nullopt;
    text.remove_prefix(fixed.size());
    if (hole == std::string_view::npos) {
      if (!text.empty()) return std::nullopt;
      return out;
    }
    pattern.remove_prefix(hole + 2);
    const auto next_fixed = pattern.substr(0, pattern.find("{}"));
    const auto end = next_fixed.empty() ? text.size() : text.find(next_fixed);
    if (end == std::string_view::npos) return std::nullopt;
    out.emplace_back(text.substr(0, end));
    text.remove_prefix(end);
  }
}

// A child process with stdout and stderr appended to a log file; killed and reaped however
// the test ends, so no lockerd or locker-sim outlives it.
class child_process {
 public:
  child_process() = default;
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  ~child_process() { stop(SIGKILL); }

  void start(const std::vector<std::string>& args, const fs::path& log) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t files;
    ::posix_spawn_file_actions_init(&files);
    ::posix_spawn_file_actions_addopen(&files, STDOUT_FILENO, log.c_str(),
                                       O_WRONLY | O_CREAT | O_APPEND, 0600);
    ::posix_spawn_file_actions_adddup2(&files, STDOUT_FILENO, STDERR_FILENO);
    const int rc = ::posix_spawn(&pid_, argv[0], &files, nullptr, argv.data(), environ);
    ::posix_spawn_file_actions_destroy(&files);
    if (rc != 0) {
      pid_ = -1;
      fail("cannot start ", args[0], ": ", std::strerror(rc));
    }
  }

  // The exit status if the process ended on its own (reaped), else nullopt.
  std::optional<int> ended() {
    if (pid_ <= 0) return std::nullopt;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) != pid_) return std::nullopt;
    pid_ = -1;
    return status;
  }

  // Signals and reaps; the exit status, or -1 if nothing was running.
  int stop(int sig) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_ = -1;
};

// One blocking control connection to locker-sim with `watch` on: replies are queued, the
// display and board lines of the change stream are kept.
class control_client {
 public:
  explicit control_client(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (fd_ < 0 || path.size() >= sizeof(addr.sun_path)) fail("cannot make a socket for ", path);
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0)
      fail("cannot connect to ", path, ": ", std::strerror(errno));
  }
  control_client(const control_client&) = delete;
  control_client& operator=(const control_client&) = delete;
  ~control_client() {
    if (fd_ >= 0) ::close(fd_);
  }

  std::string request(const std::string& command) {
    const std::string line = command + "\n";
    std::size_t sent = 0;
    while (sent < line.size()) {
      const ssize_t n = ::send(fd_, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) fail("locker-sim went away while sending '", command, "'");
      sent += static_cast<std::size_t>(n);
    }
    const auto end = steady::now() + deadline;
    while (replies_.empty()) {
      if (steady::now() > end) fail("locker-sim did not answer '", command, "'");
      pump(10ms);
    }
    std::string reply = std::move(replies_.front());
    replies_.pop_front();
    return reply;
  }

  void pump(std::chrono::milliseconds wait) {
    pollfd p{fd_, POLLIN, 0};
    int timeout = static_cast<int>(wait.count());
    while (::poll(&p, 1, timeout) > 0) {
      char buf[16384];
      const ssize_t n = ::read(fd_, buf, sizeof(buf));
      if (n <= 0) fail("locker-sim closed the control connection");
      splitter_.feed(std::string_view(buf, static_cast<std::size_t>(n)));
      timeout = 0;
    }
    if (splitter_.broken()) fail("locker-sim sent an overlong line");
    while (auto l = splitter_.next()) {
      if (!l->starts_with("event ")) {
        replies_.push_back(std::move(*l));
        continue;
      }
      const std::string_view rest = std::string_view(*l).substr(6);
      const auto space = rest.find(' ');
      const auto kind = rest.substr(0, space);
      const auto details =
          space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
      if (kind == "board") {
        board_attached_ = details == "attached";
      } else if (kind == "display") {
        display_ = drivers::sim::unescape_text(details).value_or("");
      }
    }
  }

  [[nodiscard]] const std::string& display() const { return display_; }
  void set_display(std::string d) { display_ = std::move(d); }
  [[nodiscard]] bool board_attached() const { return board_attached_; }

 private:
  int fd_ = -1;
  drivers::sim::line_splitter splitter_{1 << 20};
  std::deque<std::string> replies_;
  std::string display_;
  bool board_attached_ = false;
};

// Which schema each topic's payload must pass.
std::optional<std::string> schema_for(std::string_view topic) {
  if (!topic.starts_with(root)) return std::nullopt;
  const auto rest = topic.substr(root.size());
  static const std::map<std::string, std::string, std::less<>> files{
      {"status", "status.schema.json"},         {"info", "info.schema.json"},
      {"state", "state.schema.json"},           {"tele", "tele.schema.json"},
      {"evt/parcel", "evt_parcel.schema.json"}, {"evt/door", "evt_door.schema.json"},
      {"evt/alarm", "evt_alarm.schema.json"},
  };
  if (rest.starts_with("job/")) return "job.schema.json";
  if (rest.starts_with("res/")) return "reply.schema.json";
  const auto it = files.find(rest);
  if (it == files.end()) return std::nullopt;
  return it->second;
}

class mqtt_lockerd_process : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::detail::make_temp_dir("locker-mqtt-process");
    auto schemas = protocol::schema_set::load(fs::path(LOCKER_SOURCE_DIR) / "protocol" / "schemas");
    ASSERT_TRUE(schemas.ok()) << schemas.error();
    schemas_ = std::make_unique<protocol::schema_set>(std::move(schemas.value()));
    // Persistent, so the recording subscriber's session (and what was queued for it) survives
    // a broker restart.
    broker_ = std::make_unique<test::mosquitto_broker>(test::broker_options{.tls = std::nullopt, .persistence = true});
    recorder_ = std::make_unique<test::test_subscriber>(
        broker_->url(), std::string(root) + "#",
        test::subscriber_options{.client_id = "recorder", .persistent = true, .qos = 1});
    write_config();
    start_sim();
  }

  void TearDown() override {
    // The daemon first, so that it never sees its cabinet vanish; then everything else.
    lockerd_.stop(SIGKILL);
    control_.reset();
    sim_.stop(SIGTERM);
    if (recorder_) {
      check_contract(recorder_->messages());
      recorder_.reset();
    }
    broker_.reset();
    std::error_code ec;
    if (!HasFailure()) fs::remove_all(dir_, ec);
    else std::cout << "[mqtt_lockerd_process] kept " << dir_ << '\n';
  }

  void write_config() {
    const fs::path board = fs::path(LOCKER_SOURCE_DIR) / "config/boards/sim-24.toml";
    state_dir_ = dir_ / "state";
    socket_ = (dir_ / "sim.sock").string();
    log_file_ = dir_ / "lockerd.log";
    board_ = board.string();
    fs::create_directories(state_dir_);
    fs::permissions(state_dir_, fs::perms::owner_all, fs::perm_options::replace);
    config_file_ = dir_ / "lockerd.toml";
    std::ofstream(config_file_) << "locker_id = \"" << locker_id << "\"\n"
                                << "state_dir = \"" << state_dir_.string() << "\"\n"
                                << "board = \"" << board_ << "\"\n"
                                << "log_level = \"info\"\n"
                                << "telemetry_s = 10\n"
                                << "[hardware]\nbackend = \"sim\"\n"
                                << "sim_socket = \"" << socket_ << "\"\n"
                                << "[broker]\nurl = \"" << broker_->url() << "\"\n"
                                << "keepalive_s = " << keepalive_s << "\n";
    // The courier exists before the first start, made the way the admin tool makes one.
    const auto key = security::load_or_create_key(state_dir_);
    store::store db(state_dir_ / "lockerd.db");
    db.upsert_courier("courier-1", "Test", security::keyed_hash(key, "courier_pin", courier_pin),
                      true, std::chrono::system_clock::now());
  }

  void start_sim() {
    sim_.start({LOCKER_SIM_PATH, "--board", board_, "--socket", socket_, "--no-tui"},
               dir_ / "locker-sim.log");
    const auto end = steady::now() + deadline;
    while (!fs::exists(socket_)) {
      if (steady::now() > end) fail("locker-sim made no socket at ", socket_);
      std::this_thread::sleep_for(5ms);
    }
    control_ = std::make_unique<control_client>(socket_);
    if (const auto r = control_->request("watch"); r != "ok watching") fail("watch refused: ", r);
    if (const auto r = control_->request("display"); r.starts_with("ok"))
      control_->set_display(
          drivers::sim::unescape_text(r.size() > 3 ? r.substr(3) : "").value_or(""));
  }

  [[nodiscard]] std::string log_tail() const {
    std::ifstream in(log_file_);
    std::deque<std::string> lines;
    for (std::string l; std::getline(in, l);) {
      lines.push_back(l);
      if (lines.size() > 30) lines.pop_front();
    }
    std::string out;
    for (const auto& l : lines) out += "  " + l + "\n";
    return out;
  }

  void start_lockerd() {
    // The previous process's board connection must be gone: the simulator takes one.
    const auto end = steady::now() + deadline;
    while (control_->board_attached()) {
      if (steady::now() > end) fail("locker-sim never saw the old lockerd detach");
      control_->pump(5ms);
    }
    const auto log_start = fs::exists(log_file_) ? fs::file_size(log_file_) : 0;
    lockerd_.start({LOCKERD_PATH, "-c", config_file_.string()}, log_file_);
    while (true) {
      if (auto status = lockerd_.ended())
        fail("lockerd exited during start (status ", *status, "):\n", log_tail());
      if (steady::now() > end) fail("lockerd never said ready:\n", log_tail());
      std::ifstream in(log_file_, std::ios::binary);
      in.seekg(static_cast<std::streamoff>(log_start));
      const std::string since{std::istreambuf_iterator<char>(in), {}};
      if (since.find("lockerd: ready") != std::string::npos) break;
      control_->pump(2ms);
    }
  }

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

  // The first start's birth reached the recorder (the link connects after "ready").
  bool wait_online() {
    return wait_recorded([](const auto& m) {
      const auto s = status_of(m);
      return s && (*s)["online"] == true;
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
  void send(const std::string& command) {
    if (const auto r = control_->request(command); r != "ok") fail(command, ": ", r);
  }
  json sim_compartment(const std::string& id) {
    const auto j = json::parse(control_->request("state"), nullptr, false);
    if (!j.is_object()) fail("bad state reply");
    for (const auto& c : j["compartments"])
      if (c["id"] == id) return c;
    fail("no compartment ", id);
  }
  void wait_door_moved(const std::string& id) {
    const auto end = steady::now() + deadline;
    while (sim_compartment(id)["door"] == "closed") {
      if (steady::now() > end) fail("door ", id, " never sprang open");
      control_->pump(5ms);
    }
  }
  // Shuts a door so that it stays shut (against a coil still energized it springs ajar).
  void shut(const std::string& id) {
    const auto end = steady::now() + deadline;
    while (true) {
      const auto c = sim_compartment(id);
      if (c["door"] == "closed" && !c["coil"].get<bool>()) return;
      if (steady::now() > end) fail("door ", id, " does not stay shut");
      if (c["door"] != "closed") send("close " + id);
      control_->pump(60ms);  // a hand's time, longer than the daemon's debounce
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

  // A courier deposits a parcel (size S); returns the compartment.
  std::string deposit(const std::string& tracking_number) {
    go_idle();
    send("press *");
    wait_display([&](const std::string& d) { return d == texts_.pin_prompt; }, texts_.pin_prompt);
    send("press " + std::string(courier_pin) + "#");
    wait_display([&](const std::string& d) { return match(texts_.menu, d).has_value(); },
                 texts_.menu);
    send("press 1");
    wait_display([&](const std::string& d) { return d == texts_.tracking_prompt; },
                 texts_.tracking_prompt);
    send("press " + tracking_number + "#");
    wait_display([&](const std::string& d) { return match(texts_.size_menu, d).has_value(); },
                 texts_.size_menu);
    send("press 1");
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
    control_->pump(150ms);  // a hand's time: far longer than the daemon's 30 ms debounce
    shut(box);
    wait_display([&](const std::string& d) { return match(texts_.stored, d).has_value(); },
                 texts_.stored);
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
    control_->pump(150ms);  // a hand's time: far longer than the daemon's 30 ms debounce
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

  // The contract: every payload the daemon published passes its schema; a failure names the
  // topic, the schema and why.
  void check_contract(const std::vector<test::received_message>& msgs) {
    std::set<std::string> topics_seen;
    for (const auto& m : msgs) {
      const auto schema = schema_for(m.topic);
      if (!schema) continue;
      topics_seen.insert(m.topic);
      for (const auto& why : schemas_->validate_text(*schema, m.payload))
        ADD_FAILURE() << m.topic << " against " << *schema << ": " << why
                      << "\n  payload: " << m.payload;
    }
    // At least the birth (status, info, state) was there to check.
    EXPECT_GE(topics_seen.size(), 3U) << "too little was published to check the contract";
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
    std::ofstream(config_file_, std::ios::app)
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
  void fw_update(const std::string& req_id, const std::string& job_id, const fs::path& bundle) {
    recorder_->publish(std::string(root) + "cmd/fw_update",
                       json{{"req_id", req_id},
                            {"job_id", job_id},
                            {"url", "file://" + bundle.string()},
                            {"sha256", sha256_of(bundle)}}
                           .dump());
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
  [[nodiscard]] std::optional<json> reply_to(const std::string& req_id) {
    for (const auto& m : recorder_->messages())
      if (m.topic.starts_with(std::string(root) + "res/")) {
        auto j = json::parse(m.payload, nullptr, false);
        if (j.is_object() && j["req_id"] == req_id) return j;
      }
    return std::nullopt;
  }

  fs::path bundles_;
  fs::path dir_;
  fs::path state_dir_;
  fs::path config_file_;
  fs::path log_file_;
  std::string socket_;
  std::string board_;
  const keypad::screen_texts texts_{};
  std::unique_ptr<protocol::schema_set> schemas_;
  std::unique_ptr<test::mosquitto_broker> broker_;
  std::unique_ptr<test::test_subscriber> recorder_;
  child_process sim_;
  child_process lockerd_;
  std::unique_ptr<control_client> control_;
};

const std::string status_topic = std::string(root) + "status";

TEST_F(mqtt_lockerd_process, status_is_online_then_the_will_on_kill_and_shutdown_on_sigterm) {
  try {
    start_lockerd();
    // A subscriber arriving after the birth gets it, retained (one arriving earlier would
    // see it live, without the retained flag).
    ASSERT_TRUE(wait_online());
    {
      test::test_subscriber late(broker_->url(), std::string(root) + "+");
      ASSERT_TRUE(late.wait_for(
          [](const auto& m) {
            std::set<std::string> t;
            for (const auto& x : m)
              if (x.retained) t.insert(x.topic);
            return t.size() >= 3;
          },
          deadline))
          << late.count();
      const auto st = late.on_topic(status_topic);
      ASSERT_EQ(st.size(), 1U);
      EXPECT_TRUE(st[0].retained);
      EXPECT_EQ(json::parse(st[0].payload)["online"], true);
      EXPECT_EQ(late.on_topic(std::string(root) + "info").size(), 1U);
      EXPECT_EQ(late.on_topic(std::string(root) + "state").size(), 1U);
    }

    // kill -9: the broker sends the will within 1.5 keepalives.
    lockerd_.stop(SIGKILL);
    ASSERT_TRUE(wait_recorded([](const auto& m) {
      const auto s = status_of(m);
      return s && (*s)["online"] == false;
    })) << broker_->log();
    EXPECT_EQ(*status_of(recorder_->messages()), json::parse(R"({"online":false,"reason":"lost"})"));

    // Back again, then a clean stop: the shutdown status, retained, and no will after it.
    start_lockerd();
    ASSERT_TRUE(wait_recorded([](const auto& m) {
      const auto s = status_of(m);
      return s && (*s)["online"] == true;
    }));
    const int status = lockerd_.stop(SIGTERM);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << "\n" << log_tail();
    ASSERT_TRUE(wait_recorded([](const auto& m) {
      const auto s = status_of(m);
      return s && (*s)["online"] == false;
    }));
    EXPECT_EQ(*status_of(recorder_->messages()),
              json::parse(R"({"online":false,"reason":"shutdown"})"));
    // A will would come within 1.5 keepalives of the last packet: watch twice that long.
    EXPECT_FALSE(wait_recorded(
        [](const auto& m) {
          const auto s = status_of(m);
          return s && s->value("reason", "") == "lost";
        },
        std::chrono::seconds(3 * keepalive_s)))
        << "the will fired after a clean stop";
    test::test_subscriber late(broker_->url(), status_topic);
    ASSERT_TRUE(late.wait_for([](const auto& m) { return !m.empty(); }, deadline));
    EXPECT_TRUE(late.messages()[0].retained);
    EXPECT_EQ(json::parse(late.messages()[0].payload)["reason"], "shutdown");
  } catch (const failure& f) {
    FAIL() << f.what() << "\n" << log_tail();
  }
}

TEST_F(mqtt_lockerd_process, a_deposit_and_a_pickup_reach_a_subscriber_in_seq_order) {
  try {
    start_lockerd();
    // Connected first, so that no event is (rightly) marked queued.
    ASSERT_TRUE(wait_online());
    const std::string tracking = "70000001";
    const auto box = deposit(tracking);
    ASSERT_TRUE(wait_recorded([&](const auto& m) { return has_parcel_event(m, "stored", tracking); }))
        << log_tail();
    std::string code;
    for (const auto& e : distinct_events(recorder_->messages()))
      if (e["type"] == "stored") code = e.value("pickup_code", "");
    ASSERT_FALSE(code.empty()) << "the stored event carries no pickup_code";
    pickup(code, box);
    ASSERT_TRUE(
        wait_recorded([&](const auto& m) { return has_parcel_event(m, "collected", tracking); }))
        << log_tail();
    // The door's closing after the pickup may trail the collected event by a moment.
    ASSERT_TRUE(wait_recorded([&](const auto& m) {
      int closed = 0;
      for (const auto& e : distinct_events(m))
        if (e["_topic"] == std::string(root) + "evt/door" && e["type"] == "closed") ++closed;
      return closed >= 2;
    }));

    // In seq order as they arrived, with no gap, and the story told right.
    std::vector<std::uint64_t> arrival;
    std::set<std::string> seen;
    for (const auto& m : recorder_->messages()) {
      if (m.topic.find("/evt/") == std::string::npos) continue;
      const auto j = json::parse(m.payload);
      if (seen.insert(j["event_id"].get<std::string>()).second)
        arrival.push_back(j["seq"].get<std::uint64_t>());
    }
    ASSERT_FALSE(arrival.empty());
    for (std::size_t i = 1; i < arrival.size(); ++i)
      EXPECT_EQ(arrival[i], arrival[i - 1] + 1) << "at arrival " << i;
    std::vector<std::string> story;
    for (const auto& e : distinct_events(recorder_->messages())) {
      const auto topic = e["_topic"].get<std::string>().substr(root.size());
      story.push_back(topic + ":" + e["type"].get<std::string>() + ":" +
                      e.value("compartment", std::string{}));
      EXPECT_FALSE(e.value("queued", false)) << e.dump();
    }
    const std::vector<std::string> expected{
        "evt/door:opened:" + box, "evt/door:closed:" + box,   "evt/parcel:stored:" + box,
        "evt/door:opened:" + box, "evt/parcel:collected:" + box, "evt/door:closed:" + box};
    // The order of the door's closing and the parcel event within one step is the
    // controller's; what matters is that each is there, in seq order (checked above).
    std::multiset<std::string> got(story.begin(), story.end());
    std::multiset<std::string> want(expected.begin(), expected.end());
    EXPECT_EQ(got, want) << ::testing::PrintToString(story);
    const auto stored_it = std::find(story.begin(), story.end(), "evt/parcel:stored:" + box);
    const auto collected_it = std::find(story.begin(), story.end(), "evt/parcel:collected:" + box);
    EXPECT_LT(stored_it, collected_it);

    // The state follows: the last one shows the box empty again and seq at the last event.
    ASSERT_TRUE(wait_recorded([&](const auto& m) {
      const auto states = payloads_on(m, std::string(root) + "state");
      return !states.empty() && states.back()["seq"] == arrival.back();
    })) << "the state never caught up with seq " << arrival.back();
  } catch (const failure& f) {
    FAIL() << f.what() << "\n" << log_tail();
  }
}

TEST_F(mqtt_lockerd_process, events_in_flight_when_lockerd_is_killed_all_arrive_after_the_restart) {
  try {
    start_lockerd();
    ASSERT_TRUE(wait_recorded([](const auto& m) {
      const auto s = status_of(m);
      return s && (*s)["online"] == true;
    }));
    // One deposit while the broker is there: published at once.
    deposit("70000011");
    ASSERT_TRUE(wait_recorded([&](const auto& m) { return has_parcel_event(m, "stored", "70000011"); }));
    // The last seq seen live before the outage (a door event may trail the stored one).
    const auto seen_live = [&] {
      std::uint64_t seq = 0;
      for (const auto& e : distinct_events(recorder_->messages()))
        seq = std::max(seq, e["seq"].get<std::uint64_t>());
      return seq;
    };
    const auto live_upto = seen_live();

    // The broker goes away; a deposit happens meanwhile (journaled, not published).
    broker_->stop();
    deposit("70000012");
    // The broker comes back and lockerd is killed right away: whatever it had in flight is
    // neither acknowledged nor deleted, and must go out after the restart.
    broker_->start();
    lockerd_.stop(SIGKILL);
    ASSERT_TRUE(recorder_->wait_subscribed(2, deadline));
    start_lockerd();
    ASSERT_TRUE(wait_recorded([&](const auto& m) { return has_parcel_event(m, "stored", "70000012"); }))
        << log_tail();
    // A last deposit after all that, published live.
    deposit("70000013");
    ASSERT_TRUE(wait_recorded([&](const auto& m) { return has_parcel_event(m, "stored", "70000013"); }))
        << log_tail();

    // Every event, once each by event_id, seq contiguous over the union.
    const auto events = distinct_events(recorder_->messages());
    ASSERT_FALSE(events.empty());
    const auto first_seq = events.front()["seq"].get<std::uint64_t>();
    EXPECT_EQ(first_seq, 1U);
    for (std::size_t i = 0; i < events.size(); ++i)
      EXPECT_EQ(events[i]["seq"].get<std::uint64_t>(), first_seq + i) << events[i].dump();
    // Every event the outage held back was published late, and says so; the live ones do not.
    std::uint64_t outage_upto = 0;
    for (const auto& e : events)
      if (e["type"] == "stored" && e["tracking_number"] == "70000012")
        outage_upto = e["seq"].get<std::uint64_t>();
    ASSERT_GT(outage_upto, live_upto);
    for (const auto& e : events) {
      const auto seq = e["seq"].get<std::uint64_t>();
      if (seq > live_upto && seq <= outage_upto) {
        EXPECT_EQ(e.value("queued", false), true) << "published after the outage: " << e.dump();
      }
      if (e["type"] == "stored" && e["tracking_number"] != "70000012") {
        EXPECT_FALSE(e.value("queued", false)) << e.dump();
      }
    }
  } catch (const failure& f) {
    FAIL() << f.what() << "\n" << log_tail();
  }
}

// Wrong pickup codes until the keypad locks out: the alarm reaches evt/alarm, and the
// contract check in TearDown validates it like every other payload.
// Disabled until the controller stops adding "lockout_s" to the keypad_lockout alarm: the
// contract (protocol.md, evt_alarm.schema.json) has no such field; reported to the lead.
TEST_F(mqtt_lockerd_process, a_keypad_lockout_is_reported_as_an_alarm) {
  try {
    start_lockerd();
    ASSERT_TRUE(wait_online());
    for (int i = 0; i < 12 && !match(texts_.locked_out, control_->display()); ++i) {
      go_idle();
      send("press 99999999#");
      wait_display(
          [&](const std::string& d) {
            return match(texts_.wrong_code, d) || match(texts_.locked_out, d);
          },
          texts_.wrong_code);
    }
    ASSERT_TRUE(match(texts_.locked_out, control_->display())) << control_->display();
    ASSERT_TRUE(wait_recorded([](const auto& m) {
      for (const auto& x : m)
        if (x.topic == std::string(root) + "evt/alarm" &&
            x.payload.find("keypad_lockout") != std::string::npos)
          return true;
      return false;
    })) << log_tail();
  } catch (const failure& f) {
    FAIL() << f.what() << "\n" << log_tail();
  }
}

// A signed bundle through the real daemon: accepted, downloaded, verified, handed to the RAUC
// stand-in, reboot asked of the systemctl stand-in; after the "reboot" (a new process, still
// the old version: RAUC fell back) the job is reported failed once connected.
TEST_F(mqtt_lockerd_process, a_signed_update_goes_through_and_a_fallback_is_reported) {
  try {
    enable_updates();
    start_lockerd();
    ASSERT_TRUE(wait_online());
    fw_update("u1", "job-1", bundles_ / "good.raucb");
    ASSERT_TRUE(wait_job("job-1", "rebooting")) << log_tail();
    ASSERT_TRUE(wait_recorded([&](const auto&) { return !stand_in_log("systemctl").empty(); }));
    EXPECT_EQ(stand_in_log("systemctl"), "reboot\n");
    const auto reply = reply_to("u1");
    ASSERT_TRUE(reply);
    EXPECT_EQ((*reply)["status"], "accepted");
    std::vector<std::string> states;
    for (const auto& j : job_messages("job-1"))
      if (states.empty() || states.back() != j["state"]) states.push_back(j["state"]);
    EXPECT_EQ(states,
              (std::vector<std::string>{"downloading", "verifying", "installing", "rebooting"}));
    const auto staged = (state_dir_ / "update" / "job-1.raucb").string();
    EXPECT_NE(stand_in_log("rauc").find("install " + staged + "\n"), std::string::npos)
        << stand_in_log("rauc");

    lockerd_.stop(SIGTERM);
    start_lockerd();
    ASSERT_TRUE(wait_job("job-1", "failed")) << log_tail();
    EXPECT_NE(job_messages("job-1").back().value("message", "").find("fell back"),
              std::string::npos);
    EXPECT_EQ(stand_in_log("rauc").find("mark-good"), std::string::npos);
  } catch (const failure& f) {
    FAIL() << f.what() << "\n" << log_tail();
  }
}

TEST_F(mqtt_lockerd_process, a_tampered_bundle_is_refused_and_nothing_is_installed) {
  try {
    enable_updates();
    start_lockerd();
    ASSERT_TRUE(wait_online());
    fw_update("u1", "job-2", bundles_ / "tampered.raucb");
    ASSERT_TRUE(wait_job("job-2", "failed")) << log_tail();
    EXPECT_NE(job_messages("job-2").back().value("message", "").find("bad signature"),
              std::string::npos);
    EXPECT_EQ(stand_in_log("rauc"), "");
    EXPECT_EQ(stand_in_log("systemctl"), "");
    // Asked again with the same req_id: the stored reply, not a second job.
    const auto first = reply_to("u1");
    ASSERT_TRUE(first);
    EXPECT_EQ((*first)["status"], "accepted");
  } catch (const failure& f) {
    FAIL() << f.what() << "\n" << log_tail();
  }
}

}  // namespace
}  // namespace locker::mqtt::process_testing
