// SPDX-License-Identifier: Apache-2.0
// The composition root: the whole locker as lockerd runs it (hardware, store, key, checkpoints,
// retention, controller, keypad session, MQTT link, relay, state report, reporter, command
// handler, updater, topic routing, admin socket, systemd notifier and watchdog, signals), built
// from a configuration and a small platform: what differs between production and tests (the
// loop, the clock, how the board and the broker link are made). lockerd's main only parses
// arguments and runs one; the scenario rig and the benchmark build the same one on the
// simulated board, virtual time and the in-memory link, so they exercise production wiring.
//
// Every way of stopping goes through stop(): the retained offline status goes out first
// (bounded), as a clean disconnect suppresses the will.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "daemon/admin_socket/server.hpp"
#include "daemon/commands/command_handler.hpp"
#include "daemon/commands/publisher.hpp"
#include "daemon/config/config.hpp"
#include "daemon/config/settings_in_force.hpp"
#include "daemon/controller/controller.hpp"
#include "daemon/hardware/cabinet_hardware.hpp"
#include "daemon/keypad/keypad_session.hpp"
#include "daemon/mqtt/broker_link.hpp"
#include "daemon/mqtt/journal_relay.hpp"
#include "daemon/mqtt/reporter.hpp"
#include "daemon/security/secret_key.hpp"
#include "daemon/service/notifier.hpp"
#include "daemon/service/watchdog.hpp"
#include "daemon/state/state_report.hpp"
#include "daemon/state_folder/background_check.hpp"
#include "daemon/store/history_retention.hpp"
#include "daemon/store/idle_checkpoint.hpp"
#include "daemon/store/store.hpp"
#include "daemon/update/updater.hpp"
#include "drivers/clock.hpp"
#include "drivers/hardware.hpp"
#include "protocol/events.hpp"
#include "protocol/topics.hpp"

