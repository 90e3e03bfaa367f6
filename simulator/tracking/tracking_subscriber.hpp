// SPDX-License-Identifier: Apache-2.0
// The tracking view's own MQTT client (Paho C++ 1.2, MQTT 5): it subscribes to everything
// under locker/v1/<locker_id>/ and hands each message to a tracking_view on the io_context,
// so the view sees the locker only as a tracking system would, never the simulator's insides.
//
// Paho calls back on its own thread; every callback is posted onto the io_context, so the view
// and `changed` are only used there. The client connects in the background and keeps trying
// with back-off (also when the first connect fails): a missing broker never stops the program.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "base/liveness.hpp"
#include "simulator/tracking/tracking_view.hpp"

namespace mqtt {
class async_client;
class connect_options;
}  // namespace mqtt

namespace locker::tracking {

struct subscriber_settings {
  std::string broker_url;  // mqtt://host:port, mqtts://host:port (tcp://, ssl:// too)
  std::string locker_id;
  // Empty: "tracking-view-<locker_id>". The session is persistent (clean start false, one day),
  // so what the locker publishes while the view reconnects still arrives, as it does for a
  // tracking system; two views of one locker on one broker need different ids.
  std::string client_id;
  std::string username;
  std::string password;
  std::string ca_file;  // mqtts: the broker's CA; empty: the system's
  std::chrono::milliseconds reconnect_min{250};
  std::chrono::milliseconds reconnect_max{5000};
};

class tracking_subscriber {
 public:
  // Throws std::invalid_argument for a malformed url or locker id (start-up). Does not
  // connect yet. The view and the callback must outlive this object.
  tracking_subscriber(boost::asio::io_context& io, subscriber_settings settings,
                      tracking_view& view, std::function<void()> changed);
  // Disconnects (bounded: one second at most) and drops whatever is still posted.
  ~tracking_subscriber();
  tracking_subscriber(const tracking_subscriber&) = delete;
  tracking_subscriber& operator=(const tracking_subscriber&) = delete;

  void start();
  // On the loop: whether the subscription is in place (the broker's SUBACK came back).
  [[nodiscard]] bool subscribed() const { return subscribed_; }
  [[nodiscard]] const std::string& client_id() const { return settings_.client_id; }

 private:
  class listener;

  void connect_now();
  void schedule_reconnect();
  void handle_connected();
  void handle_lost();
  void post(std::function<void()> fn);

  boost::asio::io_context& io_;
  subscriber_settings settings_;
  tracking_view& view_;
  std::function<void()> changed_;
  std::string filter_;
  base::liveness alive_;
  std::unique_ptr<listener> connect_listener_;
  std::unique_ptr<listener> subscribe_listener_;
  std::unique_ptr<::mqtt::connect_options> connect_options_;
  std::unique_ptr<::mqtt::async_client> client_;  // after the listeners: destroyed first
  boost::asio::steady_timer reconnect_timer_;
  std::chrono::milliseconds backoff_{0};
  bool started_ = false;
  bool connecting_ = false;
  bool connected_ = false;
  bool subscribed_ = false;
};

}  // namespace locker::tracking
