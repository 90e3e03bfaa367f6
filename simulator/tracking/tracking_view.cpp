// SPDX-License-Identifier: Apache-2.0
#include "simulator/tracking/tracking_view.hpp"

#include <algorithm>
#include <array>
#include <ctime>
#include <utility>

namespace locker::tracking {

namespace {

using nlohmann::json;

constexpr std::size_t max_parcels = 500;
constexpr std::size_t max_recent = 30;
constexpr std::size_t max_problems = 20;
constexpr std::size_t max_alarm_history = 30;
constexpr std::size_t max_event_ids = 4096;

const std::string* str(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
}

std::string str_or(const json& j, const char* key, const std::string& fallback = {}) {
  const auto* s = str(j, key);
  return s ? *s : fallback;
}

std::optional<wall_time> time_of(const json& j, const char* key) {
  const auto* s = str(j, key);
  return s ? protocol::parse_timestamp(*s) : std::nullopt;
}

std::string stamp(wall_time t) { return protocol::format_timestamp(t); }

json stamp_or_null(const std::optional<wall_time>& t) {
  return t ? json(stamp(*t)) : json(nullptr);
}

// "21 Nov 14:00 UTC": what a tracking page would print. The contract's times are UTC and the
// view knows no time zone of the recipient's, so it says so.
std::string human_time(wall_time t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  static constexpr std::array<const char*, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "%d %s %02d:%02d UTC", tm.tm_mday,
                months.at(static_cast<std::size_t>(tm.tm_mon) % 12), tm.tm_hour, tm.tm_min);
  return buf.data();
}

std::string alarm_text(std::string_view type) {
  static const std::map<std::string, std::string, std::less<>> texts{
      {"door_forced", "Door forced open"},
      {"door_left_open", "Door left open"},
      {"lock_fault", "Lock did not open"},
      {"sensor_fault", "Door sensor fault"},
      {"keypad_lockout", "Keypad locked out after wrong codes"},
      {"power", "Running on backup power"},
      {"tamper", "Parcel missing from its compartment"},
      {"storage_fault", "Locker database refuses writes"},
      {"parcel_left_inside", "Parcel left inside after pickup"},
      {"unexpected_contents", "Something unexpected in a compartment"},
  };
  const auto it = texts.find(type);
  return it != texts.end() ? it->second : "Alarm " + std::string(type);
}

bool known_alarm(std::string_view type) { return alarm_text(type).rfind("Alarm ", 0) != 0; }

std::string reason_text(std::string_view reason) {
  if (reason == "no_free_compartment") return "no free compartment";
  if (reason == "lock_fault") return "the compartment did not open";
  if (reason == "timeout") return "the courier gave up";
  if (reason == "cancelled") return "nothing was put in";
  if (reason == "out_of_service") return "out of service";
  return std::string(reason);
}

}  // namespace

tracking_view::tracking_view(std::string locker_id)
    : locker_id_(std::move(locker_id)), root_("locker/v1/" + locker_id_ + "/") {}

std::string tracking_view::until(wall_time t) const { return human_time(t); }

void tracking_view::on_message(std::string_view topic, std::string_view payload,
                               wall_time received) {
  if (!topic.starts_with(root_)) return;
  const std::string_view rest = topic.substr(root_.size());
  const bool from_tracking_system = rest.starts_with("cmd/") || rest.starts_with("cfg/desired");
  const bool wanted = rest == "status" || rest == "state" || rest == "info" || rest == "tele" ||
                      rest.starts_with("evt/") || rest == "cmd/reservation_create" ||
                      rest == "cmd/reservation_cancel" || rest.starts_with("res/");
  if (!wanted) {
    // Still the locker talking (cfg/reported, job/...): it is alive.
    if (!from_tracking_system) {
      last_seen_ = received;
      ++changes_;
    }
    return;
  }
  ++counters_.messages;
  ++arrivals_;
  received_ = received;
  ++changes_;
  if (!from_tracking_system) last_seen_ = received;
  // An empty retained message clears the topic (an operator's cleanup): nothing to read.
  if (payload.empty()) {
    if (rest == "status") {
      online_.reset();
      status_received_ = received;
    }
    return;
  }
  const json j = json::parse(payload, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    bad(topic, "not a JSON object", received);
    return;
  }
  if (rest == "status") {
    handle_status(j, received);
  } else if (rest == "state") {
    handle_state(j, received);
  } else if (rest == "info") {
    if (const auto it = j.find("compartments"); it != j.end() && it->is_array())
      compartments_ = it->size();
  } else if (rest == "tele") {
    // Liveness only (above); the cabinet's free count comes from state.
  } else if (rest.starts_with("evt/")) {
    handle_event(rest, j, received);
  } else if (rest.starts_with("cmd/")) {
    handle_request(rest.substr(4), j, received);
  } else {
    handle_reply(rest.substr(4), j, received);
  }
}

