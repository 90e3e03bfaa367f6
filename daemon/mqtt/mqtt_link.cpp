// SPDX-License-Identifier: Apache-2.0
#include "daemon/mqtt/mqtt_link.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <utility>

#include <boost/asio/post.hpp>
#include <mqtt/async_client.h>

#include "daemon/log/log.hpp"
#include "protocol/broker_url.hpp"
#include "protocol/events.hpp"

namespace locker::mqtt {

namespace {

constexpr std::string_view component = "mqtt";

// Paho spells the schemes tcp:// and ssl://.
std::string paho_uri(const std::string& url, bool& tls) {
  if (url.rfind("mqtt://", 0) == 0) {
    tls = false;
    return "tcp://" + url.substr(7);
  }
  if (url.rfind("mqtts://", 0) == 0) {
    tls = true;
    return "ssl://" + url.substr(8);
  }
  throw std::runtime_error("broker url must start with mqtt:// or mqtts://: " + url);
}

std::string read_password(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read the broker password file " + file.string());
  std::stringstream ss;
  ss << in.rdbuf();
  std::string pw = ss.str();
  // A trailing newline is the editor's, not the password's.
  while (!pw.empty() && (pw.back() == '\n' || pw.back() == '\r')) pw.pop_back();
  return pw;
}

}  // namespace

link_settings settings_from(const config::locker_config& cfg, const protocol::topic_set& topics) {
  link_settings s;
  // Written as the configuration allows it (tcp:// and ssl:// too), kept as mqtt(s)://.
  const auto url = protocol::parse_broker_url(cfg.broker.url);
  s.url = url ? url->canonical() : cfg.broker.url;
  s.client_id = topics.client_id();
  s.username = cfg.broker.username;
  if (!cfg.broker.password_file.empty()) s.password = read_password(cfg.broker.password_file);
  s.ca_file = cfg.broker.ca_file;
  s.cert_file = cfg.broker.cert_file;
  s.key_file = cfg.broker.key_file;
  s.keepalive = cfg.broker.keepalive;
  s.reconnect_max = cfg.broker.reconnect_max;
  s.will_topic = topics.status();
  s.will_payload = protocol::encode_status_offline(protocol::offline_reason::lost);
  return s;
}

// Paho's action listener: runs on Paho's thread and only posts onto the loop.
class mqtt_link::listener : public ::mqtt::iaction_listener {
 public:
  enum class kind { connect, publish };
  listener(mqtt_link& link, kind k) : link_(link), kind_(k) {}

  void on_success(const ::mqtt::token& tok) override {
    if (kind_ == kind::connect) return;  // the connected handler reports it, with the session
    const auto id = reinterpret_cast<std::uintptr_t>(tok.get_user_context());
    // MQTT 5: a PUBACK may carry an error reason (not authorized, quota exceeded...).
    const bool ok = static_cast<int>(tok.get_reason_code()) < 0x80;
    link_.delivered(id, ok);
  }
  void on_failure(const ::mqtt::token& tok) override {
    if (kind_ == kind::connect) {
      const int rc = tok.get_return_code();
      const int reason = static_cast<int>(tok.get_reason_code());
      link_.post([l = &link_, rc, reason] { l->handle_connect_failed(rc, reason); });
      return;
    }
    const auto id = reinterpret_cast<std::uintptr_t>(tok.get_user_context());
    link_.delivered(id, false);
  }

