// SPDX-License-Identifier: Apache-2.0
#include "drivers/gpiod/evdev_reader.hpp"

#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "drivers/virtual_clock.hpp"
#include "tests/gpiod/fake_evdev.hpp"

namespace locker::drivers::gpiod_backend {
namespace {

using namespace std::chrono_literals;
using testing::ev;
using testing::fake_evdev;
using testing::tap;

struct evdev_reader_rig : ::testing::Test {
  boost::asio::io_context io;
  virtual_clock clock;
  fake_evdev device;
  std::unique_ptr<evdev_reader> reader;
  std::vector<std::uint16_t> keys_down;
  std::vector<std::error_code> faults;

  void make(bool plugged = true, const evdev_reader_options& o = {}) {
    if (!plugged) device.unplug();
    reader = std::make_unique<evdev_reader>(io, clock, "/dev/input/by-id/usb-scanner-event-kbd", o,
                                            device.ops());
    reader->on_event([this](const input_event& e) {
      if (e.type == EV_KEY && e.value == 1) keys_down.push_back(e.code);
    });
    reader->on_fault([this](std::error_code ec) { faults.push_back(ec); });
  }
  // Runs what is ready. An io_context that ran out of work (the device was gone) stops
  // until restarted; lockerd's never does (its other work keeps it running).
  void poll() {
    io.restart();
    io.poll();
  }
};

TEST_F(evdev_reader_rig, opens_and_grabs_the_path_and_reads_its_records) {
  make();
  EXPECT_EQ(device.opened_path(), "/dev/input/by-id/usb-scanner-event-kbd");
  EXPECT_EQ(device.grabs(), 1);
  EXPECT_TRUE(reader->attached());
  device.write(tap(KEY_A));
  device.write(tap(KEY_B));
  poll();
  EXPECT_EQ(keys_down, (std::vector<std::uint16_t>{KEY_A, KEY_B}));
  EXPECT_TRUE(faults.empty());
}

TEST_F(evdev_reader_rig, a_grab_that_fails_is_tolerated) {
  device.grab_fails(std::error_code(ENOTTY, std::system_category()));  // a pipe has no grab
  make();
  EXPECT_EQ(device.grabs(), 1);
  EXPECT_TRUE(reader->attached());
  device.write(tap(KEY_1));
  poll();
  EXPECT_EQ(keys_down, (std::vector<std::uint16_t>{KEY_1}));
}

TEST_F(evdev_reader_rig, grab_can_be_turned_off) {
  evdev_reader_options o;
  o.grab = false;
  make(true, o);
  EXPECT_EQ(device.grabs(), 0);
}

TEST_F(evdev_reader_rig, unplug_is_reported_and_replug_reopens_on_the_clock) {
  make();
  device.unplug();
  poll();
  ASSERT_EQ(faults.size(), 1U);
  EXPECT_TRUE(faults[0]);
  EXPECT_FALSE(reader->attached());
  EXPECT_TRUE(reader->last_error());
  EXPECT_EQ(device.opens(), 1);

  clock.advance(500ms);  // first retry: still unplugged
  EXPECT_EQ(device.opens(), 2);
  device.plug();
  clock.advance(999ms);  // the next wait is doubled
  EXPECT_EQ(device.opens(), 2);
  clock.advance(1ms);
  EXPECT_EQ(device.opens(), 3);
  EXPECT_TRUE(reader->attached());
  EXPECT_EQ(device.grabs(), 2);
  ASSERT_EQ(faults.size(), 2U);
  EXPECT_FALSE(faults[1]);  // attached again

  device.write(tap(KEY_Z));
  poll();
  EXPECT_EQ(keys_down, (std::vector<std::uint16_t>{KEY_Z}));
  EXPECT_EQ(clock.pending(), 0U);  // attached: nothing polls
}

TEST_F(evdev_reader_rig, back_off_doubles_up_to_the_last_retry) {
  evdev_reader_options o;
  o.first_retry = 100ms;
  o.last_retry = 400ms;
  make(false, o);
  EXPECT_FALSE(reader->attached());
  EXPECT_EQ(reader->last_error(), std::error_code(ENOENT, std::system_category()));
  std::vector<int> opens_at;
  for (int ms = 0; ms <= 2000; ms += 100) {
    clock.advance(100ms);
    if (device.opens() > static_cast<int>(opens_at.size()) + 1) opens_at.push_back(ms + 100);
  }
  // Waits of 100, 200, 400, 400, 400...
  EXPECT_EQ(opens_at, (std::vector<int>{100, 300, 700, 1100, 1500, 1900}));
  EXPECT_TRUE(faults.empty());  // never attached: no change to report
}

TEST_F(evdev_reader_rig, a_device_that_stayed_plugged_starts_its_next_outage_at_the_first_wait) {
  evdev_reader_options o;
  o.first_retry = 100ms;
  o.last_retry = 400ms;
  make(false, o);
  clock.advance(100ms + 200ms + 400ms);  // three failed attempts: the wait is at 400
  device.plug();
  clock.advance(400ms);
  ASSERT_TRUE(reader->attached());
  clock.advance(1s);  // stays a while
  device.unplug();
  poll();
  const int before = device.opens();
  device.plug();
  clock.advance(100ms);
  EXPECT_EQ(device.opens(), before + 1);
  EXPECT_TRUE(reader->attached());
}

TEST_F(evdev_reader_rig, a_required_device_missing_at_start_throws_naming_it) {
  evdev_reader_options o;
  o.what = "keypad device";
  o.required = true;
  device.unplug();
  try {
    evdev_reader r(io, clock, "/dev/input/by-id/pinpad", o, device.ops());
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "keypad device /dev/input/by-id/pinpad: No such file or directory");
  }
  EXPECT_EQ(clock.pending(), 0U);
}

TEST_F(evdev_reader_rig, a_record_cut_by_the_unplug_is_not_joined_to_the_next_device) {
  make();
  const input_event cut = ev(EV_KEY, KEY_W, 1);
  device.write_bytes(&cut, 10);  // part of a record, then the device goes away
  poll();
  device.unplug();
  poll();
  device.plug();
  clock.advance(500ms);
  ASSERT_TRUE(reader->attached());
  device.write(tap(KEY_E));
  poll();
  EXPECT_EQ(keys_down, (std::vector<std::uint16_t>{KEY_E}));
}

TEST_F(evdev_reader_rig, handlers_may_destroy_the_reader) {
  make();
  reader->on_event([this](const input_event& e) {
    if (e.type == EV_KEY && e.value == 1) keys_down.push_back(e.code);
    if (e.type == EV_KEY) reader.reset();
  });
  device.write(tap(KEY_1));
  device.write(tap(KEY_2));
  poll();
  EXPECT_EQ(keys_down, (std::vector<std::uint16_t>{KEY_1}));

  make();
  reader->on_fault([this](std::error_code) { reader.reset(); });
  device.unplug();
  poll();
  EXPECT_EQ(reader, nullptr);
  EXPECT_EQ(clock.pending(), 0U);
}

TEST_F(evdev_reader_rig, destruction_stops_the_retries) {
  make(false);
  EXPECT_EQ(clock.pending(), 1U);
  reader.reset();
  EXPECT_EQ(clock.pending(), 0U);
}

TEST(evdev_reader_fd, an_fd_is_read_until_end_of_file_and_never_reopened) {
  boost::asio::io_context io;
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
  evdev_reader r(io, fds[0]);
  std::vector<std::error_code> faults;
  r.on_fault([&](std::error_code ec) { faults.push_back(ec); });
  EXPECT_TRUE(r.attached());
  ::close(fds[1]);
  EXPECT_NO_THROW(io.poll());
  EXPECT_FALSE(r.attached());
  EXPECT_TRUE(r.last_error());
  EXPECT_EQ(faults.size(), 1U);
  EXPECT_EQ(io.poll(), 0U);
}

}  // namespace
}  // namespace locker::drivers::gpiod_backend
