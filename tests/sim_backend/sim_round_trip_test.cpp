// SPDX-License-Identifier: Apache-2.0
// End to end: a real locker-sim process, the sim backend, and the drivers above it. Real
// time, so every wait is on a condition with a deadline, never a fixed sleep.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "drivers/asio_clock.hpp"
#include "drivers/debounced_input.hpp"
#include "drivers/pulsed_lock.hpp"
#include "drivers/sim/sim_board.hpp"
#include "drivers/sim/sim_protocol.hpp"

extern char** environ;

namespace locker::drivers::sim {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using boost::asio::local::stream_protocol;

line_spec named(const std::string& name) {
  line_spec s;
  s.name = name;
  return s;
}

constexpr auto deadline = 5s;

// Runs io in small steps until pred holds or the deadline passes.
bool wait_for(boost::asio::io_context& io, const std::function<bool()>& pred) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return false;
    io.restart();
    io.run_for(5ms);
  }
  return true;
}

// A locker-sim child process, killed and reaped however the test ends.
class sim_process {
 public:
  explicit sim_process(const std::vector<std::string>& args) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    if (::posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0) pid_ = -1;
  }
  sim_process(const sim_process&) = delete;
  sim_process& operator=(const sim_process&) = delete;
  ~sim_process() { stop(SIGKILL); }

  [[nodiscard]] bool running() const { return pid_ > 0; }
  // Signals and reaps; returns the exit status (or -1).
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

// A control connection on the test's io_context: replies and events kept apart.
class control_client {
 public:
  control_client(boost::asio::io_context& io, const std::string& path) : io_(io), socket_(io) {
    socket_.connect(stream_protocol::endpoint(path));
    read();
  }

  // Sends a command and returns its one reply line ("" on timeout).
  std::string request(const std::string& command) {
    const std::size_t before = replies_.size();
    boost::asio::write(socket_, boost::asio::buffer(command + "\n"));
    if (!wait_for(io_, [&] { return replies_.size() > before; })) return "";
    return replies_[before];
  }
  bool saw_event(const std::string& e) const {
    return std::find(events_.begin(), events_.end(), e) != events_.end();
  }
  bool wait_event(const std::string& e) {
    return wait_for(io_, [&] { return saw_event(e); });
  }
  const std::vector<std::string>& events() const { return events_; }

 private:
  void read() {
    socket_.async_read_some(boost::asio::buffer(buf_), [this](boost::system::error_code ec,
                                                              std::size_t n) {
      if (ec) return;
      splitter_.feed(std::string_view(buf_.data(), n));
      while (auto l = splitter_.next()) {
        (l->rfind("event ", 0) == 0 ? events_ : replies_).push_back(*l);
      }
      read();
    });
  }

  boost::asio::io_context& io_;
  stream_protocol::socket socket_;
  std::array<char, 4096> buf_{};
  line_splitter splitter_;
  std::vector<std::string> replies_;
  std::vector<std::string> events_;
};

class sim_round_trip : public ::testing::Test {
 protected:
  void SetUp() override {
    board_file_ = fs::path(LOCKER_SOURCE_DIR) / "config/boards/sim-24.toml";
    if (!fs::exists(board_file_)) GTEST_SKIP() << board_file_ << " is missing";
    char tmpl[] = "/tmp/locker-sim-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    socket_ = (dir_ / "sim.sock").string();
    sim_ = std::make_unique<sim_process>(std::vector<std::string>{
        LOCKER_SIM_PATH, "--board", board_file_.string(), "--socket", socket_, "--no-tui"});
    ASSERT_TRUE(sim_->running());
    ASSERT_TRUE(wait_for(io_, [&] { return fs::exists(socket_); })) << "no socket " << socket_;
  }

