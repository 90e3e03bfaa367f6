// SPDX-License-Identifier: Apache-2.0
// The in-memory link keeps the promises of broker_link.hpp, so what is tested on it holds for
// the Paho link too: done never from inside publish(), false when not connected, deliveries
// failed before the disconnected listeners run, a clean stop bounded, messages only on
// subscribed topics.
#include "daemon/mqtt/memory/memory_link.hpp"

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "drivers/virtual_clock.hpp"

namespace locker::mqtt::testing {
namespace {

using namespace std::chrono_literals;

TEST(memory_link, connects_on_the_loop_after_start_and_only_then) {
  drivers::virtual_clock clock;
  memory_link link(clock);
  int connects = 0;
  link.on_connected([&] { ++connects; });
  link.connect();  // the broker is up, but nobody started the link
  EXPECT_FALSE(link.connected());
  link.start();
  EXPECT_FALSE(link.connected()) << "never from inside start()";
  clock.advance(0ms);
  EXPECT_TRUE(link.connected());
  EXPECT_EQ(connects, 1);
  EXPECT_EQ(link.connects(), 1U);
}

TEST(memory_link, done_runs_on_the_loop_with_the_pubacks_in_any_order) {
  drivers::virtual_clock clock;
  memory_link link(clock);
  link.start();
  clock.advance(0ms);
  std::vector<std::string> done;
  const auto note = [&](const std::string& what) {
    return [&done, what](bool ok) { done.push_back(what + (ok ? ":ok" : ":failed")); };
  };
  link.publish("a", "1", 1, false, note("a"));
  link.publish("b", "2", 1, true, note("b"), "corr");
  link.publish("c", "3", 0, false, note("c"));
  EXPECT_TRUE(done.empty()) << "never from inside publish()";
  EXPECT_EQ(link.waiting(), (std::vector<std::uint64_t>{1, 2}));
  EXPECT_TRUE(link.get(2).retained);
  EXPECT_EQ(link.get(2).correlation_data, "corr");
  clock.advance(0ms);
  EXPECT_EQ(done, (std::vector<std::string>{"c:ok"})) << "QoS 0: done once sent";
  EXPECT_TRUE(link.acknowledge(2));
  EXPECT_TRUE(link.acknowledge(1, false));
  EXPECT_FALSE(link.acknowledge(1)) << "answered already";
  EXPECT_EQ(done, (std::vector<std::string>{"c:ok", "b:ok", "a:failed"}));
}

TEST(memory_link, not_connected_or_disconnected_is_a_failed_delivery) {
  drivers::virtual_clock clock;
  memory_link link(clock, false);
  std::vector<std::string> order;
  link.on_disconnected([&] { order.emplace_back("disconnected"); });
  link.publish("a", "1", 1, false, [&](bool ok) { order.emplace_back(ok ? "a:ok" : "a:failed"); });
  EXPECT_FALSE(link.published().at(0).sent);
  clock.advance(0ms);
  EXPECT_EQ(order, (std::vector<std::string>{"a:failed"}));

  link.start();
  clock.advance(0ms);
  EXPECT_FALSE(link.connected()) << "the broker is down";
  link.connect();
  ASSERT_TRUE(link.connected());
  link.publish("b", "2", 1, false, [&](bool ok) { order.emplace_back(ok ? "b:ok" : "b:failed"); });
  link.disconnect();
  EXPECT_EQ(order, (std::vector<std::string>{"a:failed", "b:failed", "disconnected"}));
  EXPECT_TRUE(link.waiting().empty());
}

TEST(memory_link, auto_acknowledge_answers_every_qos1_message_on_the_next_turn) {
  drivers::virtual_clock clock;
  memory_link link(clock);
  link.auto_acknowledge(true);
  link.start();
  clock.advance(0ms);
  int acked = 0;
  for (int i = 0; i < 3; ++i) link.publish("t", "x", 1, false, [&](bool ok) { acked += ok; });
  EXPECT_EQ(acked, 0);
  clock.advance(0ms);
  EXPECT_EQ(acked, 3);
}

TEST(memory_link, delivers_only_on_subscribed_topics_while_connected) {
  drivers::virtual_clock clock;
  memory_link link(clock);
  std::vector<incoming_message> in;
  link.on_message([&](const incoming_message& m) { in.push_back(m); });
  link.subscribe("locker/test/cmd/+");
  EXPECT_FALSE(link.deliver("locker/test/cmd/open", "{}")) << "not connected";
  link.start();
  clock.advance(0ms);
  EXPECT_TRUE(link.deliver("locker/test/cmd/open", "{}", "reply/here", "c-1"));
  EXPECT_FALSE(link.deliver("locker/test/cfg/desired", "{}"));
  ASSERT_EQ(in.size(), 1U);
  EXPECT_EQ(in[0].response_topic, "reply/here");
  EXPECT_EQ(in[0].correlation_data, "c-1");

  EXPECT_TRUE(memory_link::matches("a/#", "a"));
  EXPECT_TRUE(memory_link::matches("a/#", "a/b/c"));
  EXPECT_TRUE(memory_link::matches("#", "a/b"));
  EXPECT_TRUE(memory_link::matches("a/+/c", "a/b/c"));
  EXPECT_FALSE(memory_link::matches("a/+", "a/b/c"));
  EXPECT_FALSE(memory_link::matches("a/b", "a"));
  EXPECT_FALSE(memory_link::matches("a", "a/b"));
}

TEST(memory_link, a_clean_stop_waits_for_the_final_puback_at_most_the_bound) {
  drivers::virtual_clock clock;
  memory_link link(clock);
  link.start();
  clock.advance(0ms);
  bool stopped = false;
  bool disconnected = false;
  link.on_disconnected([&] { disconnected = true; });
  link.stop("status", "offline", 2s, [&] { stopped = true; });
  ASSERT_EQ(link.waiting().size(), 1U);
  EXPECT_TRUE(link.get(link.waiting()[0]).retained);
  clock.advance(1999ms);
  EXPECT_FALSE(stopped);
  clock.advance(1ms);  // no PUBACK: the bound ends it
  EXPECT_TRUE(stopped);
  EXPECT_FALSE(link.connected());
  EXPECT_FALSE(disconnected) << "a clean stop is not a loss";
  link.connect();
  EXPECT_FALSE(link.connected()) << "no reconnect after stop()";
}

}  // namespace
}  // namespace locker::mqtt::testing
