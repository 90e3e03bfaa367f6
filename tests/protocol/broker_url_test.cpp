// SPDX-License-Identifier: Apache-2.0
// The one broker-URL parser of lockerd's configuration and lockerctl's --broker.
#include "protocol/broker_url.hpp"

#include <gtest/gtest.h>

namespace locker::protocol {
namespace {

broker_url ok(std::string_view text) {
  auto r = parse_broker_url(text);
  EXPECT_TRUE(r) << text << ": " << (r ? "" : r.error());
  return r ? r.value() : broker_url{};
}

std::string why_not(std::string_view text) {
  auto r = parse_broker_url(text);
  EXPECT_FALSE(r) << text;
  return r ? std::string() : r.error();
}

TEST(broker_url, every_scheme_either_tool_took) {
  for (const auto& [text, tls] :
       {std::pair{"mqtt://h:1883", false}, std::pair{"tcp://h:1883", false},
        std::pair{"mqtts://h:8883", true}, std::pair{"ssl://h:8883", true}}) {
    const auto u = ok(text);
    EXPECT_EQ(u.tls, tls) << text;
    EXPECT_EQ(u.host, "h");
    EXPECT_TRUE(u.port_given);
  }
  EXPECT_EQ(ok("tcp://broker.local:1884").canonical(), "mqtt://broker.local:1884");
  EXPECT_EQ(ok("mqtt://broker.local:1884").paho_uri(), "tcp://broker.local:1884");
  EXPECT_EQ(ok("ssl://10.0.0.1:8883").canonical(), "mqtts://10.0.0.1:8883");
  EXPECT_EQ(ok("mqtts://10.0.0.1:8883").paho_uri(), "ssl://10.0.0.1:8883");
}

TEST(broker_url, ipv6_literals_and_default_ports) {
  const auto v6 = ok("mqtts://[::1]:8883");
  EXPECT_EQ(v6.host, "[::1]");
  EXPECT_EQ(v6.port, 8883);
  EXPECT_EQ(v6.paho_uri(), "ssl://[::1]:8883");
  const auto plain = ok("mqtt://localhost");
  EXPECT_FALSE(plain.port_given);
  EXPECT_EQ(plain.port, default_mqtt_port);
  const auto tls = ok("mqtts://[fe80::1]");
  EXPECT_FALSE(tls.port_given);
  EXPECT_EQ(tls.port, default_mqtts_port);
  EXPECT_EQ(tls.host, "[fe80::1]");
}

TEST(broker_url, others_get_a_clear_error) {
  for (const char* text :
       {"", "localhost:1883", "ws://h:80", "http://h:1883", "MQTT://h:1883", "mqtt:/h:1883"})
    EXPECT_EQ(why_not(text), "must start with mqtt://, mqtts://, tcp:// or ssl://") << text;
  EXPECT_EQ(why_not("mqtt://h:0").rfind("invalid port", 0), 0U);
  EXPECT_EQ(why_not("mqtt://h:65536").rfind("invalid port", 0), 0U);
  EXPECT_EQ(why_not("mqtt://h:1883/x").rfind("invalid port", 0), 0U);
  EXPECT_EQ(why_not("mqtt://h:").rfind("invalid port", 0), 0U);
  EXPECT_EQ(why_not("mqtt://:1883").rfind("invalid host", 0), 0U);
  EXPECT_EQ(why_not("mqtt://").rfind("invalid host", 0), 0U);
  EXPECT_EQ(why_not("mqtt://u:p@host:1883").rfind("invalid host", 0), 0U);
  EXPECT_EQ(why_not("mqtt://host/x").rfind("invalid host", 0), 0U);
  EXPECT_EQ(why_not("mqtts://[]:8883"), "invalid IPv6 host");
  EXPECT_EQ(why_not("mqtts://[::g]:8883"), "invalid IPv6 host");
}

}  // namespace
}  // namespace locker::protocol
