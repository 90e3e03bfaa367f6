// SPDX-License-Identifier: Apache-2.0
#include "drivers/debounced_input.hpp"

#include <memory>
#include <system_error>
#include <vector>

#include <gtest/gtest.h>

#include "drivers/virtual_clock.hpp"
#include "tests/drivers/fake_lines.hpp"

namespace locker::drivers {
namespace {

using namespace std::chrono_literals;
using testing::fake_input_line;

struct debounce : ::testing::Test {
  virtual_clock clock;
  fake_input_line line{clock};
  std::vector<std::pair<bool, millis>> changes;
  steady_time start = clock.now();

  std::unique_ptr<debounced_input> make(millis settle) {
    auto in = std::make_unique<debounced_input>(line, clock, settle);
    in->on_change([this](bool active) {
      changes.emplace_back(active, std::chrono::duration_cast<millis>(clock.now() - start));
    });
    return in;
  }
  // Toggles the line n times, `every` apart.
  void bounce(int n, millis every) {
    for (int i = 0; i < n; ++i) {
      line.drive(!line.get());
      clock.advance(every);
    }
  }
};

TEST_F(debounce, starts_from_the_line_level) {
  fake_input_line high(clock, true);
  debounced_input in(high, clock, 30ms);
  EXPECT_TRUE(in.get());
}

TEST_F(debounce, bounce_train_gives_exactly_one_change_after_it_settles) {
  auto in = make(30ms);
  bounce(7, 2ms);  // ends active after an odd number of toggles, last edge at t=12ms
  EXPECT_TRUE(changes.empty());
  EXPECT_FALSE(in->get());
  clock.advance(100ms);
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_TRUE(changes[0].first);
  EXPECT_EQ(changes[0].second, 12ms + 30ms);
  EXPECT_TRUE(in->get());
}

TEST_F(debounce, glitch_shorter_than_settle_changes_nothing) {
  auto in = make(30ms);
  line.drive(true);
  clock.advance(5ms);
  line.drive(false);
  clock.advance(200ms);
  EXPECT_TRUE(changes.empty());
  EXPECT_FALSE(in->get());
}

TEST_F(debounce, level_held_just_under_settle_is_not_reported) {
  auto in = make(30ms);
  line.drive(true);
  clock.advance(29ms);
  EXPECT_TRUE(changes.empty());
  clock.advance(1ms);
  EXPECT_EQ(changes.size(), 1U);
}

TEST_F(debounce, bouncing_shorter_than_the_unsettled_limit_is_hidden) {
  auto in = make(30ms);
  bounce(10, 10ms);  // 100 ms of bounce: under 4 x settle, as any real contact
  EXPECT_TRUE(changes.empty());
  line.drive(true);
  const auto stopped = std::chrono::duration_cast<millis>(clock.now() - start);
  clock.advance(30ms);
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_TRUE(changes[0].first);
  EXPECT_EQ(changes[0].second, stopped + 30ms);
}

TEST_F(debounce, chatter_that_never_settles_is_sampled_once_per_settle_period) {
  auto in = make(30ms);
  bounce(200, 10ms);  // two seconds of chatter, every gap shorter than settle
  // Hidden for the first 4 x settle, then sampled: a loose wire must not look like a
  // quiet door, or the compartment could never call it a sensor_fault.
  ASSERT_FALSE(changes.empty());
  EXPECT_GE(changes.front().second, 120ms);
  for (std::size_t i = 1; i < changes.size(); ++i) {
    EXPECT_GE(changes[i].second - changes[i - 1].second, 30ms);
    EXPECT_NE(changes[i].first, changes[i - 1].first);
  }
  EXPECT_GE(changes.size(), 10U);  // enough for the compartment's chatter detection
  line.drive(!in->get());          // ... and it stops at the other level
  const bool final_level = line.get();
  const auto before = changes.size();
  clock.advance(30ms);
  ASSERT_EQ(changes.size(), before + 1);
  EXPECT_EQ(changes.back().first, final_level);
  EXPECT_EQ(in->get(), final_level);
}

// The classifier (issue 12): edges inside the debounce window that go on longer than any
// contact bounces are chatter, said once and before the first sampled change; a person's move
// (a bounce train, then a level held) is only a change, however quickly the next one follows.
TEST_F(debounce, chatter_is_said_once_before_its_first_sample_and_ends_when_it_settles) {
  auto in = make(30ms);
  std::vector<std::pair<std::size_t, millis>> chatter;  // changes seen so far, when
  in->on_chatter([&] {
    chatter.emplace_back(changes.size(), std::chrono::duration_cast<millis>(clock.now() - start));
  });
  bounce(100, 5ms);  // half a second of millisecond edges
  ASSERT_EQ(chatter.size(), 1U);
  EXPECT_EQ(chatter[0].first, 0U) << "said before any sampled change";
  EXPECT_GE(chatter[0].second, 120ms);
  EXPECT_TRUE(in->chattering());
  clock.advance(30ms);  // settles
  EXPECT_FALSE(in->chattering());
  bounce(100, 5ms);  // and chatters again: said again
  EXPECT_EQ(chatter.size(), 2U);
}

TEST_F(debounce, a_person_moving_a_door_quickly_is_never_chatter) {
  auto in = make(30ms);
  int chatter = 0;
  in->on_chatter([&] { ++chatter; });
  // Open and shut twenty times, each level held 100 ms after a 4-edge contact bounce.
  for (int i = 0; i < 20; ++i) {
    bounce(5, 1ms);
    clock.advance(95ms);
  }
  EXPECT_EQ(chatter, 0);
  EXPECT_FALSE(in->chattering());
  EXPECT_EQ(changes.size(), 20U);
}

TEST_F(debounce, press_and_release_give_two_changes) {
  auto in = make(30ms);
  bounce(3, 1ms);
  clock.advance(100ms);
  bounce(5, 1ms);  // back to inactive after an odd train from active
  clock.advance(100ms);
  ASSERT_EQ(changes.size(), 2U);
  EXPECT_TRUE(changes[0].first);
  EXPECT_FALSE(changes[1].first);
  EXPECT_FALSE(in->get());
}

TEST_F(debounce, settle_zero_reports_every_level_on_the_loop) {
  auto in = make(0ms);
  line.drive(true);
  EXPECT_TRUE(changes.empty());  // never from inside the edge handler
  clock.advance(0ms);
  line.drive(false);
  clock.advance(0ms);
  ASSERT_EQ(changes.size(), 2U);
  EXPECT_TRUE(changes[0].first);
  EXPECT_FALSE(changes[1].first);
}

TEST_F(debounce, settle_zero_collapses_edges_between_loop_turns) {
  auto in = make(0ms);
  line.drive(true);
  line.drive(false);
  clock.advance(0ms);
  EXPECT_TRUE(changes.empty());
}

TEST_F(debounce, destroyed_input_stops_its_timer) {
  auto in = make(30ms);
  line.drive(true);
  in.reset();
  clock.advance(100ms);
  EXPECT_TRUE(changes.empty());
  EXPECT_EQ(clock.pending(), 0U);
}

TEST_F(debounce, edges_after_destruction_are_harmless) {
  auto in = make(30ms);
  in.reset();
  line.drive(true);  // the line must not call into the destroyed input
  clock.advance(100ms);
  EXPECT_TRUE(changes.empty());
}

TEST_F(debounce, door_sensor_reports_open_and_closed) {
  debounced_door_sensor door(line, clock, 30ms);
  std::vector<bool> seen;
  door.on_change([&](bool open) { seen.push_back(open); });
  bounce(3, 1ms);
  clock.advance(50ms);
  EXPECT_TRUE(door.open());
  line.drive(false);
  clock.advance(50ms);
  EXPECT_FALSE(door.open());
  EXPECT_EQ(seen, (std::vector<bool>{true, false}));
}

TEST_F(debounce, line_faults_reach_the_sensor_owner_and_stop_with_the_sensor) {
  std::vector<std::error_code> faults;
  {
    debounced_presence_sensor presence(line, clock, 30ms);
    presence.on_fault([&](std::error_code ec) { faults.push_back(ec); });
    line.fault(std::make_error_code(std::errc::io_error));
    line.fault({});
    EXPECT_EQ(faults, (std::vector<std::error_code>{std::make_error_code(std::errc::io_error),
                                                    std::error_code{}}));
  }
  EXPECT_FALSE(line.has_fault_handler()) << "the line must not call into the destroyed sensor";
}

}  // namespace
}  // namespace locker::drivers
