// SPDX-License-Identifier: Apache-2.0
// Drop-off, returns and outbound collection (issue 13): a sender's drop-off code at the
// keypad opens the smallest free compartment of the announced size; closing it stores an
// outbound parcel (dropped_off); couriers take outbound parcels out beside the expired and
// cancelled ones, limited to their carrier's. The door itself works as a courier's deposit
// does (deposit_operation with `outbound`): presence check, lock faults, restarts.
#include "daemon/controller/controller.hpp"
#include "daemon/controller/controller_internal.hpp"
#include "daemon/log/log.hpp"

namespace locker::controller {

using compartment::open_cause;
using nlohmann::json;

std::optional<keypad::pickup_answer> controller::dropoff_by_code(std::string_view code) {
  const auto ids = db_.outbound().announced_with_code(security::dropoff_code_hash(key_, code));
  if (ids.empty()) return std::nullopt;
  if (ids.size() > 1) {
    // Cannot happen while codes are checked at announcement; never open a box for either.
    log::error("controller", "a typed drop-off code belongs to ", ids.size(),
               " reservations; none was opened: cancel them and give new codes");
    return std::nullopt;
  }
  const auto r = db_.reservations().find(ids.front());
  if (!r) return std::nullopt;
  keypad::pickup_answer answer;
  answer.outcome = keypad::code_outcome::dropoff_opening;
  // Typed again while its door is open: the same compartment, not a second one. An unlock
  // resumed after a restart gives way to the sender now at the keypad (as a pickup's does):
  // ended here, the compartment is chosen afresh below.
  for (const auto& s : slots_) {
    const auto* d = std::get_if<deposit_operation>(&s->op);
    if (d == nullptr || !d->outbound || d->reservation_id != r->reservation_id) continue;
    s->machine->abandon_resumed_unlock();
    if (is_none(s->op)) break;
    answer.compartment = s->machine->id();
    if (s->machine->door() == compartment::door_state::open) {
      // Already open (before a restart, say): the session is told so on the loop, as if now.
      std::string id = answer.compartment;
      clock_.call_after(std::chrono::milliseconds{0}, [this, id] {
        if (session_) session_->door_opened(id);
      });
    }
    return answer;
  }
  deposit_operation dropoff;
  dropoff.tracking_number = r->tracking_number;
  dropoff.rank = cfg_.board.size_rank(r->size);
  dropoff.reservation_id = r->reservation_id;
  dropoff.outbound = db_.outbound().of_reservation(r->reservation_id).kind;
  slot* s = dropoff.rank < 0 ? nullptr : choose_compartment(dropoff.rank);
  if (s == nullptr || !open_for(*s, open_cause::deposit, dropoff)) {
    // The right code, counted nowhere: the sender may come back when a box is free.
    report_deposit_failed(r->tracking_number, "no_free_compartment");
    answer.outcome = keypad::code_outcome::no_free_compartment;
    return answer;
  }
  answer.compartment = s->machine->id();
  return answer;
}

void controller::book_dropoff(store::transaction& tx, slot& s, const deposit_operation& d,
                              drivers::wall_time now) {
  const std::string id = s.machine->id();
  store::new_parcel p;
  p.tracking_number = d.tracking_number;
  p.compartment_id = id;
  if (auto r = d.reservation_id.value_or(""); !r.empty()) p.reservation_id = r;
  p.stored_at = now;
  // Outbound parcels never expire (parcels_expiring leaves them out) and no pickup code
  // opens them (an empty hash matches nothing typed): a courier takes them out.
  p.expires_at = now;
  const auto parcel_id = db_.parcels().store(tx, p);
  const std::string kind = d.outbound.value_or("dropoff");
  db_.outbound().set_parcel_kind(tx, parcel_id, kind);
  json fields = {{"tracking_number", p.tracking_number},
                 {"compartment", id},
                 {"size", s.machine->size()},
                 {"kind", kind}};
  if (p.reservation_id) {
    db_.reservations().set_state(tx, *p.reservation_id, store::reservation_state::deposited);
    fields["reservation_id"] = *p.reservation_id;
    if (auto carrier = db_.outbound().of_reservation(*p.reservation_id).carrier)
      fields["carrier"] = *carrier;
  }
  journal(tx, store::journal_topic::parcel, "dropped_off", fields);
  db_.audit().record(tx, now, "sender", kind,
                     {{"compartment", id}, {"tracking_number", p.tracking_number}});
}

bool controller::carrier_may_take(const std::optional<std::string>& courier_carrier,
                                  std::int64_t parcel_id) {
  if (!courier_carrier) return true;  // a courier without a carrier takes everything
  const auto carrier = db_.outbound().parcel_carrier(parcel_id);
  return !carrier || *carrier == *courier_carrier;  // a parcel of no carrier: anyone's
}

std::vector<keypad::removal_item> controller::removals_for(
    const keypad::courier_identity& courier) {
  return guarded("listing removals", {}, std::vector<keypad::removal_item>{}, [&] {
    const auto carrier = db_.outbound().courier_carrier(courier.courier_id);
    std::vector<keypad::removal_item> out;
    for (auto& item : removals())
      if (carrier_may_take(carrier, item.parcel_id)) out.push_back(std::move(item));
    for (const auto parcel_id : db_.outbound().outbound_parcels()) {
      if (!carrier_may_take(carrier, parcel_id)) continue;
      if (const auto p = db_.parcels().find(parcel_id))
        out.push_back(
            {p->id, p->tracking_number, p->compartment_id, db_.outbound().parcel_kind(parcel_id)});
    }
    return out;
  });
}

std::optional<std::string> controller::outbound_removal_reason(const store::parcel_record& p) {
  if (p.state != store::parcel_state::stored) return std::nullopt;
  auto kind = db_.outbound().parcel_kind(p.id);
  if (!store::is_outbound_kind(kind)) return std::nullopt;
  return kind;
}

}  // namespace locker::controller
