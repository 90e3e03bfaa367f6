// SPDX-License-Identifier: Apache-2.0
#include "daemon/store/lockout_repository.hpp"

namespace locker::store {

std::optional<saved_budget> lockout_repository::load(std::string_view budget) {
  auto s = db_.prepare(
      "SELECT failed, level, locked_left_ms, quiet_ms, boot_id, as_of_ms FROM access_budgets "
      "WHERE budget = ?1");
  s.bind(1, budget);
  if (!s.step()) return std::nullopt;
  saved_budget b;
  b.remains.failed = s.column_int64(0);
  b.remains.level = s.column_int64(1);
  b.remains.locked_left = std::chrono::milliseconds(s.column_int64(2));
  b.remains.quiet = std::chrono::milliseconds(s.column_int64(3));
  b.boot_id = s.column_text(4);
  b.as_of = std::chrono::milliseconds(s.column_int64(5));
  s.reset();
  return b;
}

void lockout_repository::save(transaction&, std::string_view budget, const saved_budget& b) {
  db_.prepare(
         "INSERT INTO access_budgets (budget, failed, level, locked_left_ms, quiet_ms, boot_id, "
         "as_of_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (budget) DO UPDATE SET "
         "failed = ?2, level = ?3, locked_left_ms = ?4, quiet_ms = ?5, boot_id = ?6, "
         "as_of_ms = ?7")
      .bind(1, budget)
      .bind(2, b.remains.failed)
      .bind(3, b.remains.level)
      .bind(4, static_cast<std::int64_t>(b.remains.locked_left.count()))
      .bind(5, static_cast<std::int64_t>(b.remains.quiet.count()))
      .bind(6, std::string_view(b.boot_id))
      .bind(7, static_cast<std::int64_t>(b.as_of.count()))
      .run();
}

bool lockout_repository::clear(transaction&, std::string_view budget) {
  auto s = db_.prepare("DELETE FROM access_budgets WHERE budget = ?1");
  s.bind(1, budget);
  s.run();
  return db_.changes() > 0;
}

}  // namespace locker::store
