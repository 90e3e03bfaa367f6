// SPDX-License-Identifier: Apache-2.0
// The drop-off flow's columns (migration 7); see outbound_repository.hpp.
#include "daemon/store/outbound_repository.hpp"

#include "daemon/store/columns.hpp"

namespace locker::store {

bool is_parcel_kind(std::string_view kind) {
  return kind == kind_delivery || is_outbound_kind(kind);
}

void outbound_repository::set_reservation(transaction& tx, std::string_view reservation_id,
                                          const reservation_extras& extras) {
  check_same_db(db_, tx);
  db_.prepare(
         "UPDATE reservations SET kind = ?2, dropoff_code_hash = ?3, carrier = ?4 "
         "WHERE reservation_id = ?1")
      .bind(1, reservation_id)
      .bind(2, extras.kind)
      .bind(3, extras.dropoff_code_hash)
      .bind(4, extras.carrier)
      .run();
}

reservation_extras outbound_repository::of_reservation(std::string_view reservation_id) {
  statement s = db_.prepare(
      "SELECT kind, dropoff_code_hash, carrier FROM reservations WHERE reservation_id = ?1");
  s.bind(1, reservation_id);
  reservation_extras out;
  if (!s.step()) return out;
  out.kind = s.column_text(0);
  if (!is_parcel_kind(out.kind)) corrupt("reservation kind", out.kind);
  out.dropoff_code_hash = s.column_optional_text(1);
  out.carrier = s.column_optional_text(2);
  return out;
}

std::vector<std::string> outbound_repository::announced_with_code(
    std::string_view dropoff_code_hash) {
  return keys_with_hash(db_,
                        "SELECT reservation_id, dropoff_code_hash FROM reservations "
                        "INDEXED BY reservations_announced_by_dropoff_code "
                        "WHERE state = 'announced' AND dropoff_code_hash IS NOT NULL",
                        dropoff_code_hash, [](const statement& s) { return s.column_text(0); });
}

bool outbound_repository::dropoff_code_in_use(std::string_view dropoff_code_hash) {
  return !announced_with_code(dropoff_code_hash).empty();
}

void outbound_repository::set_parcel_kind(transaction& tx, std::int64_t parcel_id,
                                          std::string_view kind) {
  check_same_db(db_, tx);
  db_.prepare("UPDATE parcels SET kind = ?2 WHERE id = ?1").bind(1, parcel_id).bind(2, kind).run();
  parcels_.kind_changed(parcel_id, kind);
}

std::string outbound_repository::parcel_kind(std::int64_t parcel_id) {
  statement s = db_.prepare("SELECT kind FROM parcels WHERE id = ?1");
  s.bind(1, parcel_id);
  if (!s.step()) return std::string{kind_delivery};
  auto kind = s.column_text(0);
  if (!is_parcel_kind(kind)) corrupt("parcel kind", kind);
  return kind;
}

std::optional<std::string> outbound_repository::parcel_carrier(std::int64_t parcel_id) {
  statement s = db_.prepare(
      "SELECT r.carrier FROM parcels AS p JOIN reservations AS r "
      "ON r.reservation_id = p.reservation_id WHERE p.id = ?1");
  s.bind(1, parcel_id);
  if (!s.step()) return std::nullopt;
  return s.column_optional_text(0);
}

std::vector<std::int64_t> outbound_repository::outbound_parcels() {
  statement s = db_.prepare(
      "SELECT id FROM parcels INDEXED BY parcels_outbound "
      "WHERE state = 'stored' AND kind <> 'delivery' ORDER BY id");
  return read_all<std::int64_t>(s, [](const statement& r) { return r.column_int64(0); });
}

bool outbound_repository::set_courier_carrier(transaction& tx, std::string_view courier_id,
                                              const std::optional<std::string>& carrier) {
  check_same_db(db_, tx);
  db_.prepare("UPDATE couriers SET carrier = ?2 WHERE courier_id = ?1")
      .bind(1, courier_id)
      .bind(2, carrier)
      .run();
  return db_.changes() > 0;
}

std::optional<std::string> outbound_repository::courier_carrier(std::string_view courier_id) {
  statement s = db_.prepare("SELECT carrier FROM couriers WHERE courier_id = ?1");
  s.bind(1, courier_id);
  if (!s.step()) return std::nullopt;
  return s.column_optional_text(0);
}

}  // namespace locker::store
