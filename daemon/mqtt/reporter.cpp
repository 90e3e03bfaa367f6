// SPDX-License-Identifier: Apache-2.0
#include "daemon/mqtt/reporter.hpp"

#include <sys/statvfs.h>

#include <exception>
#include <set>

#include "daemon/log/log.hpp"

namespace locker::mqtt {

namespace {

constexpr std::string_view component = "reporter";

protocol::door_state to_protocol(compartment::door_state d) {
  return d == compartment::door_state::open ? protocol::door_state::open
                                            : protocol::door_state::closed;
}

protocol::service_state to_protocol(compartment::service_state s) {
  switch (s) {
    case compartment::service_state::in_service: return protocol::service_state::in_service;
    case compartment::service_state::out_of_service:
      return protocol::service_state::out_of_service;
    case compartment::service_state::faulty: return protocol::service_state::faulty;
  }
  return protocol::service_state::faulty;
}

protocol::parcel_state to_protocol(store::parcel_state s) {
  switch (s) {
    case store::parcel_state::expired: return protocol::parcel_state::expired;
    case store::parcel_state::cancelled: return protocol::parcel_state::removal_pending;
    default: return protocol::parcel_state::stored;
  }
}

// The compartment's alarms, by their name in the contract.
constexpr std::pair<compartment::alarm_type, protocol::alarm_type> alarm_map[] = {
    {compartment::alarm_type::door_forced, protocol::alarm_type::door_forced},
    {compartment::alarm_type::door_left_open, protocol::alarm_type::door_left_open},
    {compartment::alarm_type::lock_fault, protocol::alarm_type::lock_fault},
    {compartment::alarm_type::sensor_fault, protocol::alarm_type::sensor_fault},
    {compartment::alarm_type::tamper, protocol::alarm_type::tamper},
};

protocol::alarm_severity to_protocol(compartment::alarm_severity s) {
  return s == compartment::alarm_severity::critical ? protocol::alarm_severity::critical
                                                    : protocol::alarm_severity::warning;
}

}  // namespace

reporter::reporter(mqtt_link& link, drivers::clock& clock, store::store& db,
                   const controller::controller& locker, const config::locker_config& cfg,
                   const protocol::topic_set& topics, reporter_settings settings)
    : link_(link),
      clock_(clock),
      db_(db),
      locker_(locker),
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
  publish_state_now();
}

void reporter::set_config_version(std::uint64_t v) {
  settings_.config_version = v;
  if (link_.connected()) {
    link_.publish(topics_.info(), protocol::encode_info(current_info()), 1, true);
  }
}

void reporter::state_changed() {
  if (!link_.connected()) return;  // the next connect publishes the state anyway
  if (state_pending_) return;      // coalesced into the one already due
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
    link_.publish(topics_.state(), protocol::encode_state(current_state()), 1, true);
    last_state_ = clock_.now();
    ++states_published_;
  } catch (const std::exception& e) {
    log::error(component, "cannot build the state: ", e.what());
  }
}

protocol::locker_info reporter::current_info() const {
  protocol::locker_info info;
  info.version = settings_.version;
  info.hardware = cfg_.board.hardware;
  for (const auto& c : cfg_.board.compartments) info.compartments.push_back({c.id, c.size});
  info.capabilities = settings_.capabilities;
  info.config_version = settings_.config_version;
  return info;
}

protocol::locker_state reporter::current_state() {
  protocol::locker_state st;
  st.seq = db_.journal_last_seq();
  std::map<std::string, store::parcel_record> live;
  for (auto s : {store::parcel_state::stored, store::parcel_state::expired,
                 store::parcel_state::cancelled}) {
    for (auto& p : db_.parcels(s)) live.emplace(p.compartment_id, std::move(p));
  }
  const auto now = clock_.wall_now();
  std::set<std::pair<int, std::string>> active;
  for (const auto* c : locker_.compartments()) {
    protocol::compartment_state cs;
    cs.id = c->id();
    cs.size = c->size();
    cs.door = to_protocol(c->door());
    cs.lock = c->lock() == compartment::lock_state::locked ? protocol::lock_state::locked
                                                           : protocol::lock_state::unlocked;
    cs.service = to_protocol(c->service());
    const auto it = live.find(c->id());
    if (it != live.end()) {
      protocol::parcel_summary p;
      p.tracking_number = it->second.tracking_number;
      p.state = to_protocol(it->second.state);
      p.reservation_id = it->second.reservation_id;
      p.stored_at = it->second.stored_at;
      p.expires_at = it->second.expires_at;
      cs.parcel = std::move(p);
    }
    // The presence sensor where there is one, otherwise what the database says.
    cs.occupied = c->occupied().value_or(cs.parcel.has_value());
    for (const auto& [mine, theirs] : alarm_map) {
      if (!c->alarms().has(mine)) continue;
      const auto key = std::make_pair(static_cast<int>(theirs), c->id());
      active.insert(key);
      const auto since = alarm_since_.emplace(key, now).first->second;
      st.alarms.push_back({theirs, c->id(), to_protocol(compartment::severity_of(mine)), since});
    }
    st.compartments.push_back(std::move(cs));
  }
  if (const auto power = locker_.power_alarm_since()) {
    const auto key = std::make_pair(static_cast<int>(protocol::alarm_type::power), std::string());
    active.insert(key);
    alarm_since_.emplace(key, *power);
    st.alarms.push_back(
        {protocol::alarm_type::power, std::nullopt, protocol::alarm_severity::warning, *power});
  }
  const auto lockout = db_.lockout();
  if (lockout.locked_until && *lockout.locked_until > now) {
    const auto key = std::make_pair(static_cast<int>(protocol::alarm_type::keypad_lockout),
                                    std::string());
    active.insert(key);
    const auto since = alarm_since_.emplace(key, now).first->second;
    st.alarms.push_back(
        {protocol::alarm_type::keypad_lockout, std::nullopt, protocol::alarm_severity::warning,
         since});
  }
  std::erase_if(alarm_since_, [&](const auto& kv) { return !active.contains(kv.first); });
  return st;
}

protocol::telemetry reporter::current_telemetry() {
  protocol::telemetry t;
  t.ts = clock_.wall_now();
  t.uptime_s = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(clock_.now() - started_steady_).count());
  for (const auto& size : cfg_.board.sizes) t.free_by_size[size] = 0;
  std::set<std::string> taken;
  for (auto s : {store::parcel_state::stored, store::parcel_state::expired,
                 store::parcel_state::cancelled}) {
    for (const auto& p : db_.parcels(s)) taken.insert(p.compartment_id);
  }
  for (const auto* c : locker_.compartments()) {
    const bool free = c->service() == compartment::service_state::in_service &&
                      c->door() == compartment::door_state::closed &&
                      c->lock() == compartment::lock_state::locked && c->alarms().empty() &&
                      !taken.contains(c->id()) && !c->occupied().value_or(false);
    if (free) ++t.free_by_size[c->size()];
  }
  const auto backlog = db_.journal_backlog();
  t.journal_backlog = backlog > 0 ? static_cast<std::uint64_t>(backlog) : 0;
  struct statvfs vfs{};
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
    log::error(component, "cannot build the telemetry: ", e.what());
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
