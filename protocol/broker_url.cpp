// SPDX-License-Identifier: Apache-2.0
#include "protocol/broker_url.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace locker::protocol {

namespace {

struct scheme {
  std::string_view prefix;
  bool tls;
};

// Operators write mqtt(s)://; Paho's own spelling (tcp://, ssl://) works too.
constexpr std::array<scheme, 4> schemes{{
    {"mqtt://", false},
    {"mqtts://", true},
    {"tcp://", false},
    {"ssl://", true},
}};

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::string broker_url::canonical() const {
  return std::string(tls ? "mqtts://" : "mqtt://") + host + ":" + std::to_string(port);
}

std::string broker_url::paho_uri() const {
  return std::string(tls ? "ssl://" : "tcp://") + host + ":" + std::to_string(port);
}

result<broker_url, std::string> parse_broker_url(std::string_view url) {
  broker_url out;
  std::string_view rest;
  bool known = false;
  for (const auto& s : schemes) {
    if (url.starts_with(s.prefix)) {
      rest = url.substr(s.prefix.size());
      out.tls = s.tls;
      known = true;
      break;
    }
  }
  if (!known) return fail(std::string("must start with mqtt://, mqtts://, tcp:// or ssl://"));

  std::string_view host = rest;
  std::string_view port;
  // The port follows the last ':' outside a [v6] literal.
  const auto bracket = rest.rfind(']');
  const auto colon = rest.rfind(':');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    out.port_given = true;
  }
  if (host.starts_with('[')) {
    const auto inside = host.substr(1, host.size() >= 2 ? host.size() - 2 : 0);
    if (!host.ends_with(']') || host.size() <= 2 ||
        !std::all_of(inside.begin(), inside.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.';
        })) {
      return fail(std::string("invalid IPv6 host"));
    }
  } else if (host.empty() || !std::all_of(host.begin(), host.end(), [](char c) {
               return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-';
             })) {
    return fail(
        std::string("invalid host: expected mqtt(s)://host:port with no path or credentials"));
  }
  out.host = std::string(host);
  if (!out.port_given) {
    out.port = out.tls ? default_mqtts_port : default_mqtt_port;
    return out;
  }
  if (!all_digits(port) || port.size() > 5 || std::stoi(std::string(port)) < 1 ||
      std::stoi(std::string(port)) > 65535) {
    return fail(std::string("invalid port: expected 1-65535"));
  }
  out.port = static_cast<std::uint16_t>(std::stoi(std::string(port)));
  return out;
}

}  // namespace locker::protocol
