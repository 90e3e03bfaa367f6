// SPDX-License-Identifier: Apache-2.0
#include "simulator/tracking/tracking_subscriber.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include <boost/asio/post.hpp>
#include <mqtt/async_client.h>

#include "protocol/broker_url.hpp"
#include "protocol/topics.hpp"

namespace locker::tracking {

// Paho's action listener: runs on Paho's thread and only posts onto the loop.
class tracking_subscriber::listener : public ::mqtt::iaction_listener {
 public:
  enum class kind { connect, subscribe };
  listener(tracking_subscriber& owner, kind k) : owner_(owner), kind_(k) {}

  void on_success(const ::mqtt::token& tok) override {
    if (kind_ == kind::connect) return;  // the connected handler reports it
    const bool granted = static_cast<int>(tok.get_reason_code()) < 0x80;
    owner_.post([o = &owner_, granted] { o->subscribed_ = granted && o->connected_; });
  }
  void on_failure(const ::mqtt::token&) override {
    if (kind_ == kind::connect) {
      owner_.post([o = &owner_] {
        o->connecting_ = false;
        if (!o->connected_) o->schedule_reconnect();
      });
    }
    // A refused subscription stays refused until the next connect tries again.
  }

 private:
  tracking_subscriber& owner_;
  kind kind_;
};

tracking_subscriber::tracking_subscriber(boost::asio::io_context& io, subscriber_settings settings,
                                         tracking_view& view, std::function<void()> changed)
    : io_(io),
      settings_(std::move(settings)),
      view_(view),
      changed_(std::move(changed)),
      connect_listener_(std::make_unique<listener>(*this, listener::kind::connect)),
      subscribe_listener_(std::make_unique<listener>(*this, listener::kind::subscribe)),
      reconnect_timer_(io) {
  const auto url = protocol::parse_broker_url(settings_.broker_url);
  if (!url) throw std::invalid_argument("invalid URL: " + url.error());
  const auto topics = protocol::topic_set::make(settings_.locker_id);
  if (!topics) throw std::invalid_argument("invalid locker id: " + settings_.locker_id);
  filter_ = topics->root() + "#";
  if (settings_.client_id.empty()) settings_.client_id = "tracking-view-" + settings_.locker_id;

  client_ = std::make_unique<::mqtt::async_client>(url->paho_uri(), settings_.client_id,
                                                   ::mqtt::create_options(MQTTVERSION_5), nullptr);
  auto builder = ::mqtt::connect_options_builder()
                     .mqtt_version(MQTTVERSION_5)
                     .clean_start(false)
                     .keep_alive_interval(std::chrono::seconds(10))
                     .connect_timeout(std::chrono::seconds(5))
                     .automatic_reconnect(false);  // our own back-off, also for the first connect
  if (!settings_.username.empty()) builder.user_name(settings_.username);
  if (!settings_.password.empty()) builder.password(settings_.password);
  if (url->tls) {
    auto ssl = ::mqtt::ssl_options_builder();
    if (!settings_.ca_file.empty()) ssl.trust_store(settings_.ca_file);
    ssl.enable_server_cert_auth(true).verify(true);
    builder.ssl(ssl.finalize());
  }
  connect_options_ = std::make_unique<::mqtt::connect_options>(builder.finalize());
  // Paho C++ 1.2 copies connect_options without re-pointing the C struct at the copy's own
  // properties (see daemon/mqtt/mqtt_link.cpp): set them on this long-lived object.
  connect_options_->set_properties(
      ::mqtt::properties{::mqtt::property(::mqtt::property::SESSION_EXPIRY_INTERVAL, 24 * 3600)});

  client_->set_connected_handler(
      [this](const std::string&) { post([this] { handle_connected(); }); });
  client_->set_connection_lost_handler(
      [this](const std::string&) { post([this] { handle_lost(); }); });
  client_->set_disconnected_handler(
      [this](const ::mqtt::properties&, ::mqtt::ReasonCode) { post([this] { handle_lost(); }); });
  client_->set_message_callback([this](const ::mqtt::const_message_ptr& m) {
    // When it arrived, not when the loop got to it.
    const auto received = std::chrono::system_clock::now();
    post([this, topic = m->get_topic(), payload = m->to_string(), received] {
      const auto before = view_.changes();
      view_.on_message(topic, payload, received);
      if (view_.changes() != before && changed_) changed_();
    });
  });
}

tracking_subscriber::~tracking_subscriber() {
  reconnect_timer_.cancel();
  try {
    client_->disable_callbacks();
    if (client_->is_connected()) client_->disconnect()->wait_for(std::chrono::seconds(1));
  } catch (const std::exception&) {
    // Leaving anyway; the broker keeps the session for the next run.
  }
  client_.reset();
  alive_.end();
}

void tracking_subscriber::post(std::function<void()> fn) {
  boost::asio::post(io_, [alive = alive_.token(), fn = std::move(fn)] {
    if (alive) fn();
  });
}

void tracking_subscriber::start() {
  if (started_) return;
  started_ = true;
  connect_now();
}

void tracking_subscriber::connect_now() {
  if (connected_ || connecting_) return;
  connecting_ = true;
  try {
    client_->connect(*connect_options_, nullptr, *connect_listener_);
  } catch (const std::exception&) {
    connecting_ = false;
    schedule_reconnect();
  }
}

void tracking_subscriber::schedule_reconnect() {
  backoff_ = backoff_.count() == 0 ? settings_.reconnect_min
                                   : std::min(backoff_ * 2, settings_.reconnect_max);
  reconnect_timer_.expires_after(backoff_);
  reconnect_timer_.async_wait([alive = alive_.token(), this](const boost::system::error_code& ec) {
    if (!ec && alive) connect_now();
  });
}

void tracking_subscriber::handle_connected() {
  connecting_ = false;
  if (connected_) return;
  connected_ = true;
  backoff_ = std::chrono::milliseconds(0);
  reconnect_timer_.cancel();
  // Again after every connect: harmless when the session kept it, needed when the broker
  // forgot the session (restarted without persistence).
  try {
    client_->subscribe(filter_, 1, nullptr, *subscribe_listener_);
  } catch (const std::exception&) {
    handle_lost();
  }
}

void tracking_subscriber::handle_lost() {
  const bool was = connected_;
  connected_ = false;
  subscribed_ = false;
  connecting_ = false;
  if (was) schedule_reconnect();
}

}  // namespace locker::tracking
