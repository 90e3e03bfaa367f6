// SPDX-License-Identifier: Apache-2.0
#include "drivers/gpiod/front_panel.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fcntl.h>
#include <unistd.h>

#include "base/unique_fd.hpp"
#include "drivers/sounds.hpp"

namespace locker::drivers::gpiod_backend {
namespace {

// Non-blocking: a stopped tty must never hold the event loop.
constexpr int open_flags = O_WRONLY | O_CREAT | O_TRUNC | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;

}  // namespace

file_display::file_display(std::string path) : path_(std::move(path)) {
  if (!base::unique_fd(::open(path_.c_str(), open_flags, 0644)).valid())
    throw std::runtime_error("display " + path_ + ": " + std::strerror(errno));
}

std::string file_display::render(std::string_view text) {
  std::string out = "\x1b[2J\x1b[H";
  out += text;
  out += '\n';
  return out;
}

void file_display::show(std::string_view text) {
  const std::string out = render(text);
  const base::unique_fd fd(::open(path_.c_str(), open_flags, 0644));
  if (!fd.valid()) {
    error_ = {errno, std::generic_category()};
    return;
  }
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::write(fd.get(), out.data() + done, out.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      error_ = {errno, std::generic_category()};
      break;
    }
    done += static_cast<std::size_t>(n);
  }
}

line_indicator::line_indicator(output_line* buzzer, output_line* alarm_led, clock& c)
    : buzzer_(buzzer), alarm_led_(alarm_led), timer_(c) {
  if (buzzer_ != nullptr) buzzer_->set(false);
  if (alarm_led_ != nullptr) alarm_led_->set(false);
}

line_indicator::~line_indicator() {
  timer_.cancel();
  if (buzzer_ != nullptr) buzzer_->set(false);
}

std::vector<millis> line_indicator::pattern(sound s) { return sound_pattern(s); }

void line_indicator::beep(sound s) {
  if (buzzer_ == nullptr) return;
  pattern_ = pattern(s);
  next_ = 0;
  step();
}

void line_indicator::step() {
  if (next_ >= pattern_.size()) {
    buzzer_->set(false);
    return;
  }
  // Even steps sound, odd steps are the silence between.
  buzzer_->set(next_ % 2 == 0);
  const millis d = pattern_[next_++];
  timer_.start(d, [this] { step(); });
}

void line_indicator::set_alarm(bool on) {
  if (alarm_led_ != nullptr) alarm_led_->set(on);
}

}  // namespace locker::drivers::gpiod_backend