  void TearDown() override {
    board_.reset();
    control_.reset();
    sim_.reset();
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  void attach() {
    board_ = std::make_unique<sim_board>(io_, socket_, &clock_);
    control_ = std::make_unique<control_client>(io_, socket_);
    ASSERT_EQ(control_->request("watch"), "ok watching");
  }

  nlohmann::json compartment(const std::string& id) {
    const auto state = nlohmann::json::parse(control_->request("state"));
    for (const auto& c : state["compartments"]) {
      if (c["id"] == id) return c;
    }
    return {};
  }

  fs::path board_file_;
  fs::path dir_;
  std::string socket_;
  boost::asio::io_context io_;
  asio_clock clock_{io_};
  std::unique_ptr<sim_process> sim_;
  std::unique_ptr<sim_board> board_;
  std::unique_ptr<control_client> control_;
};

TEST_F(sim_round_trip, unlock_opens_the_door_and_close_reaches_the_daemon) {
  attach();
  coil_supply supply(clock_);
  pulsed_lock lock(board_->output(named("LOCK_07")), supply, 300ms, 1000ms);
  debounced_door_sensor door(board_->input(named("DOOR_07")), clock_, 30ms);
  std::vector<bool> changes;
  door.on_change([&](bool open) { changes.push_back(open); });
  ASSERT_FALSE(door.open());

  lock.unlock();
  ASSERT_TRUE(wait_for(io_, [&] { return !changes.empty(); })) << "door never reported open";
  EXPECT_EQ(changes, std::vector<bool>{true});  // the bounces were filtered out
  EXPECT_TRUE(door.open());
  EXPECT_TRUE(control_->saw_event("event coil 7 energized"));
  EXPECT_TRUE(control_->saw_event("event door 7 ajar"));
  EXPECT_EQ(compartment("7")["door"], "ajar");

  ASSERT_TRUE(control_->wait_event("event coil 7 released"));
  EXPECT_EQ(compartment("7")["coil"], false);

  EXPECT_EQ(control_->request("close 7"), "ok");
  ASSERT_TRUE(wait_for(io_, [&] { return changes.size() == 2; })) << "door never reported closed";
  EXPECT_FALSE(changes.back());
  EXPECT_EQ(compartment("7")["door"], "closed");
}

TEST_F(sim_round_trip, keys_and_display_travel_both_ways) {
  attach();
  std::string keys;
  board_->keypad().on_key([&](char k) { keys += k; });
  EXPECT_EQ(control_->request("press 1 2 3 #"), "ok");
  ASSERT_TRUE(wait_for(io_, [&] { return keys == "123#"; })) << keys;

  board_->display().show("Enter code\nthen #");
  ASSERT_TRUE(control_->wait_event("event display Enter code\\nthen #"));
  EXPECT_EQ(control_->request("display"), "ok Enter code\\nthen #");

  board_->indicator().beep(sound::error);
  board_->indicator().set_alarm(true);
  ASSERT_TRUE(control_->wait_event("event alarm on"));
  EXPECT_TRUE(control_->saw_event("event beep error"));
}

TEST_F(sim_round_trip, bad_requests_are_refused_and_change_nothing) {
  attach();
  const std::string before = control_->request("state");
  EXPECT_EQ(control_->request("put 7"), "error door 7 is closed, not open");
  EXPECT_EQ(control_->request("open 99"), "error no compartment '99'");
  EXPECT_EQ(control_->request("stuck 7 sideways"), "error usage: stuck <id> open|closed");
  EXPECT_EQ(control_->request("fly"), "error unknown command 'fly' (try 'help')");
  EXPECT_EQ(control_->request("state"), before);

  EXPECT_THROW(board_->input(named("DOOR_99")), std::runtime_error);
  EXPECT_THROW(board_->output(named("LOCK_99")), std::runtime_error);
  try {
    sim_board second(io_, socket_);
    ADD_FAILURE() << "a second board attached";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("board already attached"), std::string::npos) << e.what();
  }
}

TEST_F(sim_round_trip, detaching_board_releases_the_coils) {
  attach();
  board_->output(named("LOCK_03")).set(true);
  ASSERT_TRUE(control_->wait_event("event coil 3 energized"));
  board_.reset();
  ASSERT_TRUE(control_->wait_event("event coil 3 released"));
  ASSERT_TRUE(control_->wait_event("event board detached"));
  board_ = std::make_unique<sim_board>(io_, socket_, &clock_);  // the slot is free again
}

TEST_F(sim_round_trip, simulator_going_away_is_reported_and_cleans_up) {
  attach();
  bool gone = false;
  board_->on_disconnect([&] { gone = true; });
  const int status = sim_->stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  ASSERT_TRUE(wait_for(io_, [&] { return gone; }));
  EXPECT_FALSE(board_->connected());
  EXPECT_FALSE(fs::exists(socket_));
  board_->output(named("LOCK_01")).set(true);  // dropped quietly, no crash
}

TEST(sim_board_start, missing_simulator_throws_naming_the_socket) {
  boost::asio::io_context io;
  try {
    sim_board b(io, "/nonexistent/locker-sim.sock");
    ADD_FAILURE() << "connected to nothing";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/locker-sim.sock"), std::string::npos);
  }
}

}  // namespace
}  // namespace locker::drivers::sim
