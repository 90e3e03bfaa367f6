// SPDX-License-Identifier: Apache-2.0
#include "drivers/gpiod/evdev_keypad.hpp"

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "drivers/virtual_clock.hpp"
#include "tests/gpiod/fake_evdev.hpp"

namespace locker::drivers::gpiod_backend {
namespace {

TEST(key_for, digits_from_the_main_row_keypad_and_numeric_keys) {
  const int main_row[] = {KEY_0, KEY_1, KEY_2, KEY_3, KEY_4, KEY_5, KEY_6, KEY_7, KEY_8, KEY_9};
  const int keypad[] = {KEY_KP0, KEY_KP1, KEY_KP2, KEY_KP3, KEY_KP4,
                        KEY_KP5, KEY_KP6, KEY_KP7, KEY_KP8, KEY_KP9};
  for (int d = 0; d < 10; ++d) {
    const char want = static_cast<char>('0' + d);
    EXPECT_EQ(key_for(static_cast<std::uint16_t>(main_row[d])), want);
    EXPECT_EQ(key_for(static_cast<std::uint16_t>(keypad[d])), want);
    EXPECT_EQ(key_for(static_cast<std::uint16_t>(KEY_NUMERIC_0 + d)), want);
  }
}

TEST(key_for, star_hash_and_letters) {
  EXPECT_EQ(key_for(KEY_KPASTERISK), '*');
  EXPECT_EQ(key_for(KEY_BACKSPACE), '*');
  EXPECT_EQ(key_for(KEY_NUMERIC_STAR), '*');
  EXPECT_EQ(key_for(KEY_ENTER), '#');
  EXPECT_EQ(key_for(KEY_KPENTER), '#');
  EXPECT_EQ(key_for(KEY_NUMERIC_POUND), '#');
  EXPECT_EQ(key_for(KEY_A), 'A');
  EXPECT_EQ(key_for(KEY_D), 'D');
}

TEST(key_for, other_keys_are_nothing) {
  EXPECT_EQ(key_for(KEY_E), 0);
  EXPECT_EQ(key_for(KEY_LEFTSHIFT), 0);
  EXPECT_EQ(key_for(KEY_ESC), 0);
  EXPECT_EQ(key_for(0), 0);
  EXPECT_EQ(key_for(0xffff), 0);
}

// Feeds input_event records through a pipe: the keypad's real read path runs.
struct evdev : ::testing::Test {
  boost::asio::io_context io;
  int fds[2] = {-1, -1};
  std::unique_ptr<evdev_keypad> pad;
  std::string typed;

