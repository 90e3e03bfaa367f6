// SPDX-License-Identifier: Apache-2.0
// lockerctl: the operator's command-line tool for one locker, over MQTT (contract v1).
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include <termios.h>
#include <unistd.h>

#include "base/cli/cli.hpp"
#include "tools/lockerctl/cli.hpp"
#include "tools/lockerctl/requests.hpp"
#include "tools/lockerctl/run.hpp"
#include "tools/lockerctl/token_tool.hpp"

namespace {

std::atomic<bool> interrupted{false};

extern "C" void on_signal(int /*signal*/) { interrupted.store(true); }

// Hides what is typed when a person enters a secret at a terminal; restores on destruction.
class echo_off {
 public:
  echo_off() {
    if (isatty(STDIN_FILENO) == 0 || tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    active_ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
  }
  ~echo_off() {
    if (!active_) return;
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
    std::cerr << "\n";
  }
  echo_off(const echo_off&) = delete;
  echo_off& operator=(const echo_off&) = delete;

 private:
  termios saved_{};
  bool active_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  using namespace locker::ctl;
  const std::vector<std::string> args(argv + 1, argv + argc);
  // Offline: makes tokens, talks to no broker (its --key is a signing key, not TLS's).
  if (!args.empty() && args[0] == "token")
    return run_token_command(std::span(args).subspan(1), std::cout, std::cerr,
                             std::chrono::system_clock::now());
  const auto parsed =
      parse_arguments(args, [](std::string_view name) -> std::optional<std::string> {
        const char* v = std::getenv(std::string(name).c_str());
        return v != nullptr ? std::optional<std::string>(v) : std::nullopt;
      });
  if (const auto* h = std::get_if<help_request>(&parsed)) {
    std::cout << h->text;
    return exit_ok;
  }
  if (std::holds_alternative<version_request>(parsed)) {
    std::cout << locker::cli::version_line("lockerctl") << '\n';
    return exit_ok;
  }
  if (const auto* e = std::get_if<usage_error>(&parsed)) {
    std::cerr << locker::cli::error_line("lockerctl", e->message, e->command) << '\n';
    return exit_usage;
  }
  const auto& inv = std::get<invocation>(parsed);

  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  const auto kind = secret_needed(inv.command);
  if (kind != secret_kind::none && isatty(STDIN_FILENO) != 0) {
    std::cerr << (kind == secret_kind::pin ? "PIN: " : "pickup code: ") << std::flush;
    const echo_off hidden;
    // run() reads the line; the guard only has to outlive that read, so read here first.
    std::string line;
    std::getline(std::cin, line);
    std::istringstream secret_in(line + "\n");
    return run(inv, secret_in, std::cout, std::cerr, interrupted);
  }
  return run(inv, std::cin, std::cout, std::cerr, interrupted);
}
