// SPDX-License-Identifier: Apache-2.0
#include "drivers/gpiod/gpiod_lines.hpp"

#include <cerrno>
#include <stdexcept>
#include <system_error>

#include <fcntl.h>
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

}  // namespace

gpiod_output_line::gpiod_output_line(std::unique_ptr<line_port> port) : port_(std::move(port)) {}

gpiod_output_line::~gpiod_output_line() { set(false); }

void gpiod_output_line::set(bool active) {
  try {
    port_->set_value(active);
    value_ = active;
  } catch (const std::system_error& e) {
    error_ = e.code();
  } catch (const std::exception&) {
    error_ = std::make_error_code(std::errc::io_error);
  }
}

gpiod_input_line::gpiod_input_line(boost::asio::io_context& io, drivers::clock& c,
                                   std::unique_ptr<line_port> port)
    : clock_(c),
      port_(std::move(port)),
      fd_(io, dup_or_throw(port_->event_fd())),
      self_(std::make_shared<gpiod_input_line*>(this)) {
  level_ = port_->get_value();
  wait();
}

gpiod_input_line::~gpiod_input_line() {
  *self_ = nullptr;
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
  fd_.async_wait(
      boost::asio::posix::stream_descriptor::wait_read,
      [self = std::weak_ptr<gpiod_input_line*>(self_)](const boost::system::error_code& ec) {
        auto alive = self.lock();
        if (!alive || *alive == nullptr || ec == boost::asio::error::operation_aborted) return;
        if (ec) {
          (*alive)->error_ = ec;
          return;
        }
        (*alive)->readable();
      });
}

void gpiod_input_line::readable() {
  std::vector<raw_event> events;
  try {
    events = port_->read_events();
  } catch (const std::system_error& e) {
    error_ = e.code();
    return;  // not waiting again: a broken fd would wake the loop forever
  } catch (const std::exception&) {
    error_ = std::make_error_code(std::errc::io_error);
    return;
  }
  // Re-arm first: a handler may destroy this line, and then must be the last to touch it.
  wait();
  std::weak_ptr<gpiod_input_line*> self = self_;
  for (const auto& raw : events) {
    const auto e = decode_event(raw, clock_.now());
    if (!e) continue;
    level_ = e->active;
    if (handler_) handler_(*e);
    const auto alive = self.lock();
    if (!alive || *alive == nullptr) return;
  }
}

}  // namespace locker::drivers::gpiod_backend
