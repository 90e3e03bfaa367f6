// SPDX-License-Identifier: Apache-2.0
// Test support: a real mosquitto on a loopback port of its own, and a small Paho subscriber.
// Real time and real sockets, so every wait is on a condition with a deadline.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <mqtt/async_client.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace locker::test {

namespace detail {

// Asks the kernel for a free loopback port. Another process could take it before mosquitto
// binds it; start() tries again with a new port when that happens.
inline std::uint16_t free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("bind() to a free port failed");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

inline bool port_accepts(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

inline std::filesystem::path make_temp_dir(const std::string& prefix) {
  std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

}  // namespace detail

// Runs io in small steps until pred holds or the deadline passes. For tests whose code under
// test lives on an io_context while the broker and subscriber run on their own threads. The
// work guard makes each step wait for what those threads post: without it, a loop with no
// timer pending returns at once and this spins a core away from Paho's threads and the broker.
inline bool run_until(boost::asio::io_context& io, const std::function<bool()>& pred,
                      std::chrono::milliseconds deadline = std::chrono::seconds(5)) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  const auto guard = boost::asio::make_work_guard(io);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return false;
    io.restart();
    io.run_for(std::chrono::milliseconds(5));
  }
  return true;
}

struct broker_tls {
  std::filesystem::path ca_file;
  std::filesystem::path cert_file;
  std::filesystem::path key_file;
  bool require_certificate = true;
};

struct broker_options {
  std::optional<broker_tls> tls;  // adds a second, TLS-only listener
  // Keeps sessions and queued messages across stop()/start() (saved on SIGTERM). Off by default,
  // as in the brief; a persistent subscriber that must see what was published while it was
  // reconnecting after a broker restart needs it on.
  bool persistence = false;
  // mosquitto_passwd's file: anonymous clients are then refused.
  std::optional<std::filesystem::path> password_file;
};