 private:
  mqtt_link& link_;
  kind kind_;
};

mqtt_link::mqtt_link(boost::asio::io_context& io, drivers::clock& clock, link_settings settings)
    : io_(io),
      clock_(clock),
      settings_(std::move(settings)),
      connect_listener_(std::make_unique<listener>(*this, listener::kind::connect)),
      publish_listener_(std::make_unique<listener>(*this, listener::kind::publish)),
      reconnect_timer_(clock),
      stop_timer_(clock) {
  bool tls = false;
  const std::string uri = paho_uri(settings_.url, tls);
  // No Paho persistence and a small offline buffer: the journal is the outbox, Paho only
  // carries what is in flight.
  ::mqtt::create_options create(MQTTVERSION_5);
  client_ = std::make_unique<::mqtt::async_client>(uri, settings_.client_id, create, nullptr);

  tls_ = tls;
  connect_options_ = std::make_unique<::mqtt::connect_options>(make_connect_options());
  // Paho C++ 1.2 copies and moves connect_options without re-pointing the C struct at the
  // copy's own properties (fixed upstream later, paho.mqtt.cpp #444/#445): options built by
  // the builder point into a destroyed temporary, and MQTTAsync_connect later copies from
  // freed memory. Setting them on this long-lived object makes every later copy (connect()
  // takes the options by value) point here.
  connect_options_->set_properties(
      ::mqtt::properties{::mqtt::property(::mqtt::property::SESSION_EXPIRY_INTERVAL,
                                          static_cast<int>(settings_.session_expiry.count()))});

  client_->set_connected_handler(
      [this](const std::string&) { post([this] { handle_connected(); }); });
  client_->set_connection_lost_handler([this](const std::string& cause) {
    post([this, cause] { handle_lost(cause.empty() ? "connection lost" : cause); });
  });
  client_->set_disconnected_handler([this](const ::mqtt::properties&, ::mqtt::ReasonCode reason) {
    post([this, reason] {
      handle_lost("broker disconnected, reason " + std::to_string(static_cast<int>(reason)));
    });
  });
  client_->set_message_callback([this](const ::mqtt::const_message_ptr& m) {
    incoming_message in;
    in.topic = m->get_topic();
    in.payload = m->to_string();
    const auto& props = m->get_properties();
    if (props.contains(::mqtt::property::RESPONSE_TOPIC)) {
      in.response_topic = ::mqtt::get<std::string>(props, ::mqtt::property::RESPONSE_TOPIC);
    }
    if (props.contains(::mqtt::property::CORRELATION_DATA)) {
      in.correlation_data = ::mqtt::get<std::string>(props, ::mqtt::property::CORRELATION_DATA);
    }
    admit(std::move(in));
  });
}

void mqtt_link::admit(incoming_message in) {
  const std::size_t size =
      in.topic.size() + in.payload.size() + in.response_topic.size() + in.correlation_data.size();
  inbox_arrived_.fetch_add(1);
  // Only this thread adds, so a load and then an add cannot overshoot the bound.
  if (inbox_count_.load() >= settings_.inbox_messages ||
      inbox_bytes_.load() + size > settings_.inbox_bytes) {
    inbox_dropped_.fetch_add(1);
    if (!drop_notice_posted_.exchange(true)) {
      post([this] {
        drop_notice_posted_.store(false);
        const auto dropped = inbox_dropped_.load();
        log::warning(component, "dropped ", dropped - drops_logged_,
                     " incoming message(s): the loop is behind (inbox bound ",
                     settings_.inbox_messages, " messages, ", settings_.inbox_bytes,
                     " bytes); dropped since start: ", dropped);
        drops_logged_ = dropped;
      });
    }
    return;
  }
  inbox_count_.fetch_add(1);
  inbox_bytes_.fetch_add(size);
  post([this, size, in = std::move(in)] {
    inbox_count_.fetch_sub(1);
    inbox_bytes_.fetch_sub(size);
    if (on_message_) on_message_(in);
  });
}

// Everything but the properties (see the constructor).
::mqtt::connect_options mqtt_link::make_connect_options() {
  auto will = ::mqtt::message(settings_.will_topic, settings_.will_payload, 1, true);
  auto builder = ::mqtt::connect_options_builder()
                     .mqtt_version(MQTTVERSION_5)
                     .clean_start(false)
                     .keep_alive_interval(settings_.keepalive)
                     .connect_timeout(settings_.connect_timeout)
                     .automatic_reconnect(false);  // our own back-off, also for the first connect
  if (!settings_.will_topic.empty()) builder.will(will);
  if (!settings_.username.empty()) builder.user_name(settings_.username);
  if (!settings_.password.empty()) builder.password(settings_.password);
  if (tls_) {
    auto ssl = ::mqtt::ssl_options_builder();
    if (!settings_.ca_file.empty()) ssl.trust_store(settings_.ca_file.string());
    if (!settings_.cert_file.empty()) ssl.key_store(settings_.cert_file.string());
    if (!settings_.key_file.empty()) ssl.private_key(settings_.key_file.string());
    ssl.enable_server_cert_auth(true).verify(true);
    // No SSL error callback: Paho C++ 1.2 copies ssl_options without re-pointing the
    // callback's context (it then calls into a destroyed copy), and OpenSSL's text there says
    // only "certificate verify failed"; the failure's description (connect_failure) names it.
    builder.ssl(ssl.finalize());
  }
  return builder.finalize();
}

mqtt_link::~mqtt_link() {
  join_diagnosis();
  reconnect_timer_.cancel();
  stop_timer_.cancel();
  try {
    client_->disable_callbacks();
    // Not a clean stop (that is stop()): leave without DISCONNECT so the broker sends the will.
    client_.reset();
  } catch (const std::exception&) {
  }
  alive_.end();  // anything already posted is dropped
}

void mqtt_link::post(std::function<void()> fn) {
  boost::asio::post(io_, [alive = alive_.token(), fn = std::move(fn)] {
    if (!alive) return;
    fn();
  });
}

void mqtt_link::start() {
  if (started_) return;
  started_ = true;
  log::info(component, "connecting to ", settings_.url, " as ", settings_.client_id);
  connect_now();
}

void mqtt_link::connect_now() {
  if (stopping_ || connected_ || connecting_) return;
  connecting_ = true;
  try {
    client_->connect(*connect_options_, nullptr, *connect_listener_);
  } catch (const std::exception& e) {
    connecting_ = false;
    log::warning(component, "cannot connect: ", e.what());
    schedule_reconnect();
  }
}

void mqtt_link::schedule_reconnect() {
  if (stopping_) return;
  backoff_ = backoff_.count() == 0 ? settings_.reconnect_min
                                   : std::min(backoff_ * 2, settings_.reconnect_max);
  reconnect_timer_.start(backoff_, [this] { connect_now(); });
}

void mqtt_link::handle_connected() {
  connecting_ = false;
  if (connected_) return;
  connected_ = true;
  ++connects_;
  backoff_ = std::chrono::milliseconds(0);
  reconnect_timer_.cancel();
  if (failures_in_row_ > 0) {
    log::info({log::message::broker_connected}, component, "connected to ", settings_.url,
              " after ", failures_in_row_, " failed attempt", failures_in_row_ == 1 ? "" : "s");
  } else {
    log::info({log::message::broker_connected}, component, "connected to ", settings_.url);
  }
  last_failure_.reset();
  failures_in_row_ = 0;
  for (const auto& [filter, qos] : subscriptions_) {
    try {
      client_->subscribe(filter, qos);
    } catch (const std::exception& e) {
      log::warning(component, "cannot subscribe to ", filter, ": ", e.what());
    }
  }
  for (const auto& fn : on_connected_) fn();
}

void mqtt_link::handle_lost(const std::string& why) {
  connecting_ = false;
  const bool was = connected_;
  connected_ = false;
  if (was) log::warning({log::message::broker_lost}, component, "lost the broker: ", why);
  fail_pending();
  if (was) {
    for (const auto& fn : on_disconnected_) fn();
  }
  if (stopping_) return;
  schedule_reconnect();
}

void mqtt_link::handle_connect_failed(int return_code, int reason_code) {
  if (connected_ || stopping_) {
    connecting_ = false;
    return;
  }
  // Naming the cause may mean connecting once more ourselves (a name lookup, a TLS handshake),
  // which blocks: on a thread of its own, the result posted back. connecting_ stays set until
  // then, so no second attempt starts meanwhile.
  join_diagnosis();
  auto target = target_of(settings_.url).value_or(connect_target{});
  target.ca_file = settings_.ca_file.string();
  target.cert_file = settings_.cert_file.string();
  target.key_file = settings_.key_file.string();
  diagnosis_ = std::thread([this, target = std::move(target), return_code, reason_code,
                            timeout = settings_.diagnosis_timeout] {
    auto failure = describe(target, return_code, reason_code, {}, {}, timeout);
    post([this, failure = std::move(failure)] { handle_diagnosed(failure); });
  });
}

void mqtt_link::handle_diagnosed(const connect_failure& failure) {
  connecting_ = false;
  if (connected_) return;
  // One line per distinct cause, not one per retry: a technician searching the journal sees each
  // change of cause once, then how long it lasted.
  if (!last_failure_ || *last_failure_ != failure) {
    last_failure_ = failure;
    failures_in_row_ = 1;
    log::warning({log::message::broker_connect_failed}, component, "cannot connect to ",
                 settings_.url, ": ", failure.text, "; retrying");
  } else {
    ++failures_in_row_;
    // Every retry at debug; at info after 10, 100, 1000... attempts.
    std::uint64_t n = failures_in_row_;
    while (n % 10 == 0 && n > 1) n /= 10;
    const auto l = n == 1 ? log::level::info : log::level::debug;
    log::at(l, {log::message::broker_still_failing}, component, "still failing (", failures_in_row_,
            " attempts): cannot connect to ", settings_.url, ": ", failure.text);
  }
  schedule_reconnect();
}

void mqtt_link::join_diagnosis() {
  if (diagnosis_.joinable()) diagnosis_.join();
}

void mqtt_link::publish(std::string_view topic, std::string_view payload, int qos, bool retained,
                        done_fn done, std::string_view correlation_data) {
  const std::uint64_t id = next_id_++;
  auto fail = [this, &done] {
    if (done) post([done = std::move(done)] { done(false); });
  };
  if (!connected_) {
    fail();
    return;
  }
  if (done) pending_.emplace(id, std::move(done));
  try {
    auto msg =
        ::mqtt::make_message(std::string(topic), payload.data(), payload.size(), qos, retained);
    if (!correlation_data.empty()) {
      msg->set_properties(::mqtt::properties{
          ::mqtt::property(::mqtt::property::CORRELATION_DATA, std::string(correlation_data))});
    }
    // Paho's user context is a void*: it carries the id, never a pointer to anything.
    // NOLINTNEXTLINE(performance-no-int-to-ptr)
    client_->publish(msg, reinterpret_cast<void*>(static_cast<std::uintptr_t>(id)),
                     *publish_listener_);
  } catch (const std::exception& e) {
    log::debug(component, "publish on ", topic, " refused: ", e.what());
    auto it = pending_.find(id);
    if (it != pending_.end()) {
      auto d = std::move(it->second);
      pending_.erase(it);
      post([d = std::move(d)] { d(false); });
    }
  }
}

void mqtt_link::delivered(std::uint64_t id, bool ok) {
  bool first = false;
  {
    const std::lock_guard lock(deliveries_mutex_);
    first = deliveries_.empty();
    deliveries_.push_back({id, ok});
  }
  if (first) post([this] { handle_deliveries(); });
}

void mqtt_link::handle_deliveries() {
  std::vector<delivery> burst;
  {
    const std::lock_guard lock(deliveries_mutex_);
    burst.swap(deliveries_);
  }
  for (const auto& d : burst) handle_delivery(d.id, d.ok);
}

void mqtt_link::handle_delivery(std::uint64_t id, bool ok) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;  // failed already when the connection dropped
  auto done = std::move(it->second);
  pending_.erase(it);
  done(ok);
}

