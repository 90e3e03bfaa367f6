// SPDX-License-Identifier: Apache-2.0
#include "drivers/input/wiegand_reader.hpp"

#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include <gtest/gtest.h>

#include "drivers/input/wiegand_frame.hpp"
#include "drivers/virtual_clock.hpp"
#include "tests/drivers/fake_lines.hpp"

namespace locker::drivers::input {
namespace {

using namespace std::chrono_literals;
using drivers::testing::fake_input_line;

struct wiegand_rig : ::testing::Test {
  virtual_clock clock;
  fake_input_line d0{clock};
  fake_input_line d1{clock};
  std::unique_ptr<wiegand_reader> reader = std::make_unique<wiegand_reader>(d0, d1, clock);
  std::vector<std::string> badges;
  std::vector<std::pair<std::string, millis>> badge_times;
  std::vector<wiegand_error> garbled;
  std::vector<std::error_code> faults;
  steady_time start = clock.now();

  void SetUp() override {
    reader->on_read([this](const std::string& id) {
      badges.push_back(id);
      badge_times.emplace_back(id, std::chrono::duration_cast<millis>(clock.now() - start));
    });
    reader->on_garbled([this](const wiegand_frame& f) { garbled.push_back(f.error); });
    reader->on_fault([this](std::error_code ec) { faults.push_back(ec); });
  }
  // Plays the edges on the fake lines, on virtual time (the lines stamp clock.now()).
  void play(const std::vector<wiegand_edge>& edges) {
    const steady_time begin = clock.now();
    for (const auto& e : edges) {
      const auto due = begin + e.at;
      if (due > clock.now()) clock.advance(std::chrono::ceil<millis>(due - clock.now()));
      (e.wire == wiegand_wire::d0 ? d0 : d1).drive(e.active);
    }
  }
  // Reads the edges late, as gpiod's loop does after a stall: all of one line's (each
  // stamped when it happened), then all of the other's.
  void read_late_line_by_line(const std::vector<wiegand_edge>& edges, wiegand_wire first) {
    const steady_time begin = clock.now();
    const wiegand_wire second = first == wiegand_wire::d0 ? wiegand_wire::d1 : wiegand_wire::d0;
    for (const auto wire : {first, second}) {
      for (const auto& e : edges) {
        if (e.wire == wire)
          (wire == wiegand_wire::d0 ? d0 : d1).drive_stamped(e.active, begin + e.at);
      }
    }
  }
};

TEST_F(wiegand_rig, a_badge_is_reported_a_frame_gap_after_its_last_pulse) {
  // The last pulse starts at 50 ms; its release (played at 51 ms: whole virtual ms) does
  // not count, so the frame ends at 75 ms.
  play(wiegand_pulses(wiegand26(42, 4242)));
  ASSERT_EQ(clock.now() - start, 51ms);
  clock.advance(23ms);
  EXPECT_TRUE(badges.empty());
  clock.advance(1ms);
  ASSERT_EQ(badges, (std::vector<std::string>{"42:4242"}));
  EXPECT_EQ(badge_times[0].second, 75ms);
  EXPECT_EQ(reader->garbled(), 0U);
  EXPECT_EQ(reader->counters().badges, 1U);
  EXPECT_EQ(clock.pending(), 0U);  // idle: no timer left running
}

TEST_F(wiegand_rig, two_badges_in_a_row_and_a_34_bit_one) {
  play(wiegand_pulses(wiegand26(1, 100)));
  clock.advance(500ms);
  play(wiegand_pulses(wiegand34(2000, 200)));
  clock.advance(500ms);
  EXPECT_EQ(badges, (std::vector<std::string>{"1:100", "2000:200"}));
}

TEST_F(wiegand_rig, a_garbled_frame_is_ignored_and_counted) {
  auto bad = wiegand26(42, 4242);
  bad[20] = !bad[20];
  play(wiegand_pulses(bad));
  clock.advance(100ms);
  play(wiegand_pulses(wiegand_bits(30, 12345)));
  clock.advance(100ms);
  EXPECT_TRUE(badges.empty());
  EXPECT_EQ(reader->garbled(), 2U);
  EXPECT_EQ(garbled,
            (std::vector<wiegand_error>{wiegand_error::parity, wiegand_error::wrong_length}));
  play(wiegand_pulses(wiegand26(42, 4242)));
  clock.advance(100ms);
  EXPECT_EQ(badges, (std::vector<std::string>{"42:4242"}));
}

// A pulse input (the gpiod backend's) reports each pulse's start and never its release.
TEST_F(wiegand_rig, a_line_that_reports_only_pulse_starts_is_read) {
  const steady_time begin = clock.now();
  for (const auto& e : wiegand_pulses(wiegand26(12, 3456))) {
    if (!e.active) continue;
    clock.advance(std::chrono::ceil<millis>(begin + e.at - clock.now()));
    (e.wire == wiegand_wire::d0 ? d0 : d1).report({true, begin + e.at});
  }
  clock.advance(100ms);
  EXPECT_EQ(badges, (std::vector<std::string>{"12:3456"}));
  EXPECT_TRUE(garbled.empty());
}

// Overlapping pulses are two bits: the frame is judged by its length and parity.
TEST_F(wiegand_rig, pulses_on_both_lines_at_once_are_two_bits) {
  d0.drive(true);
  d1.drive(true);
  d1.drive(false);
  d0.drive(false);
  clock.advance(100ms);
  EXPECT_EQ(garbled, (std::vector<wiegand_error>{wiegand_error::wrong_length}));
}

// gpiod gives each line its own kernel queue; a loop that was late reads all of D0's
// edges and then all of D1's. Their timestamps put the frame back in order.
TEST_F(wiegand_rig, edges_read_late_line_by_line_decode_in_the_order_they_happened) {
  read_late_line_by_line(wiegand_pulses(wiegand26(12, 3456)), wiegand_wire::d0);
  clock.advance(100ms);
  EXPECT_EQ(badges, (std::vector<std::string>{"12:3456"}));
  EXPECT_TRUE(garbled.empty());
}

// Two frames in one late read are told apart by the gap between their timestamps.
TEST_F(wiegand_rig, two_frames_read_late_at_once_are_both_reported) {
  auto edges = wiegand_pulses(wiegand26(1, 1));
  for (auto e : wiegand_pulses(wiegand26(2, 2))) {
    e.at += 200ms;
    edges.push_back(e);
  }
  read_late_line_by_line(edges, wiegand_wire::d1);
  clock.advance(100ms);
  EXPECT_EQ(badges, (std::vector<std::string>{"1:1", "2:2"}));
}

TEST_F(wiegand_rig, frame_gap_comes_from_the_options) {
  wiegand_options o;
  o.frame_gap = 40ms;
  reader.reset();  // first: its destructor detaches from the lines
  reader = std::make_unique<wiegand_reader>(d0, d1, clock, o);
  SetUp();
  play(wiegand_pulses(wiegand26(3, 3), 50us, 30ms));  // 30 ms between bits: one frame at 40
  clock.advance(1s);
  EXPECT_EQ(badges, (std::vector<std::string>{"3:3"}));
}

TEST_F(wiegand_rig, faults_of_either_line_are_reported_once_and_cleared_when_both_work) {
  const auto broken = std::make_error_code(std::errc::io_error);
  d0.fault(broken);
  d1.fault(broken);
  d0.fault({});
  EXPECT_EQ(faults, (std::vector<std::error_code>{broken}));
  d1.fault({});
  EXPECT_EQ(faults, (std::vector<std::error_code>{broken, std::error_code{}}));
}

TEST_F(wiegand_rig, the_handler_may_destroy_the_reader) {
  reader->on_read([this](const std::string& id) {
    badges.push_back(id);
    reader.reset();
  });
  play(wiegand_pulses(wiegand26(8, 8)));
  clock.advance(100ms);
  EXPECT_EQ(badges, (std::vector<std::string>{"8:8"}));
  EXPECT_FALSE(d0.has_handler());
  EXPECT_FALSE(d1.has_fault_handler());
}

TEST_F(wiegand_rig, destruction_detaches_from_the_lines_and_stops_the_timer) {
  d1.drive(true);
  reader.reset();
  EXPECT_FALSE(d0.has_handler());
  EXPECT_FALSE(d1.has_handler());
  EXPECT_EQ(clock.pending(), 0U);
}

}  // namespace
}  // namespace locker::drivers::input