// ---- events ----

void tracking_view::handle_event(std::string_view rest, const json& j, wall_time received) {
  const std::string topic = root_ + std::string(rest);
  const auto* event_id = str(j, "event_id");
  const auto seq_it = j.find("seq");
  const auto* type = str(j, "type");
  const auto ts = time_of(j, "ts");
  if (!event_id || seq_it == j.end() || !seq_it->is_number_unsigned() || !type || !ts) {
    bad(topic, "an event without event_id, seq, ts or type", received);
    return;
  }
  const auto seq = seq_it->get<std::uint64_t>();
  if (seen_seq(seq)) {
    const auto id = event_ids_.find(seq);
    // A copy (the journal re-sends until PUBACK): the same seq and event_id, or a seq too old
    // to have its id kept.
    if (id == event_ids_.end() || id->second == *event_id) {
      ++counters_.duplicates;
      return;
    }
    // Seq never repeats within one locker's history, so this is another event (a locker whose
    // database was replaced starts again at 1): the contract drops copies by event_id, so it
    // is taken, and shown as the fault it is.
    ++counters_.seq_conflicts;
    problem(topic, "seq repeated",
            "seq " + std::to_string(seq) + " came again with another event_id", received);
  }
  entry base;
  base.seq = seq;
  base.ts = *ts;
  base.kind = *type;
  base.queued = j.value("queued", false);
  const auto before_bad = counters_.bad_payloads;
  if (rest == "evt/parcel") {
    handle_parcel_event(j, base, *type);
  } else if (rest == "evt/alarm") {
    handle_alarm_event(j, base);
  } else if (rest == "evt/door") {
    handle_door_event(j, base, *type);
  } else {
    unknown(topic, *type, received);
  }
  // A payload refused above does not count as seen: its seq stays a gap, which is the truth.
  if (counters_.bad_payloads != before_bad) return;
  ++counters_.events;
  mark_seq(seq);
  event_ids_[seq] = *event_id;
  if (event_ids_.size() > max_event_ids) event_ids_.erase(event_ids_.begin());
}

