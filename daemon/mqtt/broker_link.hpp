// SPDX-License-Identifier: Apache-2.0
// What the locker needs from its MQTT connection, as seen from the event loop: send a
// message (and hear whether the broker took it), subscribe, hear messages, connects and
// losses, and stop cleanly. The Paho client (mqtt_link) is one; the in-memory link
// (daemon/mqtt/memory) is another, for tests, the scenario rig and the benchmark. The relay,
// the reporter, the command replies and the updater only see this.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

namespace locker::mqtt {

struct incoming_message {
  std::string topic;
  std::string payload;
  std::string response_topic;    // MQTT 5 response topic, empty when absent
  std::string correlation_data;  // MQTT 5 correlation data, empty when absent
};

class broker_link {
 public:
  using done_fn = std::function<void(bool delivered)>;

  broker_link() = default;
  broker_link(const broker_link&) = delete;
  broker_link& operator=(const broker_link&) = delete;
  virtual ~broker_link() = default;

  // Starts connecting; retries until connected, and again after every loss.
  virtual void start() = 0;

  // Publishes one message. done (optional) runs on the loop: true after the PUBACK (QoS 1) or
  // once sent (QoS 0); false when not connected or when the connection dropped first (the
  // message may still arrive: at least once). Never called from inside publish().
  // correlation_data (MQTT 5), when not empty, goes into the message's properties: a reply
  // on a request's response topic carries the request's.
  virtual void publish(std::string_view topic, std::string_view payload, int qos, bool retained,
                       done_fn done = {}, std::string_view correlation_data = {}) = 0;

  // Subscribed now if connected and again after every connect.
  virtual void subscribe(const std::string& filter, int qos = 1) = 0;

  // The one handler of incoming messages (on the loop).
  virtual void on_message(std::function<void(const incoming_message&)> fn) = 0;
  // Adds a listener called after every successful connect, in the order added (the relay,
  // the reporter and the command handler each add one).
  virtual void on_connected(std::function<void()> fn) = 0;
  // Adds a listener called when an established connection is lost (not after stop()).
  virtual void on_disconnected(std::function<void()> fn) = 0;

  [[nodiscard]] virtual bool connected() const = 0;

  // A clean stop: publishes final_payload retained at QoS 1 on final_topic (if connected),
  // waits for its PUBACK at most `bound`, disconnects normally (so no will), then calls done
  // on the loop. No reconnects afterwards.
  virtual void stop(const std::string& final_topic, const std::string& final_payload,
                    std::chrono::milliseconds bound, std::function<void()> done) = 0;
};

}  // namespace locker::mqtt
