// SPDX-License-Identifier: Apache-2.0
#include "drivers/pulsed_lock.hpp"

#include <memory>
#include <system_error>
#include <vector>

#include <gtest/gtest.h>

#include "drivers/virtual_clock.hpp"
#include "tests/drivers/fake_lines.hpp"

namespace locker::drivers {
namespace {

using namespace std::chrono_literals;
using testing::fake_output_line;

struct pulse {
  millis start;
  millis length;
};

struct pulses : ::testing::Test {
  virtual_clock clock;
  steady_time t0 = clock.now();
  int energized_now = 0;
  int energized_max = 0;

  // Coils that count how many are on at once: the shared supply's view.
  std::unique_ptr<fake_output_line> coil() {
    auto c = std::make_unique<fake_output_line>(clock);
    c->on_set([this, last = std::make_shared<bool>(false)](bool on) {
      if (on == *last) return;
      *last = on;
      energized_now += on ? 1 : -1;
      energized_max = std::max(energized_max, energized_now);
    });
    return c;
  }

  std::vector<pulse> pulses_of(const fake_output_line& l) const {
    std::vector<pulse> out;
    std::optional<steady_time> on;
    for (const auto& ch : l.history()) {
      if (ch.active) {
        on = ch.at;
      } else if (on) {
        out.push_back({std::chrono::duration_cast<millis>(*on - t0),
                       std::chrono::duration_cast<millis>(ch.at - *on)});
        on.reset();
      }
    }
    EXPECT_FALSE(on.has_value()) << "coil left energized";
    return out;
  }
};

TEST_F(pulses, construction_drives_the_coil_to_safe_state) {
  auto c = coil();
  coil_supply supply(clock);
  pulsed_lock l(*c, supply, 300ms, 1000ms);
  EXPECT_GE(c->writes(), 1);
  EXPECT_FALSE(c->get());
  EXPECT_FALSE(l.energized());
}

TEST_F(pulses, one_unlock_is_one_pulse_of_the_asked_length) {
  auto c = coil();
  coil_supply supply(clock);
  pulsed_lock l(*c, supply, 300ms, 1000ms);
  l.unlock();
  EXPECT_TRUE(l.energized());
  clock.advance(299ms);
  EXPECT_TRUE(l.energized());
  clock.advance(1ms);
  EXPECT_FALSE(l.energized());
  clock.advance(5s);
  const auto p = pulses_of(*c);
  ASSERT_EQ(p.size(), 1U);
  EXPECT_EQ(p[0].length, 300ms);
}

TEST_F(pulses, pulse_is_clamped_to_the_maximum) {
  auto c = coil();
  coil_supply supply(clock);
  pulsed_lock l(*c, supply, 5000ms, 1000ms);
  EXPECT_EQ(l.pulse_length(), 1000ms);
  l.unlock();
  clock.advance(10s);
  const auto p = pulses_of(*c);
  ASSERT_EQ(p.size(), 1U);
  EXPECT_EQ(p[0].length, 1000ms);
}

TEST_F(pulses, nonsense_lengths_still_give_a_bounded_pulse) {
  auto a = coil();
  auto b = coil();
  coil_supply supply(clock);
  pulsed_lock zero(*a, supply, 0ms, 1000ms);
  pulsed_lock no_max(*b, supply, 300ms, 0ms);
  EXPECT_GE(zero.pulse_length(), 1ms);
  EXPECT_LE(no_max.pulse_length(), 1ms);
  zero.unlock();
  no_max.unlock();
  clock.advance(10s);
  for (const auto& p : pulses_of(*a)) EXPECT_LE(p.length, 1000ms);
  for (const auto& p : pulses_of(*b)) EXPECT_LE(p.length, 1ms);
}

TEST_F(pulses, never_two_coils_at_once_and_served_in_order_with_the_gap) {
  // The supply first: each lock tells it on destruction, so it must outlive them.
  coil_supply supply(clock, 50ms);
  std::vector<std::unique_ptr<fake_output_line>> coils;
  std::vector<std::unique_ptr<pulsed_lock>> locks;
  for (int i = 0; i < 4; ++i) {
    coils.push_back(coil());
    locks.push_back(std::make_unique<pulsed_lock>(*coils.back(), supply, 300ms, 1000ms));
  }
  locks[2]->unlock();
  locks[0]->unlock();
  locks[3]->unlock();
  locks[1]->unlock();
  EXPECT_TRUE(supply.busy());
  clock.advance(10s);
  EXPECT_EQ(energized_max, 1);
  EXPECT_FALSE(supply.busy());

  // Order of requests: 2, 0, 3, 1; each starts a gap after the previous one ends.
  const std::vector<int> order{2, 0, 3, 1};
  millis expected_start{0};
  for (const int i : order) {
    const auto p = pulses_of(*coils[static_cast<std::size_t>(i)]);
    ASSERT_EQ(p.size(), 1U) << "lock " << i;
    EXPECT_EQ(p[0].start, expected_start) << "lock " << i;
    EXPECT_EQ(p[0].length, 300ms);
    expected_start += 300ms + 50ms;
  }
}

TEST_F(pulses, second_unlock_while_queued_or_running_is_merged) {
  auto a = coil();
  auto b = coil();
  coil_supply supply(clock, 50ms);
  pulsed_lock la(*a, supply, 300ms, 1000ms);
  pulsed_lock lb(*b, supply, 300ms, 1000ms);
  la.unlock();
  lb.unlock();
  lb.unlock();  // queued: same unlock
  clock.advance(100ms);
  la.unlock();  // running: same unlock
  clock.advance(10s);
  EXPECT_EQ(pulses_of(*a).size(), 1U);
  EXPECT_EQ(pulses_of(*b).size(), 1U);
  EXPECT_EQ(energized_max, 1);
}

TEST_F(pulses, unlock_after_the_pulse_is_a_new_pulse_after_the_gap) {
  auto a = coil();
  coil_supply supply(clock, 50ms);
  pulsed_lock la(*a, supply, 300ms, 1000ms);
  la.unlock();
  clock.advance(300ms);
  la.unlock();  // in the gap: waits for it
  clock.advance(10s);
  const auto p = pulses_of(*a);
  ASSERT_EQ(p.size(), 2U);
  EXPECT_EQ(p[1].start, 350ms);
}

TEST_F(pulses, destroying_a_lock_mid_pulse_releases_the_coil_and_the_supply) {
  auto a = coil();
  auto b = coil();
  coil_supply supply(clock, 50ms);
  auto la = std::make_unique<pulsed_lock>(*a, supply, 300ms, 1000ms);
  pulsed_lock lb(*b, supply, 300ms, 1000ms);
  la->unlock();
  lb.unlock();
  clock.advance(100ms);
  EXPECT_TRUE(a->get());
  la.reset();
  EXPECT_FALSE(a->get());
  clock.advance(10s);
  EXPECT_EQ(energized_max, 1);
  const auto p = pulses_of(*b);
  ASSERT_EQ(p.size(), 1U);
  EXPECT_EQ(p[0].start, 150ms);  // released at 100 ms, then the gap
  EXPECT_EQ(p[0].length, 300ms);
}

TEST_F(pulses, destroying_a_queued_lock_drops_its_request) {
  auto a = coil();
  auto b = coil();
  auto c = coil();
  coil_supply supply(clock, 50ms);
  pulsed_lock la(*a, supply, 300ms, 1000ms);
  auto lb = std::make_unique<pulsed_lock>(*b, supply, 300ms, 1000ms);
  pulsed_lock lc(*c, supply, 300ms, 1000ms);
  la.unlock();
  lb->unlock();
  lc.unlock();
  lb.reset();
  clock.advance(10s);
  EXPECT_TRUE(b->history().empty());
  const auto p = pulses_of(*c);
  ASSERT_EQ(p.size(), 1U);
  EXPECT_EQ(p[0].start, 350ms);
}

// Two locks on one coil supply that leaves 50 ms between two pulses.
struct two_locks : pulses {
  std::unique_ptr<fake_output_line> c1 = coil();
  std::unique_ptr<fake_output_line> c2 = coil();
  coil_supply supply{clock, 50ms};
  pulsed_lock a{*c1, supply, 300ms, 1000ms};
  pulsed_lock b{*c2, supply, 300ms, 1000ms};
};

TEST_F(two_locks, release_ends_a_running_pulse_and_frees_the_supply) {
  a.unlock();
  b.unlock();  // waits for a
  clock.advance(60ms);
  a.release();  // the door opened
  EXPECT_FALSE(a.energized());
  clock.advance(50ms);  // the gap
  EXPECT_TRUE(b.energized());
  clock.advance(1s);
  const auto pa = pulses_of(*c1);
  ASSERT_EQ(pa.size(), 1U);
  EXPECT_EQ(pa[0].length, 60ms);
  EXPECT_EQ(pulses_of(*c2).size(), 1U);
  EXPECT_EQ(energized_max, 1);
  a.unlock();  // a new unlock after a release is a new pulse
  clock.advance(1s);
  EXPECT_EQ(pulses_of(*c1).size(), 2U);
}

TEST_F(two_locks, release_drops_a_queued_request_and_is_harmless_when_idle) {
  b.release();  // idle: nothing happens
  a.unlock();
  b.unlock();
  b.release();  // still queued behind a: dropped
  clock.advance(2s);
  EXPECT_EQ(pulses_of(*c1).size(), 1U);
  EXPECT_TRUE(pulses_of(*c2).empty());
}

TEST_F(two_locks, on_pulse_tells_when_a_queued_pulse_really_starts) {
  std::vector<millis> started_a;
  std::vector<millis> started_b;
  a.on_pulse([&] { started_a.push_back(std::chrono::duration_cast<millis>(clock.now() - t0)); });
  b.on_pulse([&] { started_b.push_back(std::chrono::duration_cast<millis>(clock.now() - t0)); });
  a.unlock();  // the supply is free: at once, from inside unlock()
  b.unlock();  // behind a's pulse and the gap
  EXPECT_EQ(started_a, (std::vector<millis>{0ms}));
  EXPECT_TRUE(started_b.empty());
  clock.advance(2s);
  EXPECT_EQ(started_b, (std::vector<millis>{350ms}));
  EXPECT_TRUE(c2->history().front().active);
  EXPECT_EQ(c2->history().front().at - t0, 350ms);
}

TEST_F(two_locks, a_released_queued_request_never_reports_a_pulse) {
  int started_b = 0;
  b.on_pulse([&] { ++started_b; });
  a.unlock();
  b.unlock();
  b.release();
  clock.advance(2s);
  EXPECT_EQ(started_b, 0);
  EXPECT_TRUE(c2->history().empty());
}

TEST_F(two_locks, a_coil_that_cannot_be_energized_is_a_fault_and_frees_the_supply) {
  std::vector<std::error_code> faults;
  int started_a = 0;
  a.on_fault([&](std::error_code ec) { faults.push_back(ec); });
  a.on_pulse([&] { ++started_a; });
  c1->fail_writes(std::make_error_code(std::errc::io_error));
  a.unlock();
  b.unlock();
  EXPECT_TRUE(faults.empty()) << "reported on the loop, not from inside unlock()";
  clock.advance(0ms);
  ASSERT_EQ(faults.size(), 1U);
  EXPECT_EQ(faults[0], std::make_error_code(std::errc::io_error));
  EXPECT_EQ(started_a, 0);
  clock.advance(50ms);  // the gap, then the next coil
  EXPECT_TRUE(b.energized());
  clock.advance(1s);
  EXPECT_EQ(pulses_of(*c2).size(), 1U);
}

TEST_F(two_locks, a_coil_that_cannot_be_switched_off_holds_the_supply_until_it_is) {
  std::vector<std::error_code> faults;
  a.on_fault([&](std::error_code ec) { faults.push_back(ec); });
  a.unlock();
  b.unlock();
  clock.advance(100ms);
  c1->fail_writes(std::make_error_code(std::errc::io_error));  // the line dies mid-pulse
  clock.advance(200ms);                                        // the pulse ends: off fails
  ASSERT_EQ(faults.size(), 1U);
  EXPECT_TRUE(a.energized()) << "may still be on";
  // Never two coils at once: b waits as long as a may be energized.
  clock.advance(5s);
  EXPECT_FALSE(b.energized());
  EXPECT_TRUE(c2->history().empty());
  EXPECT_EQ(faults.size(), 1U) << "one fault, not one per retry";
  const int tries = c1->writes();
  clock.advance(10s);
  EXPECT_LE(c1->writes() - tries, 6) << "retried more and more slowly";
  // The line answers: a is switched off at the next try, then b gets its pulse.
  c1->fail_writes({});
  clock.advance(pulsed_lock::last_off_retry);
  EXPECT_FALSE(a.energized());
  clock.advance(1s);
  EXPECT_EQ(energized_max, 1);
  const auto off = c1->history().back();
  ASSERT_FALSE(off.active);
  const auto pb = pulses_of(*c2);
  ASSERT_EQ(pb.size(), 1U);
  EXPECT_EQ(t0 + pb[0].start, off.at + 50ms) << "after a is off, and the gap";
}

}  // namespace
}  // namespace locker::drivers
