// SPDX-License-Identifier: Apache-2.0
// lockerd: the locker controller. Loads the config, drives every lock to its safe state,
// attaches to the hardware backend and runs one event loop until SIGTERM/SIGINT.
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "daemon/activity/locker_activity.hpp"
#include "daemon/commands/command_handler.hpp"
#include "daemon/commands/remote_settings.hpp"
#include "daemon/config/config.hpp"
#include "daemon/controller/controller.hpp"
#include "daemon/hardware/cabinet_hardware.hpp"
#include "daemon/keypad/keypad_session.hpp"
#include "daemon/log/log.hpp"
#include "daemon/mqtt/journal_relay.hpp"
#include "daemon/mqtt/link_publisher.hpp"
#include "daemon/mqtt/mqtt_link.hpp"
#include "daemon/mqtt/reporter.hpp"
#include "daemon/security/random.hpp"
#include "daemon/security/secret_key.hpp"
#include "daemon/service/notifier.hpp"
#include "daemon/service/watchdog.hpp"
#include "daemon/state/state_report.hpp"
#include "daemon/store/idle_checkpoint.hpp"
#include "daemon/store/parcel_retention.hpp"
#include "daemon/store/store.hpp"
#include "daemon/update/updater.hpp"
#include "drivers/asio_clock.hpp"
#include "protocol/topics.hpp"

#ifndef LOCKER_VERSION
#define LOCKER_VERSION "0.0.0"
#endif

namespace {

using namespace locker;

constexpr int exit_ok = 0;
constexpr int exit_failure = 1;
constexpr int exit_usage = 2;  // bad command line or bad config: nothing was started

constexpr std::string_view usage = R"(Usage: lockerd [OPTIONS]

The parcel locker controller: drives the compartment locks, reads the door sensors,
runs the keypad flows and reports to the parcel tracking system.

Options:
  -c, --config FILE    configuration file (default /etc/lockerd/lockerd.toml)
      --check-config [FILE]
                       load and validate the configuration and its board file, then exit
  -v, --verbose        log debug messages
  -h, --help           show this help and exit
      --version        show the version and exit

Exit status: 0 after a clean stop, 1 on a runtime failure, 2 for a bad command line or
configuration (the message names the file, the key and the reason).
)";

struct options {
  std::string config = "/etc/lockerd/lockerd.toml";
  bool check_only = false;
  bool verbose = false;
};

// Returns an exit status when the program should stop right away.
std::optional<int> parse_args(const std::vector<std::string_view>& args, options& o) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto a = args[i];
    if (a == "-h" || a == "--help") {
      std::cout << usage;
      return exit_ok;
    }
    if (a == "--version") {
      std::cout << "lockerd " << LOCKER_VERSION << '\n';
      return exit_ok;
    }
    if (a == "-c" || a == "--config") {
      if (i + 1 >= args.size()) {
        std::cerr << "lockerd: " << a << " needs a file\n";
        return exit_usage;
      }
      o.config = std::string(args[++i]);
    } else if (a.starts_with("--config=")) {
      o.config = std::string(a.substr(9));
    } else if (a == "--check-config") {
      o.check_only = true;
      // "--check-config FILE" is accepted as well as "--check-config -c FILE".
      if (i + 1 < args.size() && !args[i + 1].starts_with('-')) o.config = std::string(args[++i]);
    } else if (a == "-v" || a == "--verbose") {
      o.verbose = true;
    } else {
      std::cerr << "lockerd: unknown option '" << a << "' (see --help)\n";
      return exit_usage;
    }
  }
  return std::nullopt;
}

log::level to_log_level(config::log_level l) {
  switch (l) {
    case config::log_level::debug:
      return log::level::debug;
    case config::log_level::info:
      return log::level::info;
    case config::log_level::warning:
      return log::level::warning;
    case config::log_level::error:
      return log::level::error;
  }
  return log::level::info;
}

