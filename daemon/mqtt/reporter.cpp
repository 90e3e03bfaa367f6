// SPDX-License-Identifier: Apache-2.0
#include "daemon/mqtt/reporter.hpp"

#include <exception>
#include <set>

#include <sys/statvfs.h>

#include "daemon/log/log.hpp"

namespace locker::mqtt {

namespace {

constexpr std::string_view reporter_log = "reporter";

}  // namespace

reporter::reporter(broker_link& link, drivers::clock& clock, store::store& db,
                   state::state_report& report, const config::locker_config& cfg,
                   const protocol::topic_set& topics, reporter_settings settings)
    : link_(link),
      clock_(clock),
      db_(db),
      report_(report),
      cfg_(cfg),
      topics_(topics),
      settings_(std::move(settings)),
      started_steady_(clock.now()),
      state_timer_(clock),
      telemetry_timer_(clock) {
  link_.on_connected([this] { connected(); });
  if (link_.connected()) connected();
}

void reporter::connected() {
  rebirth();
  arm_telemetry();
}

void reporter::rebirth() {
  if (!link_.connected()) return;
  protocol::status_online st{settings_.version, settings_.boot_id, settings_.started_at};
  link_.publish(topics_.status(), protocol::encode_status_online(st), 1, true);
  link_.publish(topics_.info(), protocol::encode_info(current_info()), 1, true);
  // A rebirth command repeated quickly must not push the state faster than a change can.
  publish_state_when_due();
}

void reporter::set_config_version(std::uint64_t v) {
  settings_.config_version = v;
  if (link_.connected()) {
    link_.publish(topics_.info(), protocol::encode_info(current_info()), 1, true);
  }
}

void reporter::set_telemetry(std::chrono::seconds period) {
  if (period == settings_.telemetry) return;
  settings_.telemetry = period;
  telemetry_timer_.cancel();
  if (link_.connected()) arm_telemetry();  // else the next connect arms it
}

void reporter::state_changed() {
  if (!link_.connected()) return;  // the next connect publishes the state anyway
  publish_state_when_due();
}

void reporter::publish_state_when_due() {
  if (state_pending_) return;  // coalesced into the one already due
  const auto due = last_state_ + settings_.state_min_interval;
  const auto now = clock_.now();
  if (states_published_ == 0 || now >= due) {
    publish_state_now();
    return;
  }
  state_pending_ = true;
  state_timer_.start(std::chrono::duration_cast<drivers::millis>(due - now) + drivers::millis(1),
                     [this] {
                       state_pending_ = false;
                       publish_state_now();
                     });
}

void reporter::publish_state_now() {
  state_timer_.cancel();
  state_pending_ = false;
  if (!link_.connected()) return;
  try {
    link_.publish(topics_.state(), protocol::encode_state(report_.current()), 1, true);
    last_state_ = clock_.now();
    ++states_published_;
  } catch (const std::exception& e) {
    log::error(reporter_log, "cannot build the state: ", e.what());
  }
}

protocol::locker_info reporter::current_info() const {
  protocol::locker_info info;
  info.version = settings_.version;
  info.hardware = cfg_.board.hardware;
  for (const auto& c : cfg_.board.compartments) info.compartments.push_back({c.id, c.size});
  info.capabilities = settings_.capabilities;
  // What a tracking system cannot take for granted (the commands of the contract are all
  // there): presence_sensor when compartments sense a parcel (occupied is measured, and a
  // parcel gone missing while the locker was off raises tamper).
  for (const auto& c : cfg_.board.compartments) {
    if (c.presence) {
      info.capabilities.emplace_back("presence_sensor");
      break;
    }
  }
  info.config_version = settings_.config_version;
  return info;
}

protocol::telemetry reporter::current_telemetry() {
  protocol::telemetry t;
  t.ts = clock_.wall_now();
  t.uptime_s = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(clock_.now() - started_steady_).count());
  // Flow "hold" (issue 13): the same counts as the state's capacity; `free` is its free
  // column (a held compartment is not free: only its own reservation's deposit may take it).
  t.capacity = report_.current().capacity;
  for (const auto& size : cfg_.board.sizes) t.free_by_size[size] = 0;
  for (const auto& [size, n] : t.capacity) t.free_by_size[size] = n.free;
  const auto backlog = db_.journal().backlog();
  t.journal_backlog = backlog > 0 ? static_cast<std::uint64_t>(backlog) : 0;
  struct statvfs vfs {};
  if (::statvfs(cfg_.state_dir.c_str(), &vfs) == 0) {
    t.disk_free_bytes = static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize;
    t.disk_total_bytes = static_cast<std::uint64_t>(vfs.f_blocks) * vfs.f_frsize;
  }
  return t;
}

void reporter::publish_telemetry() {
  if (!link_.connected()) return;
  try {
    link_.publish(topics_.tele(), protocol::encode_telemetry(current_telemetry()), 0, false);
  } catch (const std::exception& e) {
    log::error(reporter_log, "cannot build the telemetry: ", e.what());
  }
}

void reporter::arm_telemetry() {
  if (settings_.telemetry.count() <= 0) return;
  telemetry_timer_.start(std::chrono::duration_cast<drivers::millis>(settings_.telemetry), [this] {
    publish_telemetry();
    arm_telemetry();
  });
}

}  // namespace locker::mqtt
