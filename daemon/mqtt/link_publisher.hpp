// SPDX-License-Identifier: Apache-2.0
// The command handler's replies, sent through a broker link (Paho's or the in-memory one):
// commands/ only knows its small publisher interface, and this carries it to the link.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "daemon/commands/publisher.hpp"
#include "daemon/mqtt/broker_link.hpp"

namespace locker::mqtt {

class link_publisher final : public commands::publisher {
 public:
  // The link must outlive the publisher.
  explicit link_publisher(broker_link& link) : link_(link) {}
  void publish(std::string_view topic, std::string_view payload, int qos, bool retained,
               const std::optional<std::string>& correlation_data) override {
    link_.publish(topic, payload, qos, retained, {},
                  correlation_data ? std::string_view(*correlation_data) : std::string_view{});
  }

 private:
  broker_link& link_;
};

}  // namespace locker::mqtt
