// SPDX-License-Identifier: Apache-2.0
#include "daemon/store/hold_repository.hpp"

#include "daemon/store/columns.hpp"

namespace locker::store {

namespace {

constexpr std::string_view hold_columns =
    "SELECT reservation_id, compartment_id, held_until, created_at FROM compartment_holds ";

hold_record read_hold(const statement& s) {
  return {s.column_text(0), s.column_text(1), time_column(s, 2), time_column(s, 3)};
}

}  // namespace

void hold_repository::create(transaction& tx, const hold_record& h) {
  check_same_db(db_, tx);
  db_.prepare(
         "INSERT INTO compartment_holds (reservation_id, compartment_id, held_until, created_at) "
         "VALUES (?1, ?2, ?3, ?4)")
      .bind(1, h.reservation_id)
      .bind(2, h.compartment_id)
      .bind(3, protocol::format_timestamp(h.until))
      .bind(4, protocol::format_timestamp(h.created_at))
      .run();
}

std::optional<hold_record> hold_repository::for_reservation(std::string_view reservation_id) {
  statement s = db_.prepare(sql(hold_columns, "WHERE reservation_id = ?1"));
  s.bind(1, reservation_id);
  return read_one<hold_record>(s, read_hold);
}

std::optional<hold_record> hold_repository::on_compartment(std::string_view compartment_id) {
  statement s = db_.prepare(sql(hold_columns, "WHERE compartment_id = ?1"));
  s.bind(1, compartment_id);
  return read_one<hold_record>(s, read_hold);
}

std::vector<hold_record> hold_repository::all() {
  statement s = db_.prepare(sql(hold_columns, "ORDER BY held_until, reservation_id"));
  return read_all<hold_record>(s, read_hold);
}

std::vector<std::string> hold_repository::held_compartments() {
  statement s = db_.prepare("SELECT compartment_id FROM compartment_holds");
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.column_text(0));
  return out;
}

std::vector<hold_record> hold_repository::due(wall_time now) {
  // The timestamps are all written by format_timestamp (UTC, milliseconds): text order is
  // time order.
  statement s = db_.prepare(sql(hold_columns, "WHERE held_until <= ?1 ORDER BY held_until"));
  s.bind(1, protocol::format_timestamp(now));
  return read_all<hold_record>(s, read_hold);
}

std::optional<wall_time> hold_repository::next_deadline() {
  statement s = db_.prepare("SELECT MIN(held_until) FROM compartment_holds");
  if (!s.step()) return std::nullopt;
  return optional_time_column(s, 0);
}

bool hold_repository::move(transaction& tx, std::string_view reservation_id,
                           std::string_view compartment_id) {
  check_same_db(db_, tx);
  db_.prepare("UPDATE compartment_holds SET compartment_id = ?2 WHERE reservation_id = ?1")
      .bind(1, reservation_id)
      .bind(2, compartment_id)
      .run();
  return db_.changes() > 0;
}

bool hold_repository::end(transaction& tx, std::string_view reservation_id) {
  check_same_db(db_, tx);
  db_.prepare("DELETE FROM compartment_holds WHERE reservation_id = ?1")
      .bind(1, reservation_id)
      .run();
  return db_.changes() > 0;
}

}  // namespace locker::store
