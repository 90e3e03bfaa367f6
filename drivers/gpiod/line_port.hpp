// SPDX-License-Identifier: Apache-2.0
// The seam between the gpiod backend and libgpiod: everything above these two small
// interfaces is plain C++ and unit-tested with fakes; only libgpiod_lines.cpp calls
// into libgpiod, and only a real kernel can test that file.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "drivers/line.hpp"

namespace locker::drivers::gpiod_backend {

// An input reports both edges; a pulse input only its active ones (board::pulse_input).
enum class direction { output, input, pulse_input };

// An edge as libgpiod reports it, before decoding.
struct raw_event {
  int type;                        // gpiod::line_event::RISING_EDGE or FALLING_EDGE
  std::chrono::nanoseconds stamp;  // kernel timestamp
};

// One requested line. Values are logical: the kernel applies active-low.
// Methods throw std::system_error on failure (they wrap C calls); callers on the event
// loop catch.
class line_port {
 public:
  virtual ~line_port() = default;
  [[nodiscard]] virtual bool get_value() const = 0;
  virtual void set_value(bool active) = 0;
  // Input lines only: readable when events are pending. Owned by the port.
  [[nodiscard]] virtual int event_fd() const = 0;
  // Input lines only, once event_fd() is readable: every pending event, oldest first.
  virtual std::vector<raw_event> read_events() = 0;
};

// Finds and requests lines. Outputs are requested driving inactive, inputs with
// both-edge events, pulse inputs with active-edge events. Throws std::runtime_error naming the line
// and the reason.
class line_source {
 public:
  virtual ~line_source() = default;
  virtual std::unique_ptr<line_port> request(const line_spec& spec, direction dir,
                                             const std::string& consumer) = 0;
};

// The real thing: libgpiod 1.6 over /dev/gpiochip*.
std::unique_ptr<line_source> make_libgpiod_source();

}  // namespace locker::drivers::gpiod_backend