void tracking_view::handle_parcel_event(const json& j, const entry& base, std::string_view type) {
  const std::string topic = root_ + "evt/parcel";
  const auto* tracking_number = str(j, "tracking_number");
  static const std::array<std::string_view, 10> known{
      "stored",     "collected",      "expired",
      "removed",    "deposit_failed", "hold_expired",
      "hold_moved", "hold_lost",      "reservation_expired",
      "dropped_off"};
  if (std::find(known.begin(), known.end(), type) == known.end()) {
    unknown(topic, std::string(type), received_);
    // Still an event of this parcel's: shown in its timeline, its status unchanged.
    if (tracking_number) {
      entry e = base;
      e.text = "Event '" + std::string(type) + "' (not known to this view)";
      add_event(parcel_for(*tracking_number), std::move(e));
    }
    return;
  }
  const auto* compartment = str(j, "compartment");
  const bool needs_compartment = type != "deposit_failed" && type != "reservation_expired";
  if (!tracking_number || (needs_compartment && !compartment)) {
    bad(topic, std::string(type) + " without tracking_number or compartment", received_);
    return;
  }
  const auto expires = time_of(j, "expires_at");
  if (type == "stored" && !expires) {
    bad(topic, "stored without a valid expires_at", received_);
    return;
  }
  parcel& p = parcel_for(*tracking_number);
  if (compartment) p.compartment = *compartment;
  if (const auto* r = str(j, "reservation_id")) p.reservation_id = *r;
  entry e = base;
  const std::string at = " at locker " + locker_id_;
  const std::string box = compartment ? " (compartment " + *compartment + ")" : "";
  if (type == "stored") {
    p.expires_at = *expires;
    p.size = str_or(j, "size", p.size);
    p.kind = "delivery";
    if (const auto* code = str(j, "pickup_code")) p.pickup_code = *code;
    e.text = "Stored in compartment " + *compartment + " by courier " + str_or(j, "courier_id") +
             "; pickup until " + until(*expires);
    e.status = "ready";
    e.status_text = "Ready for pickup" + at + " until " + until(*expires);
  } else if (type == "collected") {
    e.text = "Collected from compartment " + *compartment;
    if (const auto it = j.find("failed_attempts");
        it != j.end() && it->is_number_unsigned() && it->get<std::uint64_t>() > 0)
      e.text += " after " + std::to_string(it->get<std::uint64_t>()) + " wrong code(s)";
    e.status = "collected";
    e.status_text = "Collected";
  } else if (type == "expired") {
    e.text = "Pickup window ended" + box + "; waiting for a courier";
    e.status = "expired";
    e.status_text = "Not collected in time: it goes back to the sender";
  } else if (type == "removed") {
    const auto reason = str_or(j, "reason");
    e.text = "Taken out of compartment " + *compartment + " by courier " + str_or(j, "courier_id") +
             " (" + reason + ")";
    if (reason == "dropoff" || reason == "return") {
      e.status = "in_transit";
      e.status_text = reason == "return" ? "Return on its way to the sender"
                                         : "Picked up by the courier: on its way";
    } else if (reason == "operator") {
      e.status = "removed";
      e.status_text = "Taken out of the locker by the operator";
    } else {
      e.status = "returned";
      e.status_text = "Returned to sender";
    }
  } else if (type == "deposit_failed") {
    e.text = "Deposit given up: " + reason_text(str_or(j, "reason"));
    e.status = "attempt_failed";
    e.status_text = (p.kind == "delivery" ? "Delivery attempt" : "Drop-off") + at +
                    " failed: " + reason_text(str_or(j, "reason"));
  } else if (type == "hold_expired") {
    e.text = "Hold on compartment " + *compartment + " ended";
  } else if (type == "hold_moved") {
    const auto hold_until = time_of(j, "hold_until");
    e.text = "Hold moved from compartment " + str_or(j, "from") + " to " + *compartment + " (" +
             reason_text(str_or(j, "reason")) + ")" +
             (hold_until ? ", until " + until(*hold_until) : "");
  } else if (type == "hold_lost") {
    e.text = "Hold on compartment " + *compartment + " lost (" + reason_text(str_or(j, "reason")) +
             "): no other compartment free";
  } else if (type == "reservation_expired") {
    e.text = "Announcement expired: no courier brought it";
    e.status = "not_delivered";
    e.status_text = "Not delivered to locker " + locker_id_;
  } else {  // dropped_off
    p.kind = str_or(j, "kind", "dropoff");
    p.size = str_or(j, "size", p.size);
    p.carrier = str_or(j, "carrier", p.carrier);
    e.text = std::string(p.kind == "return" ? "Return" : "Parcel") +
             " dropped off in compartment " + *compartment;
    e.status = "outbound";
    e.status_text = "Dropped off" + at + ": waiting for the courier";
  }
  add_event(p, std::move(e));
}

void tracking_view::handle_alarm_event(const json& j, const entry& base) {
  const std::string topic = root_ + "evt/alarm";
  const auto* type = str(j, "type");
  const auto active = j.find("active");
  if (!type || active == j.end() || !active->is_boolean()) {
    bad(topic, "alarm without type or active", received_);
    return;
  }
  // A consumer ignores what it does not know, but an operator wants to see it: counted.
  if (!known_alarm(*type)) unknown(topic, *type, received_);
  const std::string compartment = str_or(j, "compartment");
  const std::string severity = str_or(j, "severity", "warning");
  const bool raised = active->get<bool>();
  // An older copy arriving late must not reopen or close what a newer one decided.
  if (*base.seq >= last_alarm_seq_) {
    last_alarm_seq_ = *base.seq;
    const auto same = [&](const alarm& a) {
      return a.type == *type && a.compartment == compartment;
    };
    open_alarms_.erase(std::remove_if(open_alarms_.begin(), open_alarms_.end(), same),
                       open_alarms_.end());
    if (raised) open_alarms_.push_back({*type, compartment, severity, base.ts});
  }
  std::string text =
      alarm_text(*type) + (compartment.empty() ? "" : " at compartment " + compartment);
  text += raised ? " (raised)" : " (cleared)";
  json h{
      {"seq", *base.seq},     {"ts", stamp(base.ts)}, {"type", *type}, {"compartment", compartment},
      {"severity", severity}, {"active", raised},     {"text", text}};
  alarm_history_.push_front(h);
  if (alarm_history_.size() > max_alarm_history) alarm_history_.pop_back();
  entry e = base;
  e.text = text;
  remember(std::move(e), {});
}

