// SPDX-License-Identifier: Apache-2.0
#include "drivers/gpiod/evdev_keypad.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <boost/asio/buffer.hpp>
#include <fcntl.h>
#include <unistd.h>

namespace locker::drivers::gpiod_backend {
namespace {

int open_device(const std::string& device) {
  const int fd = ::open(device.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("keypad device " + device + ": " + std::strerror(errno));
  return fd;
}

}  // namespace

char key_for(std::uint16_t code) {
  switch (code) {
    case KEY_0:
    case KEY_KP0:
    case KEY_NUMERIC_0:
      return '0';
    case KEY_1:
    case KEY_KP1:
    case KEY_NUMERIC_1:
      return '1';
    case KEY_2:
    case KEY_KP2:
    case KEY_NUMERIC_2:
      return '2';
    case KEY_3:
    case KEY_KP3:
    case KEY_NUMERIC_3:
      return '3';
    case KEY_4:
    case KEY_KP4:
    case KEY_NUMERIC_4:
      return '4';
    case KEY_5:
    case KEY_KP5:
    case KEY_NUMERIC_5:
      return '5';
    case KEY_6:
    case KEY_KP6:
    case KEY_NUMERIC_6:
      return '6';
    case KEY_7:
    case KEY_KP7:
    case KEY_NUMERIC_7:
      return '7';
    case KEY_8:
    case KEY_KP8:
    case KEY_NUMERIC_8:
      return '8';
    case KEY_9:
    case KEY_KP9:
    case KEY_NUMERIC_9:
      return '9';
    case KEY_KPASTERISK:
    case KEY_NUMERIC_STAR:
    case KEY_BACKSPACE:
      return '*';
    case KEY_ENTER:
    case KEY_KPENTER:
    case KEY_NUMERIC_POUND:
      return '#';
    case KEY_A:
      return 'A';
    case KEY_B:
      return 'B';
    case KEY_C:
      return 'C';
    case KEY_D:
      return 'D';
    default:
      return 0;
  }
}

evdev_keypad::evdev_keypad(boost::asio::io_context& io, const std::string& device)
    : evdev_keypad(io, open_device(device)) {}

evdev_keypad::evdev_keypad(boost::asio::io_context& io, int fd) : fd_(io, fd) { read(); }

evdev_keypad::~evdev_keypad() {
  boost::system::error_code ignored;
  fd_.close(ignored);
}

void evdev_keypad::read() {
  fd_.async_read_some(
      boost::asio::buffer(buffer_.data() + filled_, buffer_.size() - filled_),
      [this, alive = alive_.token()](const boost::system::error_code& ec, std::size_t n) {
        if (!alive || ec == boost::asio::error::operation_aborted) return;
        if (ec) {
          error_ = ec;  // EOF, or the device went away: stop
          return;
        }
        received(n);
      });
}

void evdev_keypad::received(std::size_t n) {
  filled_ += n;
  std::size_t used = 0;
  const auto alive = alive_.token();
  std::string keys;
  for (; filled_ - used >= sizeof(input_event); used += sizeof(input_event)) {
    input_event ev{};
    std::memcpy(&ev, buffer_.data() + used, sizeof ev);
    if (ev.type != EV_KEY || ev.value != 1) continue;  // key-down only; 2 is autorepeat
    if (const char k = key_for(ev.code); k != 0) keys += k;
  }
  std::memmove(buffer_.data(), buffer_.data() + used, filled_ - used);
  filled_ -= used;
  read();
  // Last: a handler may destroy this keypad.
  for (const char k : keys) {
    if (handler_) handler_(k);
    if (!alive) return;
  }
}

}  // namespace locker::drivers::gpiod_backend
