// SPDX-License-Identifier: Apache-2.0
#include "tools/lockerctl/broker_link.hpp"

#include <algorithm>

#include <mqtt/async_client.h>

#include "daemon/security/random.hpp"
#include "protocol/broker_url.hpp"
#include "tools/lockerctl/connect_error.hpp"

namespace locker::ctl {
namespace {

std::string unique_client_id() {
  std::string hex = security::uuid_v4();
  hex.erase(std::remove(hex.begin(), hex.end(), '-'), hex.end());
  // 22 characters: within the 23 every MQTT broker must accept, and random enough that two
  // operators never take over each other's session.
  return "lockerctl-" + hex.substr(0, 12);
}

}  // namespace

broker_link::broker_link(const connection_options& options,
                         const std::optional<std::string>& password,
                         std::chrono::milliseconds timeout)
    : client_id_(unique_client_id()), timeout_(timeout) {
  try {
    // Paho C 1.3 knows tcp:// and ssl://; operators write mqtt:// and mqtts://. The URL was
    // checked when the arguments were parsed; anything else goes to Paho as given.
    const auto url = protocol::parse_broker_url(options.broker);
    client_ = std::make_unique<mqtt::async_client>(url ? url->paho_uri() : options.broker,
                                                   client_id_, mqtt::create_options(MQTTVERSION_5));
    auto builder = mqtt::connect_options_builder()
                       .mqtt_version(MQTTVERSION_5)
                       .clean_start(true)
                       .connect_timeout(std::max(std::chrono::seconds(1),
                                                 std::chrono::ceil<std::chrono::seconds>(timeout)))
                       .keep_alive_interval(std::chrono::seconds(30));
    if (options.username) builder.user_name(*options.username);
    if (password) builder.password(*password);
    if (url && url->tls) {
      // As lockerd connects (daemon/mqtt/mqtt_link.cpp): the broker's certificate must chain
      // to --ca, or without it to the system's trust store, and name the host in the URL.
      auto ssl = mqtt::ssl_options_builder();
      if (options.ca_file) ssl.trust_store(*options.ca_file);
      if (options.cert_file) ssl.key_store(*options.cert_file);
      if (options.key_file) ssl.private_key(*options.key_file);
      ssl.enable_server_cert_auth(true).verify(true);
      builder.ssl(ssl.finalize());
    }
    client_->start_consuming();
    const auto token = client_->connect(builder.finalize());
    if (!token->wait_for(timeout + std::chrono::seconds(1)))
      throw link_error("no answer to CONNECT");
  } catch (const mqtt::exception& e) {
    // Paho's "MQTT error [-1]" says nothing; name the cause (unknown host, refused port,
    // certificate, credentials) as lockerd's link does.
    throw link_error(describe_connect_error(options, e.get_return_code(), e.get_reason_code(),
                                            e.get_message(), {},
                                            std::max(timeout, std::chrono::milliseconds(1000))));
  }
}

broker_link::~broker_link() {
  try {
    if (client_ && client_->is_connected())
      client_->disconnect()->wait_for(std::chrono::seconds(2));
  } catch (const mqtt::exception&) {
    // Leaving anyway: the broker drops the clean session when the socket closes.
  }
}

void broker_link::subscribe(const std::vector<std::string>& filters) {
  try {
    for (const auto& filter : filters) {
      const auto token = client_->subscribe(filter, 1);
      if (!token->wait_for(timeout_)) throw link_error("no answer to SUBSCRIBE " + filter);
      if (static_cast<int>(token->get_reason_code()) >= 0x80) {
        throw link_error("the broker refused the subscription to " + filter);
      }
    }
  } catch (const mqtt::exception& e) {
    throw link_error(e.what());
  }
}

void broker_link::publish(const std::string& topic, const std::string& payload, bool retained,
                          const std::optional<reply_route>& route) {
  try {
    auto message = mqtt::make_message(topic, payload, 1, retained);
    if (route) {
      message->set_properties(
          mqtt::properties{{mqtt::property::RESPONSE_TOPIC, route->response_topic},
                           {mqtt::property::CORRELATION_DATA, route->correlation_data}});
    }
    const auto token = client_->publish(message);
    if (!token->wait_for(timeout_)) throw link_error("no PUBACK for " + topic);
    if (static_cast<int>(token->get_reason_code()) >= 0x80) {
      throw link_error("the broker refused to take the message on " + topic);
    }
  } catch (const mqtt::exception& e) {
    throw link_error(e.what());
  }
}

broker_link::wait_result broker_link::next(std::chrono::steady_clock::time_point deadline,
                                           received& out) {
  mqtt::const_message_ptr message;
  if (!client_->try_consume_message_until(&message, deadline)) return wait_result::timeout;
  // Paho queues an empty message when the connection is lost.
  if (!message) return wait_result::lost;
  out.topic = message->get_topic();
  out.payload = message->to_string();
  out.correlation_data.reset();
  const auto& props = message->get_properties();
  if (props.contains(mqtt::property::CORRELATION_DATA)) {
    out.correlation_data = mqtt::get<std::string>(props, mqtt::property::CORRELATION_DATA);
  }
  return wait_result::message;
}

}  // namespace locker::ctl