void tracking_view::handle_door_event(const json& j, const entry& base, std::string_view type) {
  const std::string topic = root_ + "evt/door";
  const auto* compartment = str(j, "compartment");
  if (type != "opened" && type != "closed") {
    unknown(topic, std::string(type), received_);
    return;
  }
  if (!compartment) {
    bad(topic, "door event without compartment", received_);
    return;
  }
  entry e = base;
  e.text = "Door " + *compartment + " " + std::string(type) + " (" + str_or(j, "cause", "?") + ")";
  remember(std::move(e), {});
}

// ---- liveness and state ----

void tracking_view::handle_status(const json& j, wall_time received) {
  const auto online = j.find("online");
  if (online == j.end() || !online->is_boolean()) {
    bad(root_ + "status", "status without online", received);
    return;
  }
  online_ = online->get<bool>();
  status_received_ = received;
  if (*online_) {
    version_ = str_or(j, "version");
    boot_id_ = str_or(j, "boot_id");
    started_at_ = time_of(j, "started_at");
    offline_reason_.clear();
  } else {
    offline_reason_ = str_or(j, "reason", "unknown");
  }
}

void tracking_view::handle_state(const json& j, wall_time received) {
  const auto seq = j.find("seq");
  const auto comps = j.find("compartments");
  const auto alarms = j.find("alarms");
  if (seq == j.end() || !seq->is_number_unsigned() || comps == j.end() || !comps->is_array() ||
      alarms == j.end() || !alarms->is_array()) {
    bad(root_ + "state", "state without seq, compartments or alarms", received);
    return;
  }
  state_seq_ = seq->get<std::uint64_t>();
  compartments_ = comps->size();
  free_compartments_ = 0;
  for (const auto& c : *comps) {
    if (!c.is_object()) continue;
    const auto pit = c.find("parcel");
    if (pit == c.end() || !pit->is_object()) {
      if (c.value("service", "") == "in_service" && !c.value("occupied", false) &&
          !c.contains("hold"))
        ++free_compartments_;
      continue;
    }
    const auto* tn = str(*pit, "tracking_number");
    if (!tn) continue;
    // A parcel this view has no event of (it started later than the deposit): the state is
    // all there is to go by.
    const auto known = parcels_.find(*tn);
    if (known != parcels_.end() && !known->second.events.empty()) continue;
    parcel& p = parcel_for(*tn);
    p.compartment = str_or(c, "id", p.compartment);
    p.size = str_or(c, "size", p.size);
    if (const auto* r = str(*pit, "reservation_id")) p.reservation_id = *r;
    const auto expires = time_of(*pit, "expires_at");
    if (expires) p.expires_at = *expires;
    const std::string state = str_or(*pit, "state");
    if (!p.notes.empty() && p.notes.back().kind == "state:" + state) continue;
    entry e;
    e.ts = time_of(*pit, "stored_at").value_or(received);
    e.kind = "state:" + state;
    e.text = "In compartment " + p.compartment + " (" + state + ", from the locker's state)";
    if (state == "stored") {
      e.status = "ready";
      e.status_text = "Ready for pickup at locker " + locker_id_ +
                      (expires ? " until " + until(*expires) : std::string());
    } else if (state == "expired") {
      e.status = "expired";
      e.status_text = "Not collected in time: it goes back to the sender";
    } else if (state == "removal_pending") {
      e.status = "cancelled";
      e.status_text = "Cancelled: it goes back to the sender";
    } else if (state == "outbound") {
      p.kind = p.kind == "delivery" ? "dropoff" : p.kind;
      e.status = "outbound";
      e.status_text = "Dropped off at locker " + locker_id_ + ": waiting for the courier";
    }
    add_note(p, std::move(e));
  }
  // The retained state is the locker's list of what is active now; it wins over the events
  // when it is as new as they are.
  if (state_seq_ >= last_alarm_seq_) {
    std::vector<alarm> now;
    for (const auto& a : *alarms) {
      if (!a.is_object() || !str(a, "type")) continue;
      now.push_back({*str(a, "type"), str_or(a, "compartment"), str_or(a, "severity", "warning"),
                     time_of(a, "since").value_or(received)});
    }
    open_alarms_ = std::move(now);
  }
}

