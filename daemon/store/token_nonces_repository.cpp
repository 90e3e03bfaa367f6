// SPDX-License-Identifier: Apache-2.0
#include "daemon/store/token_nonces_repository.hpp"

#include "protocol/timestamp.hpp"

namespace locker::store {

bool token_nonces_repository::used(std::string_view nonce_hex) {
  auto s = db_.prepare("SELECT 1 FROM token_nonces WHERE nonce = ?1");
  s.bind(1, nonce_hex);
  const bool found = s.step();
  s.reset();
  return found;
}

void token_nonces_repository::add(transaction&, std::string_view nonce_hex, std::string_view key_id,
                                  std::int64_t not_after, drivers::wall_time used_at) {
  db_.prepare(
         "INSERT INTO token_nonces (nonce, key_id, not_after, used_at) VALUES (?1, ?2, ?3, ?4)")
      .bind(1, nonce_hex)
      .bind(2, key_id)
      .bind(3, not_after)
      .bind(4, protocol::format_timestamp(used_at))
      .run();
}

std::int64_t token_nonces_repository::prune(transaction&, std::int64_t before) {
  auto s = db_.prepare("DELETE FROM token_nonces WHERE not_after < ?1");
  s.bind(1, before);
  s.run();
  return db_.changes();
}

std::int64_t token_nonces_repository::count() {
  auto s = db_.prepare("SELECT COUNT(*) FROM token_nonces");
  s.step();
  const auto n = s.column_int64(0);
  s.reset();
  return n;
}

}  // namespace locker::store
