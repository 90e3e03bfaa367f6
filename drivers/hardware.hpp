// SPDX-License-Identifier: Apache-2.0
// The hardware as the controller sees it: small interfaces, nothing about how a backend
// reaches the pins. The core includes this header and never a backend's.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <system_error>

#include "drivers/clock.hpp"
#include "drivers/line.hpp"

namespace locker::drivers {

// One compartment's electric lock. unlock() asks for one bounded pulse of the coil; the
// pulse may start later if another coil on the shared supply is energized. After unlock(),
// on_pulse() tells when the coil is energized, or on_fault() that it could not be, unless
// release() came first.
class lock {
 public:
  virtual ~lock() = default;
  virtual void unlock() = 0;
  // The door is open, the latch has done its job (or the wait for it is over): ends the
  // pulse now, or drops it if it is still waiting for the supply. A coil held on after the
  // door opened would let the door spring open again if it is shut quickly; a pulse fired
  // after the wait was given up would open a door nobody is told about.
  virtual void release() = 0;
  [[nodiscard]] virtual bool energized() const = 0;
  // Called on the event loop when a pulse asked for by unlock() starts: the coil is
  // energized now (possibly from inside unlock(), when the supply was free). Replaces any
  // earlier handler.
  virtual void on_pulse(std::function<void()> handler) = 0;
  // Called on the event loop, never from inside unlock() or release(), when the coil's line
  // could not be driven: a pulse that did not start, or a coil that could not be switched
  // off (it is retried until it is). Replaces any earlier handler.
  virtual void on_fault(std::function<void(std::error_code)> handler) = 0;
};

// One compartment's door contact, debounced. open() is the truth about the door.
class door_sensor {
 public:
  virtual ~door_sensor() = default;
  [[nodiscard]] virtual bool open() const = 0;
  virtual void on_change(std::function<void(bool open)> handler) = 0;
  // The sensor's line stopped reporting (the error), or reports again (empty error_code).
  virtual void on_fault(std::function<void(std::error_code)> handler) = 0;
  // Called on the event loop when the contact chatters: edges inside the debounce window that
  // go on far longer than a contact bounces, which no door a person moves makes. Comes before
  // any change the chattering line is then sampled into. A sensor that cannot tell never calls
  // it. Replaces any earlier handler. By value, as every on_* here: overriders keep it.
  // NOLINTNEXTLINE(performance-unnecessary-value-param)
  virtual void on_chatter(std::function<void()> /*handler*/) {}
  // Whether the contact chatters now (found, and not settled since).
  [[nodiscard]] virtual bool chattering() const { return false; }
};

// Optional: tells whether something lies in the compartment.
class presence_sensor {
 public:
  virtual ~presence_sensor() = default;
  [[nodiscard]] virtual bool occupied() const = 0;
  virtual void on_change(std::function<void(bool occupied)> handler) = 0;
  // As door_sensor::on_fault.
  virtual void on_fault(std::function<void(std::error_code)> handler) = 0;
  // As door_sensor::on_chatter.
  // NOLINTNEXTLINE(performance-unnecessary-value-param)
  virtual void on_chatter(std::function<void()> /*handler*/) {}
};

// Optional: tells whether the cabinet runs on its backup supply (mains lost), from a UPS or
// power supply signal wired to an input.
class power_sensor {
 public:
  virtual ~power_sensor() = default;
  [[nodiscard]] virtual bool on_backup() const = 0;
  virtual void on_change(std::function<void(bool on_backup)> handler) = 0;
  // As door_sensor::on_fault.
  virtual void on_fault(std::function<void(std::error_code)> handler) = 0;
};

// Keys are '0'-'9', '*', '#' and, on 4x4 keypads, 'A'-'D'.
class keypad {
 public:
  virtual ~keypad() = default;
  virtual void on_key(std::function<void(char key)> handler) = 0;
};

// The front display: up to two lines of text separated by '\n'.
class display {
 public:
  virtual ~display() = default;
  virtual void show(std::string_view text) = 0;
};

// An input device that reads whole codes rather than keys: a barcode/QR scanner (tracking
// numbers, pickup codes) or a courier badge reader (HID or Wiegand). The keypad flows see
// only this, whichever device it is.
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

// What the buzzer says, each with its own pattern (drivers/sounds.hpp), so that a person who
// cannot read the display can follow: key (a key taken), ok (accepted: a login, a parcel
// stored, collected or removed), error, alarm (a critical alarm), and for accessibility
// (issue 13) prompt (the locker asks for something new), door_open (a door the session
// asked for is open) and door_left_open (its door_left_open alarm went off).
enum class sound { key, ok, error, alarm, prompt, door_open, door_left_open };

// Buzzer and status LED.
class indicator {
 public:
  virtual ~indicator() = default;
  virtual void beep(sound s) = 0;
  virtual void set_alarm(bool on) = 0;
};

// What a backend provides: lines by board-file spec, the front panel and, optionally, a
// scanner. Requesting an output line drives it inactive (the lock's safe state) before
// anything else happens.
// Errors at start-up (a line that does not exist, a line busy) are thrown as
// std::runtime_error naming the line.
class board {
 public:
  virtual ~board() = default;
  virtual output_line& output(const line_spec& spec) = 0;
  virtual input_line& input(const line_spec& spec) = 0;
  // An input whose pulses are too short to be read back as levels (a Wiegand reader's 50 us):
  // what matters is when each pulse starts, its active edge with the backend's timestamp. A
  // backend may report the releases too; a reader of pulses ignores them. The gpiod backend
  // asks the kernel for the active edge only: for both edges gpiolib labels each edge by
  // reading the line's level in its irq thread, which on a busy board runs after a 50 us pulse
  // has ended, and so reports the pulse's start as a release.
  virtual input_line& pulse_input(const line_spec& spec) { return input(spec); }
  virtual drivers::keypad& keypad() = 0;
  virtual drivers::display& display() = 0;
  virtual drivers::indicator& indicator() = 0;
  // The barcode/QR scanner beside the keypad, built on first use; null when this backend
  // has none. Asked only when the board file has a [scanner] table; throws
  // std::runtime_error when that table cannot be used with this backend.
  virtual drivers::code_reader* scanner() { return nullptr; }
  // A courier badge reader that delivers whole badge ids (a HID reader typing like a
  // keyboard), built on first use; null when this backend has none. Asked only when the board
  // file's [badge] is such a reader (a Wiegand reader is built above the backend, on two of
  // its input lines); throws std::runtime_error when it cannot be used with this backend.
  virtual drivers::code_reader* badge_reader() { return nullptr; }
};

}  // namespace locker::drivers
