// SPDX-License-Identifier: Apache-2.0
// Several parcels, one code (issue 13): the tracking system's recipient key of a reservation
// (reservation_create's `recipient`), and the rule it gives for sharing a pickup code. Reservations
// with the same non-empty key, and the parcels deposited for them, may share one code; a code
// opens several compartments only then. The key is opaque: compared, never shown or logged.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "daemon/store/database.hpp"
#include "daemon/store/parcel_repository.hpp"

namespace locker::store {

class recipient_repository {
 public:
  explicit recipient_repository(database& db) : db_(db) {}

  // Keeps the key of a reservation that was just created (store_error if there is none).
  void set(transaction& tx, std::string_view reservation_id, std::string_view recipient);
  // The key of this reservation; none when it was announced without one.
  [[nodiscard]] std::optional<std::string> of_reservation(std::string_view reservation_id);
  // The key of a parcel's reservation; none without a reservation or a key.
  [[nodiscard]] std::optional<std::string> of_parcel(const parcel_record& p);
  // As parcel_repository::pickup_code_in_use(), for a code announced for `recipient` (none:
  // no key): it may be shared only when every live holder of it (stored parcels, through their
  // reservation, and announced reservations) has the same non-empty key; true (in use)
  // otherwise. Reads the live codes with their keys: for reservation_create, not for a path a
  // person waits on.
  [[nodiscard]] bool pickup_code_in_use(std::string_view pickup_code_hash,
                                        const std::optional<std::string>& recipient);

 private:
  database& db_;
};

}  // namespace locker::store
