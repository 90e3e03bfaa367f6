// SPDX-License-Identifier: Apache-2.0
#include "drivers/clock.hpp"

#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include "drivers/asio_clock.hpp"
#include "drivers/virtual_clock.hpp"

namespace locker::drivers {
namespace {

using namespace std::chrono_literals;

TEST(virtual_clock, fires_in_due_order_then_in_set_order) {
  virtual_clock c;
  std::string order;
  c.call_after(30ms, [&] { order += 'c'; });
  c.call_after(10ms, [&] { order += 'a'; });
  c.call_after(20ms, [&] { order += 'b'; });
  c.call_after(20ms, [&] { order += 'B'; });  // same instant: after 'b', which was set first
  c.advance(100ms);
  EXPECT_EQ(order, "abBc");
}

TEST(virtual_clock, now_is_the_due_time_inside_a_callback) {
  virtual_clock c;
  const steady_time start = c.now();
  steady_time seen{};
  c.call_after(25ms, [&] { seen = c.now(); });
  c.advance(100ms);
  EXPECT_EQ(seen - start, 25ms);
  EXPECT_EQ(c.now() - start, 100ms);
}

TEST(virtual_clock, nothing_fires_before_its_time_or_inside_call_after) {
  virtual_clock c;
  int fired = 0;
  c.call_after(0ms, [&] { ++fired; });
  EXPECT_EQ(fired, 0);  // never from inside call_after
  c.call_after(10ms, [&] { ++fired; });
  c.advance(0ms);
  EXPECT_EQ(fired, 1);
  c.advance(9ms);
  EXPECT_EQ(fired, 1);
  c.advance(1ms);
  EXPECT_EQ(fired, 2);
}

TEST(virtual_clock, negative_delay_is_now) {
  virtual_clock c;
  int fired = 0;
  c.call_after(-5ms, [&] { ++fired; });
  c.advance(0ms);
  EXPECT_EQ(fired, 1);
}

TEST(virtual_clock, cancel_removes_only_that_timer_and_is_idempotent) {
  virtual_clock c;
  std::string order;
  const auto a = c.call_after(10ms, [&] { order += 'a'; });
  const auto b = c.call_after(10ms, [&] { order += 'b'; });
  c.cancel(a);
  c.cancel(a);
  c.cancel(12345);  // unknown: no-op
  EXPECT_EQ(c.pending(), 1U);
  c.advance(10ms);
  EXPECT_EQ(order, "b");
  c.cancel(b);  // already fired: no-op
  EXPECT_EQ(c.pending(), 0U);
}

TEST(virtual_clock, callbacks_may_set_and_cancel_timers) {
  virtual_clock c;
  std::vector<int> at;
  const steady_time start = c.now();
  clock::timer_id later = 0;
  later = c.call_after(50ms, [&] { at.push_back(-1); });
  c.call_after(10ms, [&] {
    c.cancel(later);
    c.call_after(0ms, [&] { at.push_back(static_cast<int>((c.now() - start) / 1ms)); });
    c.call_after(15ms, [&] { at.push_back(static_cast<int>((c.now() - start) / 1ms)); });
  });
  c.advance(100ms);
  EXPECT_EQ(at, (std::vector<int>{10, 25}));
}

TEST(virtual_clock, run_until_idle_stops_at_limit) {
  virtual_clock c;
  int fired = 0;
  std::function<void()> again = [&] {
    ++fired;
    c.call_after(1000ms, again);
  };
  c.call_after(1000ms, again);
  EXPECT_FALSE(c.run_until_idle(3500ms));
  EXPECT_EQ(fired, 3);
  virtual_clock d;
  d.call_after(10ms, [&] { ++fired; });
  EXPECT_TRUE(d.run_until_idle());
}

TEST(virtual_clock, wall_time_moves_with_steady_time) {
  virtual_clock c;
  const wall_time w = c.wall_now();
  c.advance(1500ms);
  EXPECT_EQ(c.wall_now() - w, 1500ms);
}

TEST(timer, fires_once_and_disarms) {
  virtual_clock c;
  timer t(c);
  int fired = 0;
  t.start(10ms, [&] { ++fired; });
  EXPECT_TRUE(t.armed());
  c.advance(10ms);
  EXPECT_EQ(fired, 1);
  EXPECT_FALSE(t.armed());
  c.advance(100ms);
  EXPECT_EQ(fired, 1);
}

TEST(timer, restart_replaces_the_pending_callback) {
  virtual_clock c;
  timer t(c);
  std::string order;
  t.start(10ms, [&] { order += 'a'; });
  c.advance(5ms);
  t.start(10ms, [&] { order += 'b'; });
  c.advance(9ms);
  EXPECT_EQ(order, "");
  c.advance(1ms);
  EXPECT_EQ(order, "b");
  EXPECT_EQ(c.pending(), 0U);
}

TEST(timer, cancel_and_destruction_stop_the_callback) {
  virtual_clock c;
  int fired = 0;
  timer t(c);
  t.start(10ms, [&] { ++fired; });
  t.cancel();
  EXPECT_FALSE(t.armed());
  t.cancel();
  {
    timer u(c);
    u.start(10ms, [&] { ++fired; });
  }
  EXPECT_EQ(c.pending(), 0U);
  c.advance(100ms);
  EXPECT_EQ(fired, 0);
}

TEST(timer, callback_may_restart_its_own_timer) {
  virtual_clock c;
  timer t(c);
  int fired = 0;
  std::function<void()> tick = [&] {
    if (++fired < 3) t.start(10ms, tick);
  };
  t.start(10ms, tick);
  c.advance(100ms);
  EXPECT_EQ(fired, 3);
  EXPECT_FALSE(t.armed());
}

// Two timers due at once, each cancelling the other: Asio queues both completions in one turn
// of the loop, so the second one's completion is already on its way, without an error, when
// the first cancels it. It must not fire: a cancelled timer never runs (a debounce restarted
// by a late edge would otherwise report a stale level).
// Two calls `delay` from now, each cancelling the other, the loop run once both are due: how
// many ran.
int fired_of_two_cancelling_each_other(millis delay) {
  boost::asio::io_context io;
  asio_clock c(io);
  int fired = 0;
  clock::timer_id a = 0;
  clock::timer_id b = 0;
  a = c.call_after(delay, [&] {
    ++fired;
    c.cancel(b);
  });
  b = c.call_after(delay, [&] {
    ++fired;
    c.cancel(a);
  });
  std::this_thread::sleep_for(delay + 4ms);  // both due before the loop first looks
  io.run();
  return fired;
}

TEST(asio_clock, a_timer_cancelled_after_it_expired_does_not_fire) {
  EXPECT_EQ(fired_of_two_cancelling_each_other(1ms), 1);
}

// A zero delay is posted, not timed: it runs after the handler that asked for it (never inside
// call_after), in the order asked, and a cancelled one never runs.
TEST(asio_clock, zero_delays_run_after_the_current_handler_in_the_order_asked) {
  boost::asio::io_context io;
  asio_clock c(io);
  std::vector<int> ran;
  clock::timer_id dropped = 0;
  boost::asio::post(io, [&] {
    c.call_after(0ms, [&] { ran.push_back(1); });
    dropped = c.call_after(0ms, [&] { ran.push_back(99); });
    c.call_after(-5ms, [&] { ran.push_back(2); });
    c.call_after(0ms, [&] {
      ran.push_back(3);
      c.call_after(0ms, [&] { ran.push_back(4); });  // asked from a posted call: after it
    });
    ran.push_back(0);
    c.cancel(dropped);
    c.cancel(dropped);  // a no-op, as for any timer
  });
  io.run();
  EXPECT_EQ(ran, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(asio_clock, a_zero_delay_cancelled_by_one_before_it_does_not_run) {
  EXPECT_EQ(fired_of_two_cancelling_each_other(0ms), 1);
}

// A call still in the loop when its clock is gone does nothing (the loop outlives the clock at
// shutdown); the sanitizer build checks that nothing of the clock is touched.
TEST(asio_clock, a_zero_delay_left_in_the_loop_after_its_clock_is_gone_does_nothing) {
  boost::asio::io_context io;
  int fired = 0;
  {
    asio_clock c(io);
    c.call_after(0ms, [&] { ++fired; });
  }
  io.run();
  EXPECT_EQ(fired, 0);
}

}  // namespace
}  // namespace locker::drivers
