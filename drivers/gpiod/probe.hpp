// SPDX-License-Identifier: Apache-2.0
// `lockerd --check-config --probe`: that every line the board file names exists on this
// kernel's gpiochips and is free (no other consumer holds it), without requesting any line, so
// it is safe while another lockerd runs. The look-up is a small seam (line_inspector): the
// real one asks libgpiod 1.6; tests give a fake chip list.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "drivers/board_file/board_file.hpp"

namespace locker::drivers::gpiod_backend {

// What the kernel says about one line.
struct line_state {
  std::string chip;  // "gpiochip2"
  unsigned offset = 0;
  bool used = false;     // requested by someone (a driver, another program)
  std::string consumer;  // who, when used
};

class line_inspector {
 public:
  virtual ~line_inspector() = default;
  // The line, or why it cannot be found ("no line of this name on any gpiochip").
  virtual std::optional<line_state> find(const line_spec& spec, std::string& why) = 0;
};

// libgpiod 1.6 over /dev/gpiochip*.
std::unique_ptr<line_inspector> make_libgpiod_inspector();

struct line_problem {
  std::string key;     // "compartment[3].lock"
  std::string line;    // "LOCK_04" or "gpiochip2:7"
  std::string reason;  // "no line of this name on any gpiochip", "in use by gpio-keys"
  [[nodiscard]] std::string text() const { return key + " " + line + ": " + reason; }
};

// Every line of the board, each problem once, in the board file's order.
[[nodiscard]] std::vector<line_problem> probe_board(const board_config& board,
                                                    line_inspector& inspector);

}  // namespace locker::drivers::gpiod_backend
