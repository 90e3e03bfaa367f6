// SPDX-License-Identifier: Apache-2.0
// What the command handler needs from the MQTT link: a way to send one message.
// mqtt::link_publisher (daemon/mqtt/link_publisher.hpp) carries it to any broker link, Paho's
// or the in-memory one; tests may also record what was sent. Kept here so commands/ does not depend
// on the link (and the link not on commands/).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace locker::commands {

class publisher {
 public:
  virtual ~publisher() = default;
  // Queues one message and returns at once, on the event loop. correlation_data (MQTT 5)
  // goes into the message's properties when set. Never throws: a message that cannot be
  // sent is the link's to log (replies are not journaled; a lost one is asked again by
  // req_id and answered from the store).
  virtual void publish(std::string_view topic, std::string_view payload, int qos, bool retained,
                       const std::optional<std::string>& correlation_data) = 0;
};

}  // namespace locker::commands
