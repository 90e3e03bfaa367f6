// SPDX-License-Identifier: Apache-2.0
#include "drivers/gpiod/evdev_reader.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace locker::drivers::gpiod_backend {

evdev_ops evdev_ops::system() {
  evdev_ops ops;
  ops.open = [](const std::string& path, std::error_code& ec) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) ec = std::error_code(errno, std::system_category());
    return fd;
  };
  ops.grab = [](int fd) {
    if (::ioctl(fd, EVIOCGRAB, 1) == 0) return std::error_code{};
    return std::error_code(errno, std::system_category());
  };
  return ops;
}

evdev_reader::evdev_reader(boost::asio::io_context& io, int fd) : fd_(io, fd), attached_(true) {
  read();
}

evdev_reader::evdev_reader(boost::asio::io_context& io, clock& c, std::string path,
                           evdev_reader_options options, evdev_ops ops)
    : fd_(io),
      clock_(&c),
      path_(std::move(path)),
      options_(std::move(options)),
      ops_(std::move(ops)),
      retry_timer_(std::make_unique<timer>(c)),
      retry_delay_(options_.first_retry) {
  if (open_device()) {
    read();
    return;
  }
  if (options_.required) {
    throw std::runtime_error(options_.what + " " + path_ + ": " + error_.message());
  }
  retry_timer_->start(retry_delay_, [this] { retry(); });
  retry_delay_ = std::min(retry_delay_ * 2, options_.last_retry);
}

evdev_reader::~evdev_reader() {
  alive_.end();
  boost::system::error_code ignored;
  fd_.close(ignored);
}

bool evdev_reader::open_device() {
  std::error_code ec;
  const int fd = ops_.open(path_, ec);
  if (fd < 0) {
    error_ = ec ? ec : std::make_error_code(std::errc::no_such_device);
    return false;
  }
  if (options_.grab) {
    if (const auto why = ops_.grab(fd)) {
      std::cerr << options_.what << " " << path_
                << ": not grabbed, its keys may also reach the console: " << why.message() << '\n';
    }
  }
  boost::system::error_code assign_error;
  fd_.assign(fd, assign_error);
  if (assign_error) {
    ::close(fd);
    error_ = assign_error;
    return false;
  }
  attached_ = true;
  attached_at_ = clock_->now();
  filled_ = 0;  // a record cut by the unplug is not the start of the next one
  return true;
}

void evdev_reader::read() {
  fd_.async_read_some(
      boost::asio::buffer(buffer_.data() + filled_, buffer_.size() - filled_),
      [this, alive = alive_.token()](const boost::system::error_code& ec, std::size_t n) {
        if (!alive || ec == boost::asio::error::operation_aborted) return;
        if (ec) {
          lost(ec);  // end of file, or the device went away (ENODEV)
          return;
        }
        received(n);
      });
}

void evdev_reader::received(std::size_t n) {
  filled_ += n;
  std::vector<input_event> events;
  std::size_t used = 0;
  for (; filled_ - used >= sizeof(input_event); used += sizeof(input_event)) {
    input_event ev{};
    std::memcpy(&ev, buffer_.data() + used, sizeof ev);
    events.push_back(ev);
  }
  std::memmove(buffer_.data(), buffer_.data() + used, filled_ - used);
  filled_ -= used;
  read();
  // Last: a handler may destroy this reader.
  const auto alive = alive_.token();
  for (const auto& ev : events) {
    // A copy: the handler may destroy this reader, and with it event_handler_.
    if (auto handler = event_handler_) handler(ev);
    if (!alive) return;
  }
}

void evdev_reader::lost(std::error_code ec) {
  boost::system::error_code ignored;
  fd_.close(ignored);
  attached_ = false;
  error_ = ec;
  filled_ = 0;
  if (clock_ != nullptr) {
    // A device that stayed a while was really plugged in: this is a new outage.
    if (clock_->now() - attached_at_ >= options_.last_retry) retry_delay_ = options_.first_retry;
    retry_timer_->start(retry_delay_, [this] { retry(); });
    retry_delay_ = std::min(retry_delay_ * 2, options_.last_retry);
  }
  if (auto handler = fault_handler_) handler(ec);  // last: it may destroy this reader
}

void evdev_reader::retry() {
  if (!open_device()) {
    retry_timer_->start(retry_delay_, [this] { retry(); });
    retry_delay_ = std::min(retry_delay_ * 2, options_.last_retry);
    return;
  }
  read();
  if (auto handler = fault_handler_) handler({});  // last: it may destroy this reader
}

}  // namespace locker::drivers::gpiod_backend
