// SPDX-License-Identifier: Apache-2.0
// The mosquitto fixture itself: starts, restarts on the same port, and carries messages.
#include <gtest/gtest.h>

#include "tests/support/mosquitto_broker.hpp"

namespace locker::test {
namespace {

using namespace std::chrono_literals;

TEST(mosquitto_broker, starts_restarts_on_the_same_port_and_carries_messages) {
  mosquitto_broker broker;
  ASSERT_TRUE(broker.running());
  const auto port = broker.port();
  test_subscriber sub(broker.url(), "fixture/#");
  ASSERT_TRUE(sub.connected());
  sub.publish("fixture/a", "one");
  EXPECT_TRUE(sub.wait_for([](const auto& m) { return m.size() == 1; }));

  broker.stop();
  EXPECT_FALSE(broker.running());
  broker.start();
  EXPECT_EQ(broker.port(), port);
  // The subscriber reconnects by itself and subscribes again.
  ASSERT_TRUE(sub.wait_subscribed(2, 10s));
  sub.publish("fixture/b", "two");
  EXPECT_TRUE(sub.wait_for([](const auto& m) { return m.size() == 2; }));
  EXPECT_EQ(sub.messages().back().payload, "two");
}

}  // namespace
}  // namespace locker::test
