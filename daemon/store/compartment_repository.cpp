// SPDX-License-Identifier: Apache-2.0
#include "daemon/store/compartment_repository.hpp"

#include <cstdint>

#include "daemon/store/columns.hpp"

namespace locker::store {

namespace {

constexpr std::string_view compartment_columns =
    "SELECT id, size, service, service_reason, door, cause, open_pending, out_of_service, alarms, "
    "operation, updated_at FROM compartments ";

compartment_record read_compartment(const statement& s) {
  return {s.column_text(0),
          s.column_text(1),
          from_name<service_state>(names::service, "service state", s.column_text(2)),
          s.column_text(3),
          from_name<door_state>(names::door, "door state", s.column_text(4)),
          s.column_text(5),
          s.column_int64(6) != 0,
          s.column_int64(7) != 0,
          s.column_text(8),
          s.column_text(9),
          time_column(s, 10)};
}

}  // namespace

std::vector<compartment_record> compartment_repository::all() {
  statement s = db_.prepare(sql(compartment_columns, "ORDER BY id"));
  return read_all<compartment_record>(s, read_compartment);
}

std::optional<compartment_record> compartment_repository::find(std::string_view id) {
  statement s = db_.prepare(sql(compartment_columns, "WHERE id = ?1"));
  s.bind(1, id);
  return read_one<compartment_record>(s, read_compartment);
}

void compartment_repository::upsert(transaction& tx, std::string_view id, std::string_view size,
                                    wall_time now) {
  check_same_db(db_, tx);
  db_.prepare(
         "INSERT INTO compartments (id, size, updated_at) VALUES (?1, ?2, ?3) "
         "ON CONFLICT (id) DO UPDATE SET size = excluded.size, updated_at = excluded.updated_at "
         "WHERE size != excluded.size")
      .bind(1, id)
      .bind(2, size)
      .bind(3, protocol::format_timestamp(now))
      .run();
}

void compartment_repository::upsert(std::string_view id, std::string_view size, wall_time now) {
  in_transaction(db_, [&](transaction& tx) { upsert(tx, id, size, now); });
}

bool compartment_repository::set_service(transaction& tx, std::string_view id, service_state s,
                                         std::string_view reason, wall_time now) {
  check_same_db(db_, tx);
  db_.prepare(
         "UPDATE compartments SET service = ?2, service_reason = ?3, updated_at = ?4 WHERE id = ?1")
      .bind(1, id)
      .bind(2, to_string(s))
      .bind(3, reason)
      .bind(4, protocol::format_timestamp(now))
      .run();
  return db_.changes() > 0;
}

bool compartment_repository::set_service(std::string_view id, service_state s,
                                         std::string_view reason, wall_time now) {
  return in_transaction(db_, [&](transaction& tx) { return set_service(tx, id, s, reason, now); });
}

bool compartment_repository::set_door(transaction& tx, std::string_view id, door_state d,
                                      wall_time now) {
  check_same_db(db_, tx);
  db_.prepare("UPDATE compartments SET door = ?2, updated_at = ?3 WHERE id = ?1")
      .bind(1, id)
      .bind(2, to_string(d))
      .bind(3, protocol::format_timestamp(now))
      .run();
  return db_.changes() > 0;
}

bool compartment_repository::save(transaction& tx, const compartment_record& c, wall_time now) {
  check_same_db(db_, tx);
  db_.prepare(
         "UPDATE compartments SET service = ?2, service_reason = ?3, door = ?4, cause = ?5, "
         "open_pending = ?6, out_of_service = ?7, alarms = ?8, operation = ?10, updated_at = ?9 "
         "WHERE id = ?1")
      .bind(1, c.id)
      .bind(2, to_string(c.service))
      .bind(3, c.service_reason)
      .bind(4, to_string(c.door))
      .bind(5, c.cause)
      .bind(6, std::int64_t{c.open_pending ? 1 : 0})
      .bind(7, std::int64_t{c.out_of_service ? 1 : 0})
      .bind(8, c.alarms)
      .bind(9, protocol::format_timestamp(now))
      .bind(10, c.operation)
      .run();
  return db_.changes() > 0;
}

}  // namespace locker::store
