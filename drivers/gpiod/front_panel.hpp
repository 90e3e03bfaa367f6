// SPDX-License-Identifier: Apache-2.0
// The display and the buzzer/LED of a real board.
#pragma once

#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "drivers/clock.hpp"
#include "drivers/hardware.hpp"
#include "drivers/line.hpp"

namespace locker::drivers::gpiod_backend {

// Writes each text to a path (a tty such as /dev/tty1, or a file a panel program reads),
// replacing what was there. show() never throws: a failed write is kept in last_error().
class file_display final : public display {
 public:
  // Checks once that the path can be opened for writing; throws std::runtime_error
  // naming it if not.
  explicit file_display(std::string path);
  void show(std::string_view text) override;
  [[nodiscard]] std::error_code last_error() const { return error_; }

  // What is written for a text: clear screen, cursor home, the text, a newline.
  [[nodiscard]] static std::string render(std::string_view text);

 private:
  std::string path_;
  std::error_code error_;
};

// For boards without a display.
class null_display final : public display {
 public:
  void show(std::string_view /*text*/) override {}
};

// A buzzer and an alarm LED on output lines; either may be absent (nullptr), and then
// that part does nothing. A beep is a short pattern of pulses timed by the clock; a new
// beep replaces one still sounding.
class line_indicator final : public indicator {
 public:
  line_indicator(output_line* buzzer, output_line* alarm_led, clock& c);
  line_indicator(const line_indicator&) = delete;
  line_indicator& operator=(const line_indicator&) = delete;
  ~line_indicator() override;

  void beep(sound s) override;
  void set_alarm(bool on) override;

  // On, off, on, ... durations of a sound; always an odd count (ends on): the patterns every
  // backend shares (drivers/sounds.hpp).
  [[nodiscard]] static std::vector<millis> pattern(sound s);

 private:
  void step();

  output_line* buzzer_;
  output_line* alarm_led_;
  timer timer_;
  std::vector<millis> pattern_;
  std::size_t next_ = 0;
};

}  // namespace locker::drivers::gpiod_backend
