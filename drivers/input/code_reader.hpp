// SPDX-License-Identifier: Apache-2.0
// An input device that reads whole codes rather than keys: a barcode/QR scanner (tracking
// numbers, pickup codes) or a courier badge reader (HID or Wiegand). The keypad flows see
// only this, whichever device it is.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <system_error>

namespace locker::drivers::input {

class code_reader {
 public:
  virtual ~code_reader() = default;
  // Called on the event loop with each code read, whole and checked: a scan, a badge id.
  // Replaces any earlier handler. The handler may destroy the reader.
  virtual void on_read(std::function<void(const std::string& code)> handler) = 0;
  // Told on the event loop when the device stops reading (with why: unplugged, a line
  // fault) and when it reads again (an empty error_code). Replaces any earlier handler.
  virtual void on_fault(std::function<void(std::error_code)> handler) = 0;
  // Reads discarded since start because they were garbled (an overlong or cut scan, a
  // Wiegand frame of the wrong length or parity): for telemetry, never shown as a code.
  [[nodiscard]] virtual std::uint64_t garbled() const = 0;
};

}  // namespace locker::drivers::input