// A mosquitto process in a temporary folder, on a free loopback port chosen at the first start
// and kept across stop()/start() so clients can reconnect to the same url().
class mosquitto_broker {
 public:
  explicit mosquitto_broker(broker_options options = {}) : options_(std::move(options)) {
    dir_ = detail::make_temp_dir("locker-mosquitto");
    start();
  }
  mosquitto_broker(const mosquitto_broker&) = delete;
  mosquitto_broker& operator=(const mosquitto_broker&) = delete;
  ~mosquitto_broker() {
    kill_now();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Starts (again) and waits up to 5 s until the port(s) accept connections; throws otherwise.
  void start() {
    if (pid_ > 0) return;
    for (int attempt = 0; attempt < 5; ++attempt) {
      const bool fresh = port_ == 0;
      if (fresh) {
        port_ = detail::free_loopback_port();
        if (options_.tls) tls_port_ = detail::free_loopback_port();
      }
      write_config();
      spawn();
      if (wait_ready()) return;
      kill_now();
      if (!fresh) break;  // the same port must come back; do not wander off to another one
      port_ = 0;
    }
    throw std::runtime_error("mosquitto did not start; see " + (dir_ / "mosquitto.log").string());
  }

  // Clean stop (SIGTERM, reaped): clients see the connection drop, persistence is saved.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  [[nodiscard]] bool running() const { return pid_ > 0; }
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::uint16_t tls_port() const { return tls_port_; }
  [[nodiscard]] std::string url() const { return "mqtt://127.0.0.1:" + std::to_string(port_); }
  // Paho's own spelling of the same address.
  [[nodiscard]] std::string tcp_uri() const { return "tcp://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] std::string tls_url() const {
    return "mqtts://127.0.0.1:" + std::to_string(tls_port_);
  }
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
  [[nodiscard]] std::string log() const {
    std::ifstream in(dir_ / "mosquitto.log");
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

 private:
  void write_config() {
    std::ofstream conf(dir_ / "mosquitto.conf", std::ios::trunc);
    // Running as root, mosquitto would switch to its own user and lose access to our files.
    conf << "user root\n";
    conf << "per_listener_settings false\n";
    if (options_.password_file) {
      conf << "allow_anonymous false\n";
      conf << "password_file " << options_.password_file->string() << "\n";
    } else {
      conf << "allow_anonymous true\n";
    }
    conf << "set_tcp_nodelay true\n";
    conf << "log_dest file " << (dir_ / "mosquitto.log").string() << "\n";
    conf << "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n";
    conf << "max_queued_messages 100000\n";
    if (options_.persistence) {
      conf << "persistence true\n";
      conf << "persistence_location " << dir_.string() << "/\n";
      conf << "autosave_interval 0\n";
    } else {
      conf << "persistence false\n";
    }
    conf << "listener " << port_ << " 127.0.0.1\n";
    if (options_.tls) {
      conf << "listener " << tls_port_ << " 127.0.0.1\n";
      conf << "cafile " << options_.tls->ca_file.string() << "\n";
      conf << "certfile " << options_.tls->cert_file.string() << "\n";
      conf << "keyfile " << options_.tls->key_file.string() << "\n";
      conf << "require_certificate " << (options_.tls->require_certificate ? "true" : "false")
           << "\n";
    }
  }

  void spawn() {
    const std::string conf = (dir_ / "mosquitto.conf").string();
    std::vector<std::string> args{"/usr/sbin/mosquitto", "-c", conf};
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (::posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0) pid_ = -1;
  }

  bool wait_ready() {
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < end) {
      int status = 0;
      if (pid_ <= 0 || ::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;  // exited: most likely the port was taken
      }
      if (detail::port_accepts(port_) && (!options_.tls || detail::port_accepts(tls_port_))) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  void kill_now() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  broker_options options_;
  std::filesystem::path dir_;
  std::uint16_t port_ = 0;
  std::uint16_t tls_port_ = 0;
  pid_t pid_ = -1;
};

// One message as a subscriber saw it.
struct received_message {
  std::string topic;
  std::string payload;
  int qos = 0;
  bool retained = false;
  std::string response_topic;    // MQTT 5, empty when absent
  std::string correlation_data;  // MQTT 5, empty when absent
  ::mqtt::properties properties;
  std::chrono::system_clock::time_point received_at;  // when the subscriber got it
};

struct subscriber_options {
  std::string client_id;  // random when empty
  // Further filters, subscribed with the first in one SUBSCRIBE (one SUBACK per connect).
  std::vector<std::string> more_filters;
  // A persistent session (clean start false, 1 day expiry): with a persistent broker it sees
  // what was published while it was reconnecting.
  bool persistent = false;
  int qos = 1;
};

// A Paho MQTT 5 client that subscribes to one filter (again after every reconnect) and keeps
// every message. Thread-safe: Paho's thread appends, the test reads.
class test_subscriber {
 public:
  test_subscriber(const std::string& server_uri, std::string filter,
                  subscriber_options options = {})
      : filter_(std::move(filter)),
        options_(std::move(options)),
        client_(paho_uri(server_uri), options_.client_id.empty() ? random_id() : options_.client_id,
                ::mqtt::create_options(MQTTVERSION_5)) {
    client_.set_message_callback([this](const ::mqtt::const_message_ptr& m) {
      received_message r;
      r.received_at = std::chrono::system_clock::now();
      r.topic = m->get_topic();
      r.payload = m->to_string();
      r.qos = m->get_qos();
      r.retained = m->is_retained();
      r.properties = m->get_properties();
      if (r.properties.contains(::mqtt::property::RESPONSE_TOPIC)) {
        r.response_topic = ::mqtt::get<std::string>(r.properties, ::mqtt::property::RESPONSE_TOPIC);
      }
      if (r.properties.contains(::mqtt::property::CORRELATION_DATA)) {
        r.correlation_data =
            ::mqtt::get<std::string>(r.properties, ::mqtt::property::CORRELATION_DATA);
      }
      {
        std::lock_guard lock(mutex_);
        messages_.push_back(std::move(r));
      }
      changed_.notify_all();
    });
    client_.set_connected_handler([this](const std::string&) {
      // Resubscribing is harmless when the session already had it; a non-persistent broker
      // forgets it across a restart. Never wait on a token here: this is Paho's thread.
      try {
        if (options_.more_filters.empty()) {
          client_.subscribe(filter_, options_.qos, nullptr, subscribed_listener_);
        } else {
          auto filters = ::mqtt::string_collection::create(filter_);
          std::vector<int> qos{options_.qos};
          for (const auto& f : options_.more_filters) {
            filters->push_back(f);
            qos.push_back(options_.qos);
          }
          client_.subscribe(filters, qos, nullptr, subscribed_listener_);
        }
      } catch (const std::exception&) {
      }
    });
    auto builder = ::mqtt::connect_options_builder()
                       .mqtt_version(MQTTVERSION_5)
                       .clean_start(!options_.persistent)
                       .automatic_reconnect(std::chrono::milliseconds(100), std::chrono::seconds(1))
                       .connect_timeout(std::chrono::seconds(5));
    if (options_.persistent) {
      builder.properties({::mqtt::property(::mqtt::property::SESSION_EXPIRY_INTERVAL, 86400)});
    }
    connect_options_ = builder.finalize();
    client_.connect(connect_options_)->wait_for(std::chrono::seconds(5));
    // The connected handler subscribes; the broker has it once the SUBACK came back.
    wait_subscribed(1);
  }
  test_subscriber(const test_subscriber&) = delete;
  test_subscriber& operator=(const test_subscriber&) = delete;
  ~test_subscriber() {
    try {
      client_.disable_callbacks();
      if (client_.is_connected()) client_.disconnect()->wait_for(std::chrono::seconds(2));
    } catch (const std::exception&) {
    }
  }

  // A copy of everything received so far.
  [[nodiscard]] std::vector<received_message> messages() const {
    std::lock_guard lock(mutex_);
    return messages_;
  }
  [[nodiscard]] std::size_t count() const {
    std::lock_guard lock(mutex_);
    return messages_.size();
  }
  [[nodiscard]] std::vector<received_message> on_topic(const std::string& topic) const {
    std::lock_guard lock(mutex_);
    std::vector<received_message> out;
    for (const auto& m : messages_) {
      if (m.topic == topic) out.push_back(m);
    }
    return out;
  }
  void clear() {
    std::lock_guard lock(mutex_);
    messages_.clear();
  }
  [[nodiscard]] bool connected() const { return client_.is_connected(); }
  // How many SUBACKs for the filter came back (one per (re)connect).
  [[nodiscard]] int subscriptions() const {
    std::lock_guard lock(mutex_);
    return subscribed_;
  }
  // Waits until the n-th subscription (counting reconnects) is in place.
  bool wait_subscribed(int n, std::chrono::milliseconds deadline = std::chrono::seconds(5)) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, deadline, [&] { return subscribed_ >= n; });
  }

  // Blocks until pred(messages) holds or the deadline passes. For tests whose code under test
  // does not need the caller's thread; otherwise use run_until() with messages().
  bool wait_for(const std::function<bool(const std::vector<received_message>&)>& pred,
                std::chrono::milliseconds deadline = std::chrono::seconds(5)) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, deadline, [&] { return pred(messages_); });
  }

  // Publishes from the test (commands, desired config), optionally with MQTT 5 properties.
  void publish(const std::string& topic, const std::string& payload, int qos = 1,
               bool retained = false, const ::mqtt::properties& props = {}) {
    auto msg = ::mqtt::message_ptr_builder()
                   .topic(topic)
                   .payload(payload)
                   .qos(qos)
                   .retained(retained)
                   .properties(props)
                   .finalize();
    client_.publish(msg)->wait_for(std::chrono::seconds(5));
  }

  ::mqtt::async_client& client() { return client_; }

 private:
  static std::string paho_uri(const std::string& url) {
    if (url.rfind("mqtt://", 0) == 0) return "tcp://" + url.substr(7);
    if (url.rfind("mqtts://", 0) == 0) return "ssl://" + url.substr(8);
    return url;
  }
  static std::string random_id() {
    std::random_device rd;
    return "test-sub-" + std::to_string(rd()) + std::to_string(rd());
  }

  class subscribed_listener : public ::mqtt::iaction_listener {
   public:
    explicit subscribed_listener(test_subscriber& owner) : owner_(owner) {}
    void on_failure(const ::mqtt::token&) override {}
    void on_success(const ::mqtt::token&) override {
      {
        std::lock_guard lock(owner_.mutex_);
        ++owner_.subscribed_;
      }
      owner_.changed_.notify_all();
    }

   private:
    test_subscriber& owner_;
  };

  std::string filter_;
  subscriber_options options_;
  subscribed_listener subscribed_listener_{*this};
  ::mqtt::async_client client_;
  ::mqtt::connect_options connect_options_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<received_message> messages_;
  int subscribed_ = 0;
};

}  // namespace locker::test