  void SetUp() override {
    ASSERT_EQ(::pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
    pad = std::make_unique<evdev_keypad>(io, fds[0]);
    pad->on_key([this](char k) { typed += k; });
  }
  void TearDown() override {
    pad.reset();
    if (fds[1] >= 0) ::close(fds[1]);
  }
  static input_event ev(std::uint16_t type, std::uint16_t code, std::int32_t value) {
    input_event e{};
    e.type = type;
    e.code = code;
    e.value = value;
    return e;
  }
  // A key press as a kernel keyboard reports it: scan code, key, sync.
  static std::vector<input_event> press(std::uint16_t code) {
    return {ev(EV_MSC, MSC_SCAN, 0x70027), ev(EV_KEY, code, 1),       ev(EV_SYN, SYN_REPORT, 0),
            ev(EV_KEY, code, 2),           ev(EV_SYN, SYN_REPORT, 0),  // autorepeat: ignored
            ev(EV_KEY, code, 0),           ev(EV_SYN, SYN_REPORT, 0)};
  }
  void write_bytes(const void* p, std::size_t n) {
    ASSERT_EQ(::write(fds[1], p, n), static_cast<ssize_t>(n));
  }
  void write_events(const std::vector<input_event>& evs) {
    write_bytes(evs.data(), evs.size() * sizeof(input_event));
  }
};

TEST_F(evdev, key_down_is_reported_once) {
  write_events(press(KEY_KP4));
  io.poll();
  EXPECT_EQ(typed, "4");
}

TEST_F(evdev, a_code_typed_in_one_burst) {
  std::vector<input_event> all;
  for (const std::uint16_t k : {KEY_1, KEY_2, KEY_KP3, KEY_KPASTERISK, KEY_9, KEY_KPENTER}) {
    const auto p = press(k);
    all.insert(all.end(), p.begin(), p.end());
  }
  write_events(all);  // 42 records: more than one read's buffer
  io.poll();
  EXPECT_EQ(typed, "123*9#");
}

TEST_F(evdev, a_record_split_across_reads_is_joined) {
  const auto p = press(KEY_7);
  const auto* bytes = reinterpret_cast<const unsigned char*>(p.data());
  write_bytes(bytes, sizeof(input_event) + 5);
  io.poll();
  EXPECT_EQ(typed, "");
  write_bytes(bytes + sizeof(input_event) + 5,
              p.size() * sizeof(input_event) - sizeof(input_event) - 5);
  io.poll();
  EXPECT_EQ(typed, "7");
}

TEST_F(evdev, unmapped_keys_are_ignored) {
  write_events(press(KEY_Q));
  write_events(press(KEY_0));
  io.poll();
  EXPECT_EQ(typed, "0");
}

TEST_F(evdev, end_of_file_stops_reading_without_throwing) {
  ::close(fds[1]);
  fds[1] = -1;
  EXPECT_NO_THROW(io.poll());
  EXPECT_TRUE(pad->last_error());
  EXPECT_EQ(io.poll(), 0U);
}

TEST_F(evdev, handler_may_destroy_the_keypad) {
  pad->on_key([this](char k) {
    typed += k;
    pad.reset();
  });
  write_events(press(KEY_1));
  write_events(press(KEY_2));
  io.poll();
  EXPECT_EQ(typed, "1");
}

TEST(evdev_device, missing_device_names_it) {
  boost::asio::io_context io;
  try {
    evdev_keypad pad(io, std::string("/dev/input/no-such-event99"));
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/dev/input/no-such-event99: No such file or directory"),
              std::string::npos)
        << e.what();
  }
}

// Opened by path with a clock (as gpiod_board opens it): grabbed, and back after a replug.
TEST(evdev_keypad_device, grabbed_and_reopened_after_an_unplug) {
  using namespace std::chrono_literals;
  boost::asio::io_context io;
  virtual_clock clock;
  testing::fake_evdev device;
  evdev_keypad pad(io, clock, "/dev/input/by-path/platform-keypad-event", device.ops());
  std::string typed;
  std::vector<std::error_code> faults;
  pad.on_key([&](char k) { typed += k; });
  pad.on_fault([&](std::error_code ec) { faults.push_back(ec); });
  EXPECT_EQ(device.grabs(), 1);
  device.write(testing::tap(KEY_KP1));
  io.poll();
  device.unplug();
  io.restart();
  io.poll();
  EXPECT_FALSE(pad.attached());
  device.plug();
  clock.advance(1s);
  EXPECT_TRUE(pad.attached());
  device.write(testing::tap(KEY_KP2));
  io.restart();
  io.poll();
  EXPECT_EQ(typed, "12");
  ASSERT_EQ(faults.size(), 2U);
  EXPECT_TRUE(faults[0]);
  EXPECT_FALSE(faults[1]);
}

TEST(evdev_keypad_device, missing_at_start_names_it_even_with_a_clock) {
  boost::asio::io_context io;
  virtual_clock clock;
  testing::fake_evdev device(false);
  EXPECT_THROW(
      {
        try {
          evdev_keypad pad(io, clock, "/dev/input/by-path/platform-keypad-event", device.ops());
        } catch (const std::runtime_error& e) {
          EXPECT_STREQ(e.what(),
                       "keypad device /dev/input/by-path/platform-keypad-event: No such file or "
                       "directory");
          throw;
        }
      },
      std::runtime_error);
}

}  // namespace
}  // namespace locker::drivers::gpiod_backend
