// SPDX-License-Identifier: Apache-2.0
// The locker's business rules for parcels and couriers, in one place: what a live parcel is,
// announcing a parcel (reservation_create), cancelling one, and the couriers who may log in.
// The MQTT command handler and lockeradm both call these, so a rule checked for one is
// checked for the other; each maps the answers to its own words once (protocol error codes,
// the tool's messages).
//
// Every function works inside the caller's transaction, so the change commits together with
// the caller's audit entry (and, over MQTT, the saved reply). A refusal is an answer and
// changes nothing. A database failure is not an answer: store::store_error propagates, and
// the caller reports it as the failure it is (and rolls the transaction back).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/store/store.hpp"

namespace locker::parcels {

// A live parcel is still in its compartment: waiting for its recipient (stored), or for a
// courier to take it out (expired, cancelled).
inline constexpr std::array live_states{store::parcel_state::stored, store::parcel_state::expired,
                                        store::parcel_state::cancelled};

[[nodiscard]] constexpr bool is_live(store::parcel_state s) {
  return s == store::parcel_state::stored || s == store::parcel_state::expired ||
         s == store::parcel_state::cancelled;
}

// Every live parcel, by id.
[[nodiscard]] std::vector<store::parcel_record> live_parcels(store::store& db);

// The live parcel with this tracking number, if one is in the locker.
[[nodiscard]] std::optional<store::parcel_record> live_parcel_with_tracking(
    store::store& db, std::string_view tracking_number);

// --- announcing (reservation_create) -------------------------------------------------------

struct announcement {
  std::string reservation_id;
  std::string tracking_number;
  std::string size;
  // security::pickup_code_hash() of the code the tracking system chose; none: the locker
  // generates one at deposit.
  std::optional<std::string> pickup_code_hash;
  std::optional<std::int64_t> pickup_window_h;  // none: the locker's policy
  // Accessibility (issue 13).
  bool accessible = false;
  bool extended_time = false;
  // Drop-off flow (issue 13): a parcel the public brings ("dropoff", "return"), opened at the
  // keypad by its drop-off code (security::dropoff_code_hash; the caller draws one when the
  // tracking system gave none, and says so in dropoff_code_drawn), and its carrier.
  std::string kind{store::kind_delivery};
  std::optional<std::string> dropoff_code_hash{};
  bool dropoff_code_drawn = false;
  std::optional<std::string> carrier{};
  // The same digits under the other purpose, so that one typed code opens one thing: the
  // pickup code as a drop-off code, the drop-off code as a pickup code.
  std::optional<std::string> pickup_code_as_dropoff{};
  std::optional<std::string> dropoff_code_as_pickup{};
  // Several parcels, one code (multi): the tracking system's recipient key; announcements
  // with the same key may share their pickup code. none: no key (the code is this parcel's).
  std::optional<std::string> recipient;
};

// Whether a typed code with these two hashes (security::pickup_code_hash and
// security::dropoff_code_hash of the same digits) would open something now or later: a
// stored parcel, an announced reservation's pickup or drop-off code. With a recipient key, a
// pickup code every live holder of which has that key is not in use (several parcels, one
// code: store::recipient_repository::pickup_code_in_use).
[[nodiscard]] bool code_in_use(store::store& db, std::string_view as_pickup,
                               std::string_view as_dropoff,
                               const std::optional<std::string>& recipient = std::nullopt);

enum class announce_answer {
  announced,              // written
  same_again,             // the same announcement was made before: nothing to do
  unknown_size,           // size is not one of the board's
  reservation_differs,    // reservation_id exists with other content
  reservation_cancelled,  // reservation_id exists and was cancelled
  already_in_locker,      // a live parcel has this tracking number (`other`: its compartment)
  already_announced,      // another reservation announces it (`other`: its reservation_id)
  code_in_use,            // the pickup code opens something else now or will
};

struct announce_result {
  announce_answer answer = announce_answer::announced;
  std::string other;  // see announce_answer
};

// Checks, in this order, and writes the reservation (state announced) only if all pass:
// the size is one of `sizes`; a reservation_id on file must be the same announcement (and
// not cancelled); no live parcel and no other announced reservation has the tracking number;
// the pickup code is not in use (store::recipient_repository::pickup_code_in_use: a code whose
// every live holder has the announcement's non-empty recipient key may be shared). The reply to a
// refusal names no code. A reservation_id written by someone else between these checks and the
// insert is a store_error with is_constraint().
[[nodiscard]] announce_result announce(store::transaction& tx, store::store& db,
                                       const announcement& a, std::span<const std::string> sizes,
                                       store::wall_time now);

// --- cancelling (reservation_cancel) -------------------------------------------------------

// What the running locker knows and the database does not: doors being worked at.
struct locker_activity {
  // The compartment a courier is depositing this reservation's parcel into, if any.
  std::function<std::optional<std::string>(std::string_view reservation_id)> deposit_under_way;
  // Whether someone is at this compartment (a pickup or another opening).
  std::function<bool(std::string_view compartment)> in_use;
};

enum class cancel_answer {
  cancelled,           // the announcement is off (also: it was already)
  removal_pending,     // the parcel is in the locker and now waits for a courier
  not_found,           // no such reservation
  deposit_under_way,   // a courier is putting it in now (`parcel.compartment_id` says where)
  compartment_in_use,  // the parcel's compartment is being opened
  already_left,        // the parcel was collected or removed
};

struct cancel_result {
  cancel_answer answer = cancel_answer::cancelled;
  // The parcel concerned, when there is one (removal_pending, compartment_in_use), or just
  // its compartment_id (deposit_under_way).
  std::optional<store::parcel_record> parcel;
  bool parcel_cancelled = false;  // this call turned a stored parcel into a cancelled one
};

[[nodiscard]] cancel_result cancel(store::transaction& tx, store::store& db,
                                   std::string_view reservation_id, const locker_activity& activity,
                                   store::wall_time now);

// --- couriers -------------------------------------------------------------------------------

enum class courier_answer {
  done,
  not_found,   // no such courier
  pin_in_use,  // another courier has this PIN
};

// Adds or changes a courier. name: none keeps the one on file ("" for a new courier).
// pin_hash is security::courier_pin_hash() of the PIN; two couriers never share one.
[[nodiscard]] courier_answer upsert_courier(store::transaction& tx, store::store& db,
                                            std::string_view courier_id,
                                            const std::optional<std::string>& name,
                                            std::string_view pin_hash, bool enabled,
                                            store::wall_time now);

// May this courier log in; not_found if there is none.
[[nodiscard]] courier_answer set_courier_enabled(store::transaction& tx, store::store& db,
                                                 std::string_view courier_id, bool enabled,
                                                 store::wall_time now);

[[nodiscard]] courier_answer remove_courier(store::transaction& tx, store::store& db,
                                            std::string_view courier_id);

}  // namespace locker::parcels
