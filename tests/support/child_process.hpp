// SPDX-License-Identifier: Apache-2.0
// Test support: a program the test starts (lockerd, locker-sim), killed and reaped however
// the test ends, so that none outlives it. Real time, so every wait has a deadline.
#pragma once

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/failure.hpp"

extern char** environ;

namespace locker::test {

// Runs a shell command line to its end, its output discarded (a tool that makes a test's files:
// openssl, mosquitto_passwd). True when it exited 0.
inline bool run_quietly(const std::string& command) {
  return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
}

// This process's environment without what systemd may have set for whoever runs the test:
// a child must not notify the test runner's systemd, nor log as if to the journal.
inline std::vector<std::string> environment_without_systemd() {
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

class child_process {
 public:
  child_process() = default;
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  ~child_process() { stop(SIGKILL); }

  // Starts args[0] (a path) with args. stdout and stderr are appended to log (inherited when
  // log is empty); the environment is environment_without_systemd() plus extra_env
  // ("NAME=value"). Fails naming the program when it cannot be started.
  void start(const std::vector<std::string>& args, const std::filesystem::path& log = {},
             const std::vector<std::string>& extra_env = {}) {
    if (running()) fail("start ", args.at(0), ": the previous one is still running");
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    auto env = environment_without_systemd();
    env.insert(env.end(), extra_env.begin(), extra_env.end());
    std::vector<char*> envp;
    envp.reserve(env.size() + 1);
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t files;
    ::posix_spawn_file_actions_init(&files);
    if (!log.empty()) {
      ::posix_spawn_file_actions_addopen(&files, STDOUT_FILENO, log.c_str(),
                                         O_WRONLY | O_CREAT | O_APPEND, 0600);
      ::posix_spawn_file_actions_adddup2(&files, STDOUT_FILENO, STDERR_FILENO);
    }
    const int rc = ::posix_spawn(&pid_, argv[0], &files, nullptr, argv.data(), envp.data());
    ::posix_spawn_file_actions_destroy(&files);
    if (rc != 0) {
      pid_ = -1;
      fail("cannot start ", args[0], ": ", std::strerror(rc));
    }
  }

  [[nodiscard]] bool running() const { return pid_ > 0; }
  [[nodiscard]] pid_t pid() const { return pid_; }

  // Sends sig and returns at once; wait_exit() or stop() reaps.
  void signal(int sig) const {
    if (pid_ > 0) ::kill(pid_, sig);
  }

  // The wait status if the process has ended (it is reaped), else nullopt. Never waits.
  std::optional<int> ended() {
    if (pid_ <= 0) return std::nullopt;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) != pid_) return std::nullopt;
    pid_ = -1;
    return status;
  }

  // Waits up to deadline for the process to end; its wait status, or nullopt if it still runs.
  std::optional<int> wait_exit(std::chrono::milliseconds deadline) {
    const auto end = std::chrono::steady_clock::now() + deadline;
    while (pid_ > 0) {
      if (auto status = ended()) return status;
      if (std::chrono::steady_clock::now() > end) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return std::nullopt;
  }

  // Sends sig and reaps; a process still running after grace is killed (its status then
  // says SIGKILL). The wait status, or -1 if nothing was running.
  int stop(int sig, std::chrono::milliseconds grace = std::chrono::seconds(10)) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, sig);
    if (sig != SIGKILL) {
      if (auto status = wait_exit(grace)) return *status;
      ::kill(pid_, SIGKILL);
    }
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_ = -1;
};

}  // namespace locker::test
