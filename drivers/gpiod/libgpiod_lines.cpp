// SPDX-License-Identifier: Apache-2.0
// The only file that calls libgpiod. Kept thin: find, request, read, write. Everything
// else is decided in request.cpp and above the line_port seam.
#include <system_error>

#include <gpiod.hpp>

#include "drivers/gpiod/line_port.hpp"
#include "drivers/gpiod/request.hpp"

namespace locker::drivers::gpiod_backend {
namespace {

class libgpiod_port final : public line_port {
 public:
  explicit libgpiod_port(::gpiod::line l) : line_(std::move(l)), chip_(line_.get_chip()) {}
  libgpiod_port(const libgpiod_port&) = delete;
  libgpiod_port& operator=(const libgpiod_port&) = delete;
  ~libgpiod_port() override {
    try {
      line_.release();
    } catch (...) {  // nothing sensible to do while tearing down
    }
  }

  [[nodiscard]] bool get_value() const override { return line_.get_value() != 0; }
  void set_value(bool active) override { line_.set_value(active ? 1 : 0); }
  [[nodiscard]] int event_fd() const override { return line_.event_get_fd(); }

  std::vector<raw_event> read_events() override {
    std::vector<raw_event> out;
    // One read returns at most the 16 events of the kernel FIFO; read again while more
    // are already queued (a zero-timeout wait, not a polling loop), with a bound so a
    // chattering contact cannot hold the event loop.
    do {
      for (const auto& e : line_.event_read_multiple()) out.push_back({e.event_type, e.timestamp});
    } while (out.size() < 256 && line_.event_wait(std::chrono::nanoseconds{0}));
    return out;
  }

 private:
  ::gpiod::line line_;
  ::gpiod::chip chip_;  // keeps the chip's fd open as long as the line is in use
};

::gpiod::line find(const line_spec& spec) {
  if (!spec.name.empty()) {
    ::gpiod::line l = ::gpiod::find_line(spec.name);
    if (!l)
      throw std::runtime_error(describe_failure(spec, "no line of this name on any gpiochip"));
    return l;
  }
  if (spec.chip.empty() || !spec.offset) {
    throw std::runtime_error(describe_failure(spec, "needs a name, or a chip and an offset"));
  }
  const ::gpiod::chip chip(spec.chip, ::gpiod::chip::OPEN_LOOKUP);
  if (*spec.offset >= chip.num_lines()) {
    throw std::runtime_error(describe_failure(spec, "offset out of range: chip " + chip.name() +
                                                        " has " + std::to_string(chip.num_lines()) +
                                                        " lines"));
  }
  return chip.get_line(*spec.offset);
}

class libgpiod_source final : public line_source {
 public:
  std::unique_ptr<line_port> request(const line_spec& spec, direction dir,
                                     const std::string& consumer) override {
    try {
      ::gpiod::line l = find(spec);
      l.request(request_for(spec, dir, consumer), initial_value(dir));
      return std::make_unique<libgpiod_port>(std::move(l));
    } catch (const std::system_error& e) {
      // libgpiod reports errno as system_error; say which line it was about.
      throw std::runtime_error(describe_failure(spec, e.what()));
    } catch (const std::logic_error& e) {
      throw std::runtime_error(describe_failure(spec, e.what()));
    }
  }
};

}  // namespace

std::unique_ptr<line_source> make_libgpiod_source() { return std::make_unique<libgpiod_source>(); }

}  // namespace locker::drivers::gpiod_backend