// ---- the tracking system's requests and the locker's replies ----

void tracking_view::handle_request(std::string_view command, const json& j, wall_time received) {
  const auto* req_id = str(j, "req_id");
  const auto* reservation_id = str(j, "reservation_id");
  if (!req_id || !reservation_id) return;  // the locker will answer bad_request; nothing to show
  pending_request r;
  r.command = std::string(command);
  r.reservation_id = *reservation_id;
  r.received = received;
  if (command == "reservation_create") {
    const auto* tn = str(j, "tracking_number");
    if (!tn) return;
    r.tracking_number = *tn;
    r.kind = str_or(j, "kind", "delivery");
    r.size = str_or(j, "size");
  } else if (const auto* p = parcel_by_reservation(*reservation_id)) {
    r.tracking_number = p->tracking_number;
  }
  pending_[*req_id] = std::move(r);
}

void tracking_view::handle_reply(std::string_view command, const json& j, wall_time received) {
  const auto* req_id = str(j, "req_id");
  if (!req_id) return;
  const auto it = pending_.find(*req_id);
  // Replies to requests this view did not see (or saw twice) tell it nothing about a parcel.
  if (it == pending_.end() || it->second.command != command) return;
  const pending_request r = std::move(it->second);
  pending_.erase(it);
  const std::string status = str_or(j, "status");
  entry e;
  e.ts = received;
  if (command == "reservation_create") {
    parcel& p = parcel_for(r.tracking_number);
    p.reservation_id = r.reservation_id;
    if (status == "ok") {
      p.kind = r.kind;
      if (p.size.empty()) p.size = r.size;
      if (const auto data = j.find("data"); data != j.end() && data->is_object())
        p.dropoff_code = str_or(*data, "dropoff_code", p.dropoff_code);
      e.kind = "announced";
      if (r.kind == "delivery") {
        e.text = "Announced to the locker (size " + r.size + ")";
        e.status = "announced";
        e.status_text = "On its way to locker " + locker_id_;
      } else {
        e.text = std::string("Announced as a ") + (r.kind == "return" ? "return" : "drop-off") +
                 " (size " + r.size + ")";
        e.status = "awaiting_dropoff";
        e.status_text = "Waiting to be dropped off at locker " + locker_id_;
      }
      // A repeated announcement changes nothing at the locker; it is not news either. (The same
      // tracking number announced again after its parcel's story ended is.)
      const auto last = std::find_if(p.notes.rbegin(), p.notes.rend(),
                                     [](const entry& n) { return n.kind == "announced"; });
      if (last != p.notes.rend() && (p.events.empty() || p.events.back().ts <= last->ts)) return;
    } else {
      e.kind = "announce_refused";
      e.text = "Announcement refused: " + str_or(j, "code", status) +
               (str(j, "message") ? " (" + *str(j, "message") + ")" : "");
      // A refusal of a parcel the locker already has leaves its status as it is.
      if (p.events.empty() && p.notes.empty()) {
        e.status = "refused";
        e.status_text = "Not announced at locker " + locker_id_;
      }
    }
    add_note(p, std::move(e));
    return;
  }
  // reservation_cancel
  parcel* p = r.tracking_number.empty() ? parcel_by_reservation(r.reservation_id)
                                        : &parcel_for(r.tracking_number);
  if (!p) return;
  if (status == "ok") {
    const auto data = j.find("data");
    const std::string state =
        data != j.end() && data->is_object() ? str_or(*data, "state", "cancelled") : "cancelled";
    e.kind = "cancelled";
    e.status = "cancelled";
    if (state == "removal_pending") {
      e.text = "Cancelled while in compartment " + p->compartment + ": waiting for a courier";
      e.status_text = "Cancelled: it goes back to the sender";
    } else {
      e.text = "Announcement cancelled";
      e.status_text = "Cancelled";
    }
  } else {
    e.kind = "cancel_refused";
    e.text = "Cancellation refused: " + str_or(j, "code", status);
  }
  add_note(*p, std::move(e));
}

