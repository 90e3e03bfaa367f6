// SPDX-License-Identifier: Apache-2.0
// Turns the key events of a keyboard-wedge barcode/QR scanner or HID badge reader (a
// Linux input device) into whole scans. Pure: events in, strings out, no fd and no time,
// so the evdev device, the simulator and tests all feed the same code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <linux/input.h>

namespace locker::drivers::input {

// The character a key types on a US layout, with or without shift: letters, digits, the
// symbols a barcode carries (- . / + : etc.) and space. 0 for keys that type nothing
// (modifiers, function keys, arrows, Enter, Tab).
[[nodiscard]] char us_char_for(std::uint16_t code, bool shifted);

// True for the keys that end a scan: Enter, keypad Enter and Tab (the suffixes scanners
// are configured with).
[[nodiscard]] bool ends_scan(std::uint16_t code);

struct scan_counters {
  std::uint64_t scans = 0;     // completed scans returned
  std::uint64_t overlong = 0;  // scans longer than max_length, discarded whole
  std::uint64_t dropped = 0;   // scans cut by a kernel buffer overrun (SYN_DROPPED)
};

// Collects typed characters until a terminator and returns the scan. Key-down events
// only (autorepeat and releases type nothing); either shift key shifts. A key pressed
// while Ctrl or Alt is held is a control sequence, not text, and is ignored, as are keys
// that type nothing. Caps Lock is not followed: a grabbed device's LEDs are never set, and
// scanners send shift for capitals. An empty scan (a lone Enter) returns nothing.
class scan_decoder {
 public:
  static constexpr std::size_t default_max_length = 128;

  explicit scan_decoder(std::size_t max_length = default_max_length) : max_length_(max_length) {}

  // Feeds one event (type, code and value as in linux/input.h). Returns the scan it
  // completes, if any. A scan longer than max_length is discarded up to its terminator
  // and counted, never cut short: a truncated tracking number would be a wrong one.
  std::optional<std::string> feed(std::uint16_t type, std::uint16_t code, std::int32_t value);
  std::optional<std::string> feed(const input_event& e) { return feed(e.type, e.code, e.value); }

  // Forgets the scan in progress and the modifier state: the device went away, and what
  // it typed last is not the start of what it types after it is plugged in again.
  void reset();

  [[nodiscard]] const scan_counters& counters() const { return counters_; }
  [[nodiscard]] std::size_t max_length() const { return max_length_; }

 private:
  std::optional<std::string> key_down(std::uint16_t code);

  std::size_t max_length_;
  std::string text_;
  bool left_shift_ = false;
  bool right_shift_ = false;
  int control_keys_ = 0;  // Ctrl and Alt keys held (bitmask)
  bool overlong_ = false;
  bool dropped_ = false;    // the scan in progress lost events: discard it at its end
  bool resyncing_ = false;  // after SYN_DROPPED, until the next SYN_REPORT
  scan_counters counters_;
};

}  // namespace locker::drivers::input
