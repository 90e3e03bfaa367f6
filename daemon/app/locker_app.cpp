// SPDX-License-Identifier: Apache-2.0
#include "daemon/app/locker_app.hpp"

#include <algorithm>
#include <cmath>
#include <csignal>
#include <exception>
#include <filesystem>
#include <utility>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include "daemon/activity/locker_activity.hpp"
#include "daemon/commands/remote_settings.hpp"
#include "daemon/keypad/catalogue/catalogue.hpp"
#include "daemon/log/log.hpp"
#include "daemon/mqtt/link_publisher.hpp"
#include "daemon/mqtt/mqtt_link.hpp"
#include "daemon/security/random.hpp"
#include "daemon/state_folder/state_folder.hpp"

#ifndef LOCKER_VERSION
#define LOCKER_VERSION "0.0.0"
#endif

namespace locker::app {

namespace {

constexpr std::string_view component = "lockerd";

// Without a broker the command handler's replies go nowhere but to a local caller.
class no_publisher final : public commands::publisher {
 public:
  void publish(std::string_view, std::string_view, int, bool,
               const std::optional<std::string>&) override {}
};

// The keypad's language key is 'A'; a matrix keypad without it (3x4), or a numeric keypad
// read through evdev, switches with '#' at the empty prompt instead. The simulator's has 'A'.
bool hash_switches_language(const config::keypad_config& keypad) {
  switch (keypad.kind) {
    case config::keypad_kind::sim:
      return false;
    case config::keypad_kind::evdev:
      return true;
    case config::keypad_kind::matrix:
      return std::none_of(keypad.keys.begin(), keypad.keys.end(), [](const std::string& row) {
        return row.find('A') != std::string::npos;
      });
  }
  return false;
}

}  // namespace

platform production_platform(boost::asio::io_context& io, drivers::clock& clock) {
  return platform{
      .io = io,
      .clock = clock,
      .make_board =
          [&io, &clock](const config::locker_config& cfg, std::function<void()> on_lost) {
            return hardware::make_board(cfg, io, clock, std::move(on_lost));
          },
      .make_link = [&io, &clock](
                       const config::locker_config& cfg,
                       const protocol::topic_set& topics) -> std::unique_ptr<mqtt::broker_link> {
        if (cfg.broker.url.empty()) return nullptr;
        return std::make_unique<mqtt::mqtt_link>(io, clock, mqtt::settings_from(cfg, topics));
      },
      .stopped = [&io] { io.stop(); },
  };
}

locker_app::locker_app(config::locker_config cfg, platform p)
    : cfg_(std::move(cfg)), platform_(std::move(p)) {
  auto& clock = platform_.clock;
  try {
    board_ = platform_.make_board(cfg_, [this] {
      stop("lost the hardware backend", protocol::offline_reason::lost, exit_failure);
    });
    hardware::make_locks_safe(*board_, cfg_.board);
  } catch (const std::exception& e) {
    throw start_error(std::string("cannot start the hardware: ") + e.what());
  }
  log::info(component, "all locks in the safe state");

  // The state on disk: the database (journal included) and the per-locker key.
  try {
    std::filesystem::create_directories(cfg_.state_dir);
    std::filesystem::permissions(cfg_.state_dir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace);
    // The folder's checks (daemon/state_folder): a missing or other key, a vanished or empty
    // database: refused with what to do, never started forgetful; a damaged one is set aside
    // and the locker starts degraded (books_lost), reachable, instead of never.
    try {
      // No quick_check here: it reads every page, so it runs after READY (integrity_).
      key_.emplace(state_folder::open(cfg_.state_dir, db_, {.set_aside_damaged = true}));
    } catch (const state_folder::refused& e) {
      throw state_folder_refused(e.what());
    }
    // Settings pushed over cfg/desired earlier win over the file's, before they are used:
    // laid over once, here, and from then on in force through settings_.
    if (const auto version = commands::apply_stored_settings(*db_, cfg_))
      log::info(component, "remote settings version ", version, " applied");
    settings_.emplace(cfg_);
  } catch (const state_folder_refused&) {
    throw;
  } catch (const std::exception& e) {
    throw start_error("cannot open the state in " + cfg_.state_dir.string() + ": " + e.what());
  }
  try {
    cabinet_.emplace(*board_, clock, cfg_.board, settings_->timings());
  } catch (const std::exception& e) {
    throw start_error(std::string("cannot start the hardware: ") + e.what());
  }

  // WAL checkpoints between people, not inside the commit a person waits on; the history past
  // its retention is deleted at the same quiet moments, a batch at a time.
  retention_.emplace(*db_, clock,
                     store::retention_settings{.ended_parcels = cfg_.store.ended_parcel_retention,
                                               .audit = cfg_.store.audit_retention,
                                               .batch = store::retention_settings{}.batch});
  checkpoints_.emplace(db_->db(), clock);
  checkpoints_->on_quiet([this] { retention_->run(); });
  controller_.emplace(*db_, *key_, clock, *cabinet_, *settings_);
  keypad::session_settings session_cfg;
  session_cfg.session_idle = settings_->timings().session_idle;
  // Every language of the catalogue; a text a translation lacks shows in English (the
  // catalogue test keeps that from shipping).
  for (const auto lang : keypad::catalogue::all_languages) {
    for (const auto& problem : keypad::catalogue::check(lang))
      log::warning(component, "display texts: ", problem);
    if (lang == cfg_.display.language) session_cfg.default_language = session_cfg.languages.size();
    session_cfg.languages.push_back(keypad::catalogue::texts(lang));
  }
  session_cfg.hash_switches_language = hash_switches_language(cfg_.board.keypad);
  session_cfg.extended_time_factor = settings_->policy().extended_time_factor;
  session_.emplace(board_->keypad(), board_->display(), board_->indicator(), clock, *controller_,
                   session_cfg);
  // The barcode scanner beside the keypad, where the board file has one.
  if (auto* scanner = cabinet_->scanner()) session_->take_scans(*scanner);
  // The couriers' badge reader, where the board file has one.
  if (auto* badges = cabinet_->badge_reader()) session_->take_badges(*badges);
  controller_->set_session(&*session_);
  // session_idle_s is the session's own; the controller follows the settings itself.
  settings_->on_change([s = &*session_](const config::settings_in_force& in_force) {
    s->set_session_idle(in_force.timings().session_idle);
  });
  try {
    controller_->start();
  } catch (const std::exception& e) {
    throw start_error(std::string("cannot restore the locker's state: ") + e.what());
  }

  topics_ = protocol::topic_set::make(cfg_.locker_id);
  if (!topics_) throw start_error("locker_id '" + cfg_.locker_id + "' cannot be a topic");
  report_.emplace(*controller_, *db_, clock);
  try {
    build_mqtt();
  } catch (const std::exception& e) {
    throw start_error(std::string("cannot set up the broker connection: ") + e.what());
  }

  // lockeradm's way in: the same commands, answered to the caller only.
  if (platform_.admin_socket) {
    try {
      admin_ = std::make_unique<admin_socket::server>(
          platform_.io, cfg_.state_dir / "lockerd.sock", std::set<uid_t>{0, ::geteuid()},
          [this](const admin_socket::peer& from, std::string_view line,
                 admin_socket::reply_fn reply) { admin_request(from, line, std::move(reply)); });
      admin_->start();
    } catch (const std::exception& e) {
      throw start_error(std::string("cannot open the admin socket: ") + e.what());
    }
  }

  // systemd (Type=notify); inert when not started by it.
  if (platform_.systemd) notify_ = service::notifier::from_environment();
  if (platform_.handle_signals) {
    signals_.emplace(platform_.io, SIGINT, SIGTERM);
    signals_->async_wait([this](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      stop("signal " + std::to_string(sig), protocol::offline_reason::shutdown, exit_ok);
    });
  }
}

locker_app::~locker_app() = default;

void locker_app::build_mqtt() {
  // MQTT: only when a broker is configured. The link connects in the background and keeps
  // trying; the locker works the same without it and reports everything once it is there.
  auto& clock = platform_.clock;
  auto& topics = *topics_;
  link_ = platform_.make_link(cfg_, topics);
  if (!link_) {
    log::info(component, "no broker configured: events stay in the journal");
    // The commands still run, for lockeradm: their replies go only to it.
    publisher_ = std::make_unique<no_publisher>();
    commands_.emplace(*controller_, *db_, *key_, clock, topics, *publisher_, *report_);
    return;
  }
  relay_ = std::make_unique<mqtt::journal_relay>(*db_, *link_, clock, topics);
  mqtt::reporter_settings rs;
  rs.version = LOCKER_VERSION;
  rs.boot_id = security::uuid_v4();
  rs.started_at = clock.wall_now();
  rs.telemetry = settings_->telemetry();
  rs.state_min_interval = platform_.state_min_interval;
  // Optional features; the board's own (presence_sensor) are added by the reporter.
  if (!cfg_.update.keyring.empty()) rs.capabilities.emplace_back("fw_update");
  // Flow "token": scanned signed tokens are taken (protocol/tokens.md).
  if (!cfg_.tokens.keys.empty()) rs.capabilities.emplace_back("signed_tokens");
  reporter_ = std::make_unique<mqtt::reporter>(*link_, clock, *db_, *report_, cfg_, topics, rs);
  controller_->on_journal([r = relay_.get()] { r->wake(); });
  // Every change: note when alarms were raised, then the state follows (rate-limited).
  // The controller tells it after the action (posted onto the loop), never between a
  // person's intent on disk and the coil.
  const auto changed = [s = &*report_, r = reporter_.get()] {
    s->observe();
    r->state_changed();
  };
  controller_->on_change(changed);
  publisher_ = std::make_unique<mqtt::link_publisher>(*link_);
  commands_.emplace(*controller_, *db_, *key_, clock, topics, *publisher_, *report_);
  commands_->on_rebirth([r = reporter_.get()] { r->rebirth(); });
  commands_->on_state_change(changed);
  reporter_->set_config_version(commands_->config_version());
  update::update_settings us;
  us.keyring = cfg_.update.keyring;
  us.compatible = cfg_.update.compatible;
  us.download_ca_file = cfg_.update.download_ca_file;
  us.max_bundle_bytes = cfg_.update.max_bundle_mb * 1024 * 1024;
  us.download_timeout = cfg_.update.download_timeout;
  us.install_timeout = cfg_.update.install_timeout;
  us.rauc = cfg_.update.rauc;
  us.systemctl = cfg_.update.systemctl;
  us.staging_dir = cfg_.state_dir / "update";
  us.running_version = LOCKER_VERSION;
  updater_ = std::make_unique<update::updater>(
      platform_.io, clock, *db_, topics, std::move(us),
      [this] { return activity::why_busy(*controller_, &*session_); }, *link_);
  updater_->resume();
  commands_->set_updater(updater_.get());
  link_->on_connected([u = updater_.get()] { u->connected(); });
  link_->on_disconnected([u = updater_.get()] { u->disconnected(); });
  // telemetry_s from the settings in force; the applied version for …/info.
  settings_->on_change([r = reporter_.get()](const config::settings_in_force& in_force) {
    r->set_telemetry(in_force.telemetry());
  });
  commands_->on_settings_applied([this](const config::locker_config&) {
    reporter_->set_config_version(commands_->config_version());
  });
  link_->on_message([this](const mqtt::incoming_message& m) { route(m); });
  link_->subscribe(topics.cmd_filter());
  link_->subscribe(topics.cfg_desired());
  link_->start();
}

void locker_app::route(const mqtt::incoming_message& m) {
  const auto in = protocol::parse_incoming_topic(*topics_, m.topic);
  if (!in) return;
  const auto optional = [](const std::string& v) {
    return v.empty() ? std::nullopt : std::optional<std::string>(v);
  };
  if (in->kind == protocol::incoming_kind::command) {
    commands_->handle_command(in->command, m.payload, optional(m.response_topic),
                              optional(m.correlation_data));
  } else {
    commands_->handle_cfg_desired(m.payload);
  }
}

void locker_app::admin_request(const admin_socket::peer& from, std::string_view line,
                               admin_socket::reply_fn reply) {
  // {"command": "<MQTT command>", "req_id"?: ..., ...the command's arguments}: the same
  // command as over MQTT, its reply object back on the line.
  auto request = nlohmann::json::parse(line, nullptr, false);
  const auto it = request.is_object() ? request.find("command") : request.end();
  if (!request.is_object() || it == request.end() || !it->is_string()) {
    reply(nlohmann::json{{"status", "error"},
                         {"code", "bad_request"},
                         {"message", "a request is one JSON object with a string \"command\""}}
              .dump());
    return;
  }
  const std::string name = it->get<std::string>();
  request.erase("command");
  if (!request.contains("req_id")) request["req_id"] = security::uuid_v4();
  commands_->handle_local(name, request.dump(), "lockeradm:uid=" + std::to_string(from.uid),
                          [reply = std::move(reply)](std::string r) { reply(std::move(r)); });
}

void locker_app::ready() {
  log::info(component, "ready");
  // READY=1 only here: the locks are safe, the database is open and the controller has
  // restored its state. The watchdog pings from this loop, so a stuck loop gets restarted.
  if (const auto ec = notify_.notify_ready()) {
    log::warning(component, "READY=1 not sent: ", ec.message());
  }
  (void)notify_.notify_status(std::to_string(cfg_.board.compartments.size()) + " compartments, " +
                              (link_ ? "broker configured" : "no broker"));
  if (platform_.systemd) {
    if (const auto interval = service::watchdog_interval_from_environment()) {
      watchdog_.emplace(notify_, platform_.clock, *interval);
      watchdog_->start();
    }
  }
  // The integrity check of every start, beside the loop rather than before READY.
  if (platform_.integrity_check) {
    integrity_.emplace(
        platform_.io, cfg_.state_dir / state_folder::database_file,
        [this](const std::string& problems, double ms) { integrity_checked(problems, ms); });
  }
}

int locker_app::run() {
  auto& io = platform_.io;
  for (;;) {
    try {
      io.run();
      return exit_status_;
    } catch (const std::exception& e) {
      log::error(component, "fatal: ", e.what());
      if (stopping_) return exit_failure;
      stop("fatal error", protocol::offline_reason::lost, exit_failure);
      io.restart();
    }
  }
}

void locker_app::integrity_checked(const std::string& problems, double ms) {
  const auto file = (cfg_.state_dir / state_folder::database_file).string();
  if (problems.empty()) {
    log::info(component, "database check: ", file, " is ok (quick_check, ", std::lround(ms),
              " ms)");
    return;
  }
  log::error(component, "database check: ", file, " is damaged (", problems,
             "): it is set aside at the next start (books_lost); stopping as soon as nobody is "
             "using the locker");
  try {
    state_folder::record_damage(cfg_.state_dir, problems);
  } catch (const std::exception& e) {
    log::error(component, "cannot note the damage for the next start: ", e.what());
  }
  controller_->storage_error_outside("the database check after the start", problems.c_str());
  stop_when_quiet("the database is damaged");
}

void locker_app::stop_when_quiet(const std::string& reason) {
  if (stopping_) return;
  if (activity::why_busy(*controller_, &*session_)) {
    if (!quiet_stop_) quiet_stop_.emplace(platform_.clock);
    quiet_stop_->start(drivers::millis{1000}, [this, reason] { stop_when_quiet(reason); });
    return;
  }
  stop(reason, protocol::offline_reason::lost, exit_failure);
}

void locker_app::stop(std::string_view reason, protocol::offline_reason offline, int exit_status) {
  if (stopping_) return;
  stopping_ = true;
  exit_status_ = exit_status;
  if (exit_status == exit_ok) {
    log::info(component, reason, ": stopping");
  } else {
    log::error(component, reason, ": stopping");
  }
  (void)notify_.notify_stopping();
  if (signals_) signals_->cancel();
  const auto done = [this] {
    if (platform_.stopped) platform_.stopped();
  };
  if (link_) {
    // The offline status goes out first (bounded): the clean disconnect suppresses the will.
    link_->stop(topics_->status(), protocol::encode_status_offline(offline), offline_bound, done);
    return;
  }
  done();
}

}  // namespace locker::app