namespace locker::app {

inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;
// The state folder needs a person (state_folder_refused): the unit does not restart on it.
inline constexpr int exit_state_refused = 3;

// How long a stop waits for the broker to take the offline status.
inline constexpr std::chrono::seconds offline_bound{2};

// The board: on_lost is to be called on the loop when the backend goes away.
using board_factory = std::function<std::unique_ptr<drivers::board>(const config::locker_config&,
                                                                    std::function<void()> on_lost)>;
// The broker link, or nullptr when there is no broker (the locker works the same without).
using link_factory = std::function<std::unique_ptr<mqtt::broker_link>(const config::locker_config&,
                                                                      const protocol::topic_set&)>;

// What differs between production and tests.
struct platform {
  boost::asio::io_context& io;
  drivers::clock& clock;
  board_factory make_board;
  link_factory make_link;
  // Called once, on the loop, when a stop has finished (the offline status went out or its
  // bound passed). Production: io.stop().
  std::function<void()> stopped;
  bool handle_signals = true;  // SIGINT/SIGTERM stop the locker
  bool admin_socket = true;    // <state_dir>/lockerd.sock for lockeradm
  bool systemd = true;         // sd_notify and the watchdog from the environment
  // PRAGMA quick_check after READY (state_folder::background_check), its result on io.
  bool integrity_check = true;
  // The shortest gap between two state messages (lockerd: the reporter's 200 ms). The
  // benchmark sets 0 to build and publish the state after every change, as for people paced
  // past the interval, and show that none of it runs between a pickup's intent and its coil.
  std::chrono::milliseconds state_min_interval = mqtt::reporter_settings{}.state_min_interval;
};

// Production: hardware::make_board, Paho's mqtt_link when broker.url is set, io.stop() at the
// end, signals, the admin socket and systemd.
[[nodiscard]] platform production_platform(boost::asio::io_context& io, drivers::clock& clock);

// A start that failed: what could not start, and why (logged by the caller).
class start_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The state folder cannot be used as it is (daemon/state_folder: a missing or other key, a
// vanished or emptied database; a damaged one is set aside instead): a person must act, so
// restarting does not help.
class state_folder_refused : public start_error {
 public:
  using start_error::start_error;
};

class locker_app {
 public:
  // Builds and starts everything but the ready report, in lockerd's order: the locks safe
  // first, then the state on disk (stored remote settings laid over cfg), then the controller,
  // then MQTT. Throws start_error.
  locker_app(config::locker_config cfg, platform p);
  locker_app(const locker_app&) = delete;
  locker_app& operator=(const locker_app&) = delete;
  // Destroys without any shutdown path (what kill -9 leaves is what this leaves).
  ~locker_app();

  // The locker is up: READY=1, the status line, the watchdog.
  void ready();

  // The one stop path (signal, lost hardware, fatal error): logs reason, reports STOPPING=1,
  // publishes the retained offline status (bounded by offline_bound) and then calls the
  // platform's stopped. The first call decides the exit status; later ones are ignored.
  void stop(std::string_view reason, protocol::offline_reason offline, int exit_status);
  // Runs the loop (the platform's io) until the stop path has ended; returns the exit status.
  // A failure that escapes the loop stops the locker the same way as a signal, as "fatal
  // error": the offline status (lost) first, bounded, then out with exit_failure. A second one
  // while stopping ends it at once.
  int run();
  [[nodiscard]] bool stopping() const { return stopping_; }
  [[nodiscard]] int exit_status() const { return exit_status_; }

  // What the integrity check after READY found (state_folder::background_check; "" when ok),
  // in ms. Damage is noted for the next start (which sets the database aside: books_lost),
  // raised as storage_fault, and lockerd stops (exit 1; systemd restarts it) as soon as nobody
  // is using the locker.
  void integrity_checked(const std::string& problems, double ms);

  [[nodiscard]] const config::locker_config& cfg() const { return cfg_; }
  // What the locker runs with now: cfg() at start, then each applied cfg/desired version.
  [[nodiscard]] config::settings_in_force& settings() { return *settings_; }
  [[nodiscard]] drivers::board& board() { return *board_; }
  [[nodiscard]] hardware::cabinet_hardware& hardware() { return *cabinet_; }
  [[nodiscard]] store::store& db() { return *db_; }
  [[nodiscard]] const security::secret_key& key() const { return *key_; }
  [[nodiscard]] controller::controller& locker() { return *controller_; }
  [[nodiscard]] keypad::keypad_session& session() { return *session_; }
  [[nodiscard]] commands::command_handler& commands() { return *commands_; }
  [[nodiscard]] mqtt::broker_link* link() { return link_.get(); }
  [[nodiscard]] mqtt::journal_relay* relay() { return relay_.get(); }
  [[nodiscard]] const protocol::topic_set& topics() const { return *topics_; }

 private:
  void build_mqtt();
  // Stops with exit 1 now if nobody uses the locker, else looks again every second.
  void stop_when_quiet(const std::string& reason);
  void route(const mqtt::incoming_message& m);
  void admin_request(const admin_socket::peer& from, std::string_view line,
                     admin_socket::reply_fn reply);

  config::locker_config cfg_;
  platform platform_;
  bool stopping_ = false;
  int exit_status_ = exit_ok;

  // The settings in force (the file's with the stored remote ones laid over once); before
  // everything that reads it, so that it outlives them.
  std::optional<config::settings_in_force> settings_;
  std::unique_ptr<drivers::board> board_;
  std::optional<hardware::cabinet_hardware> cabinet_;
  std::optional<store::store> db_;
  std::optional<security::secret_key> key_;
  std::optional<store::history_retention> retention_;
  std::optional<store::idle_checkpoint> checkpoints_;
  std::optional<controller::controller> controller_;
  std::optional<keypad::keypad_session> session_;

  std::optional<protocol::topic_set> topics_;
  std::unique_ptr<mqtt::broker_link> link_;
  std::unique_ptr<mqtt::journal_relay> relay_;
  std::optional<state::state_report> report_;
  std::unique_ptr<mqtt::reporter> reporter_;
  std::unique_ptr<commands::publisher> publisher_;
  std::optional<commands::command_handler> commands_;
  std::unique_ptr<update::updater> updater_;

  std::unique_ptr<admin_socket::server> admin_;
  service::notifier notify_;
  std::optional<service::watchdog> watchdog_;
  std::optional<boost::asio::signal_set> signals_;
  // Last, so that they go first: the check after READY and the stop it may wait for.
  std::optional<drivers::timer> quiet_stop_;
  std::optional<state_folder::background_check> integrity_;
};

}  // namespace locker::app
