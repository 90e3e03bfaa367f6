// SPDX-License-Identifier: Apache-2.0
#include "drivers/gpiod/gpiod_lines.hpp"

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <system_error>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include "drivers/gpiod/request.hpp"

namespace locker::drivers::gpiod_backend {
namespace {

int dup_or_throw(int fd) {
  const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0)
    throw std::system_error(errno, std::generic_category(), "cannot duplicate event fd");
  return copy;
}

// Runs one call on the line port and says how it went: the one place where what the adapter
// around libgpiod throws becomes a result (an exception without a code is an I/O error).
template <class F>
std::error_code port_call(F&& call) {
  try {
    call();
    return {};
  } catch (const std::system_error& e) {
    return e.code();
  } catch (const std::exception&) {
    return std::make_error_code(std::errc::io_error);
  }
}

}  // namespace

gpiod_output_line::gpiod_output_line(std::unique_ptr<line_port> port) : port_(std::move(port)) {}

gpiod_output_line::~gpiod_output_line() { (void)set(false); }

std::error_code gpiod_output_line::set(bool active) {
  const auto ec = port_call([&] { port_->set_value(active); });
  if (!ec) value_ = active;
  return ec;
}

gpiod_input_line::gpiod_input_line(boost::asio::io_context& io, drivers::clock& c,
                                   std::unique_ptr<line_port> port)
    : clock_(c), port_(std::move(port)), fd_(io, dup_or_throw(port_->event_fd())), retry_timer_(c) {
  level_ = port_->get_value();
  wait();
}

gpiod_input_line::~gpiod_input_line() {
  boost::system::error_code ignored;
  fd_.close(ignored);
}

bool gpiod_input_line::get() const {
  try {
    return port_->get_value();
  } catch (const std::exception&) {
    return level_;
  }
}

void gpiod_input_line::wait() {
  fd_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                 [this, alive = alive_.token()](const boost::system::error_code& ec) {
                   if (!alive || ec == boost::asio::error::operation_aborted) return;
                   if (ec) {
                     failed(std::error_code(ec.value(), std::system_category()));
                     return;
                   }
                   readable();
                 });
}

void gpiod_input_line::readable() {
  std::vector<raw_event> events;
  if (const auto ec = port_call([&] { events = port_->read_events(); })) {
    failed(ec);
    return;
  }
  // Events were read: the line works, a later failure waits the shortest time again.
  retry_delay_ = first_retry;
  // Re-arm first: a handler may destroy this line, and then must be the last to touch it.
  wait();
  const auto alive = alive_.token();
  for (const auto& raw : events) {
    const auto e = decode_event(raw, clock_.now());
    if (!e) continue;
    level_ = e->active;
    if (handler_) handler_(*e);
    if (!alive) return;
  }
}

void gpiod_input_line::failed(std::error_code ec) {
  const bool was_working = !error_;
  error_ = ec;
  // Not waiting on the fd again at once: a broken fd would wake the loop forever.
  retry_timer_.start(retry_delay_, [this] { retry(); });
  retry_delay_ = std::min(retry_delay_ * 2, last_retry);
  // Once per outage, not at every failed retry.
  if (was_working && fault_handler_) fault_handler_(ec);
}

void gpiod_input_line::retry() {
  bool level = level_;
  if (const auto ec = port_call([&] { level = port_->get_value(); })) {
    failed(ec);
    return;
  }
  // The line answers again: say so, report what it did meanwhile, and listen for its edges.
  error_ = {};
  const auto alive = alive_.token();
  if (fault_handler_) fault_handler_({});
  if (!alive) return;
  if (level != level_) {
    level_ = level;
    if (handler_) handler_({level, clock_.now()});
    if (!alive) return;
  }
  // Events left unread by the failure: an edge-triggered wait would not see them (nothing
  // new arrives to make the fd ready again), so read them now, which also waits again.
  pollfd pending{fd_.native_handle(), POLLIN, 0};
  if (::poll(&pending, 1, 0) > 0 && (pending.revents & POLLIN) != 0) {
    readable();
  } else {
    wait();
  }
}

}  // namespace locker::drivers::gpiod_backend