// ---- bookkeeping ----

tracking_view::parcel& tracking_view::parcel_for(const std::string& tracking_number) {
  auto [it, fresh] = parcels_.try_emplace(tracking_number);
  it->second.touched = arrivals_;
  if (fresh) {
    it->second.tracking_number = tracking_number;
    trim_parcels();
  }
  return parcels_.at(tracking_number);
}

tracking_view::parcel* tracking_view::parcel_by_reservation(const std::string& reservation_id) {
  for (auto& [tn, p] : parcels_)
    if (p.reservation_id == reservation_id) return &p;
  return nullptr;
}

void tracking_view::add_event(parcel& p, entry e) {
  const auto pos = std::upper_bound(p.events.begin(), p.events.end(), *e.seq,
                                    [](std::uint64_t s, const entry& x) { return s < *x.seq; });
  remember(e, p.tracking_number);
  p.events.insert(pos, std::move(e));
}

void tracking_view::add_note(parcel& p, entry e) {
  remember(e, p.tracking_number);
  p.notes.push_back(std::move(e));
}

void tracking_view::remember(entry e, const std::string& tracking_number) {
  json r{{"ts", stamp(e.ts)}, {"kind", e.kind}, {"text", e.text}};
  if (e.seq) r["seq"] = *e.seq;
  if (!tracking_number.empty()) r["tracking_number"] = tracking_number;
  recent_.push_front(std::move(r));
  if (recent_.size() > max_recent) recent_.pop_back();
}

void tracking_view::bad(std::string_view topic, std::string reason, wall_time received) {
  ++counters_.bad_payloads;
  problem(topic, "bad payload", std::move(reason), received);
}

void tracking_view::unknown(std::string_view topic, std::string type, wall_time received) {
  ++counters_.unknown;
  problem(topic, "unknown type", std::move(type), received);
}

void tracking_view::problem(std::string_view topic, const char* what, std::string detail,
                            wall_time received) {
  problems_.push_front(json{{"received", stamp(received)},
                            {"topic", std::string(topic)},
                            {"problem", what},
                            {"detail", std::move(detail)}});
  if (problems_.size() > max_problems) problems_.pop_back();
}

void tracking_view::trim_parcels() {
  while (parcels_.size() > max_parcels) {
    const auto oldest = std::min_element(
        parcels_.begin(), parcels_.end(),
        [](const auto& a, const auto& b) { return a.second.touched < b.second.touched; });
    parcels_.erase(oldest);
  }
}

bool tracking_view::seen_seq(std::uint64_t seq) const {
  auto it = seqs_.upper_bound(seq);
  if (it == seqs_.begin()) return false;
  --it;
  return seq <= it->second;
}

void tracking_view::mark_seq(std::uint64_t seq) {
  auto next = seqs_.upper_bound(seq);
  std::uint64_t first = seq;
  std::uint64_t last = seq;
  if (next != seqs_.begin()) {
    auto prev = std::prev(next);
    if (prev->second + 1 == seq) {
      first = prev->first;
      seqs_.erase(prev);
    }
  }
  if (next != seqs_.end() && next->first == seq + 1) {
    last = next->second;
    seqs_.erase(next);
  }
  seqs_[first] = last;
}

// ---- the snapshot ----

json tracking_view::parcel_json(const parcel& p) const {
  // The timeline: events by seq, the requests and replies merged in by time.
  std::vector<const entry*> line;
  line.reserve(p.events.size() + p.notes.size());
  std::size_t n = 0;
  for (const auto& ev : p.events) {
    while (n < p.notes.size() && p.notes[n].ts <= ev.ts) line.push_back(&p.notes[n++]);
    line.push_back(&ev);
  }
  while (n < p.notes.size()) line.push_back(&p.notes[n++]);

  std::string status = "unknown";
  std::string status_text = "No news from locker " + locker_id_;
  json timeline = json::array();
  for (const entry* e : line) {
    if (e->status) {
      status = *e->status;
      status_text = e->status_text;
    }
    json t{{"ts", stamp(e->ts)}, {"kind", e->kind}, {"text", e->text}};
    if (e->seq) t["seq"] = *e->seq;
    if (e->queued) t["queued"] = true;
    if (e->status) t["status_text"] = e->status_text;
    timeline.push_back(std::move(t));
  }
  json out{{"tracking_number", p.tracking_number},
           {"reservation_id", p.reservation_id},
           {"kind", p.kind},
           {"size", p.size},
           {"compartment", p.compartment},
           {"status", status},
           {"status_text", status_text},
           {"expires_at", stamp_or_null(p.expires_at)},
           {"timeline", std::move(timeline)}};
  if (!p.carrier.empty()) out["carrier"] = p.carrier;
  // The tracking system sends the code to the recipient; the demo's operator needs it too.
  // It is only in stored events, and only while the parcel waits for its recipient.
  if (!p.pickup_code.empty() && status == "ready") out["pickup_code"] = p.pickup_code;
  if (!p.dropoff_code.empty() && status == "awaiting_dropoff") out["dropoff_code"] = p.dropoff_code;
  return out;
}

