// SPDX-License-Identifier: Apache-2.0
#include "daemon/store/reservation_repository.hpp"

#include "daemon/store/columns.hpp"

namespace locker::store {

namespace {

constexpr std::string_view reservation_columns =
    "SELECT reservation_id, tracking_number, size, pickup_code_hash, pickup_window_h, state, "
    "created_at, accessible, extended_time FROM reservations ";

reservation_record read_reservation(const statement& s) {
  return {s.column_text(0),
          s.column_text(1),
          s.column_text(2),
          s.column_optional_text(3),
          s.column_optional_int64(4),
          from_name<reservation_state>(names::reservation, "reservation state", s.column_text(5)),
          time_column(s, 6),
          s.column_int64(7) != 0,
          s.column_int64(8) != 0};
}

}  // namespace

void reservation_repository::create(transaction& tx, const reservation_record& r) {
  check_same_db(db_, tx);
  db_.prepare(
         "INSERT INTO reservations (reservation_id, tracking_number, size, pickup_code_hash, "
         "pickup_window_h, state, created_at, accessible, extended_time) "
         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")
      .bind(1, r.reservation_id)
      .bind(2, r.tracking_number)
      .bind(3, r.size)
      .bind(4, r.pickup_code_hash)
      .bind(5, r.pickup_window_h)
      .bind(6, to_string(r.state))
      .bind(7, protocol::format_timestamp(r.created_at))
      .bind(8, static_cast<std::int64_t>(r.accessible ? 1 : 0))
      .bind(9, static_cast<std::int64_t>(r.extended_time ? 1 : 0))
      .run();
}

std::optional<reservation_record> reservation_repository::find(std::string_view reservation_id) {
  statement s = db_.prepare(sql(reservation_columns, "WHERE reservation_id = ?1"));
  s.bind(1, reservation_id);
  return read_one<reservation_record>(s, read_reservation);
}

std::optional<reservation_record> reservation_repository::find_announced(
    std::string_view tracking_number) {
  // INDEXED BY: SQLite would otherwise read every announced reservation through
  // reservations_by_state, where the tracking number finds the one or two rows at once.
  statement s = db_.prepare(sql(reservation_columns,
                                "INDEXED BY reservations_by_tracking_number "
                                "WHERE tracking_number = ?1 AND state = 'announced' "
                                "ORDER BY created_at DESC LIMIT 1"));
  s.bind(1, tracking_number);
  return read_one<reservation_record>(s, read_reservation);
}

std::vector<reservation_record> reservation_repository::all(std::optional<reservation_state> only) {
  // Two statements, not one with "?1 IS NULL OR state = ?1": SQLite plans that once for
  // both cases, as a scan of the whole table (see parcel_repository::all()).
  if (!only) {
    statement s = db_.prepare(sql(reservation_columns, "ORDER BY created_at, reservation_id"));
    return read_all<reservation_record>(s, read_reservation);
  }
  statement s =
      db_.prepare(sql(reservation_columns, "WHERE state = ?1 ORDER BY created_at, reservation_id"));
  s.bind(1, to_string(*only));
  return read_all<reservation_record>(s, read_reservation);
}

bool reservation_repository::set_state(transaction& tx, std::string_view reservation_id,
                                       reservation_state st) {
  check_same_db(db_, tx);
  db_.prepare("UPDATE reservations SET state = ?2 WHERE reservation_id = ?1")
      .bind(1, reservation_id)
      .bind(2, to_string(st))
      .run();
  return db_.changes() > 0;
}

// Flow "hold" (issue 13): through reservations_by_state, which holds only the few announced
// ones among the history; created_at is written by format_timestamp, so text order is time
// order.
std::vector<reservation_record> reservation_repository::announced_created_by(wall_time created_by) {
  statement s = db_.prepare(sql(reservation_columns,
                                "WHERE state = 'announced' AND created_at <= ?1 "
                                "ORDER BY created_at, reservation_id"));
  s.bind(1, protocol::format_timestamp(created_by));
  return read_all<reservation_record>(s, read_reservation);
}

std::optional<wall_time> reservation_repository::oldest_announced() {
  statement s = db_.prepare("SELECT min(created_at) FROM reservations WHERE state = 'announced'");
  if (!s.step()) return std::nullopt;
  return optional_time_column(s, 0);
}

std::int64_t reservation_repository::prune_ended(wall_time created_before, std::int64_t limit) {
  // reservations_by_state (state, created_at) finds them without reading the newer ones;
  // parcels_by_reservation and the holds' key answer the NOT EXISTS (and the foreign keys' own
  // checks); reservation_recipients goes with its reservation (ON DELETE CASCADE).
  return in_transaction(db_, [&](transaction&) {
    db_.prepare(
           "DELETE FROM reservations WHERE reservation_id IN (SELECT reservation_id FROM "
           "reservations AS r WHERE state IN ('deposited', 'cancelled') AND created_at < ?1 "
           "AND NOT EXISTS (SELECT 1 FROM parcels WHERE reservation_id = r.reservation_id) "
           "AND NOT EXISTS (SELECT 1 FROM compartment_holds WHERE reservation_id = "
           "r.reservation_id) LIMIT ?2)")
        .bind(1, protocol::format_timestamp(created_before))
        .bind(2, limit)
        .run();
    return std::int64_t{db_.changes()};
  });
}

}  // namespace locker::store
