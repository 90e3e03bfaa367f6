// SPDX-License-Identifier: Apache-2.0
#include "daemon/store/columns.hpp"

#include <stdexcept>

#include <sqlite3.h>

namespace locker::store {

void corrupt(std::string_view what, std::string_view value) {
  throw store_error(SQLITE_CORRUPT, "database holds an invalid " + std::string(what) + ": \"" +
                                        std::string(value) + "\"");
}

wall_time time_column(const statement& s, int column) {
  std::string text = s.column_text(column);
  auto t = protocol::parse_timestamp(text);
  if (!t) corrupt("timestamp", text);
  return *t;
}

std::optional<wall_time> optional_time_column(const statement& s, int column) {
  if (s.is_null(column)) return std::nullopt;
  return time_column(s, column);
}

std::string sql(std::string_view a, std::string_view b) {
  std::string out(a);
  out += b;
  return out;
}

void check_same_db(const database& db, const transaction& tx) {
  if (&tx.db() != &db) throw std::logic_error("transaction belongs to another database");
}

}  // namespace locker::store
