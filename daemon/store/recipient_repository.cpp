// SPDX-License-Identifier: Apache-2.0
#include "daemon/store/recipient_repository.hpp"

#include "daemon/security/secret_key.hpp"
#include "daemon/store/columns.hpp"

namespace locker::store {

void recipient_repository::set(transaction& tx, std::string_view reservation_id,
                               std::string_view recipient) {
  check_same_db(db_, tx);
  db_.prepare("INSERT INTO reservation_recipients (reservation_id, recipient) VALUES (?1, ?2)")
      .bind(1, reservation_id)
      .bind(2, recipient)
      .run();
}

std::optional<std::string> recipient_repository::of_reservation(std::string_view reservation_id) {
  statement s =
      db_.prepare("SELECT recipient FROM reservation_recipients WHERE reservation_id = ?1");
  s.bind(1, reservation_id);
  if (!s.step()) return std::nullopt;
  return s.column_text(0);
}

std::optional<std::string> recipient_repository::of_parcel(const parcel_record& p) {
  if (!p.reservation_id) return std::nullopt;
  return of_reservation(*p.reservation_id);
}

bool recipient_repository::pickup_code_in_use(std::string_view pickup_code_hash,
                                              const std::optional<std::string>& recipient) {
  statement s = db_.prepare(
      "SELECT p.pickup_code_hash, k.recipient FROM parcels AS p INDEXED BY parcels_stored_codes "
      "LEFT JOIN reservation_recipients AS k ON k.reservation_id = p.reservation_id "
      "WHERE p.state = 'stored' "
      "UNION ALL SELECT r.pickup_code_hash, k.recipient FROM reservations AS r "
      "LEFT JOIN reservation_recipients AS k ON k.reservation_id = r.reservation_id "
      "WHERE r.state = 'announced' AND r.pickup_code_hash IS NOT NULL");
  // Every row is compared in constant time, with no early exit: how long this takes says
  // nothing about which code matched.
  bool in_use = false;
  while (s.step()) {
    const auto hash = s.column_text_view(0);
    if (hash.empty()) continue;  // a parcel stored without a usable code matches nothing
    const bool same_code = security::same_hash(hash, pickup_code_hash);
    const auto holder = s.column_optional_text(1);
    // Without a key of its own, no holder is the same recipient: any match is in use.
    const bool same_recipient = recipient && !recipient->empty() && holder && *holder == *recipient;
    in_use = in_use || (same_code && !same_recipient);
  }
  return in_use;
}

}  // namespace locker::store
