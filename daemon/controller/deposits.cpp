// SPDX-License-Identifier: Apache-2.0
// A courier's deposit: choosing the compartment, opening it, a bigger one for "does not
// fit", giving up. Storing the parcel at the door's close is the core's (door_closed).
#include <algorithm>

#include "daemon/controller/controller.hpp"
#include "daemon/controller/controller_internal.hpp"
#include "daemon/log/log.hpp"
#include "daemon/parcels/parcels.hpp"

namespace locker::controller {

using compartment::open_cause;

std::vector<std::string> controller::sizes() const { return cfg_.board.sizes; }

bool controller::free_for_deposit(const slot& s) {
  const auto& m = *s.machine;
  if (m.service() != compartment::service_state::in_service) return false;
  if (m.door() != compartment::door_state::closed || m.lock() != compartment::lock_state::locked)
    return false;
  if (!is_none(s.op)) return false;
  // Until an operator has looked (compartment_set_service, or an operator's opening).
  if (m.alarms().has(compartment::alarm_type::unexpected_contents)) return false;
  if (auto occupied = m.occupied(); occupied && *occupied) return false;
  return !db_.parcels().live_in(m.id()).has_value();
}

controller::slot* controller::choose_compartment(int min_rank, std::string_view except,
                                                 bool accessible) {
  // Held compartments wait for their own reservation's deposit (holds.cpp).
  const auto held = db_.holds().held_compartments();
  const auto is_held = [&](const slot& s) {
    return std::find(held.begin(), held.end(), s.machine->id()) != held.end();
  };
  // Accessibility (issue 13): the smallest fitting low compartment first; when none is free,
  // any (the stored event says accessible: false).
  if (accessible) {
    slot* low = nullptr;
    for (auto& s : slots_) {
      if (s->rank < min_rank || s->machine->id() == except || !s->hw.config->low()) continue;
      if (low && s->rank >= low->rank) continue;  // board order among equals
      if (is_held(*s)) continue;
      if (free_for_deposit(*s)) low = s.get();
    }
    if (low) return low;
  }
  slot* best = nullptr;
  for (auto& s : slots_) {
    if (s->rank < min_rank || s->machine->id() == except) continue;
    if (best && s->rank >= best->rank) continue;  // board order among equals
    if (is_held(*s)) continue;
    if (free_for_deposit(*s)) best = s.get();
  }
  return best;
}

std::optional<std::string> controller::announced_size(std::string_view tracking) {
  // Unknown: the size menu follows, and the deposit itself answers `unavailable`.
  return guarded("reading reservations", {}, std::optional<std::string>{},
                 [&]() -> std::optional<std::string> {
                   if (auto r = db_.reservations().find_announced(tracking)) return r->size;
                   return std::nullopt;
                 });
}

void controller::report_deposit_failed(const std::string& tracking_number,
                                       std::string_view reason) {
  must_commit([&](store::transaction& tx) {
    journal(tx, store::journal_topic::parcel, "deposit_failed",
            {{"tracking_number", tracking_number}, {"reason", std::string(reason)}});
  });
}

keypad::deposit_answer controller::start_deposit_in(slot& s, const deposit_operation& deposit) {
  if (!open_for(s, open_cause::deposit, deposit, {}, keypad_left_open_factor()))
    return {keypad::deposit_error::no_free_compartment, {}, {}};
  return {keypad::deposit_error::none, s.machine->id(), s.machine->size()};
}

keypad::deposit_answer controller::begin_deposit(const keypad::courier_identity& courier,
                                                 std::string_view tracking_number,
                                                 std::string_view size) {
  const int rank = cfg_.board.size_rank(std::string(size));
  if (rank < 0) return {keypad::deposit_error::unknown_size, {}, {}};
  const keypad::deposit_answer unavailable{keypad::deposit_error::unavailable, {}, {}};
  return guarded("starting a deposit", {}, unavailable, [&]() -> keypad::deposit_answer {
    if (parcels::live_parcel_with_tracking(db_, tracking_number))
      return {keypad::deposit_error::already_in_locker, {}, {}};
    deposit_operation deposit;
    deposit.courier_id = courier.courier_id;
    deposit.tracking_number = std::string(tracking_number);
    deposit.rank = rank;
    if (auto r = db_.reservations().find_announced(tracking_number)) {
      deposit.reservation_id = r->reservation_id;
      deposit.pickup_code_hash = r->pickup_code_hash;
      deposit.pickup_window_h = r->pickup_window_h;
      deposit.accessible = r->accessible;
    }
    // Its held compartment, if it has one and it is free; else the smallest free one.
    slot* s = deposit.reservation_id ? held_for(*deposit.reservation_id, rank) : nullptr;
    if (!s) s = choose_compartment(rank, {}, deposit.accessible);
    if (!s) {
      report_deposit_failed(std::string(tracking_number), "no_free_compartment");
      return {keypad::deposit_error::no_free_compartment, {}, {}};
    }
    if (deposit.accessible && !s->hw.config->low())
      log::warning("controller", "no low compartment is free for the accessible reservation ",
                   *deposit.reservation_id, ": compartment ", s->machine->id(), " is used instead");
    return start_deposit_in(*s, deposit);
  });
}

keypad::deposit_answer controller::deposit_bigger(std::string_view compartment) {
  slot* s = find_slot(compartment);
  const auto* current = s != nullptr ? std::get_if<deposit_operation>(&s->op) : nullptr;
  if (current == nullptr) return {keypad::deposit_error::no_free_compartment, {}, {}};
  deposit_operation deposit = *current;
  // Closing this door now stores nothing (in memory even if it cannot be saved: the courier
  // is told to take the parcel back).
  s->op = given_up_deposit{};
  const keypad::deposit_answer unavailable{keypad::deposit_error::unavailable, {}, {}};
  return guarded("a bigger compartment", compartment, unavailable, [&]() -> keypad::deposit_answer {
    must_commit([&](store::transaction& tx) { save(tx, *s); });
    deposit.rank = s->rank + 1;
    slot* bigger = choose_compartment(s->rank + 1, {}, deposit.accessible);
    if (!bigger) {
      report_deposit_failed(deposit.tracking_number, "no_free_compartment");
      return {keypad::deposit_error::no_free_compartment, {}, {}};
    }
    return start_deposit_in(*bigger, deposit);
  });
}

void controller::abandon_deposit(std::string_view compartment, keypad::abandon_reason why) {
  slot* s = find_slot(compartment);
  const auto* current = s != nullptr ? std::get_if<deposit_operation>(&s->op) : nullptr;
  if (current == nullptr) return;
  const std::string tracking = current->tracking_number;
  s->op = given_up_deposit{};
  guarded("giving up a deposit", compartment, [&] {
    must_commit([&](store::transaction& tx) {
      save(tx, *s);
      journal(tx, store::journal_topic::parcel, "deposit_failed",
              {{"tracking_number", tracking},
               {"reason", why == keypad::abandon_reason::timeout ? "timeout" : "cancelled"}});
    });
    // A door that never opened (or is already shut) has nothing left to wait for.
    if (s->machine->door() == compartment::door_state::closed &&
        s->machine->lock() == compartment::lock_state::locked) {
      s->op = no_operation{};
      commit([&](store::transaction& tx) { save(tx, *s); });
    }
  });
}

}  // namespace locker::controller
