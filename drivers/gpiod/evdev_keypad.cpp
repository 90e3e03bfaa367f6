// SPDX-License-Identifier: Apache-2.0
#include "drivers/gpiod/evdev_keypad.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

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

evdev_keypad::evdev_keypad(boost::asio::io_context& io, clock& c, const std::string& device,
                           evdev_ops ops)
    : reader_(io, c, device, {.what = "keypad device", .grab = true, .required = true},
              std::move(ops)) {
  listen();
}

evdev_keypad::evdev_keypad(boost::asio::io_context& io, const std::string& device)
    : evdev_keypad(io, open_device(device)) {}

evdev_keypad::evdev_keypad(boost::asio::io_context& io, int fd) : reader_(io, fd) { listen(); }

void evdev_keypad::listen() {
  reader_.on_event([this](const input_event& ev) {
    if (ev.type != EV_KEY || ev.value != 1) return;  // key-down only; 2 is autorepeat
    if (const char k = key_for(ev.code); k != 0 && handler_) handler_(k);
  });
}

}  // namespace locker::drivers::gpiod_backend
