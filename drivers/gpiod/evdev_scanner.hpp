// SPDX-License-Identifier: Apache-2.0
// A USB HID barcode/QR scanner, or an HID badge reader, that types like a keyboard (a
// "keyboard wedge"): a second input beside the keypad. Its device is found by a stable
// path (/dev/input/by-id/usb-...-event-kbd), grabbed so the console does not get its
// keystrokes, and opened again after it is unplugged and plugged back in.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <system_error>

#include <boost/asio/io_context.hpp>

#include "drivers/clock.hpp"
#include "drivers/gpiod/evdev_reader.hpp"
#include "drivers/input/code_reader.hpp"
#include "drivers/input/scan_decoder.hpp"

namespace locker::drivers::gpiod_backend {

struct evdev_scanner_options {
  // Longer scans are discarded and counted (garbled()).
  std::size_t max_length = input::scan_decoder::default_max_length;
  // Not required by default: the locker works without its scanner, which may be plugged
  // in later.
  evdev_reader_options device{.what = "scanner device"};
};

class evdev_scanner final : public input::code_reader {
 public:
  evdev_scanner(boost::asio::io_context& io, clock& c, std::string path,
                evdev_scanner_options options = {}, evdev_ops ops = evdev_ops::system());

  // Each scan, as typed, without its terminator.
  void on_read(std::function<void(const std::string&)> handler) override {
    read_handler_ = std::move(handler);
  }
  // Unplugged (with why) and plugged in again (empty).
  void on_fault(std::function<void(std::error_code)> handler) override {
    fault_handler_ = std::move(handler);
  }
  // Overlong scans and scans cut by a kernel buffer overrun.
  [[nodiscard]] std::uint64_t garbled() const override {
    return decoder_.counters().overlong + decoder_.counters().dropped;
  }
  [[nodiscard]] const input::scan_counters& counters() const { return decoder_.counters(); }
  [[nodiscard]] bool attached() const { return reader_.attached(); }
  [[nodiscard]] std::error_code last_error() const { return reader_.last_error(); }

 private:
  input::scan_decoder decoder_;
  evdev_reader reader_;
  std::function<void(const std::string&)> read_handler_;
  std::function<void(std::error_code)> fault_handler_;
};

}  // namespace locker::drivers::gpiod_backend
