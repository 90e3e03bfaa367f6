// SPDX-License-Identifier: Apache-2.0
// A broker link that keeps everything in memory: what the locker publishes is recorded, and
// the test plays the broker. It acknowledges (PUBACK) or fails each delivery, in any order,
// brings the broker up and down, and hands the locker incoming messages (with response topic
// and correlation data). Runs on the locker's clock: what the real link posts onto the loop
// (a done callback, a connect after start()) is a 0 ms timer here, so virtual time drives it.
//
// Used by unit tests, and by the scenario rig and the benchmark with auto_acknowledge: every
// QoS 1 message is acknowledged on the next turn of the loop, as a broker on loopback would.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/mqtt/broker_link.hpp"
#include "drivers/clock.hpp"

namespace locker::mqtt {

class memory_link final : public broker_link {
 public:
  // One message the locker handed to the link.
  struct message {
    std::uint64_t id = 0;  // 1, 2, 3... in the order published
    std::string topic;
    std::string payload;
    int qos = 0;
    bool retained = false;
    std::string correlation_data;
    bool sent = false;  // false: the link was not connected, done(false) follows
  };

  // The broker is up from the start unless broker_up is false; nothing connects before
  // start(). The clock must outlive the link.
  explicit memory_link(drivers::clock& clock, bool broker_up = true);
  ~memory_link() override;

  // --- broker_link ---
  // Connects on the next turn of the loop if the broker is up.
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
  // The final message waits for acknowledge() (or auto_acknowledge) at most `bound`.
  void stop(const std::string& final_topic, const std::string& final_payload,
            std::chrono::milliseconds bound, std::function<void()> done) override;

  // --- the broker's side (the test) ---
  // The broker comes up: connects now (listeners run before this returns) if started.
  void connect();
  // The broker goes away: every delivery still waiting fails (done(false)), then the
  // disconnected listeners run, before this returns. start()ed links connect again on connect().
  void disconnect();
  // PUBACK for the QoS 1 message `id`: its done(true) runs now. With ok false, an error
  // PUBACK (the broker refused it): done(false) while still connected. False if `id` is not
  // waiting (unknown, QoS 0, acknowledged or failed already).
  bool acknowledge(std::uint64_t id, bool ok = true);
  // Acknowledges every message waiting, oldest first; returns how many.
  std::size_t acknowledge_all();
  // Every QoS 1 message is acknowledged on the next turn of the loop, in order.
  void auto_acknowledge(bool on) { auto_ack_ = on; }
  // Hands the locker a message as the broker would: only while connected and only on a
  // subscribed topic (MQTT filters with + and #). False if it was not delivered.
  bool deliver(const incoming_message& m);
  bool deliver(std::string topic, std::string payload, std::string response_topic = {},
               std::string correlation_data = {});
  // Called with every message as it is published, before publish() returns (to see what
  // else was true at that moment).
  void on_publish(std::function<void(const message&)> fn) { on_publish_ = std::move(fn); }

  // --- what happened ---
  [[nodiscard]] const std::vector<message>& published() const { return published_; }
  [[nodiscard]] std::vector<message> published_on(std::string_view topic) const;
  // The QoS 1 messages waiting for their PUBACK, oldest first.
  [[nodiscard]] std::vector<std::uint64_t> waiting() const;
  [[nodiscard]] const message& get(std::uint64_t id) const { return published_.at(id - 1); }
  [[nodiscard]] std::uint64_t connects() const { return connects_; }
  [[nodiscard]] bool started() const { return started_; }
  [[nodiscard]] bool stopped() const { return stopped_; }
  [[nodiscard]] const std::map<std::string, int>& subscriptions() const { return subscriptions_; }

  // Whether topic matches an MQTT subscription filter.
  [[nodiscard]] static bool matches(std::string_view filter, std::string_view topic);

 private:
  void connect_now();
  void finish_stop();
  // Runs fn on the next turn of the loop, dropped if the link is gone by then.
  void post(std::function<void()> fn);

  drivers::clock& clock_;
  bool broker_up_;
  bool started_ = false;
  bool connected_ = false;
  bool stopped_ = false;
  bool auto_ack_ = false;
  std::uint64_t connects_ = 0;
  std::vector<message> published_;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, done_fn> pending_;  // QoS 1, waiting for the PUBACK
  std::map<std::string, int> subscriptions_;
  // Posted callbacks hold the weak one: dropped once the link is gone.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  drivers::timer stop_timer_;
  std::function<void()> stop_done_;
  std::function<void(const incoming_message&)> on_message_;
  std::function<void(const message&)> on_publish_;
  std::vector<std::function<void()>> on_connected_;
  std::vector<std::function<void()>> on_disconnected_;
};

}  // namespace locker::mqtt
