// SPDX-License-Identifier: Apache-2.0
// Lines that live in memory, for tests of anything built over output_line/input_line.
#pragma once

#include <functional>
#include <system_error>
#include <utility>
#include <vector>

#include "drivers/clock.hpp"
#include "drivers/line.hpp"

namespace locker::drivers::testing {

// Records every set() with the clock's time, so tests can measure pulses.
class fake_output_line final : public output_line {
 public:
  struct change {
    bool active;
    steady_time at;
  };

  explicit fake_output_line(const clock& c) : clock_(c) {}

  std::error_code set(bool active) override {
    ++writes_;
    if (fail_writes_) return fail_writes_;  // the line keeps its level
    if (active != value_) history_.push_back({active, clock_.now()});
    value_ = active;
    if (on_set_) on_set_(active);
    return {};
  }
  [[nodiscard]] bool get() const override { return value_; }

  [[nodiscard]] const std::vector<change>& history() const { return history_; }
  [[nodiscard]] int writes() const { return writes_; }
  // Lets a test model what the output drives (a keypad matrix, a coil supply).
  void on_set(std::function<void(bool)> fn) { on_set_ = std::move(fn); }
  // From now on every write fails with ec (an empty ec: writes work again).
  void fail_writes(std::error_code ec) { fail_writes_ = ec; }

 private:
  const clock& clock_;
  bool value_ = false;
  int writes_ = 0;
  std::vector<change> history_;
  std::function<void(bool)> on_set_;
  std::error_code fail_writes_;
};

// An input whose level the test drives; every level change is reported as a raw edge.
class fake_input_line final : public input_line {
 public:
  explicit fake_input_line(const clock& c, bool level = false) : clock_(c), level_(level) {}

  [[nodiscard]] bool get() const override { return level_; }
  void on_change(std::function<void(line_event)> handler) override {
    handler_ = std::move(handler);
  }
  void on_fault(std::function<void(std::error_code)> handler) override {
    fault_handler_ = std::move(handler);
  }
  // What a backend reports when the line breaks (ec) or answers again (empty ec).
  void fault(std::error_code ec) {
    if (fault_handler_) fault_handler_(ec);
  }
  [[nodiscard]] bool has_fault_handler() const { return static_cast<bool>(fault_handler_); }

  // Drives the level; an edge is reported only when it changes.
  void drive(bool level) { drive_stamped(level, clock_.now()); }
  // An edge the backend read late: stamped when it happened, reported now.
  void drive_stamped(bool level, steady_time at) {
    if (level == level_) return;
    level_ = level;
    if (handler_) handler_(line_event{level_, at});
  }
  // An edge exactly as the backend reports it, whatever the level was: a pulse input's
  // active edges only, one per pulse (board::pulse_input).
  void report(line_event e) {
    level_ = e.active;
    if (handler_) handler_(e);
  }
  [[nodiscard]] bool has_handler() const { return static_cast<bool>(handler_); }

 private:
  const clock& clock_;
  bool level_;
  std::function<void(line_event)> handler_;
  std::function<void(std::error_code)> fault_handler_;
};

}  // namespace locker::drivers::testing
