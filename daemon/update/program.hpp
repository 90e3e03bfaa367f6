// SPDX-License-Identifier: Apache-2.0
// Runs a helper program (rauc, systemctl) without blocking the event loop: its output is read
// through pipes on the io_context and its end is seen through a pidfd, so nothing waits and
// nothing polls. A deadline on the injected clock kills it (SIGKILL) if it hangs.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "drivers/clock.hpp"

namespace locker::update {

struct program_result {
  bool started = false;    // false: it could not be started (error says why)
  bool timed_out = false;  // killed at its deadline
  int exit_code = -1;      // its exit status; -1 when it ended by a signal
  std::string out;         // stdout, at most max_output bytes
  std::string err;         // stderr, at most max_output bytes
  std::string error;       // why it did not start

  [[nodiscard]] bool succeeded() const { return started && !timed_out && exit_code == 0; }
  // One line for a job's message: the error, the deadline, or the exit status with the last
  // line of stderr.
  [[nodiscard]] std::string describe() const;
};

inline constexpr std::size_t max_output = std::size_t{64} * 1024;

// One run. Destroying it before it ended kills the program and reaps it; `done` is then never
// called.
class program_run {
 public:
  using line_fn = std::function<void(const std::string& line)>;
  using done_fn = std::function<void(const program_result&)>;

  // argv[0] is the program's absolute path. on_line gets each line of stdout as it comes
  // (may be empty); done is called once, on the loop, after the program ended and its output
  // was read to the end, never from inside start().
  [[nodiscard]] static std::unique_ptr<program_run> start(boost::asio::io_context& io,
                                                          drivers::clock& clock,
                                                          std::vector<std::string> argv,
                                                          std::chrono::milliseconds deadline,
                                                          line_fn on_line, done_fn done);
  program_run(const program_run&) = delete;
  program_run& operator=(const program_run&) = delete;
  ~program_run();

  class impl;

 private:
  explicit program_run(std::shared_ptr<impl> i) : impl_(std::move(i)) {}
  std::shared_ptr<impl> impl_;
};

}  // namespace locker::update
