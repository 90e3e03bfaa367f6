// SPDX-License-Identifier: Apache-2.0
#include "drivers/gpiod/gpiod_lines.hpp"

#include <memory>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "drivers/virtual_clock.hpp"
#include "tests/gpiod/fake_port.hpp"

namespace locker::drivers::gpiod_backend {
namespace {

using namespace std::chrono_literals;
using testing::fake_port;
using testing::port_state;

constexpr int rising = ::gpiod::line_event::RISING_EDGE;
constexpr int falling = ::gpiod::line_event::FALLING_EDGE;

struct input_fixture : ::testing::Test {
  boost::asio::io_context io;
  // As in lockerd, the loop always has other work: poll() never finds it stopped while a
  // broken line waits on the (virtual) clock instead of on its fd.
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> busy =
      boost::asio::make_work_guard(io);
  virtual_clock clock;
  std::shared_ptr<port_state> state = std::make_shared<port_state>();
  std::vector<line_event> seen;

  std::unique_ptr<gpiod_input_line> make() {
    auto l = std::make_unique<gpiod_input_line>(io, clock, std::make_unique<fake_port>(state));
    l->on_change([this](line_event e) { seen.push_back(e); });
    return l;
  }
};

TEST_F(input_fixture, nothing_happens_without_events) {
  auto l = make();
  EXPECT_EQ(io.poll(), 0U);  // waiting on the fd, not spinning
  EXPECT_TRUE(seen.empty());
}

TEST_F(input_fixture, edges_arrive_through_the_fd_in_order) {
  auto l = make();
  state->push({rising, 0ns});
  io.poll();
  ASSERT_EQ(seen.size(), 1U);
  EXPECT_TRUE(seen[0].active);
  state->push({falling, 0ns});
  state->push({rising, 0ns});
  state->push({falling, 0ns});
  io.poll();
  ASSERT_EQ(seen.size(), 4U);
  EXPECT_FALSE(seen[1].active);
  EXPECT_TRUE(seen[2].active);
  EXPECT_FALSE(seen[3].active);
  EXPECT_EQ(io.poll(), 0U);
}

TEST_F(input_fixture, a_burst_is_drained_in_one_wakeup) {
  auto l = make();
  for (int i = 0; i < 40; ++i) state->push({i % 2 == 0 ? rising : falling, 0ns});
  io.poll_one();
  EXPECT_EQ(seen.size(), 40U);
}

TEST_F(input_fixture, event_time_is_the_clock_when_the_stamp_is_not_ours) {
  clock.advance(5s);
  auto l = make();
  state->push({rising, 123456789s});
  io.poll();
  ASSERT_EQ(seen.size(), 1U);
  EXPECT_EQ(seen[0].at, clock.now());
}

TEST_F(input_fixture, get_reads_the_line) {
  auto l = make();
  EXPECT_FALSE(l->get());
  state->value = true;
  EXPECT_TRUE(l->get());
}

TEST_F(input_fixture, a_read_error_is_reported_once_and_the_line_stops_waiting) {
  auto l = make();
  std::vector<std::error_code> faults;
  l->on_fault([&](std::error_code ec) { faults.push_back(ec); });
  state->fail_reads = true;
  state->push({rising, 0ns});
  EXPECT_NO_THROW(io.poll());
  EXPECT_TRUE(seen.empty());
  ASSERT_EQ(faults.size(), 1U);
  EXPECT_EQ(faults[0], std::error_code(EIO, std::generic_category()));
  EXPECT_TRUE(l->broken());
  EXPECT_EQ(io.poll(), 0U);  // not rearmed at once: a broken fd must not spin the loop
}

TEST_F(input_fixture, a_broken_line_is_tried_again_and_reports_what_changed_meanwhile) {
  auto l = make();
  std::vector<std::error_code> faults;
  l->on_fault([&](std::error_code ec) { faults.push_back(ec); });
  state->fail_reads = true;
  state->fail_gets = true;
  state->push({rising, 0ns});
  io.poll();
  ASSERT_EQ(faults.size(), 1U);

  // Still dead at the first retry: tried again later, not reported again.
  clock.advance(gpiod_input_line::first_retry);
  io.poll();
  EXPECT_EQ(faults.size(), 1U);
  EXPECT_TRUE(l->broken());

  // The line answers again, and the door opened while it did not.
  state->fail_reads = false;
  state->fail_gets = false;
  state->value = true;
  clock.advance(2 * gpiod_input_line::first_retry);
  io.poll();
  ASSERT_EQ(faults.size(), 2U);
  EXPECT_FALSE(faults[1]) << "recovery is an empty error_code";
  EXPECT_FALSE(l->broken());
  // The level read at recovery first (then the edge that could not be read before).
  ASSERT_GE(seen.size(), 1U);
  EXPECT_TRUE(seen[0].active);
  EXPECT_EQ(seen[0].at, clock.now());
  EXPECT_TRUE(seen.back().active);

  // Listening again: edges arrive as before.
  state->push({falling, 0ns});
  io.poll();
  ASSERT_GE(seen.size(), 2U);
  EXPECT_FALSE(seen.back().active);
  EXPECT_EQ(faults.size(), 2U);
}

TEST_F(input_fixture, retries_slow_down_while_the_line_stays_broken) {
  auto l = make();
  int faults = 0;
  l->on_fault([&](std::error_code ec) { faults += ec ? 1 : 0; });
  state->fail_reads = true;
  state->fail_gets = true;
  state->push({rising, 0ns});
  io.poll();
  const int gets_before = state->gets;
  // Ten minutes of a dead line: 1, 2, 4 ... 60 s apart, not once a second.
  for (int i = 0; i < 600; ++i) {
    clock.advance(std::chrono::seconds{1});
    io.poll();
  }
  EXPECT_EQ(faults, 1);
  const int tries = state->gets - gets_before;
  EXPECT_GE(tries, 10);
  EXPECT_LE(tries, 16);
}

TEST_F(input_fixture, destroyed_line_ignores_a_wakeup_already_due) {
  auto l = make();
  state->push({rising, 0ns});
  l.reset();
  EXPECT_NO_THROW(io.poll());
  EXPECT_TRUE(seen.empty());
  EXPECT_TRUE(state->released);
}

TEST_F(input_fixture, handler_may_destroy_the_line) {
  std::unique_ptr<gpiod_input_line> l = make();
  int calls = 0;
  l->on_change([&](line_event) {
    ++calls;
    l.reset();
  });
  state->push({rising, 0ns});
  state->push({falling, 0ns});
  io.poll();
  EXPECT_EQ(calls, 1);
}

TEST_F(input_fixture, does_not_close_the_ports_fd) {
  auto l = make();
  const int fd = state->pipe_fds[0];
  l.reset();
  io.poll();
  EXPECT_NE(::fcntl(fd, F_GETFD), -1);  // still ours: Asio closed its dup
}

TEST(output_line, set_writes_and_get_returns_the_last_value) {
  auto s = std::make_shared<port_state>();
  auto l = std::make_unique<gpiod_output_line>(std::make_unique<fake_port>(s));
  EXPECT_FALSE(l->get());
  l->set(true);
  EXPECT_TRUE(l->get());
  EXPECT_TRUE(s->value);
  l->set(false);
  EXPECT_FALSE(s->value);
}

TEST(output_line, destruction_drives_inactive_before_release) {
  auto s = std::make_shared<port_state>();
  auto l = std::make_unique<gpiod_output_line>(std::make_unique<fake_port>(s));
  l->set(true);
  l.reset();
  EXPECT_FALSE(s->value);
  EXPECT_TRUE(s->released);
}

TEST(output_line, write_error_is_returned_not_thrown) {
  auto s = std::make_shared<port_state>();
  gpiod_output_line l(std::make_unique<fake_port>(s));
  EXPECT_FALSE(l.set(true));
  s->fail_writes = true;
  std::error_code ec;
  EXPECT_NO_THROW(ec = l.set(false));
  EXPECT_EQ(ec, std::error_code(EIO, std::generic_category()));
  EXPECT_TRUE(l.get()) << "the line keeps the level last written";
  s->fail_writes = false;
}

}  // namespace
}  // namespace locker::drivers::gpiod_backend
