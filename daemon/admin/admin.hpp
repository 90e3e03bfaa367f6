// SPDX-License-Identifier: Apache-2.0
// lockeradm's command logic: local administration of the locker's state (couriers,
// reservations, a look at compartments, parcels, the journal and the audit log). It works
// on the same SQLite file as a running lockerd (WAL and a busy timeout make that safe).
#pragma once

#include <chrono>
#include <functional>
#include <iosfwd>
#include <span>
#include <string_view>

namespace locker::admin {

constexpr int exit_ok = 0;
constexpr int exit_failure = 1;  // the command was understood but could not be done
constexpr int exit_usage = 2;    // bad command line: nothing was done

// What the process around run_admin provides; the defaults suit tests.
struct environment {
  // Prompts for secrets on stderr and turns the terminal's echo off while they are typed.
  bool stdin_is_terminal = false;
  // Polled by `journal --follow` between reads; true ends it (SIGINT, SIGTERM, stdout gone).
  std::function<bool()> stop_requested;
  std::chrono::milliseconds poll_interval{200};
};

// Runs one command line (without the program name). Output goes to `out`; every error is one
// line "lockeradm: ..." on `err`. Returns exit_ok, exit_failure or exit_usage. A command
// that fails changes nothing: each change and its audit entry commit in one transaction.
// Secrets (PINs, pickup codes) are read from `in` only, never from the arguments.
int run_admin(std::span<const std::string_view> args, std::istream& in, std::ostream& out,
              std::ostream& err, const environment& env);

// As above; prompts (with echo off) only if `in` is std::cin and standard input is a terminal.
int run_admin(std::span<const std::string_view> args, std::istream& in, std::ostream& out,
              std::ostream& err);

}  // namespace locker::admin
