// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <system_error>

#include <boost/asio/io_context.hpp>

#include "drivers/clock.hpp"
#include "drivers/gpiod/evdev_reader.hpp"
#include "drivers/hardware.hpp"

namespace locker::drivers::gpiod_backend {

// The keypad char for a Linux key code: KEY_0..KEY_9 and KEY_KP0..KEY_KP9 are digits;
// '*' is KEY_KPASTERISK, KEY_NUMERIC_STAR or KEY_BACKSPACE (the "clear" key of most
// USB PIN pads); '#' is KEY_ENTER, KEY_KPENTER or KEY_NUMERIC_POUND; KEY_A..KEY_D are
// 'A'..'D'. 0 for every other key.
[[nodiscard]] char key_for(std::uint16_t code);

// A keypad that is a Linux input device (/dev/input/eventN): reads input_event records
// on the io_context (evdev_reader) and reports keys on key-down. Nothing is thrown on the
// loop.
class evdev_keypad final : public keypad {
 public:
  // Opens the device, grabs it (typed codes must not reach the console) and opens it again
  // whenever it is unplugged and back, on c. Throws std::runtime_error naming the device if
  // the first open fails: a locker does not start without its keypad.
  evdev_keypad(boost::asio::io_context& io, clock& c, const std::string& device,
               evdev_ops ops = evdev_ops::system());
  // Opens the device once; throws std::runtime_error naming it if that fails. A read error
  // or end of file stops it (kept in last_error()).
  evdev_keypad(boost::asio::io_context& io, const std::string& device);
  // Reads from fd, which it then owns (tests feed it through a pipe); stops as above.
  evdev_keypad(boost::asio::io_context& io, int fd);

  void on_key(std::function<void(char key)> handler) override { handler_ = std::move(handler); }
  // Unplugged (with why) and back (empty), when opened with a clock.
  void on_fault(std::function<void(std::error_code)> handler) {
    reader_.on_fault(std::move(handler));
  }
  [[nodiscard]] std::error_code last_error() const { return reader_.last_error(); }
  [[nodiscard]] bool attached() const { return reader_.attached(); }

 private:
  void listen();

  evdev_reader reader_;
  std::function<void(char)> handler_;
};

}  // namespace locker::drivers::gpiod_backend
