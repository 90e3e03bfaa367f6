// SPDX-License-Identifier: Apache-2.0
#include "daemon/commands/locker_state.hpp"

#include <algorithm>
#include <chrono>

namespace locker::commands {

namespace {

protocol::service_state to_protocol(compartment::service_state s) {
  switch (s) {
    case compartment::service_state::in_service:
      return protocol::service_state::in_service;
    case compartment::service_state::out_of_service:
      return protocol::service_state::out_of_service;
    case compartment::service_state::faulty:
      return protocol::service_state::faulty;
  }
  return protocol::service_state::faulty;
}

protocol::alarm_type to_protocol(compartment::alarm_type a) {
  switch (a) {
    case compartment::alarm_type::door_forced:
      return protocol::alarm_type::door_forced;
    case compartment::alarm_type::door_left_open:
      return protocol::alarm_type::door_left_open;
    case compartment::alarm_type::lock_fault:
      return protocol::alarm_type::lock_fault;
    case compartment::alarm_type::sensor_fault:
      return protocol::alarm_type::sensor_fault;
    case compartment::alarm_type::tamper:
      return protocol::alarm_type::tamper;
  }
  return protocol::alarm_type::sensor_fault;
}

protocol::alarm_severity to_protocol(compartment::alarm_severity s) {
  return s == compartment::alarm_severity::critical ? protocol::alarm_severity::critical
                                                    : protocol::alarm_severity::warning;
}

}  // namespace

protocol::locker_state current_state(const controller::controller& locker, store::store& db) {
  protocol::locker_state out;
  out.seq = db.journal_last_seq();
  for (const auto* c : locker.compartments()) {
    protocol::compartment_state cs;
    cs.id = c->id();
    cs.size = c->size();
    const bool sensor_fault = c->alarms().has(compartment::alarm_type::sensor_fault);
    // A chattering sensor's last report is not the truth.
    cs.door = sensor_fault                                 ? protocol::door_state::unknown
              : c->door() == compartment::door_state::open ? protocol::door_state::open
                                                           : protocol::door_state::closed;
    cs.lock = c->lock() == compartment::lock_state::unlocking ? protocol::lock_state::unlocked
                                                              : protocol::lock_state::locked;
    cs.service = to_protocol(c->service());
    const auto parcel = db.live_parcel_in(c->id());
    // Without a presence sensor, a parcel on file is the best knowledge there is.
    cs.occupied = c->occupied().value_or(parcel.has_value());
    if (parcel) {
      protocol::parcel_summary p;
      p.tracking_number = parcel->tracking_number;
      p.state = parcel->state == store::parcel_state::expired ? protocol::parcel_state::expired
                : parcel->state == store::parcel_state::cancelled
                    ? protocol::parcel_state::removal_pending
                    : protocol::parcel_state::stored;
      p.reservation_id = parcel->reservation_id;
      p.stored_at = parcel->stored_at;
      p.expires_at = parcel->expires_at;
      cs.parcel = std::move(p);
    }
    out.compartments.push_back(std::move(cs));

    if (!c->alarms().empty()) {
      // The compartment record's last change is the best "since" kept: the alarm was saved
      // with it when raised (later saves of the same compartment move it on).
      const auto rec = db.compartment(c->id());
      const auto since = rec ? rec->updated_at : protocol::wall_time{};
      for (auto a : compartment::all_alarm_types) {
        if (!c->alarms().has(a)) continue;
        out.alarms.push_back(
            {to_protocol(a), c->id(), to_protocol(compartment::severity_of(a)), since});
      }
    }
  }
  if (const auto since = locker.power_alarm_since()) {
    out.alarms.push_back(
        {protocol::alarm_type::power, std::nullopt, protocol::alarm_severity::warning, *since});
  }
  // The controller keeps the keypad lockout alarm in the settings table.
  if (db.setting("keypad_lockout_alarm").value_or("0") == "1") {
    // Raised when the lockout began: locked_until less the wait the controller chose
    // (lockout_base doubled per further lockout, at most a day).
    const auto l = db.lockout();
    auto wait = locker.current_config().policy.lockout_base;
    for (std::int64_t i = 1; i < l.lockout_count && wait < std::chrono::hours{24}; ++i) wait *= 2;
    wait = std::min<std::chrono::seconds>(wait, std::chrono::hours{24});
    const auto since = l.locked_until ? *l.locked_until - wait : protocol::wall_time{};
    out.alarms.push_back({protocol::alarm_type::keypad_lockout, std::nullopt,
                          protocol::alarm_severity::warning, since});
  }
  return out;
}

std::vector<protocol::reservation_summary> announced_reservations(store::store& db) {
  std::vector<protocol::reservation_summary> out;
  for (const auto& r : db.reservations(store::reservation_state::announced))
    out.push_back({r.reservation_id, r.tracking_number, r.size, r.created_at});
  return out;
}

}  // namespace locker::commands
