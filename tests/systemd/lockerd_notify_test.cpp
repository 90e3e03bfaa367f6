// SPDX-License-Identifier: Apache-2.0
// The real lockerd against a real locker-sim, started the way systemd starts a Type=notify
// service with WatchdogSec=: READY=1 only once it is ready, WATCHDOG=1 while the loop runs,
// STOPPING=1 on SIGTERM. Real time, so every wait has a deadline and no fixed sleep decides.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include "tests/support/child_process.hpp"
#include "tests/support/locker_processes.hpp"
#include "tests/support/notify_socket.hpp"

namespace locker::service {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;
using test::notify_socket;

constexpr auto deadline = 10s;

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class lockerd_notify : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lockerd-notify-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    files_ = std::make_unique<test::locker_files>(tmpl);
    const fs::path board = fs::path(LOCKER_SOURCE_DIR) / "config/boards/sim-24.toml";
    // The state folder is lockerd's to make, as on a fresh board.
    test::write_config(*files_, "notify-1", board);
    sim_ = std::make_unique<test::locker_sim_process>(LOCKER_SIM_PATH, board, files_->sim_socket,
                                                      files_->sim_log, deadline);
  }
  void TearDown() override {
    lockerd_.stop(SIGKILL);
    sim_.reset();
    std::error_code ec;
    if (files_) fs::remove_all(files_->dir, ec);
  }

  // lockerd with systemd's variables for this test only: none from whoever runs it.
  void start_lockerd(const notify_socket& systemd, std::optional<std::string> watchdog_usec) {
    std::vector<std::string> env{"NOTIFY_SOCKET=" + systemd.name()};
    if (watchdog_usec) env.push_back("WATCHDOG_USEC=" + *watchdog_usec);
    lockerd_.start({LOCKERD_PATH, "-c", files_->config_file.string()}, files_->lockerd_log, env);
  }

  // The next notification, up to the deadline; "" if none came.
  std::string next(notify_socket& systemd, std::chrono::milliseconds wait = deadline) {
    return systemd.receive(wait).value_or("");
  }

  // SIGTERM's end: lockerd exits, and with status 0.
  void expect_clean_exit() {
    const auto status = lockerd_.wait_exit(deadline);
    ASSERT_TRUE(status) << "lockerd still runs " << deadline.count() << " s after SIGTERM\n"
                        << read_file(files_->lockerd_log);
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << *status << "\n"
                                                                 << read_file(files_->lockerd_log);
  }

  std::unique_ptr<test::locker_files> files_;
  std::unique_ptr<test::locker_sim_process> sim_;
  test::child_process lockerd_;
};

TEST_F(lockerd_notify, ready_after_start_watchdog_while_running_stopping_on_sigterm) {
  notify_socket systemd((files_->dir / "notify.sock").string());
  start_lockerd(systemd, "200000");  // WatchdogSec=200ms: a ping every 100 ms

  // READY=1 is the first word from lockerd, and by then it has done everything it must do
  // first: locks safe, state open, controller started.
  ASSERT_EQ(next(systemd), "READY=1") << read_file(files_->lockerd_log);
  const std::string log_at_ready = read_file(files_->lockerd_log);
  EXPECT_NE(log_at_ready.find("all locks in the safe state"), std::string::npos) << log_at_ready;
  EXPECT_NE(log_at_ready.find("lockerd: ready"), std::string::npos) << log_at_ready;
  EXPECT_TRUE(fs::exists(files_->state_dir / "lockerd.db"));

  // Then the pings keep coming from the running loop, and READY=1 is never repeated.
  int pings = 0;
  const auto end = steady::now() + 1s;
  while (steady::now() < end) {
    const auto m = next(systemd, 300ms);
    ASSERT_FALSE(m.empty()) << "the pings stopped after " << pings;
    ASSERT_NE(m, "READY=1");
    if (m == "WATCHDOG=1") ++pings;
  }
  EXPECT_GE(pings, 5);  // ~10 expected in a second; a loaded machine may be slower

  lockerd_.signal(SIGTERM);
  bool stopping = false;
  for (auto m = next(systemd, 5s); !m.empty(); m = next(systemd, 5s)) {
    if (m == "STOPPING=1") {
      stopping = true;
      break;
    }
  }
  EXPECT_TRUE(stopping) << read_file(files_->lockerd_log);
  expect_clean_exit();
}

TEST_F(lockerd_notify, no_watchdog_pings_without_watchdog_usec) {
  notify_socket systemd("@lockerd-notify-test-" + files_->dir.filename().string());
  start_lockerd(systemd, std::nullopt);
  ASSERT_EQ(next(systemd), "READY=1") << read_file(files_->lockerd_log);
  for (auto m = next(systemd, 500ms); !m.empty(); m = next(systemd, 500ms)) {
    EXPECT_NE(m, "WATCHDOG=1");
  }
  lockerd_.signal(SIGTERM);
  EXPECT_EQ(next(systemd, 5s), "STOPPING=1");
  expect_clean_exit();
}

// A start that would forget (issue 15): the key gone beside the database made with it. Never
// ready, and exit status 3, which the unit does not restart on (systemd/lockerd.service).
TEST_F(lockerd_notify, a_missing_key_beside_its_database_is_never_ready_and_exits_3) {
  notify_socket systemd("@lockerd-notify-test-key-" + files_->dir.filename().string());
  start_lockerd(systemd, std::nullopt);
  ASSERT_EQ(next(systemd), "READY=1") << read_file(files_->lockerd_log);
  lockerd_.signal(SIGTERM);
  expect_clean_exit();

  fs::remove(files_->state_dir / "secret.key");
  start_lockerd(systemd, std::nullopt);
  const auto status = lockerd_.wait_exit(deadline);
  ASSERT_TRUE(status) << read_file(files_->lockerd_log);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 3) << *status;
  for (auto m = next(systemd, 200ms); !m.empty(); m = next(systemd, 200ms)) {
    EXPECT_NE(m, "READY=1");
  }
  const auto log = read_file(files_->lockerd_log);
  EXPECT_NE(
      log.find("refusing to start: " + (files_->state_dir / "secret.key").string() + " is missing"),
      std::string::npos)
      << log;
  EXPECT_FALSE(fs::exists(files_->state_dir / "secret.key")) << "a new key was made";
  std::ifstream unit(fs::path(LOCKER_SOURCE_DIR) / "systemd/lockerd.service");
  std::stringstream text;
  text << unit.rdbuf();
  EXPECT_NE(text.str().find("RestartPreventExitStatus=2 3"), std::string::npos);
}

}  // namespace
}  // namespace locker::service
