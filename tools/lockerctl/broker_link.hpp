// SPDX-License-Identifier: Apache-2.0
// lockerctl's one MQTT 5 connection (Paho C++): connect, subscribe, publish, and take received
// messages one by one with a deadline. Paho's exceptions stop here and become link_error.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "tools/lockerctl/cli.hpp"

namespace mqtt {
class async_client;
}

namespace locker::ctl {

// The broker could not be reached, refused us, or was lost. what(): the reason, for the operator.
class link_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct received {
  std::string topic;
  std::string payload;
  std::optional<std::string> correlation_data;
};

// Where a request's reply should go (MQTT 5 response topic + correlation data).
struct reply_route {
  std::string response_topic;
  std::string correlation_data;
};

class broker_link {
 public:
  // A unique client id per run, clean start, MQTT 5. Throws link_error.
  broker_link(const connection_options& options, const std::optional<std::string>& password,
              std::chrono::milliseconds timeout);
  ~broker_link();
  broker_link(const broker_link&) = delete;
  broker_link& operator=(const broker_link&) = delete;

  [[nodiscard]] const std::string& client_id() const { return client_id_; }
  // "lockerctl/<client-id>/res": private to this run, so no one else's replies arrive here.
  [[nodiscard]] std::string response_topic() const { return "lockerctl/" + client_id_ + "/res"; }

  // QoS 1 each. Throws link_error when the broker refuses or does not confirm in time.
  void subscribe(const std::vector<std::string>& filters);
  // QoS 1, waits for the PUBACK. Throws link_error.
  void publish(const std::string& topic, const std::string& payload, bool retained,
               const std::optional<reply_route>& route = std::nullopt);

  enum class wait_result { message, timeout, lost };
  // The next message, waiting until deadline at most.
  wait_result next(std::chrono::steady_clock::time_point deadline, received& out);

 private:
  std::string client_id_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<mqtt::async_client> client_;
};

}  // namespace locker::ctl
