// SPDX-License-Identifier: Apache-2.0
// The controller's start: bringing the compartments back from the database, reconciling
// them with their sensors, finishing what was done while the locker was down, and carrying
// out lockeradm's in-service requests. Apart from the core (controller.cpp) because
// recovery rules change with the failures met in the field, not with the keypad flows.
#include <exception>

#include "daemon/controller/controller.hpp"
#include "daemon/controller/controller_internal.hpp"
#include "daemon/log/log.hpp"

namespace locker::controller {

using compartment::alarm_type;
using compartment::open_cause;

namespace {

compartment::alarm_set split_alarms(std::string_view text) {
  compartment::alarm_set alarms;
  while (!text.empty()) {
    const auto comma = text.find(',');
    if (auto a = compartment::alarm_type_from_string(text.substr(0, comma))) alarms.set(*a, true);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
  }
  return alarms;
}

}  // namespace

void controller::start() {
  const auto now = clock_.wall_now();
  // New compartments from the board file get a row; known ones keep their state.
  {
    store::transaction tx(db_.db());
    for (auto& s : slots_) db_.compartments().upsert(tx, s->machine->id(), s->machine->size(), now);
    tx.commit();
  }
  clear_storage_fault_of_last_run();
  for (const auto& rec : db_.compartments().all()) {
    if (!find_slot(rec.id))
      log::warning("controller", "compartment ", rec.id,
                   " is in the database but not on the board: its records are kept, unused");
  }
  for (auto& s : slots_) {
    const auto rec = db_.compartments().find(s->machine->id());
    if (!rec) continue;
    compartment::saved_state saved;
    saved.door = rec->door == store::door_state::open ? compartment::door_state::open
                                                      : compartment::door_state::closed;
    saved.cause = compartment::open_cause_from_string(rec->cause).value_or(open_cause::none);
    saved.open_pending = rec->open_pending;
    saved.out_of_service = rec->out_of_service;
    saved.service_reason = rec->service_reason;
    saved.alarms = split_alarms(rec->alarms);
    s->machine->restore(saved);
    s->op = decode(rec->operation, s->machine->id());
  }
  // Each difference between the database and the sensors is reported as it is found.
  for (auto& s : slots_) {
    reconciling_ = true;
    s->machine->reconcile();
    reconciling_ = false;
    // A parcel on file that the presence sensor does not see went missing while down: tamper,
    // once (it is kept with the compartment's alarms until the parcel is accounted for).
    if (auto occupied = s->machine->occupied();
        occupied && !*occupied && s->machine->door() == compartment::door_state::closed &&
        !s->machine->alarms().has(alarm_type::tamper)) {
      if (auto p = db_.parcels().live_in(s->machine->id())) {
        log::warning("controller", "compartment ", s->machine->id(),
                     " should hold a parcel but its presence sensor sees none");
        commit_together([&](store::transaction& tx) {
          s->machine->set_tamper(true);
          db_.audit().record(
              tx, clock_.wall_now(), "lockerd", "parcel_missing_at_start",
              {{"compartment", s->machine->id()}, {"tracking_number", p->tracking_number}});
        });
      }
    }
    // A tamper alarm from before whose parcel is seen again, or has left the books.
    if (s->machine->alarms().has(alarm_type::tamper)) {
      commit_together([&](store::transaction& tx) { account_for_contents(tx, *s); });
    }
    // Still-saved operations whose door is shut and unlock gone are over.
    if (!is_none(s->op) && s->machine->door() == compartment::door_state::closed &&
        s->machine->lock() == compartment::lock_state::locked) {
      s->op = no_operation{};
      commit([&](store::transaction& tx) { save(tx, *s); });
    }
  }
  take_up_lost_books();
  check_contents_at_start();
  carry_out_in_service_requests();
  start_power_watch();
  clock_.on_wall_clock_set([this] { note_wall_clock(); });
  expire_due_parcels();
  end_due_holds_and_reservations();
  arm_lockout_timer();
  update_alarm_indicator();
  log::info("controller", slots_.size(), " compartments ready, journal backlog ",
            db_.journal().backlog());
}

std::optional<open_cause> controller::done_while_down(const slot& s, const operation& op) {
  const auto occupied = s.machine->occupied();
  if (!occupied) return std::nullopt;  // without a presence sensor there is no telling
  const bool on_file = db_.parcels().live_in(s.machine->id()).has_value();
  const auto when = [](bool done, open_cause cause) {
    return done ? std::optional<open_cause>(cause) : std::nullopt;
  };
  return std::visit(overloaded{[&](const deposit_operation&) {
                                 return when(*occupied && !on_file, open_cause::deposit);
                               },
                               [&](const pickup_operation&) {
                                 return when(!*occupied && on_file, open_cause::pickup);
                               },
                               [&](const removal_operation&) {
                                 return when(!*occupied && on_file, open_cause::courier_removal);
                               },
                               [](const operator_opening&) { return std::optional<open_cause>(); },
                               [](const given_up_deposit&) { return std::optional<open_cause>(); },
                               [](const no_operation&) { return std::optional<open_cause>(); }},
                    op);
}

void controller::carry_out_in_service_requests() {
  for (auto& s : slots_) {
    const std::string id = s->machine->id();
    const std::optional<std::string> reason =
        guarded("reading the in-service request", id, std::optional<std::string>{},
                [&] { return db_.in_service_requests().find(id); });
    if (!reason) continue;
    // The same rules as the operator's compartment_set_service: a fault is cleared only if
    // the sensors back it.
    const auto result = set_service_by_operator(id, true, "lockeradm", *reason);
    if (result.answer == service_answer::failed) continue;  // the request waits for next time
    const bool done = result.answer == service_answer::done;
    std::string why = result.detail;
    if (result.answer == service_answer::busy) why = "in use";
    commit([&](store::transaction& tx) {
      db_.in_service_requests().drop(tx, id);
      if (!done)
        db_.audit().record(tx, clock_.wall_now(), "lockerd", "in_service_request_refused",
                           {{"compartment", id}, {"why", why}});
    });
    if (done)
      log::info("controller", "compartment ", id, " back in service as lockeradm asked");
    else
      log::warning("controller", "compartment ", id,
                   " not back in service as lockeradm asked: ", why);
  }
}

}  // namespace locker::controller
