// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

#include "drivers/clock.hpp"

namespace locker::drivers {

enum class bias { as_is, disabled, pull_up, pull_down };

// Where a line is and how it is wired, as the board file says. A line is found either by
// its name (device tree `gpio-line-names`) or by chip and offset.
struct line_spec {
  std::string name;                     // by name when non-empty
  std::string chip;                     // "gpiochip1", "/dev/gpiochip1" or a chip label
  std::optional<std::uint32_t> offset;  // with chip
  bool active_low = false;
  drivers::bias bias = bias::as_is;

  // The line of this name, on whichever chip has it.
  [[nodiscard]] static line_spec named(std::string line_name, bool is_active_low = false,
                                       drivers::bias line_bias = bias::as_is) {
    line_spec s;
    s.name = std::move(line_name);
    s.active_low = is_active_low;
    s.bias = line_bias;
    return s;
  }
  // "LOCK_07" or "gpiochip1:7": for messages and logs.
  [[nodiscard]] std::string describe() const {
    return name.empty() ? chip + ":" + (offset ? std::to_string(*offset) : "?") : name;
  }
  friend bool operator==(const line_spec&, const line_spec&) = default;
};

// A digital output. Values are logical (active = coil energized), already corrected for
// active-low by the backend.
class output_line {
 public:
  virtual ~output_line() = default;
  // Drives the line; never throws. Returns an empty error_code when the level was written,
  // else why not: the line then keeps its last written level (get() says which), and a
  // caller that drives something that matters (a lock coil) acts on it.
  virtual std::error_code set(bool active) = 0;
  // The level last written.
  [[nodiscard]] virtual bool get() const = 0;
};

// A raw edge as the backend saw it, before any debounce.
struct line_event {
  bool active;
  steady_time at;
};

// A digital input. Reports every raw edge on the event loop's thread; debounce is done
// above the backend (debounced_input), once, for every backend.
class input_line {
 public:
  virtual ~input_line() = default;
  [[nodiscard]] virtual bool get() const = 0;
  // Replaces any earlier handler.
  virtual void on_change(std::function<void(line_event)> handler) = 0;
  // Told on the event loop when the line stops reporting edges (with why), and when it
  // reports again (an empty error_code; a level that changed meanwhile then arrives as an
  // edge). Replaces any earlier handler.
  virtual void on_fault(std::function<void(std::error_code)> handler) = 0;
};

}  // namespace locker::drivers