void mqtt_link::fail_pending() {
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [id, done] : pending) done(false);
}

void mqtt_link::subscribe(const std::string& filter, int qos) {
  subscriptions_[filter] = qos;
  if (!connected_) return;
  try {
    client_->subscribe(filter, qos);
  } catch (const std::exception& e) {
    log::warning(component, "cannot subscribe to ", filter, ": ", e.what());
  }
}

void mqtt_link::stop(const std::string& final_topic, const std::string& final_payload,
                     std::chrono::milliseconds bound, std::function<void()> done) {
  stop_done_ = std::move(done);
  reconnect_timer_.cancel();
  if (!connected_) {
    stopping_ = true;
    finish_stop();
    return;
  }
  stop_timer_.start(bound, [this] { finish_stop(); });
  publish(final_topic, final_payload, 1, true, [this](bool) { finish_stop(); });
  stopping_ = true;
}

void mqtt_link::finish_stop() {
  if (!stop_done_) return;  // ran already (PUBACK and the bound both fire)
  // Taken first: when the bound ran out, fail_pending() below fails the final message, whose
  // done calls back into here.
  auto done = std::move(stop_done_);
  stop_done_ = nullptr;
  stop_timer_.cancel();
  try {
    // A normal DISCONNECT: the broker discards the will.
    if (client_->is_connected()) client_->disconnect()->wait_for(std::chrono::milliseconds(500));
  } catch (const std::exception& e) {
    log::debug(component, "disconnect: ", e.what());
  }
  connected_ = false;
  fail_pending();
  post(std::move(done));
}

}  // namespace locker::mqtt
