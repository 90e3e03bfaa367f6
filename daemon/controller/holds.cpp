// SPDX-License-Identifier: Apache-2.0
// Held compartments and expiring reservations (issue 13, flow "hold"). A reservation announced
// with hold_until holds one free compartment of its size (store::hold_repository): no other
// deposit gets it, its own courier's does. The hold ends at that deposit, at a cancel, at its
// deadline (hold_expired) or with its reservation; a held compartment that leaves service hands
// the hold to another free one (hold_moved) or, with none free, drops it (hold_lost). An
// announced reservation no courier deposited within reservation_expiry_h expires
// (reservation_expired): its code no longer counts as reserved. All of it on the controller's
// timer, on wall-clock deadlines (virtual time in tests), and at start.
#include <algorithm>

#include "daemon/controller/controller.hpp"
#include "daemon/controller/controller_internal.hpp"
#include "daemon/log/log.hpp"

namespace locker::controller {

std::optional<std::string> controller::compartment_to_hold(std::string_view size) {
  const int rank = cfg_.board.size_rank(std::string(size));
  if (rank < 0) return std::nullopt;
  const slot* s = choose_compartment(rank);
  if (s == nullptr) return std::nullopt;
  return s->machine->id();
}

void controller::holds_changed() { arm_reservation_timer(); }

controller::slot* controller::held_for(std::string_view reservation_id, int min_rank) {
  const auto hold = db_.holds().for_reservation(reservation_id);
  if (!hold) return nullptr;
  slot* s = find_slot(hold->compartment_id);
  if (s == nullptr || s->rank < min_rank || !free_for_deposit(*s)) return nullptr;
  return s;
}

void controller::move_hold_off(store::transaction& tx, slot& s) {
  const auto hold = db_.holds().on_compartment(s.machine->id());
  if (!hold) return;
  const auto reservation = db_.reservations().find(hold->reservation_id);
  const std::string tracking = reservation ? reservation->tracking_number : std::string();
  const std::string why = std::string(compartment::to_string(s.machine->service()));
  // The reservation's own size, not the box's: it may have been a bigger one.
  int rank = reservation ? cfg_.board.size_rank(reservation->size) : s.rank;
  if (rank < 0) rank = s.rank;
  if (const slot* other = choose_compartment(rank, s.machine->id())) {
    db_.holds().move(tx, hold->reservation_id, other->machine->id());
    journal(tx, store::journal_topic::parcel, "hold_moved",
            {{"reservation_id", hold->reservation_id},
             {"tracking_number", tracking},
             {"compartment", other->machine->id()},
             {"from", s.machine->id()},
             {"reason", why},
             {"hold_until", protocol::format_timestamp(hold->until)}});
    log::info("controller", "hold of reservation ", hold->reservation_id, " moved from ",
              s.machine->id(), " to ", other->machine->id(), " (", why, ")");
    return;
  }
  db_.holds().end(tx, hold->reservation_id);
  journal(tx, store::journal_topic::parcel, "hold_lost",
          {{"reservation_id", hold->reservation_id},
           {"tracking_number", tracking},
           {"compartment", s.machine->id()},
           {"reason", why}});
  log::warning("controller", "hold of reservation ", hold->reservation_id, " on ", s.machine->id(),
               " lost: the compartment is ", why, " and no other one is free");
}

void controller::end_due_holds_and_reservations() {
  bool skipped = false;
  const bool done = guarded("ending holds and reservations", {}, [&] {
    const auto now = clock_.wall_now();
    for (const auto& h : db_.holds().due(now)) {
      must_commit([&](store::transaction& tx) {
        db_.holds().end(tx, h.reservation_id);
        const auto r = db_.reservations().find(h.reservation_id);
        journal(tx, store::journal_topic::parcel, "hold_expired",
                {{"reservation_id", h.reservation_id},
                 {"tracking_number", r ? r->tracking_number : std::string()},
                 {"compartment", h.compartment_id}});
      });
    }
    if (cfg_.policy.reservation_expiry_h <= 0) return;
    const auto cutoff = now - std::chrono::hours(cfg_.policy.reservation_expiry_h);
    for (const auto& r : db_.reservations().announced_created_by(cutoff)) {
      // A courier is putting it in right now: the door's close stores it, as announced.
      if (deposit_under_way(r.reservation_id)) {
        skipped = true;
        continue;
      }
      must_commit([&](store::transaction& tx) {
        // Cancelled in the books: its code stops counting as reserved, no deposit finds it.
        db_.reservations().set_state(tx, r.reservation_id, store::reservation_state::cancelled);
        const auto hold = db_.holds().for_reservation(r.reservation_id);
        db_.holds().end(tx, r.reservation_id);
        nlohmann::json fields = {{"reservation_id", r.reservation_id},
                                 {"tracking_number", r.tracking_number},
                                 {"created_at", protocol::format_timestamp(r.created_at)}};
        if (hold) fields["compartment"] = hold->compartment_id;
        journal(tx, store::journal_topic::parcel, "reservation_expired", fields);
        db_.audit().record(
            tx, now, "lockerd", "reservation_expired",
            {{"reservation_id", r.reservation_id}, {"tracking_number", r.tracking_number}});
      });
      log::info("controller", "reservation ", r.reservation_id,
                " expired: no courier deposited it");
    }
  });
  arm_reservation_timer(!done || skipped);
}

void controller::arm_reservation_timer(bool retry_soon) {
  const auto fire = [this] { end_due_holds_and_reservations(); };
  const bool armed = guarded("arming the hold timer", {}, [&] {
    std::optional<drivers::wall_time> next = db_.holds().next_deadline();
    if (cfg_.policy.reservation_expiry_h > 0) {
      if (const auto oldest = db_.reservations().oldest_announced()) {
        const auto expires = *oldest + std::chrono::hours(cfg_.policy.reservation_expiry_h);
        if (!next || expires < *next) next = expires;
      }
    }
    if (!next) {
      if (retry_soon)
        reservation_timer_.start(storage_retry, fire);
      else
        reservation_timer_.cancel();
      return;
    }
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(*next - clock_.wall_now());
    // Something due could not be done now (a deposit under way): look again in a while,
    // rather than at once and again.
    if (retry_soon) wait = std::max(wait, storage_retry);
    wait = std::clamp(wait, std::chrono::milliseconds{0}, max_timer_wait);
    reservation_timer_.start(wait, fire);
  });
  if (!armed) reservation_timer_.start(storage_retry, fire);
}

}  // namespace locker::controller
