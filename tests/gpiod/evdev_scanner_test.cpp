// SPDX-License-Identifier: Apache-2.0
#include "drivers/gpiod/evdev_scanner.hpp"

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

// The keys a scanner presses for text made of capitals, digits and - . /
std::vector<input_event> typed(const std::string& text, std::uint16_t terminator = KEY_ENTER) {
  std::vector<input_event> out;
  const auto add = [&](const std::vector<input_event>& evs) {
    out.insert(out.end(), evs.begin(), evs.end());
  };
  for (const char c : text) {
    std::uint16_t code = 0;
    bool shift = false;
    for (std::uint16_t k = 1; k < KEY_MAX && code == 0; ++k) {
      if (input::us_char_for(k, false) == c) code = k;
      if (code == 0 && input::us_char_for(k, true) == c) {
        code = k;
        shift = true;
      }
    }
    EXPECT_NE(code, 0) << c;
    add(tap(code, shift));
  }
  add(tap(terminator));
  return out;
}

struct scanner_rig : ::testing::Test {
  boost::asio::io_context io;
  virtual_clock clock;
  fake_evdev device;
  std::unique_ptr<evdev_scanner> scanner;
  std::vector<std::string> scans;
  std::vector<std::error_code> faults;

  void make(const evdev_scanner_options& o = {}) {
    scanner = std::make_unique<evdev_scanner>(io, clock, "/dev/input/by-id/usb-scanner-event-kbd",
                                              o, device.ops());
    scanner->on_read([this](const std::string& s) { scans.push_back(s); });
    scanner->on_fault([this](std::error_code ec) { faults.push_back(ec); });
  }
  // Runs what is ready. An io_context that ran out of work (the device was gone) stops
  // until restarted; lockerd's never does (its other work keeps it running).
  void poll() {
    io.restart();
    io.poll();
  }
};

TEST_F(scanner_rig, tracking_numbers_arrive_whole_on_enter_or_tab) {
  make();
  device.write(typed("JJD0099887766"));
  device.write(typed("1Z999AA10123456784", KEY_TAB));
  poll();
  EXPECT_EQ(scans, (std::vector<std::string>{"JJD0099887766", "1Z999AA10123456784"}));
  EXPECT_EQ(device.grabs(), 1);  // the console does not get them
  EXPECT_EQ(scanner->garbled(), 0U);
}

TEST_F(scanner_rig, overlong_scans_are_discarded_and_counted) {
  evdev_scanner_options o;
  o.max_length = 10;
  make(o);
  device.write(typed("ABCDEFGHIJK"));
  device.write(typed("ABCDEFGHIJ"));
  poll();
  EXPECT_EQ(scans, (std::vector<std::string>{"ABCDEFGHIJ"}));
  EXPECT_EQ(scanner->garbled(), 1U);
  EXPECT_EQ(scanner->counters().overlong, 1U);
}

TEST_F(scanner_rig, unplug_mid_scan_and_replug_without_a_restart) {
  make();
  auto half = typed("JJD00");
  half.resize(half.size() - tap(KEY_ENTER).size());  // no terminator: cut by the unplug
  half.insert(half.end(), {ev(EV_KEY, KEY_LEFTSHIFT, 1), ev(EV_SYN, SYN_REPORT, 0)});
  device.write(half);
  poll();
  device.unplug();
  poll();
  ASSERT_EQ(faults.size(), 1U);
  EXPECT_TRUE(faults[0]);
  EXPECT_FALSE(scanner->attached());

  clock.advance(10s);  // unplugged for a while: attempts on the clock, none succeeds
  EXPECT_FALSE(scanner->attached());
  device.plug();
  clock.advance(10s);
  ASSERT_TRUE(scanner->attached());
  ASSERT_EQ(faults.size(), 2U);
  EXPECT_FALSE(faults[1]);

  device.write(typed("1z2"));  // neither the half scan nor the held shift survived
  poll();
  EXPECT_EQ(scans, (std::vector<std::string>{"1z2"}));
}

TEST_F(scanner_rig, a_scanner_missing_at_start_is_found_when_plugged_in) {
  device.unplug();
  make();
  EXPECT_FALSE(scanner->attached());
  EXPECT_EQ(scanner->last_error(), std::error_code(ENOENT, std::system_category()));
  device.plug();
  clock.advance(1s);
  EXPECT_TRUE(scanner->attached());
  device.write(typed("JJD0099887766"));
  poll();
  EXPECT_EQ(scans, (std::vector<std::string>{"JJD0099887766"}));
}

TEST_F(scanner_rig, the_handler_may_destroy_the_scanner) {
  make();
  scanner->on_read([this](const std::string& s) {
    scans.push_back(s);
    scanner.reset();
  });
  device.write(typed("A1"));
  device.write(typed("B2"));
  poll();
  EXPECT_EQ(scans, (std::vector<std::string>{"A1"}));
}

}  // namespace
}  // namespace locker::drivers::gpiod_backend
