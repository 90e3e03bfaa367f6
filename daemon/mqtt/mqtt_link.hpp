// SPDX-License-Identifier: Apache-2.0
// The locker's one MQTT 5 connection (Eclipse Paho C++), as seen from the event loop.
//
// Paho runs its own threads; every callback it makes is posted onto the io_context, so the
// functions given here are only ever called on the loop's thread. The link connects in the
// background and keeps reconnecting with back-off: a missing broker never stops the daemon.
// It is a carrier, not a store: what must not be lost lives in the journal (see the relay).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "base/liveness.hpp"
#include "daemon/config/config.hpp"
#include "daemon/mqtt/broker_link.hpp"
#include "daemon/mqtt/connect_failure.hpp"
#include "drivers/clock.hpp"
#include "protocol/topics.hpp"

namespace mqtt {
class async_client;
class connect_options;
}  // namespace mqtt

namespace locker::mqtt {

struct link_settings {
  std::string url;        // mqtt://host:port or mqtts://host:port
  std::string client_id;  // locker-<locker_id>
  std::string username;
  std::string password;  // never logged
  std::filesystem::path ca_file;
  std::filesystem::path cert_file;  // optional client certificate (mqtts)
  std::filesystem::path key_file;
  std::chrono::seconds keepalive{30};
  std::chrono::seconds session_expiry{7 * 24 * 3600};
  std::string will_topic;  // …/status
  std::string will_payload;
  std::chrono::milliseconds reconnect_min{500};
  std::chrono::milliseconds reconnect_max{30000};
  std::chrono::seconds connect_timeout{10};
  // Messages Paho has handed over that the loop has not run yet. Bounded so that a flood on
  // cmd/ while the loop is busy cannot grow memory without limit: beyond either bound a
  // message is dropped (counted and logged), as if it had been lost on the way. The count
  // leaves room for the command rate limit's burst (commands/command_rate.hpp: 200).
  std::size_t inbox_messages{512};
  std::size_t inbox_bytes{std::size_t{8} << 20};
  // How long the check that names a failed connect's cause may take (connect_failure.hpp).
  std::chrono::milliseconds diagnosis_timeout{5000};
};

// Builds the settings from the configuration: reads the password file and sets the last will
// ({"online":false,"reason":"lost"} on …/status). Throws std::runtime_error (start-up only).
[[nodiscard]] link_settings settings_from(const config::locker_config& cfg,
                                          const protocol::topic_set& topics);

// The link over Paho (see broker_link.hpp for what each function promises).
class mqtt_link final : public broker_link {
 public:
  // Throws std::runtime_error for a malformed url (start-up). Does not connect yet.
  mqtt_link(boost::asio::io_context& io, drivers::clock& clock, link_settings settings);
  // Drops the connection without the shutdown status (the broker then sends the will).
  ~mqtt_link() override;

  // Retries with back-off (reconnect_min doubling up to reconnect_max).
  void start() override;
  void publish(std::string_view topic, std::string_view payload, int qos, bool retained,
               done_fn done = {}, std::string_view correlation_data = {}) override;
  void subscribe(const std::string& filter, int qos = 1) override;
  void on_message(std::function<void(const incoming_message&)> fn) override {
    on_message_ = std::move(fn);
  }
  void on_connected(std::function<void()> fn) override { on_connected_.push_back(std::move(fn)); }
  void on_disconnected(std::function<void()> fn) override {
    on_disconnected_.push_back(std::move(fn));
  }
  [[nodiscard]] bool connected() const override { return connected_; }
  [[nodiscard]] std::uint64_t connects() const { return connects_; }
  // Messages dropped because the inbox was full (see link_settings::inbox_messages).
  [[nodiscard]] std::uint64_t inbox_dropped() const { return inbox_dropped_.load(); }
  // Messages Paho has handed over, run or dropped: the test's view of the Paho thread's work.
  [[nodiscard]] std::uint64_t inbox_arrived() const { return inbox_arrived_.load(); }
  // Why the connect attempts since the last connection failed (the latest), nullopt while
  // connected or before the first failure.
  [[nodiscard]] const std::optional<connect_failure>& last_failure() const { return last_failure_; }
  // Failed attempts in a row with that same cause.
  [[nodiscard]] std::uint64_t failures_in_row() const { return failures_in_row_; }
  void stop(const std::string& final_topic, const std::string& final_payload,
            std::chrono::milliseconds bound, std::function<void()> done) override;

 private:
  class listener;
  friend class listener;

  void connect_now();
  [[nodiscard]] ::mqtt::connect_options make_connect_options();
  void schedule_reconnect();
  void handle_connected();
  void handle_lost(const std::string& why);
  // A refused connect as Paho reported it; the cause is then named off the loop (diagnose).
  void handle_connect_failed(int return_code, int reason_code);
  void handle_diagnosed(const connect_failure& failure);
  void join_diagnosis();
  void handle_delivery(std::uint64_t id, bool ok);
  // On Paho's thread: a PUBACK (or a failed publish) for the loop. PUBACKs come in bursts;
  // one post carries a whole burst (delivered in order), not one wakeup of the loop each.
  void delivered(std::uint64_t id, bool ok);
  void handle_deliveries();
  void fail_pending();
  void finish_stop();
  // Posts fn onto the loop, dropped if the link is gone by then.
  void post(std::function<void()> fn);
  // On Paho's thread: takes a message into the bounded inbox, or drops it.
  void admit(incoming_message in);

  boost::asio::io_context& io_;
  drivers::clock& clock_;
  link_settings settings_;
  // Posted handlers hold a token (taken on Paho's threads too).
  base::liveness alive_;
  std::unique_ptr<listener> connect_listener_;
  std::unique_ptr<listener> publish_listener_;
  struct delivery {
    std::uint64_t id;
    bool ok;
  };
  std::mutex deliveries_mutex_;
  std::vector<delivery> deliveries_;  // guarded; a post is on its way while it is not empty
  bool tls_ = false;
  std::unique_ptr<::mqtt::connect_options> connect_options_;
  std::unique_ptr<::mqtt::async_client> client_;  // last: destroyed before the listeners

  std::map<std::string, int> subscriptions_;
  std::map<std::uint64_t, done_fn> pending_;
  std::uint64_t next_id_ = 1;
  bool started_ = false;
  bool connecting_ = false;
  bool connected_ = false;
  bool stopping_ = false;
  std::uint64_t connects_ = 0;
  std::chrono::milliseconds backoff_{0};
  std::optional<connect_failure> last_failure_;
  std::uint64_t failures_in_row_ = 0;
  std::thread diagnosis_;  // the blocking probe of a failed connect
  drivers::timer reconnect_timer_;
  drivers::timer stop_timer_;
  std::function<void()> stop_done_;

  std::function<void(const incoming_message&)> on_message_;
  std::vector<std::function<void()>> on_connected_;
  std::vector<std::function<void()>> on_disconnected_;

  // The inbox's fill, written on Paho's thread (admit) and on the loop (when a message runs).
  std::atomic<std::size_t> inbox_count_{0};
  std::atomic<std::size_t> inbox_bytes_{0};
  std::atomic<std::uint64_t> inbox_arrived_{0};
  std::atomic<std::uint64_t> inbox_dropped_{0};
  std::atomic<bool> drop_notice_posted_{false};  // one log line per burst of drops
  std::uint64_t drops_logged_ = 0;               // on the loop
};

}  // namespace locker::mqtt
