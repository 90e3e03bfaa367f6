// SPDX-License-Identifier: Apache-2.0
#include "protocol/events.hpp"

#include <cmath>

#include "protocol/json_util.hpp"

namespace locker::protocol {

namespace {

using nlohmann::json;

using detail::dump_payload;

json header(const event_header& h, std::string_view type) {
  return {{"event_id", h.event_id},
          {"seq", h.seq},
          {"ts", format_timestamp(h.ts)},
          {"type", type},
          {"queued", h.queued}};
}

std::string_view to_string(parcel_state s) {
  switch (s) {
    case parcel_state::stored:
      return "stored";
    case parcel_state::expired:
      return "expired";
    case parcel_state::removal_pending:
      return "removal_pending";
    case parcel_state::outbound:
      return "outbound";
  }
  return "stored";
}
std::string_view to_string(door_state s) {
  switch (s) {
    case door_state::open:
      return "open";
    case door_state::closed:
      return "closed";
    case door_state::unknown:
      return "unknown";
  }
  return "unknown";
}
std::string_view to_string(lock_state s) { return s == lock_state::locked ? "locked" : "unlocked"; }
std::string_view to_string(service_state s) {
  switch (s) {
    case service_state::in_service:
      return "in_service";
    case service_state::out_of_service:
      return "out_of_service";
    case service_state::faulty:
      return "faulty";
  }
  return "faulty";
}
std::string_view to_string(job_state s) {
  switch (s) {
    case job_state::downloading:
      return "downloading";
    case job_state::verifying:
      return "verifying";
    case job_state::installing:
      return "installing";
    case job_state::rebooting:
      return "rebooting";
    case job_state::done:
      return "done";
    case job_state::failed:
      return "failed";
  }
  return "failed";
}

struct parcel_fields {
  json& j;
  void operator()(const parcel_stored& e) const {
    j["type"] = "stored";
    j["tracking_number"] = e.tracking_number;
    j["compartment"] = e.compartment;
    j["size"] = e.size;
    j["courier_id"] = e.courier_id;
    if (e.reservation_id) j["reservation_id"] = *e.reservation_id;
    j["expires_at"] = format_timestamp(e.expires_at);
    if (e.pickup_code) j["pickup_code"] = *e.pickup_code;
    if (e.accessible) j["accessible"] = *e.accessible;
  }
  void operator()(const parcel_collected& e) const {
    j["type"] = "collected";
    j["tracking_number"] = e.tracking_number;
    j["compartment"] = e.compartment;
    j["dwell_s"] = e.dwell_s;
    j["failed_attempts"] = e.failed_attempts;
  }
  void operator()(const parcel_expired& e) const {
    j["type"] = "expired";
    j["tracking_number"] = e.tracking_number;
    j["compartment"] = e.compartment;
  }
  void operator()(const parcel_removed& e) const {
    j["type"] = "removed";
    j["tracking_number"] = e.tracking_number;
    j["compartment"] = e.compartment;
    j["courier_id"] = e.courier_id;
    j["reason"] = to_string(e.reason);
  }
  void operator()(const parcel_deposit_failed& e) const {
    j["type"] = "deposit_failed";
    j["tracking_number"] = e.tracking_number;
    j["reason"] = to_string(e.reason);
  }
  // Flow "hold" (issue 13).
  void operator()(const parcel_hold_expired& e) const {
    j["type"] = "hold_expired";
    j["reservation_id"] = e.reservation_id;
    j["tracking_number"] = e.tracking_number;
    j["compartment"] = e.compartment;
  }
  void operator()(const parcel_hold_moved& e) const {
    j["type"] = "hold_moved";
    j["reservation_id"] = e.reservation_id;
    j["tracking_number"] = e.tracking_number;
    j["compartment"] = e.compartment;
    j["from"] = e.from;
    j["reason"] = e.reason;
    j["hold_until"] = format_timestamp(e.hold_until);
  }
  void operator()(const parcel_hold_lost& e) const {
    j["type"] = "hold_lost";
    j["reservation_id"] = e.reservation_id;
    j["tracking_number"] = e.tracking_number;
    j["compartment"] = e.compartment;
    j["reason"] = e.reason;
  }
  void operator()(const parcel_reservation_expired& e) const {
    j["type"] = "reservation_expired";
    j["reservation_id"] = e.reservation_id;
    j["tracking_number"] = e.tracking_number;
    j["created_at"] = format_timestamp(e.created_at);
    if (e.compartment) j["compartment"] = *e.compartment;
  }
  void operator()(const parcel_dropped_off& e) const {
    j["type"] = "dropped_off";
    j["tracking_number"] = e.tracking_number;
    j["compartment"] = e.compartment;
    j["size"] = e.size;
    j["kind"] = e.kind;
    if (e.reservation_id) j["reservation_id"] = *e.reservation_id;
    if (e.carrier) j["carrier"] = *e.carrier;
  }
};

json alarm_json(alarm_type type, const std::optional<std::string>& compartment,
                alarm_severity severity) {
  json j{{"type", to_string(type)}, {"severity", to_string(severity)}};
  if (compartment) j["compartment"] = *compartment;
  return j;
}

}  // namespace

std::string_view to_string(removal_reason r) {
  switch (r) {
    case removal_reason::expired:
      return "expired";
    case removal_reason::cancelled:
      return "cancelled";
    case removal_reason::by_operator:
      return "operator";
    case removal_reason::dropoff:
      return "dropoff";
    case removal_reason::returned:
      return "return";
  }
  return "operator";
}
std::string_view to_string(deposit_failure r) {
  switch (r) {
    case deposit_failure::no_free_compartment:
      return "no_free_compartment";
    case deposit_failure::lock_fault:
      return "lock_fault";
    case deposit_failure::timeout:
      return "timeout";
    case deposit_failure::cancelled:
      return "cancelled";
  }
  return "timeout";
}
std::string_view to_string(door_movement m) {
  return m == door_movement::opened ? "opened" : "closed";
}
std::string_view to_string(door_cause c) {
  switch (c) {
    case door_cause::deposit:
      return "deposit";
    case door_cause::pickup:
      return "pickup";
    case door_cause::courier_removal:
      return "courier_removal";
    case door_cause::by_operator:
      return "operator";
    case door_cause::none:
      return "none";
  }
  return "none";
}
std::string_view to_string(alarm_type t) {
  switch (t) {
    case alarm_type::door_forced:
      return "door_forced";
    case alarm_type::door_left_open:
      return "door_left_open";
    case alarm_type::lock_fault:
      return "lock_fault";
    case alarm_type::sensor_fault:
      return "sensor_fault";
    case alarm_type::keypad_lockout:
      return "keypad_lockout";
    case alarm_type::power:
      return "power";
    case alarm_type::tamper:
      return "tamper";
    case alarm_type::storage_fault:
      return "storage_fault";
    case alarm_type::parcel_left_inside:
      return "parcel_left_inside";
    case alarm_type::unexpected_contents:
      return "unexpected_contents";
    case alarm_type::clock_step:
      return "clock_step";
    case alarm_type::books_lost:
      return "books_lost";
  }
  return "tamper";
}
std::string_view to_string(alarm_severity s) {
  return s == alarm_severity::warning ? "warning" : "critical";
}

std::string encode_parcel_event(const event_header& h, const parcel_event& e) {
  json j = header(h, "");
  std::visit(parcel_fields{j}, e);
  return dump_payload(j);
}

std::string encode_door_event(const event_header& h, const door_event& e) {
  json j = header(h, to_string(e.type));
  j["compartment"] = e.compartment;
  j["cause"] = to_string(e.cause);
  return dump_payload(j);
}

std::string encode_alarm_event(const event_header& h, const alarm_event& e) {
  json j = header(h, to_string(e.type));
  if (e.compartment) j["compartment"] = *e.compartment;
  j["severity"] = to_string(e.severity);
  j["active"] = e.active;
  return dump_payload(j);
}

std::string encode_status_online(const status_online& s) {
  return dump_payload({{"online", true},
                       {"version", s.version},
                       {"boot_id", s.boot_id},
                       {"started_at", format_timestamp(s.started_at)}});
}

std::string encode_status_offline(offline_reason r) {
  return dump_payload(
      {{"online", false}, {"reason", r == offline_reason::lost ? "lost" : "shutdown"}});
}

std::string encode_info(const locker_info& i) {
  json compartments = json::array();
  for (const auto& c : i.compartments) compartments.push_back({{"id", c.id}, {"size", c.size}});
  return dump_payload({{"version", i.version},
                       {"hardware", i.hardware},
                       {"compartments", std::move(compartments)},
                       {"capabilities", i.capabilities},
                       {"config_version", i.config_version}});
}

json state_body(const locker_state& s) {
  json compartments = json::array();
  for (const auto& c : s.compartments) {
    json jc{{"id", c.id},
            {"size", c.size},
            {"door", to_string(c.door)},
            {"lock", to_string(c.lock)},
            {"occupied", c.occupied},
            {"service", to_string(c.service)}};
    if (c.parcel) {
      json p{{"tracking_number", c.parcel->tracking_number},
             {"state", to_string(c.parcel->state)},
             {"stored_at", format_timestamp(c.parcel->stored_at)},
             {"expires_at", format_timestamp(c.parcel->expires_at)}};
      if (c.parcel->reservation_id) p["reservation_id"] = *c.parcel->reservation_id;
      jc["parcel"] = std::move(p);
    }
    if (c.hold) {
      jc["hold"] = {{"reservation_id", c.hold->reservation_id},
                    {"until", format_timestamp(c.hold->until)}};
    }
    compartments.push_back(std::move(jc));
  }
  json alarms = json::array();
  for (const auto& a : s.alarms) {
    json ja = alarm_json(a.type, a.compartment, a.severity);
    ja["since"] = format_timestamp(a.since);
    alarms.push_back(std::move(ja));
  }
  json body{
      {"seq", s.seq}, {"compartments", std::move(compartments)}, {"alarms", std::move(alarms)}};
  if (!s.capacity.empty()) body["capacity"] = capacity_json(s.capacity);
  return body;
}

json capacity_json(const capacity_by_size& c) {
  json j = json::object();
  for (const auto& [size, n] : c) {
    j[size] = {{"free", n.free},
               {"held", n.held},
               {"occupied", n.occupied},
               {"out_of_service", n.out_of_service},
               {"busy", n.busy}};
  }
  return j;
}

std::string encode_state(const locker_state& s) { return dump_payload(state_body(s)); }

json get_state_data(const locker_state& s, const std::vector<reservation_summary>& reservations) {
  json j = state_body(s);
  json list = json::array();
  for (const auto& r : reservations) {
    list.push_back({{"reservation_id", r.reservation_id},
                    {"tracking_number", r.tracking_number},
                    {"size", r.size},
                    {"created_at", format_timestamp(r.created_at)}});
  }
  j["reservations"] = std::move(list);
  return j;
}

std::string encode_telemetry(const telemetry& t) {
  json j{{"ts", format_timestamp(t.ts)},
         {"uptime_s", t.uptime_s},
         {"free", json::object()},
         {"journal_backlog", t.journal_backlog},
         {"disk", {{"free_bytes", t.disk_free_bytes}, {"total_bytes", t.disk_total_bytes}}}};
  for (const auto& [size, n] : t.free_by_size) j["free"][size] = n;
  if (!t.capacity.empty()) j["capacity"] = capacity_json(t.capacity);
  if (!t.temperatures_c.empty()) {
    j["temperatures_c"] = json::object();
    for (const auto& [sensor, c] : t.temperatures_c) {
      if (std::isfinite(c)) j["temperatures_c"][sensor] = c;  // JSON has no NaN
    }
  }
  return dump_payload(j);
}

std::string encode_job(const job_progress& p) {
  json j{{"job_id", p.job_id}, {"state", to_string(p.state)}, {"ts", format_timestamp(p.ts)}};
  if (p.percent) j["percent"] = *p.percent;
  if (p.message) j["message"] = *p.message;
  return dump_payload(j);
}

}  // namespace locker::protocol
