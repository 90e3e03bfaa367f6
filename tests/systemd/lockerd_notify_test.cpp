// SPDX-License-Identifier: Apache-2.0
// The real lockerd against a real locker-sim, started the way systemd starts a Type=notify
// service with WatchdogSec=: READY=1 only once it is ready, WATCHDOG=1 while the loop runs,
// STOPPING=1 on SIGTERM. Real time, so every wait has a deadline and no fixed sleep decides.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/systemd/notify_socket.hpp"

extern char** environ;

namespace locker::service {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;
using test::notify_socket;

// A child process with its own environment and output file, killed and reaped however the
// test ends.
class child_process {
 public:
  child_process(const std::vector<std::string>& args, const std::vector<std::string>& env,
                const fs::path& log) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    posix_spawn_file_actions_t files;
    ::posix_spawn_file_actions_init(&files);
    ::posix_spawn_file_actions_addopen(&files, STDOUT_FILENO, log.c_str(),
                                       O_WRONLY | O_CREAT | O_APPEND, 0600);
    ::posix_spawn_file_actions_adddup2(&files, STDOUT_FILENO, STDERR_FILENO);
    if (::posix_spawn(&pid_, argv[0], &files, nullptr, argv.data(), envp.data()) != 0) pid_ = -1;
    ::posix_spawn_file_actions_destroy(&files);
  }
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  ~child_process() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      wait();
    }
  }

  [[nodiscard]] bool running() const { return pid_ > 0; }
  void signal(int sig) const { ::kill(pid_, sig); }
  // Reaps the process; its wait status.
  int wait() {
    int status = -1;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_ = -1;
};

// This environment without anything systemd may have set for whoever runs the test.
std::vector<std::string> clean_environment() {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view v(*e);
    if (v.starts_with("NOTIFY_SOCKET=") || v.starts_with("WATCHDOG_") ||
        v.starts_with("JOURNAL_STREAM=")) {
      continue;
    }
    env.emplace_back(v);
  }
  return env;
}

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
    dir_ = tmpl;
    const fs::path board = fs::path(LOCKER_SOURCE_DIR) / "config/boards/sim-24.toml";
    sim_socket_ = (dir_ / "sim.sock").string();
    log_ = dir_ / "lockerd.log";
    config_ = dir_ / "lockerd.toml";
    std::ofstream(config_) << "locker_id = \"notify-1\"\n"
                           << "state_dir = \"" << (dir_ / "state").string() << "\"\n"
                           << "board = \"" << board.string() << "\"\n"
                           << "log_level = \"info\"\n"
                           << "[hardware]\nbackend = \"sim\"\n"
                           << "sim_socket = \"" << sim_socket_ << "\"\n";
    sim_.emplace(std::vector<std::string>{LOCKER_SIM_PATH, "--board", board.string(), "--socket",
                                          sim_socket_, "--no-tui"},
                 clean_environment(), dir_ / "sim.log");
    ASSERT_TRUE(sim_->running());
    const auto end = steady::now() + 5s;
    while (!fs::exists(sim_socket_)) {
      ASSERT_LT(steady::now(), end) << "locker-sim made no socket";
      ::usleep(5000);
    }
  }
  void TearDown() override {
    lockerd_.reset();
    sim_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void start_lockerd(const notify_socket& systemd, std::optional<std::string> watchdog_usec) {
    auto env = clean_environment();
    env.push_back("NOTIFY_SOCKET=" + systemd.name());
    if (watchdog_usec) env.push_back("WATCHDOG_USEC=" + *watchdog_usec);
    lockerd_.emplace(std::vector<std::string>{LOCKERD_PATH, "-c", config_.string()}, env, log_);
    ASSERT_TRUE(lockerd_->running());
  }

  // The next notification, up to the deadline; "" if none came.
  std::string next(notify_socket& systemd, std::chrono::milliseconds deadline = 10s) {
    return systemd.receive(deadline).value_or("");
  }

  fs::path dir_;
  fs::path log_;
  fs::path config_;
  std::string sim_socket_;
  std::optional<child_process> sim_;
  std::optional<child_process> lockerd_;
};

TEST_F(lockerd_notify, ready_after_start_watchdog_while_running_stopping_on_sigterm) {
  notify_socket systemd((dir_ / "notify.sock").string());
  start_lockerd(systemd, "200000");  // WatchdogSec=200ms: a ping every 100 ms

  // READY=1 is the first word from lockerd, and by then it has done everything it must do
  // first: locks safe, state open, controller started.
  ASSERT_EQ(next(systemd), "READY=1") << read_file(log_);
  const std::string log_at_ready = read_file(log_);
  EXPECT_NE(log_at_ready.find("all locks in the safe state"), std::string::npos) << log_at_ready;
  EXPECT_NE(log_at_ready.find("lockerd: ready"), std::string::npos) << log_at_ready;
  EXPECT_TRUE(fs::exists(dir_ / "state" / "lockerd.db"));

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

  lockerd_->signal(SIGTERM);
  bool stopping = false;
  for (auto m = next(systemd, 5s); !m.empty(); m = next(systemd, 5s)) {
    if (m == "STOPPING=1") {
      stopping = true;
      break;
    }
  }
  EXPECT_TRUE(stopping) << read_file(log_);
  const int status = lockerd_->wait();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << "\n" << read_file(log_);
}

TEST_F(lockerd_notify, no_watchdog_pings_without_watchdog_usec) {
  notify_socket systemd("@lockerd-notify-test-" + dir_.filename().string());
  start_lockerd(systemd, std::nullopt);
  ASSERT_EQ(next(systemd), "READY=1") << read_file(log_);
  for (auto m = next(systemd, 500ms); !m.empty(); m = next(systemd, 500ms)) {
    EXPECT_NE(m, "WATCHDOG=1");
  }
  lockerd_->signal(SIGTERM);
  EXPECT_EQ(next(systemd, 5s), "STOPPING=1");
  const int status = lockerd_->wait();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

}  // namespace
}  // namespace locker::service
