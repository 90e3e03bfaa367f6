// SPDX-License-Identifier: Apache-2.0
#include "daemon/parcels/parcels.hpp"

#include <algorithm>

#include "daemon/security/secret_key.hpp"

namespace locker::parcels {

std::vector<store::parcel_record> live_parcels(store::store& db) {
  std::vector<store::parcel_record> out;
  for (auto state : live_states) {
    auto some = db.parcels().all(state);
    out.insert(out.end(), some.begin(), some.end());
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

std::optional<store::parcel_record> live_parcel_with_tracking(store::store& db,
                                                              std::string_view tracking_number) {
  // Through the store's index on live tracking numbers: no work that grows with the history.
  return db.parcels().live_with_tracking_number(tracking_number);
}

announce_result announce(store::transaction& tx, store::store& db, const announcement& a,
                         std::span<const std::string> sizes, store::wall_time now) {
  if (std::find(sizes.begin(), sizes.end(), a.size) == sizes.end())
    return {announce_answer::unknown_size, {}};

  if (const auto existing = db.reservations().find(a.reservation_id)) {
    const bool same_code =
        existing->pickup_code_hash.has_value() == a.pickup_code_hash.has_value() &&
        (!a.pickup_code_hash ||
         security::same_hash(*existing->pickup_code_hash, *a.pickup_code_hash));
    bool same = existing->tracking_number == a.tracking_number && existing->size == a.size &&
                existing->pickup_window_h == a.pickup_window_h && same_code &&
                existing->accessible == a.accessible &&
                existing->extended_time == a.extended_time &&
                db.recipients().of_reservation(a.reservation_id) == a.recipient;
    // Drop-off flow: a drawn code is new each time, so only a given one is compared.
    const auto extras = db.outbound().of_reservation(a.reservation_id);
    const bool same_dropoff_code =
        a.dropoff_code_drawn ||
        (extras.dropoff_code_hash.has_value() == a.dropoff_code_hash.has_value() &&
         (!a.dropoff_code_hash ||
          security::same_hash(*extras.dropoff_code_hash, *a.dropoff_code_hash)));
    same = same && extras.kind == a.kind && extras.carrier == a.carrier && same_dropoff_code;
    if (!same) return {announce_answer::reservation_differs, {}};
    if (existing->state == store::reservation_state::cancelled)
      return {announce_answer::reservation_cancelled, {}};
    return {announce_answer::same_again, {}};
  }
  if (const auto p = live_parcel_with_tracking(db, a.tracking_number))
    return {announce_answer::already_in_locker, p->compartment_id};
  if (const auto other = db.reservations().find_announced(a.tracking_number))
    return {announce_answer::already_announced, other->reservation_id};
  // One code opens one compartment: a code that already opens something, or will (another
  // announced reservation's, a stored parcel's), is refused.
  if (a.pickup_code_hash &&
      code_in_use(db, *a.pickup_code_hash, a.pickup_code_as_dropoff.value_or(""), a.recipient))
    return {announce_answer::code_in_use, {}};
  if (a.dropoff_code_hash &&
      code_in_use(db, a.dropoff_code_as_pickup.value_or(""), *a.dropoff_code_hash))
    return {announce_answer::code_in_use, {}};

  store::reservation_record rec;
  rec.reservation_id = a.reservation_id;
  rec.tracking_number = a.tracking_number;
  rec.size = a.size;
  rec.pickup_code_hash = a.pickup_code_hash;
  rec.pickup_window_h = a.pickup_window_h;
  rec.accessible = a.accessible;
  rec.extended_time = a.extended_time;
  rec.state = store::reservation_state::announced;
  rec.created_at = now;
  db.reservations().create(tx, rec);
  if (a.kind != store::kind_delivery || a.carrier)
    db.outbound().set_reservation(tx, a.reservation_id, {a.kind, a.dropoff_code_hash, a.carrier});
  if (a.recipient) db.recipients().set(tx, rec.reservation_id, *a.recipient);  // multi
  return {announce_answer::announced, {}};
}

bool code_in_use(store::store& db, std::string_view as_pickup, std::string_view as_dropoff,
                 const std::optional<std::string>& recipient) {
  // Both lookups always run: how long this takes says nothing about which one matched. A
  // pickup code may be shared by announcements of one recipient key (multi).
  const bool pickup =
      !as_pickup.empty() && db.recipients().pickup_code_in_use(as_pickup, recipient);
  const bool dropoff = !as_dropoff.empty() && db.outbound().dropoff_code_in_use(as_dropoff);
  return pickup || dropoff;
}

cancel_result cancel(store::transaction& tx, store::store& db, std::string_view reservation_id,
                     const locker_activity& activity, store::wall_time now) {
  const auto rec = db.reservations().find(reservation_id);
  if (!rec) return {cancel_answer::not_found, std::nullopt};
  switch (rec->state) {
    case store::reservation_state::cancelled:
      return {cancel_answer::cancelled, std::nullopt};
    case store::reservation_state::announced:
      // A courier is putting it in right now: cancelled here, it would be stored all the same
      // when the door closes. Asked again once the door is shut, it is a stored parcel.
      if (activity.deposit_under_way) {
        if (const auto where = activity.deposit_under_way(reservation_id)) {
          store::parcel_record at;
          at.compartment_id = *where;
          return {cancel_answer::deposit_under_way, at};
        }
      }
      db.reservations().set_state(tx, reservation_id, store::reservation_state::cancelled);
      db.holds().end(tx, reservation_id);  // flow "hold": its held compartment is free again
      return {cancel_answer::cancelled, std::nullopt};
    case store::reservation_state::deposited:
      break;
  }
  auto parcel = db.parcels().live_for_reservation(reservation_id);
  if (!parcel || !is_live(parcel->state)) return {cancel_answer::already_left, std::nullopt};
  if (parcel->state == store::parcel_state::cancelled)
    return {cancel_answer::removal_pending, std::move(parcel)};
  // A pickup under way would collect it the moment the door closes.
  if (activity.in_use && activity.in_use(parcel->compartment_id))
    return {cancel_answer::compartment_in_use, std::move(parcel)};
  // Its code stops working (only stored parcels can be collected) and couriers see it
  // among the removals.
  db.parcels().mark(tx, parcel->id, store::parcel_state::cancelled, now);
  return {cancel_answer::removal_pending, std::move(parcel), true};
}

courier_answer upsert_courier(store::transaction& tx, store::store& db, std::string_view courier_id,
                              const std::optional<std::string>& name, std::string_view pin_hash,
                              bool enabled, store::wall_time now) {
  std::string kept = name.value_or("");
  if (!name) {
    if (auto existing = db.couriers().find(courier_id)) kept = existing->name;
  }
  try {
    db.couriers().upsert(tx, courier_id, kept, pin_hash, enabled, now);
  } catch (const store::store_error& e) {
    if (!e.is_constraint()) throw;
    // The unique index on pin_hash refused it. SQLite undid the one statement; the
    // transaction goes on with the refusal.
    return courier_answer::pin_in_use;
  }
  return courier_answer::done;
}

courier_answer set_courier_enabled(store::transaction& tx, store::store& db,
                                   std::string_view courier_id, bool enabled,
                                   store::wall_time now) {
  if (!enabled)
    return db.couriers().disable(tx, courier_id, now) ? courier_answer::done
                                                      : courier_answer::not_found;
  const auto c = db.couriers().find(courier_id);
  if (!c) return courier_answer::not_found;
  db.couriers().upsert(tx, courier_id, c->name, c->pin_hash, true, now);
  return courier_answer::done;
}

courier_answer remove_courier(store::transaction& tx, store::store& db,
                              std::string_view courier_id) {
  return db.couriers().remove(tx, courier_id) ? courier_answer::done : courier_answer::not_found;
}

}  // namespace locker::parcels