int run(const options& o) {
  config::locker_config cfg;
  try {
    cfg = config::load_config(o.config);
  } catch (const config::config_error& e) {
    std::cerr << "lockerd: bad configuration: " << e.what() << '\n';
    return exit_usage;
  }
  if (o.check_only) {
    std::cout << "lockerd: " << cfg.file << " is valid (" << cfg.board.compartments.size()
              << " compartments on " << cfg.board.file << ")\n";
    return exit_ok;
  }
  log::set_level(o.verbose ? log::level::debug : to_log_level(cfg.log));
  log::use_syslog_prefixes(std::getenv("JOURNAL_STREAM") != nullptr);
  log::info("lockerd", "version ", LOCKER_VERSION, ", locker ", cfg.locker_id, ", ",
            cfg.board.compartments.size(), " compartments");

  boost::asio::io_context io;
  drivers::asio_clock clock(io);

  int exit_status = exit_ok;
  std::unique_ptr<drivers::board> board;
  std::optional<hardware::cabinet_hardware> cabinet;
  try {
    board = hardware::make_board(cfg, io, clock, [&] {
      log::error("lockerd", "lost the hardware backend: stopping");
      exit_status = exit_failure;
      io.stop();
    });
    hardware::make_locks_safe(*board, cfg.board);
  } catch (const std::exception& e) {
    log::error("lockerd", "cannot start the hardware: ", e.what());
    return exit_failure;
  }
  log::info("lockerd", "all locks in the safe state");

  // The state on disk: the database (journal included) and the per-locker key.
  std::optional<store::store> db;
  std::optional<security::secret_key> key;
  try {
    std::filesystem::create_directories(cfg.state_dir);
    std::filesystem::permissions(cfg.state_dir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace);
    key.emplace(security::load_or_create_key(cfg.state_dir));
    db.emplace(cfg.state_dir / "lockerd.db");
    // Settings pushed over cfg/desired earlier win over the file's, before they are used.
    if (const auto version = commands::apply_stored_settings(*db, cfg))
      log::info("lockerd", "remote settings version ", version, " applied");
  } catch (const std::exception& e) {
    log::error("lockerd", "cannot open the state in ", cfg.state_dir.string(), ": ", e.what());
    return exit_failure;
  }
  try {
    cabinet.emplace(*board, clock, cfg.board, cfg.timings);
  } catch (const std::exception& e) {
    log::error("lockerd", "cannot start the hardware: ", e.what());
    return exit_failure;
  }

  // WAL checkpoints between people, not inside the commit a person waits on; ended parcels
  // past their retention are deleted at the same quiet moments, a batch at a time.
  store::parcel_retention retention(*db, clock,
                                    {.ended_parcels = cfg.store.ended_parcel_retention});
  store::idle_checkpoint checkpoints(db->db(), clock);
  checkpoints.on_quiet([&retention] { retention.run(); });
  controller::controller locker(*db, *key, clock, *cabinet, cfg);
  keypad::session_settings session_cfg;
  session_cfg.session_idle = cfg.timings.session_idle;
  keypad::keypad_session session(board->keypad(), board->display(), board->indicator(), clock,
                                 locker, session_cfg);
  if (auto* scanner = cabinet->scanner()) session.take_scans(*scanner);
  locker.set_session(&session);
  try {
    locker.start();
  } catch (const std::exception& e) {
    log::error("lockerd", "cannot restore the locker's state: ", e.what());
    return exit_failure;
  }

  // MQTT: only when a broker is configured. The link connects in the background and keeps
  // trying; the locker works the same without it and reports everything once it is there.
  const auto topics = protocol::topic_set::make(cfg.locker_id);
  std::unique_ptr<locker::mqtt::broker_link> link;
  std::unique_ptr<locker::mqtt::journal_relay> relay;
  std::unique_ptr<state::state_report> report;
  std::unique_ptr<locker::mqtt::reporter> reporter;
  std::unique_ptr<locker::mqtt::link_publisher> publisher;
  std::unique_ptr<commands::command_handler> commands;
  std::unique_ptr<update::updater> updater;
  if (!cfg.broker.url.empty() && topics) {
    try {
      link = std::make_unique<locker::mqtt::mqtt_link>(io, clock,
                                                       locker::mqtt::settings_from(cfg, *topics));
      relay = std::make_unique<locker::mqtt::journal_relay>(*db, *link, clock, *topics);
      locker::mqtt::reporter_settings rs;
      rs.version = LOCKER_VERSION;
      rs.boot_id = security::uuid_v4();
      rs.started_at = clock.wall_now();
      rs.telemetry = cfg.telemetry;
      // Optional features; the board's own (presence_sensor) are added by the reporter.
      if (!cfg.update.keyring.empty()) rs.capabilities.emplace_back("fw_update");
      report = std::make_unique<state::state_report>(locker, *db, clock);
      reporter = std::make_unique<locker::mqtt::reporter>(*link, clock, *db, locker, *report, cfg,
                                                          *topics, rs);
      locker.on_journal([r = relay.get()] { r->wake(); });
      // Every change: note when alarms were raised, then the state follows (rate-limited).
      // The controller tells it after the action (posted onto the loop), never between a
      // person's intent on disk and the coil.
      const auto changed = [s = report.get(), r = reporter.get()] {
        s->observe();
        r->state_changed();
      };
      locker.on_change(changed);
      publisher = std::make_unique<locker::mqtt::link_publisher>(*link);
      commands = std::make_unique<commands::command_handler>(locker, *db, *key, clock, *topics,
                                                             *publisher, *report);
      commands->on_rebirth([r = reporter.get()] { r->rebirth(); });
      commands->on_state_change(changed);
      reporter->set_config_version(commands->config_version());
      update::update_settings us;
      us.keyring = cfg.update.keyring;
      us.compatible = cfg.update.compatible;
      us.download_ca_file = cfg.update.download_ca_file;
      us.max_bundle_bytes = cfg.update.max_bundle_mb * 1024 * 1024;
      us.download_timeout = cfg.update.download_timeout;
      us.install_timeout = cfg.update.install_timeout;
      us.rauc = cfg.update.rauc;
      us.systemctl = cfg.update.systemctl;
      us.staging_dir = cfg.state_dir / "update";
      us.running_version = LOCKER_VERSION;
      updater = std::make_unique<update::updater>(
          io, clock, *db, *topics, std::move(us),
          [&locker, &session] { return activity::why_busy(locker, &session); },
          // Through the broker link's interface; update/ cannot see mqtt/ (mqtt/ sends the
          // command replies, and commands/ drives the updater).
          [l = link.get()](const std::string& topic, const std::string& payload) {
            l->publish(topic, payload, 1, false);
          });
      updater->resume();
      commands->set_updater(updater.get());
      link->on_connected([u = updater.get()] { u->connected(); });
      link->on_disconnected([u = updater.get()] { u->disconnected(); });
      // The controller has the policy and timings; the rest is the session's and reporter's.
      commands->on_settings_applied([r = reporter.get(), h = commands.get(),
                                     &session](const config::locker_config& in_force) {
        session.set_session_idle(in_force.timings.session_idle);
        r->set_telemetry(in_force.telemetry);
        r->set_config_version(h->config_version());
      });
      link->on_message([h = commands.get(), &t = *topics](const locker::mqtt::incoming_message& m) {
        const auto in = protocol::parse_incoming_topic(t, m.topic);
        if (!in) return;
        const auto optional = [](const std::string& v) {
          return v.empty() ? std::nullopt : std::optional<std::string>(v);
        };
        if (in->kind == protocol::incoming_kind::command) {
          h->handle_command(in->command, m.payload, optional(m.response_topic),
                            optional(m.correlation_data));
        } else {
          h->handle_cfg_desired(m.payload);
        }
      });
      link->subscribe(topics->cmd_filter());
      link->subscribe(topics->cfg_desired());
      link->start();
    } catch (const std::exception& e) {
      log::error("lockerd", "cannot set up the broker connection: ", e.what());
      return exit_failure;
    }
  } else {
    log::info("lockerd", "no broker configured: events stay in the journal");
  }

  // systemd (Type=notify); inert when not started by it. Declared before the signal handler,
  // which reports STOPPING=1.
  service::notifier notify = service::notifier::from_environment();
  std::optional<service::watchdog> watchdog;

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    log::info("lockerd", "signal ", sig, ": stopping");
    (void)notify.notify_stopping();
    if (link && topics) {
      // The shutdown status goes out first (bounded), so the broker does not send the will.
      link->stop(topics->status(),
                 protocol::encode_status_offline(protocol::offline_reason::shutdown),
                 std::chrono::seconds(2), [&io] { io.stop(); });
      return;
    }
    io.stop();
  });

  log::info("lockerd", "ready");
  // READY=1 only here: the locks are safe, the database is open and the controller has
  // restored its state. The watchdog pings from this loop, so a stuck loop gets restarted.
  if (const auto ec = notify.notify_ready()) {
    log::warning("lockerd", "READY=1 not sent: ", ec.message());
  }
  (void)notify.notify_status(std::to_string(cfg.board.compartments.size()) + " compartments, " +
                             (link ? "broker configured" : "no broker"));
  if (const auto interval = service::watchdog_interval_from_environment()) {
    watchdog.emplace(notify, clock, *interval);
    watchdog->start();
  }
  io.run();
  log::info("lockerd", "stopped");
  return exit_status;
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  if (auto status = parse_args(args, o)) return *status;
  try {
    return run(o);
  } catch (const std::exception& e) {
    locker::log::error("lockerd", "fatal: ", e.what());
    return exit_failure;
  }
}
