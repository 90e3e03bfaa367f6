// SPDX-License-Identifier: Apache-2.0
#include "daemon/store/courier_badges_repository.hpp"

#include <stdexcept>

#include "daemon/security/secret_key.hpp"
#include "protocol/timestamp.hpp"

namespace locker::store {

void courier_badges_repository::check_same_db(const transaction& tx) const {
  if (&tx.db() != &db_) throw std::logic_error("transaction belongs to another database");
}

void courier_badges_repository::set(transaction& tx, std::string_view courier_id,
                                    std::string_view badge_hash, drivers::wall_time now) {
  check_same_db(tx);
  db_.prepare(
         "INSERT INTO courier_badges (courier_id, badge_hash, updated_at) VALUES (?1, ?2, ?3) "
         "ON CONFLICT (courier_id) DO UPDATE SET badge_hash = excluded.badge_hash, "
         "updated_at = excluded.updated_at")
      .bind(1, courier_id)
      .bind(2, badge_hash)
      .bind(3, protocol::format_timestamp(now))
      .run();
}

bool courier_badges_repository::clear(transaction& tx, std::string_view courier_id) {
  check_same_db(tx);
  db_.prepare("DELETE FROM courier_badges WHERE courier_id = ?1").bind(1, courier_id).run();
  return db_.changes() > 0;
}

std::optional<std::string> courier_badges_repository::find_courier(std::string_view badge_hash) {
  // Compared in code, in constant time over every row, as the PINs are (design.md), rather
  // than matched by SQL, whose timing would depend on the stored hashes.
  std::optional<std::string> found;
  statement s = db_.prepare("SELECT courier_id, badge_hash FROM courier_badges");
  while (s.step()) {
    if (security::same_hash(s.column_text_view(1), badge_hash)) found = s.column_text(0);
  }
  return found;  // the unique index allows one at most
}

bool courier_badges_repository::has_badge(std::string_view courier_id) {
  statement s = db_.prepare("SELECT 1 FROM courier_badges WHERE courier_id = ?1");
  s.bind(1, courier_id);
  return s.step();
}

}  // namespace locker::store
