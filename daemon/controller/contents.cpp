// SPDX-License-Identifier: Apache-2.0
// The books against the presence sensor: what a closed door hides must be what the parcels on
// file say. A pickup closed on its parcel is not collected (the session may reopen it; after
// the session, parcel_left_inside); a parcel on file that is not seen is tamper; something seen
// that no parcel accounts for is unexpected_contents, kept out of deposits until an operator
// looks. Apart from the core because these rules follow the sensors in the field, not the
// keypad flows. Without presence sensors nothing here changes anything.
#include <set>
#include <string>
#include <string_view>

#include "daemon/controller/controller.hpp"
#include "daemon/controller/controller_internal.hpp"
#include "daemon/log/log.hpp"
#include "daemon/parcels/parcels.hpp"

namespace locker::controller {

using compartment::alarm_type;

namespace {

// The settings row that keeps the compartments whose pickup closed on its parcel and whose
// session may still reopen it: comma-separated ids ("" for none).
constexpr std::string_view left_inside_key = "contents.left_inside";

std::set<std::string> split_ids(std::string_view text) {
  std::set<std::string> out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    if (comma != 0) out.emplace(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
  }
  return out;
}

std::string join_ids(const std::set<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ",") + id;
  return out;
}

}  // namespace

void controller::check_contents(store::transaction& tx, slot& s, looked who) {
  auto& m = *s.machine;
  if (!can_look_inside(m)) {
    account_for_contents(tx, s);
    return;
  }
  const std::string id = m.id();
  const bool occupied = *m.occupied();
  const auto parcel = db_.parcels().live_in(id);
  const auto now = clock_.wall_now();
  if (parcel && !occupied) {
    if (!m.alarms().has(alarm_type::tamper)) {
      log::warning("controller", "compartment ", id,
                   " should hold a parcel but its presence sensor sees none");
      m.set_tamper(true);
      db_.audit().record(tx, now, "lockerd", "parcel_missing",
                         {{"compartment", id}, {"tracking_number", parcel->tracking_number}});
    }
  } else {
    account_for_contents(tx, s);
  }
  if (occupied && !parcel) {
    if (!m.alarms().has(alarm_type::unexpected_contents)) {
      log::warning("controller", "compartment ", id,
                   " holds something no parcel on file accounts for: not offered for deposits");
      m.set_contents_alarm(alarm_type::unexpected_contents, true);
      db_.audit().record(tx, now, "lockerd", "unexpected_contents", {{"compartment", id}});
    }
  } else if (m.alarms().has(alarm_type::unexpected_contents) && who == looked::by_operator) {
    m.set_contents_alarm(alarm_type::unexpected_contents, false);
    db_.audit().record(
        tx, now, "lockerd", "unexpected_contents_cleared",
        {{"compartment", id}, {"because", "an operator's opening closed with the books agreeing"}});
  }
  if (m.alarms().has(alarm_type::parcel_left_inside) && (!parcel || !occupied)) {
    m.set_contents_alarm(alarm_type::parcel_left_inside, false);
  }
}

void controller::start_left_inside_window(store::transaction& tx, slot& s) {
  const std::string id = s.machine->id();
  left_inside_.insert(id);
  db_.settings().set(tx, left_inside_key, join_ids(left_inside_));
  // The keypad session waits as long for the code (keypad_session's session_idle).
  s.left_inside_window->start(cfg_.timings.session_idle,
                              [this, &s] { left_inside_window_ended(s); });
}

void controller::end_left_inside_window(store::transaction& tx, slot& s) {
  const std::string id = s.machine->id();
  if (!left_inside_.contains(id)) return;
  s.left_inside_window->cancel();
  left_inside_.erase(id);
  db_.settings().set(tx, left_inside_key, join_ids(left_inside_));
}

void controller::left_inside_window_ended(slot& s) {
  const std::string id = s.machine->id();
  auto& m = *s.machine;
  // Reopened (or being reopened): the next close decides, as for any pickup.
  if (!can_look_inside(m) || !is_none(s.op)) return;
  guarded("reporting a parcel left inside", id, [&] {
    const auto parcel = db_.parcels().live_in(id);
    const bool inside = parcel && m.occupied().value_or(false);
    const bool ok = commit_together([&](store::transaction& tx) {
      left_inside_.erase(id);
      db_.settings().set(tx, left_inside_key, join_ids(left_inside_));
      if (inside && !m.alarms().has(alarm_type::parcel_left_inside)) {
        log::warning("controller", "compartment ", id,
                     ": the recipient closed the door on the parcel and did not reopen it");
        m.set_contents_alarm(alarm_type::parcel_left_inside, true);
        db_.audit().record(tx, clock_.wall_now(), "lockerd", "parcel_left_inside",
                           {{"compartment", id}, {"tracking_number", parcel->tracking_number}});
      }
    });
    if (!ok) throw storage_unavailable{};
  });
}

void controller::check_contents_at_start() {
  const auto ids = split_ids(db_.settings().get(left_inside_key).value_or(""));
  // One query for the live parcels, not one per compartment: this runs at every start.
  std::set<std::string, std::less<>> on_file;
  bool any_seen = false;
  for (auto& s : slots_) any_seen = any_seen || s->machine->occupied().value_or(false);
  if (any_seen) {
    for (const auto& p : parcels::live_parcels(db_)) on_file.insert(p.compartment_id);
  }
  for (auto& s : slots_) {
    auto& m = *s->machine;
    if (!can_look_inside(m) || !is_none(s->op)) continue;
    const std::string id = m.id();
    const bool occupied = *m.occupied();
    const bool listed = ids.contains(id);
    const bool left = listed && occupied && on_file.contains(id) &&
                      !m.alarms().has(alarm_type::parcel_left_inside);
    const bool unexpected =
        occupied && !on_file.contains(id) && !m.alarms().has(alarm_type::unexpected_contents);
    if (!left && !unexpected) continue;
    commit_together([&](store::transaction& tx) {
      if (left) {
        // The session that could have reopened it ended with the last run.
        m.set_contents_alarm(alarm_type::parcel_left_inside, true);
        db_.audit().record(tx, clock_.wall_now(), "lockerd", "parcel_left_inside",
                           {{"compartment", id}});
      }
      if (unexpected) {
        log::warning("controller", "compartment ", id,
                     " holds something no parcel on file accounts for: not offered for deposits");
        m.set_contents_alarm(alarm_type::unexpected_contents, true);
        db_.audit().record(tx, clock_.wall_now(), "lockerd", "unexpected_contents_at_start",
                           {{"compartment", id}});
      }
    });
  }
  if (!ids.empty())
    commit([&](store::transaction& tx) { db_.settings().set(tx, left_inside_key, ""); });
}

}  // namespace locker::controller
