// SPDX-License-Identifier: Apache-2.0
#include "daemon/mqtt/memory/memory_link.hpp"

#include <utility>

namespace locker::mqtt {

memory_link::memory_link(drivers::clock& clock, bool broker_up)
    : clock_(clock), broker_up_(broker_up), stop_timer_(clock) {}

memory_link::~memory_link() {
  stop_timer_.cancel();
  alive_.reset();  // anything already posted is dropped
}

void memory_link::post(std::function<void()> fn) {
  clock_.call_after(drivers::millis(0), [alive = std::weak_ptr<int>(alive_), fn = std::move(fn)] {
    if (alive.expired()) return;
    fn();
  });
}

void memory_link::start() {
  if (started_) return;
  started_ = true;
  if (broker_up_) {
    post([this] {
      if (broker_up_ && !connected_ && !stopped_) connect_now();
    });
  }
}

void memory_link::connect() {
  broker_up_ = true;
  if (started_ && !stopped_ && !connected_) connect_now();
}

void memory_link::connect_now() {
  connected_ = true;
  ++connects_;
  for (const auto& fn : on_connected_) fn();
}

void memory_link::disconnect() {
  broker_up_ = false;
  if (!connected_) return;
  connected_ = false;
  // As the Paho link: the deliveries fail first, then the listeners hear of the loss.
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [id, done] : pending) {
    if (done) done(false);
  }
  for (const auto& fn : on_disconnected_) fn();
}

void memory_link::publish(std::string_view topic, std::string_view payload, int qos, bool retained,
                          done_fn done, std::string_view correlation_data) {
  const std::uint64_t id = next_id_++;
  published_.push_back(message{id, std::string(topic), std::string(payload), qos, retained,
                               std::string(correlation_data), connected_});
  if (on_publish_) on_publish_(published_.back());
  if (!connected_ || qos == 0) {
    // Refused at once, or (QoS 0) done once sent: never from inside publish().
    if (done) post([done = std::move(done), ok = connected_] { done(ok); });
    return;
  }
  pending_.emplace(id, std::move(done));
  if (auto_ack_) post([this, id] { acknowledge(id); });
}

bool memory_link::acknowledge(std::uint64_t id, bool ok) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return false;
  auto done = std::move(it->second);
  pending_.erase(it);
  if (done) done(ok);
  return true;
}

std::size_t memory_link::acknowledge_all() {
  // Only those waiting now: the PUBACKs may make the locker publish more.
  std::size_t n = 0;
  for (const auto id : waiting()) n += acknowledge(id) ? 1 : 0;
  return n;
}

std::vector<std::uint64_t> memory_link::waiting() const {
  std::vector<std::uint64_t> out;
  out.reserve(pending_.size());
  for (const auto& [id, done] : pending_) out.push_back(id);
  return out;
}

std::vector<memory_link::message> memory_link::published_on(std::string_view topic) const {
  std::vector<message> out;
  for (const auto& m : published_)
    if (m.topic == topic) out.push_back(m);
  return out;
}

void memory_link::subscribe(const std::string& filter, int qos) { subscriptions_[filter] = qos; }

bool memory_link::matches(std::string_view filter, std::string_view topic) {
  while (true) {
    const auto f_end = filter.find('/');
    const auto t_end = topic.find('/');
    const auto f = filter.substr(0, f_end);
    const auto t = topic.substr(0, t_end);
    if (f == "#") return true;
    if (f != "+" && f != t) return false;
    const bool f_last = f_end == std::string_view::npos;
    const bool t_last = t_end == std::string_view::npos;
    if (f_last || t_last) {
      // "a/#" also matches "a" itself.
      return (f_last && t_last) || (t_last && filter.substr(f_end + 1) == "#");
    }
    filter.remove_prefix(f_end + 1);
    topic.remove_prefix(t_end + 1);
  }
}

bool memory_link::deliver(const incoming_message& m) {
  if (!connected_) return false;
  bool subscribed = false;
  for (const auto& [filter, qos] : subscriptions_)
    subscribed = subscribed || matches(filter, m.topic);
  if (!subscribed) return false;
  if (on_message_) on_message_(m);
  return true;
}

bool memory_link::deliver(std::string topic, std::string payload, std::string response_topic,
                          std::string correlation_data) {
  return deliver(incoming_message{std::move(topic), std::move(payload), std::move(response_topic),
                                  std::move(correlation_data)});
}

void memory_link::stop(const std::string& final_topic, const std::string& final_payload,
                       std::chrono::milliseconds bound, std::function<void()> done) {
  stop_done_ = std::move(done);
  if (!connected_) {
    stopped_ = true;
    finish_stop();
    return;
  }
  stop_timer_.start(std::chrono::duration_cast<drivers::millis>(bound), [this] { finish_stop(); });
  publish(final_topic, final_payload, 1, true, [this](bool) { finish_stop(); });
  stopped_ = true;
}

void memory_link::finish_stop() {
  if (!stop_done_) return;  // ran already (PUBACK and the bound both fire)
  // Taken first: failing the final message below calls back into here.
  auto done = std::move(stop_done_);
  stop_done_ = nullptr;
  stop_timer_.cancel();
  connected_ = false;
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [id, fn] : pending) {
    if (fn) fn(false);
  }
  post(std::move(done));
}

}  // namespace locker::mqtt