json tracking_view::snapshot() const {
  std::vector<const parcel*> order;
  order.reserve(parcels_.size());
  for (const auto& [tn, p] : parcels_) order.push_back(&p);
  std::stable_sort(order.begin(), order.end(),
                   [](const parcel* a, const parcel* b) { return a->touched > b->touched; });
  json parcels = json::array();
  for (const parcel* p : order) parcels.push_back(parcel_json(*p));

  json open = json::array();
  for (const auto& a : open_alarms_) {
    open.push_back(json{{"type", a.type},
                        {"compartment", a.compartment},
                        {"severity", a.severity},
                        {"since", stamp(a.since)},
                        {"text", alarm_text(a.type) + (a.compartment.empty()
                                                           ? std::string()
                                                           : " at compartment " + a.compartment)}});
  }

  std::string live_text;
  if (!online_) {
    live_text = status_received_ ? "Status cleared" : "No status from the locker yet";
  } else if (*online_) {
    live_text = "Online" + (version_.empty() ? std::string() : ", version " + version_) +
                (started_at_ ? ", started " + human_time(*started_at_) : std::string());
  } else if (offline_reason_ == "lost") {
    live_text = "Offline: connection lost (the broker gave its last will)";
  } else if (offline_reason_ == "shutdown") {
    live_text = "Offline: shut down cleanly";
  } else {
    live_text = "Offline (" + offline_reason_ + ")";
  }
  json liveness{{"online", online_ ? json(*online_) : json(nullptr)},
                {"reason", offline_reason_.empty() ? json(nullptr) : json(offline_reason_)},
                {"version", version_},
                {"boot_id", boot_id_},
                {"started_at", stamp_or_null(started_at_)},
                {"status_received", stamp_or_null(status_received_)},
                {"last_seen", stamp_or_null(last_seen_)},
                {"text", live_text}};

  // Seqs the view has not seen between the first and the last it has: each is a fault
  // (events arrive in seq order, with no gaps) until a late copy fills it.
  std::uint64_t missing = 0;
  json gaps = json::array();
  for (auto it = seqs_.begin(); it != seqs_.end(); ++it) {
    const auto next = std::next(it);
    if (next == seqs_.end()) break;
    missing += next->first - it->second - 1;
    if (gaps.size() < 10) gaps.push_back(json::array({it->second + 1, next->first - 1}));
  }
  const json last_seq = seqs_.empty() ? json(nullptr) : json(seqs_.rbegin()->second);

  return json{{"locker_id", locker_id_},
              {"liveness", std::move(liveness)},
              {"parcels", std::move(parcels)},
              {"alarms", {{"open", std::move(open)}, {"history", json(alarm_history_)}}},
              {"recent", json(recent_)},
              {"problems", json(problems_)},
              {"compartments", compartments_},
              {"free_compartments", free_compartments_},
              {"seq",
               {{"last", last_seq},
                {"locker", state_seq_ ? json(*state_seq_) : json(nullptr)},
                {"missing", missing},
                {"gaps", std::move(gaps)}}},
              {"pending_requests", pending_.size()},
              {"counters",
               {{"messages", counters_.messages},
                {"events", counters_.events},
                {"duplicates", counters_.duplicates},
                {"seq_conflicts", counters_.seq_conflicts},
                {"unknown", counters_.unknown},
                {"bad_payloads", counters_.bad_payloads}}}};
}

}  // namespace locker::tracking
