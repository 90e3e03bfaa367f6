// SPDX-License-Identifier: Apache-2.0
#include "daemon/state/state_report.hpp"

#include <exception>
#include <set>

#include <nlohmann/json.hpp>

#include "daemon/log/log.hpp"
#include "protocol/timestamp.hpp"

namespace locker::state {

namespace {

using nlohmann::json;

constexpr std::string_view component = "state";
// Where the raise times are kept between runs (the store's settings table).
constexpr std::string_view since_key = "state.alarm_since";
// Where the controller keeps whether its keypad_lockout alarm is raised ("1") or not.
constexpr std::string_view keypad_lockout_key = "keypad_lockout_alarm";

// The compartments' alarms, by their name in the contract, in the order they are listed.
constexpr std::pair<compartment::alarm_type, protocol::alarm_type> compartment_alarms[] = {
    {compartment::alarm_type::door_forced, protocol::alarm_type::door_forced},
    {compartment::alarm_type::door_left_open, protocol::alarm_type::door_left_open},
    {compartment::alarm_type::lock_fault, protocol::alarm_type::lock_fault},
    {compartment::alarm_type::sensor_fault, protocol::alarm_type::sensor_fault},
    {compartment::alarm_type::tamper, protocol::alarm_type::tamper},
    {compartment::alarm_type::parcel_left_inside, protocol::alarm_type::parcel_left_inside},
    {compartment::alarm_type::unexpected_contents, protocol::alarm_type::unexpected_contents},
};
static_assert(std::size(compartment_alarms) == compartment::all_alarm_types.size(),
              "every compartment alarm has its name in the contract");

constexpr protocol::alarm_type every_alarm_type[] = {
    protocol::alarm_type::door_forced,
    protocol::alarm_type::door_left_open,
    protocol::alarm_type::lock_fault,
    protocol::alarm_type::sensor_fault,
    protocol::alarm_type::keypad_lockout,
    protocol::alarm_type::power,
    protocol::alarm_type::tamper,
    protocol::alarm_type::parcel_left_inside,
    protocol::alarm_type::unexpected_contents,
};

std::optional<protocol::alarm_type> alarm_type_named(std::string_view name) {
  for (auto t : every_alarm_type)
    if (protocol::to_string(t) == name) return t;
  return std::nullopt;
}

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

protocol::parcel_state to_protocol(store::parcel_state s) {
  switch (s) {
    case store::parcel_state::expired:
      return protocol::parcel_state::expired;
    case store::parcel_state::cancelled:
      return protocol::parcel_state::removal_pending;
    default:
      return protocol::parcel_state::stored;
  }
}

protocol::alarm_severity to_protocol(compartment::alarm_severity s) {
  return s == compartment::alarm_severity::critical ? protocol::alarm_severity::critical
                                                    : protocol::alarm_severity::warning;
}

}  // namespace

state_report::state_report(controller::controller& locker, store::store& db, drivers::clock& clock)
    : locker_(locker), db_(db), clock_(clock), sizes_(locker.current_config().board.sizes) {
  load_since();
  // Here, at start: the live parcels are read once, then kept by the store's writes.
  try {
    (void)db_.parcels().live_view();
  } catch (const std::exception& e) {
    failed("reading the live parcels", e);
  }
}

void state_report::failed(std::string_view what, const std::exception& e) {
  if (dynamic_cast<const store::store_error*>(&e) != nullptr) {
    locker_.storage_error_outside(std::string("state report: ").append(what), e.what());
  } else {
    log::error(component, what, ": ", e.what());
  }
}

std::set<state_report::alarm_key> state_report::active_alarms() {
  std::set<alarm_key> out;
  for (const auto* c : locker_.compartments()) {
    for (const auto& [mine, theirs] : compartment_alarms)
      if (c->alarms().has(mine)) out.emplace(theirs, c->id());
  }
  // The database may be what fails: the alarms the controller knows are listed all the same,
  // and keypad_lockout as it was last read.
  try {
    keypad_lockout_ = db_.settings().get(keypad_lockout_key).value_or("0") == "1";
  } catch (const std::exception& e) {
    failed("reading the keypad_lockout alarm", e);
  }
  if (keypad_lockout_) out.emplace(protocol::alarm_type::keypad_lockout, std::string());
  if (locker_.power_alarm_since()) out.emplace(protocol::alarm_type::power, std::string());
  return out;
}

void state_report::observe() {
  try {
    const auto active = active_alarms();
    const auto now = clock_.wall_now();
    bool changed = false;
    for (const auto& key : active) {
      // The controller knows when the cabinet went on its backup supply (kept across
      // restarts); every other alarm is timed from when it is first seen here.
      const auto since = key.first == protocol::alarm_type::power
                             ? locker_.power_alarm_since().value_or(now)
                             : now;
      if (since_.emplace(key, since).second) changed = true;
    }
    if (std::erase_if(since_, [&](const auto& kv) { return !active.contains(kv.first); }) > 0)
      changed = true;
    if (changed) save_since();
  } catch (const std::exception& e) {
    failed("noting the alarms", e);
  }
}

protocol::locker_state state_report::current() {
  observe();
  protocol::locker_state st;
  try {
    last_seq_ = db_.journal().last_seq();
  } catch (const std::exception& e) {
    failed("reading the journal's last seq", e);
  }
  st.seq = last_seq_;
  // The live parcels from memory (store::parcel_repository::live_view): no parcel is read.
  // The first by id where a compartment has several (a database written before the check).
  std::map<std::string_view, const store::live_parcel*, std::less<>> live;
  try {
    for (const auto& [id, p] : db_.parcels().live_view()) live.emplace(p.compartment_id, &p);
  } catch (const std::exception& e) {
    failed("reading the live parcels", e);
  }
  // Flow "hold": the held compartments (one row per hold) and the capacity per size.
  try {
    holds_ = db_.holds().all();
  } catch (const std::exception& e) {
    failed("reading the holds", e);
  }
  std::map<std::string_view, const store::hold_record*, std::less<>> held;
  for (const auto& h : holds_) held.emplace(h.compartment_id, &h);
  for (const auto& size : sizes_) st.capacity[size];
  for (const auto* c : locker_.compartments()) {
    protocol::compartment_state cs;
    cs.id = c->id();
    cs.size = c->size();
    // A chattering sensor's last report is not the truth.
    cs.door = c->alarms().has(compartment::alarm_type::sensor_fault) ? protocol::door_state::unknown
              : c->door() == compartment::door_state::open           ? protocol::door_state::open
                                                                     : protocol::door_state::closed;
    cs.lock = c->lock() == compartment::lock_state::locked ? protocol::lock_state::locked
                                                           : protocol::lock_state::unlocked;
    cs.service = to_protocol(c->service());
    if (const auto it = live.find(c->id()); it != live.end()) {
      const auto& lp = *it->second;
      protocol::parcel_summary p;
      p.tracking_number = lp.tracking_number;
      // Drop-off flow: a stored drop-off or return waits for a courier (outbound).
      p.state = lp.state == store::parcel_state::stored && store::is_outbound_kind(lp.kind)
                    ? protocol::parcel_state::outbound
                    : to_protocol(lp.state);
      p.reservation_id = lp.reservation_id;
      p.stored_at = lp.stored_at;
      p.expires_at = lp.expires_at;
      cs.parcel = std::move(p);
    }
    // Without a presence sensor, a parcel on file is the best knowledge there is.
    cs.occupied = c->occupied().value_or(cs.parcel.has_value());
    if (const auto it = held.find(c->id()); it != held.end())
      cs.hold = protocol::hold_summary{it->second->reservation_id, it->second->until};
    auto& n = st.capacity[cs.size];
    if (cs.service != protocol::service_state::in_service)
      ++n.out_of_service;
    else if (cs.occupied || cs.parcel)
      ++n.occupied;
    else if (cs.hold)
      ++n.held;
    else if (c->door() == compartment::door_state::closed &&
             c->lock() == compartment::lock_state::locked && c->alarms().empty())
      ++n.free;
    else
      ++n.busy;
    st.compartments.push_back(std::move(cs));
  }
  const auto now = clock_.wall_now();
  for (const auto* c : locker_.compartments()) {
    for (const auto& [mine, theirs] : compartment_alarms) {
      if (!c->alarms().has(mine)) continue;
      const auto it = since_.find(alarm_key{theirs, c->id()});
      st.alarms.push_back({theirs, c->id(), to_protocol(compartment::severity_of(mine)),
                           it != since_.end() ? it->second : now});
    }
  }
  for (const auto type : {protocol::alarm_type::power, protocol::alarm_type::keypad_lockout}) {
    if (const auto it = since_.find(alarm_key{type, std::string()}); it != since_.end())
      st.alarms.push_back({type, std::nullopt, protocol::alarm_severity::warning, it->second});
  }
  // Kept by the controller in memory, not in since_: saving since_ may be what fails.
  if (const auto since = locker_.storage_fault_since())
    st.alarms.push_back({protocol::alarm_type::storage_fault, std::nullopt,
                         protocol::alarm_severity::critical, *since});
  if (const auto since = locker_.books_lost_since())
    st.alarms.push_back({protocol::alarm_type::books_lost, std::nullopt,
                         protocol::alarm_severity::critical, *since});
  if (const auto since = locker_.clock_step_since())
    st.alarms.push_back({protocol::alarm_type::clock_step, std::nullopt,
                         protocol::alarm_severity::warning, *since});
  return st;
}

nlohmann::json state_report::get_state_data() {
  std::vector<protocol::reservation_summary> reservations;
  for (const auto& r : db_.reservations().all(store::reservation_state::announced))
    reservations.push_back({r.reservation_id, r.tracking_number, r.size, r.created_at});
  return protocol::get_state_data(current(), reservations);
}

void state_report::load_since() {
  try {
    const auto text = db_.settings().get(since_key);
    if (!text) return;
    const auto j = json::parse(*text, nullptr, false);
    if (!j.is_array()) {
      log::warning(component, "saved alarm times unreadable; starting afresh");
      return;
    }
    for (const auto& a : j) {
      if (!a.is_object()) continue;
      const auto type = alarm_type_named(a.value("type", std::string()));
      const auto since = protocol::parse_timestamp(a.value("since", std::string()));
      if (!type || !since) continue;
      since_.emplace(alarm_key{*type, a.value("compartment", std::string())}, *since);
    }
  } catch (const std::exception& e) {
    log::error(component, "reading the saved alarm times: ", e.what());
  }
}

void state_report::save_since() {
  json j = json::array();
  for (const auto& [key, since] : since_) {
    j.push_back({{"type", protocol::to_string(key.first)},
                 {"compartment", key.second},
                 {"since", protocol::format_timestamp(since)}});
  }
  // Its own small transaction, after the controller's: a crash in between only costs the
  // exact time of that one alarm (the next start takes its own time for it).
  db_.settings().set(since_key, j.dump());
}

}  // namespace locker::state
