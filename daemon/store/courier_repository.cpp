// SPDX-License-Identifier: Apache-2.0
#include "daemon/store/courier_repository.hpp"

#include <cstdint>

#include "daemon/store/columns.hpp"

namespace locker::store {

namespace {

constexpr std::string_view courier_columns =
    "SELECT courier_id, name, pin_hash, enabled, updated_at FROM couriers ";

courier_record read_courier(const statement& s) {
  return {s.column_text(0), s.column_text(1), s.column_text(2), s.column_int64(3) != 0,
          time_column(s, 4)};
}

}  // namespace

void courier_repository::upsert(transaction& tx, std::string_view courier_id, std::string_view name,
                                std::string_view pin_hash, bool enabled, wall_time now) {
  check_same_db(db_, tx);
  db_.prepare(
         "INSERT INTO couriers (courier_id, name, pin_hash, enabled, updated_at) "
         "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (courier_id) DO UPDATE SET "
         "name = excluded.name, pin_hash = excluded.pin_hash, enabled = excluded.enabled, "
         "updated_at = excluded.updated_at")
      .bind(1, courier_id)
      .bind(2, name)
      .bind(3, pin_hash)
      .bind(4, std::int64_t{enabled ? 1 : 0})
      .bind(5, protocol::format_timestamp(now))
      .run();
}

void courier_repository::upsert(std::string_view courier_id, std::string_view name,
                                std::string_view pin_hash, bool enabled, wall_time now) {
  in_transaction(db_,
                 [&](transaction& tx) { upsert(tx, courier_id, name, pin_hash, enabled, now); });
}

bool courier_repository::disable(transaction& tx, std::string_view courier_id, wall_time now) {
  check_same_db(db_, tx);
  db_.prepare("UPDATE couriers SET enabled = 0, updated_at = ?2 WHERE courier_id = ?1")
      .bind(1, courier_id)
      .bind(2, protocol::format_timestamp(now))
      .run();
  return db_.changes() > 0;
}

bool courier_repository::remove(transaction& tx, std::string_view courier_id) {
  check_same_db(db_, tx);
  db_.prepare("DELETE FROM couriers WHERE courier_id = ?1").bind(1, courier_id).run();
  return db_.changes() > 0;
}

bool courier_repository::remove(std::string_view courier_id) {
  return in_transaction(db_, [&](transaction& tx) { return remove(tx, courier_id); });
}

std::optional<courier_record> courier_repository::find(std::string_view courier_id) {
  statement s = db_.prepare(sql(courier_columns, "WHERE courier_id = ?1"));
  s.bind(1, courier_id);
  return read_one<courier_record>(s, read_courier);
}

std::optional<courier_record> courier_repository::find_by_pin_hash(std::string_view pin_hash) {
  const auto ids = keys_with_hash(db_, "SELECT courier_id, pin_hash FROM couriers", pin_hash,
                                  [](const statement& s) { return s.column_text(0); });
  // The unique index on pin_hash allows one at most.
  if (ids.empty()) return std::nullopt;
  return find(ids.front());
}

std::vector<courier_record> courier_repository::all() {
  statement s = db_.prepare(sql(courier_columns, "ORDER BY courier_id"));
  return read_all<courier_record>(s, read_courier);
}

}  // namespace locker::store
