// SPDX-License-Identifier: Apache-2.0
// End to end: a real locker-sim process, the sim backend, and the drivers above it. Real
// time, so every wait is on a condition with a deadline, never a fixed sleep.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/wait.h>

#include "drivers/asio_clock.hpp"
#include "drivers/debounced_input.hpp"
#include "drivers/pulsed_lock.hpp"
#include "drivers/sim/sim_board.hpp"
#include "drivers/sim/sim_protocol.hpp"
#include "tests/support/locker_processes.hpp"
#include "tests/support/sim_control.hpp"

namespace locker::drivers::sim {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr auto deadline = 5s;

// The backend under test lives on io_; the test's own control connection (blocking) is read
// between the loop's steps, its change stream kept whole.
class sim_round_trip : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/locker-sim-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    socket_ = (dir_ / "sim.sock").string();
    sim_ = std::make_unique<test::locker_sim_process>(
        LOCKER_SIM_PATH, fs::path(LOCKER_SOURCE_DIR) / "config/boards/sim-24.toml", socket_,
        fs::path(), deadline);
  }

  void TearDown() override {
    board_.reset();
    control_ = nullptr;
    sim_.reset();
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  void attach() {
    board_ = std::make_unique<sim_board>(io_, socket_, &clock_);
    control_ = &sim_->control();
    control_->on_event = [this](std::string_view kind, std::string_view details) {
      events_.push_back("event " + std::string(kind) +
                        (details.empty() ? "" : " " + std::string(details)));
    };
  }

  // Runs io_ in small steps, reading the control connection between them, until pred holds
  // or the deadline passes.
  bool wait_for(const std::function<bool()>& pred) {
    const auto end = std::chrono::steady_clock::now() + deadline;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > end) return false;
      io_.restart();
      io_.run_for(2ms);
      if (control_ != nullptr) control_->pump(0ms);
    }
    return true;
  }
  [[nodiscard]] bool saw_event(const std::string& e) const {
    return std::find(events_.begin(), events_.end(), e) != events_.end();
  }
  bool wait_event(const std::string& e) {
    return wait_for([&] { return saw_event(e); });
  }
  nlohmann::json compartment(const std::string& id) { return control_->compartment(id); }

  fs::path dir_;
  std::string socket_;
  boost::asio::io_context io_;
  asio_clock clock_{io_};
  std::unique_ptr<test::locker_sim_process> sim_;
  std::unique_ptr<sim_board> board_;
  test::control_client* control_ = nullptr;  // sim_'s, watching
  std::vector<std::string> events_;          // the change stream since attach()
};

TEST_F(sim_round_trip, unlock_opens_the_door_and_close_reaches_the_daemon) {
  attach();
  coil_supply supply(clock_);
  pulsed_lock lock(board_->output(line_spec::named("LOCK_07")), supply, 300ms, 1000ms);
  debounced_door_sensor door(board_->input(line_spec::named("DOOR_07")), clock_, 30ms);
  std::vector<bool> changes;
  door.on_change([&](bool open) { changes.push_back(open); });
  ASSERT_FALSE(door.open());

  lock.unlock();
  ASSERT_TRUE(wait_for([&] { return !changes.empty(); })) << "door never reported open";
  EXPECT_EQ(changes, std::vector<bool>{true});  // the bounces were filtered out
  EXPECT_TRUE(door.open());
  EXPECT_TRUE(saw_event("event coil 7 energized"));
  EXPECT_TRUE(saw_event("event door 7 ajar"));
  EXPECT_EQ(compartment("7")["door"], "ajar");

  ASSERT_TRUE(wait_event("event coil 7 released"));
  EXPECT_EQ(compartment("7")["coil"], false);

  EXPECT_EQ(control_->request("close 7"), "ok");
  ASSERT_TRUE(wait_for([&] { return changes.size() == 2; })) << "door never reported closed";
  EXPECT_FALSE(changes.back());
  EXPECT_EQ(compartment("7")["door"], "closed");
}

TEST_F(sim_round_trip, keys_and_display_travel_both_ways) {
  attach();
  std::string keys;
  board_->keypad().on_key([&](char k) { keys += k; });
  EXPECT_EQ(control_->request("press 1 2 3 #"), "ok");
  ASSERT_TRUE(wait_for([&] { return keys == "123#"; })) << keys;

  board_->display().show("Enter code\nthen #");
  ASSERT_TRUE(wait_event("event display Enter code\\nthen #"));
  EXPECT_EQ(control_->request("display"), "ok Enter code\\nthen #");

  board_->indicator().beep(sound::error);
  board_->indicator().set_alarm(true);
  ASSERT_TRUE(wait_event("event alarm on"));
  EXPECT_TRUE(saw_event("event beep error"));
}

TEST_F(sim_round_trip, scans_reach_the_board_whole) {
  attach();
  ASSERT_NE(board_->scanner(), nullptr);
  std::vector<std::string> scans;
  board_->scanner()->on_read([&](const std::string& s) { scans.push_back(s); });
  EXPECT_EQ(control_->request("scan 1Z999AA10123456784"), "ok");
  EXPECT_EQ(control_->request("scan  a b\\c "), "ok");  // inner spaces and '\\' kept
  ASSERT_TRUE(wait_for([&] { return scans.size() == 2; })) << scans.size();
  EXPECT_EQ(scans, (std::vector<std::string>{"1Z999AA10123456784", "a b\\c"}));
  EXPECT_TRUE(saw_event("event scan 1Z999AA10123456784"));
}

TEST_F(sim_round_trip, bad_requests_are_refused_and_change_nothing) {
  attach();
  const std::string before = control_->request("state");
  EXPECT_EQ(control_->request("put 7"), "error door 7 is closed, not open");
  EXPECT_EQ(control_->request("open 99"), "error no compartment '99'");
  EXPECT_EQ(control_->request("stuck 7 sideways"), "error usage: stuck <id> open|closed");
  EXPECT_EQ(control_->request("fly"), "error unknown command 'fly' (try 'help')");
  EXPECT_EQ(control_->request("state"), before);

  EXPECT_THROW(board_->input(line_spec::named("DOOR_99")), std::runtime_error);
  EXPECT_THROW(board_->output(line_spec::named("LOCK_99")), std::runtime_error);
  try {
    sim_board second(io_, socket_);
    ADD_FAILURE() << "a second board attached";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("board already attached"), std::string::npos) << e.what();
  }
}

TEST_F(sim_round_trip, detaching_board_releases_the_coils) {
  attach();
  board_->output(line_spec::named("LOCK_03")).set(true);
  ASSERT_TRUE(wait_event("event coil 3 energized"));
  board_.reset();
  ASSERT_TRUE(wait_event("event coil 3 released"));
  ASSERT_TRUE(wait_event("event board detached"));
  board_ = std::make_unique<sim_board>(io_, socket_, &clock_);  // the slot is free again
}

TEST_F(sim_round_trip, simulator_going_away_is_reported_and_cleans_up) {
  attach();
  bool gone = false;
  board_->on_disconnect([&] { gone = true; });
  control_ = nullptr;  // stop() closes it first
  const int status = sim_->stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  ASSERT_TRUE(wait_for([&] { return gone; }));
  EXPECT_FALSE(board_->connected());
  EXPECT_FALSE(fs::exists(socket_));
  board_->output(line_spec::named("LOCK_01")).set(true);  // dropped quietly, no crash
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
