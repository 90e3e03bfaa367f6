// SPDX-License-Identifier: Apache-2.0
#include "daemon/store/stored_settings.hpp"

#include "daemon/store/columns.hpp"

namespace locker::store {

std::optional<std::string> stored_settings::get(std::string_view key) {
  statement s = db_.prepare("SELECT value FROM settings WHERE key = ?1");
  s.bind(1, key);
  return read_one<std::string>(s, [](const statement& r) { return r.column_text(0); });
}

void stored_settings::set(transaction& tx, std::string_view key, std::string_view value) {
  check_same_db(db_, tx);
  db_.prepare("INSERT OR REPLACE INTO settings (key, value) VALUES (?1, ?2)")
      .bind(1, key)
      .bind(2, value)
      .run();
}

void stored_settings::set(std::string_view key, std::string_view value) {
  in_transaction(db_, [&](transaction& tx) { set(tx, key, value); });
}

}  // namespace locker::store
