// SPDX-License-Identifier: Apache-2.0
// output_line and input_line over a requested line_port, on the Asio event loop.
#pragma once

#include <functional>
#include <memory>
#include <system_error>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "base/liveness.hpp"
#include "drivers/clock.hpp"
#include "drivers/gpiod/line_port.hpp"
#include "drivers/line.hpp"

namespace locker::drivers::gpiod_backend {

// A driven line. set() never throws (it runs on the event loop): a failed write is its
// result. Destruction drives the line inactive before releasing it.
class gpiod_output_line final : public output_line {
 public:
  explicit gpiod_output_line(std::unique_ptr<line_port> port);
  gpiod_output_line(const gpiod_output_line&) = delete;
  gpiod_output_line& operator=(const gpiod_output_line&) = delete;
  ~gpiod_output_line() override;

  std::error_code set(bool active) override;
  // The value last written (the port was requested inactive).
  [[nodiscard]] bool get() const override { return value_; }

 private:
  std::unique_ptr<line_port> port_;
  bool value_ = false;
};

// A line with edge events. Waits for its event fd to become readable on the io_context
// (no polling), then drains every pending event and reports each, in order.
//
// A read that fails is reported through on_fault once, and the line stops waiting on its fd
// (a broken fd would wake the loop forever). It tries again after first_retry, then less
// and less often up to last_retry: when the line can be read again, it says so, reports the
// level if it changed meanwhile, and listens for edges again.
class gpiod_input_line final : public input_line {
 public:
  gpiod_input_line(boost::asio::io_context& io, drivers::clock& c, std::unique_ptr<line_port> port);
  gpiod_input_line(const gpiod_input_line&) = delete;
  gpiod_input_line& operator=(const gpiod_input_line&) = delete;
  ~gpiod_input_line() override;

  // Reads the line now; the last reported level if that fails.
  [[nodiscard]] bool get() const override;
  void on_change(std::function<void(line_event)> handler) override {
    handler_ = std::move(handler);
  }
  void on_fault(std::function<void(std::error_code)> handler) override {
    fault_handler_ = std::move(handler);
  }
  // Whether the line is broken now (between a fault and its recovery).
  [[nodiscard]] bool broken() const { return static_cast<bool>(error_); }

  static constexpr millis first_retry{1000};
  static constexpr millis last_retry{60'000};

 private:
  void wait();
  void readable();
  void failed(std::error_code ec);
  void retry();

  drivers::clock& clock_;
  std::unique_ptr<line_port> port_;
  // A dup() of the port's fd: Asio closes its own copy, libgpiod closes the original.
  boost::asio::posix::stream_descriptor fd_;
  // Handlers already queued when this line goes away must not touch it.
  base::liveness alive_;
  bool level_ = false;
  std::error_code error_;
  drivers::timer retry_timer_;
  millis retry_delay_{first_retry};
  std::function<void(line_event)> handler_;
  std::function<void(std::error_code)> fault_handler_;
};

}  // namespace locker::drivers::gpiod_backend
