// SPDX-License-Identifier: Apache-2.0
// lockeradm: local administration of the locker (see --help). The logic is in admin.cpp;
// this only wires the process: arguments, signals, and whether stdout is still read.
#include <csignal>
#include <iostream>
#include <string_view>
#include <vector>

#include <poll.h>
#include <unistd.h>

#include "daemon/admin/admin.hpp"

namespace {

volatile std::sig_atomic_t stop_signal = 0;

void on_stop_signal(int) { stop_signal = 1; }

// `lockeradm journal --follow | head` must end when head does, even while no event comes.
bool stdout_closed() {
  pollfd p{STDOUT_FILENO, 0, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP)) != 0;
}

}  // namespace

int main(int argc, char** argv) {
  // No SA_RESTART: Ctrl-C also ends a blocking read of a PIN, so the echo comes back on.
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  // A closed stdout becomes a write error the follow loop sees, not a silent death.
  std::signal(SIGPIPE, SIG_IGN);

  locker::admin::environment env;
  env.stdin_is_terminal = ::isatty(STDIN_FILENO) == 1;
  env.stop_requested = [] { return stop_signal != 0 || stdout_closed(); };

  const std::vector<std::string_view> args(argv + 1, argv + argc);
  return locker::admin::run_admin(args, std::cin, std::cout, std::cerr, env);
}
