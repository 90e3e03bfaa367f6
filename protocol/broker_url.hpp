// SPDX-License-Identifier: Apache-2.0
// The broker's address as lockerd's configuration (broker.url) and lockerctl (--broker)
// take it: one parser, so both accept the same URLs and say the same about a wrong one.
// Pure: text in, result out.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/result.hpp"

namespace locker::protocol {

struct broker_url {
  bool tls = false;  // mqtts:// or ssl://
  std::string host;  // a name, an IPv4 address or a [v6] literal (with its brackets)
  std::uint16_t port = 0;
  bool port_given = false;  // false: the scheme's default (1883, or 8883 with TLS)

  // The same address as operators write it: "mqtt://host:port" or "mqtts://host:port".
  [[nodiscard]] std::string canonical() const;
  // As Paho's C library wants it: "tcp://host:port" or "ssl://host:port".
  [[nodiscard]] std::string paho_uri() const;
};

inline constexpr std::uint16_t default_mqtt_port = 1883;
inline constexpr std::uint16_t default_mqtts_port = 8883;

// Accepts mqtt:// and tcp:// (plain), mqtts:// and ssl:// (TLS), then host[:port] with no
// credentials, path or query. The error completes "invalid URL: ..." and says what is
// expected, e.g. "must start with mqtt://, mqtts://, tcp:// or ssl://", "invalid host: ...",
// "invalid port: expected 1-65535".
[[nodiscard]] result<broker_url, std::string> parse_broker_url(std::string_view url);

}  // namespace locker::protocol
