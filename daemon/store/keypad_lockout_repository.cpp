// SPDX-License-Identifier: Apache-2.0
#include "daemon/store/keypad_lockout_repository.hpp"

#include <string>

#include "daemon/store/columns.hpp"

namespace locker::store {

lockout_state keypad_lockout_repository::state() {
  statement s = db_.prepare(
      "SELECT failed_attempts, lockout_count, locked_until FROM keypad_lockout WHERE id = 1");
  if (!s.step()) corrupt("keypad_lockout table", "(no row)");
  return {s.column_int64(0), s.column_int64(1), optional_time_column(s, 2)};
}

void keypad_lockout_repository::set(transaction& tx, const lockout_state& st) {
  check_same_db(db_, tx);
  db_.prepare(
         "UPDATE keypad_lockout SET failed_attempts = ?1, lockout_count = ?2, locked_until = ?3 "
         "WHERE id = 1")
      .bind(1, st.failed_attempts)
      .bind(2, st.lockout_count)
      .bind(3, st.locked_until
                   ? std::optional<std::string>(protocol::format_timestamp(*st.locked_until))
                   : std::nullopt)
      .run();
}

void keypad_lockout_repository::set(const lockout_state& st) {
  in_transaction(db_, [&](transaction& tx) { set(tx, st); });
}

}  // namespace locker::store
