// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <system_error>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <linux/input.h>

#include "base/liveness.hpp"
#include "drivers/hardware.hpp"

namespace locker::drivers::gpiod_backend {

// The keypad char for a Linux key code: KEY_0..KEY_9 and KEY_KP0..KEY_KP9 are digits;
// '*' is KEY_KPASTERISK, KEY_NUMERIC_STAR or KEY_BACKSPACE (the "clear" key of most
// USB PIN pads); '#' is KEY_ENTER, KEY_KPENTER or KEY_NUMERIC_POUND; KEY_A..KEY_D are
// 'A'..'D'. 0 for every other key.
[[nodiscard]] char key_for(std::uint16_t code);

// A keypad that is a Linux input device (/dev/input/eventN): reads input_event records
// on the io_context and reports keys on key-down. A read error or end of file stops it
// (kept in last_error()); nothing is thrown on the loop.
class evdev_keypad final : public keypad {
 public:
  // Opens the device; throws std::runtime_error naming it if that fails.
  evdev_keypad(boost::asio::io_context& io, const std::string& device);
  // Reads from fd, which it then owns (tests feed it through a pipe).
  evdev_keypad(boost::asio::io_context& io, int fd);
  evdev_keypad(const evdev_keypad&) = delete;
  evdev_keypad& operator=(const evdev_keypad&) = delete;
  ~evdev_keypad() override;

  void on_key(std::function<void(char key)> handler) override { handler_ = std::move(handler); }
  [[nodiscard]] std::error_code last_error() const { return error_; }

 private:
  void read();
  void received(std::size_t n);

  boost::asio::posix::stream_descriptor fd_;
  // Handlers already queued when this keypad goes away must not touch it.
  base::liveness alive_;
  // Room for a burst of events; a record split across reads is kept for the next one.
  std::array<unsigned char, sizeof(input_event) * 32> buffer_{};
  std::size_t filled_ = 0;
  std::error_code error_;
  std::function<void(char)> handler_;
};

}  // namespace locker::drivers::gpiod_backend
