// SPDX-License-Identifier: Apache-2.0
// A pretend input device for evdev_reader and what is built on it: "plugged in", opening
// it gives the read end of a fresh pipe the test writes input_event records into;
// unplugging closes the write end (the reader sees end of file, as it sees ENODEV from a
// real device); unplugged, open fails with ENOENT (the by-id link is gone).
#pragma once

#include <cerrno>
#include <cstdint>
#include <string>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/input.h>
#include <unistd.h>

#include "drivers/gpiod/evdev_reader.hpp"

namespace locker::drivers::gpiod_backend::testing {

class fake_evdev {
 public:
  explicit fake_evdev(bool plugged = true) : plugged_(plugged) {}
  fake_evdev(const fake_evdev&) = delete;
  fake_evdev& operator=(const fake_evdev&) = delete;
  ~fake_evdev() { close_writer(); }

  // Ops for the reader; this fake must outlive it.
  evdev_ops ops() {
    evdev_ops o;
    o.open = [this](const std::string& path, std::error_code& ec) {
      ++opens_;
      opened_path_ = path;
      if (!plugged_) {
        ec = std::error_code(ENOENT, std::system_category());
        return -1;
      }
      int fds[2];
      if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
        ec = std::error_code(errno, std::system_category());
        return -1;
      }
      close_writer();
      writer_ = fds[1];
      return fds[0];
    };
    o.grab = [this](int) {
      ++grabs_;
      return grab_result_;
    };
    return o;
  }

  void plug() { plugged_ = true; }
  void unplug() {
    plugged_ = false;
    close_writer();
  }
  void grab_fails(std::error_code ec) { grab_result_ = ec; }

  void write(const std::vector<input_event>& evs) {
    write_bytes(evs.data(), evs.size() * sizeof(input_event));
  }
  void write_bytes(const void* p, std::size_t n) {
    ASSERT_GE(writer_, 0) << "not open";
    ASSERT_EQ(::write(writer_, p, n), static_cast<ssize_t>(n));
  }
  [[nodiscard]] bool open() const { return writer_ >= 0; }
  [[nodiscard]] int opens() const { return opens_; }
  [[nodiscard]] int grabs() const { return grabs_; }
  [[nodiscard]] const std::string& opened_path() const { return opened_path_; }

 private:
  void close_writer() {
    if (writer_ >= 0) ::close(writer_);
    writer_ = -1;
  }

  bool plugged_;
  int writer_ = -1;
  int opens_ = 0;
  int grabs_ = 0;
  std::string opened_path_;
  std::error_code grab_result_;
};

inline input_event ev(std::uint16_t type, std::uint16_t code, std::int32_t value) {
  input_event e{};
  e.type = type;
  e.code = code;
  e.value = value;
  return e;
}

// A key press and release as a kernel keyboard reports them, shifted when asked.
inline std::vector<input_event> tap(std::uint16_t code, bool shift = false) {
  std::vector<input_event> out;
  if (shift) out.insert(out.end(), {ev(EV_KEY, KEY_LEFTSHIFT, 1), ev(EV_SYN, SYN_REPORT, 0)});
  out.insert(out.end(),
             {ev(EV_MSC, MSC_SCAN, 0x70000 + code), ev(EV_KEY, code, 1), ev(EV_SYN, SYN_REPORT, 0),
              ev(EV_KEY, code, 0), ev(EV_SYN, SYN_REPORT, 0)});
  if (shift) out.insert(out.end(), {ev(EV_KEY, KEY_LEFTSHIFT, 0), ev(EV_SYN, SYN_REPORT, 0)});
  return out;
}

}  // namespace locker::drivers::gpiod_backend::testing
