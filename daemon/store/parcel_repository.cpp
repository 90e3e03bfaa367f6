// SPDX-License-Identifier: Apache-2.0
#include "daemon/store/parcel_repository.hpp"

#include <utility>

#include "daemon/security/secret_key.hpp"
#include "daemon/store/columns.hpp"

namespace locker::store {

namespace {

constexpr std::string_view parcel_columns =
    "SELECT id, tracking_number, compartment_id, reservation_id, courier_id, state, "
    "pickup_code_hash, pickup_code_plain, stored_at, expires_at, failed_attempts, closed_at "
    "FROM parcels ";

parcel_record read_parcel(const statement& s) {
  return {
      s.column_int64(0),  s.column_text(1),
      s.column_text(2),   s.column_optional_text(3),
      s.column_text(4),   from_name<parcel_state>(names::parcel, "parcel state", s.column_text(5)),
      s.column_text(6),   s.column_optional_text(7),
      time_column(s, 8),  time_column(s, 9),
      s.column_int64(10), optional_time_column(s, 11)};
}

}  // namespace

const std::map<std::int64_t, live_parcel>& parcel_repository::live_view() {
  if (view_) return *view_;
  statement s = db_.prepare(
      "SELECT id, tracking_number, compartment_id, reservation_id, state, kind, stored_at, "
      "expires_at, pickup_code_hash FROM parcels WHERE state IN ('stored', 'expired', "
      "'cancelled')");
  std::map<std::int64_t, live_parcel> view;
  while (s.step()) {
    live_parcel p{s.column_int64(0),
                  s.column_text(1),
                  s.column_text(2),
                  s.column_optional_text(3),
                  from_name<parcel_state>(names::parcel, "parcel state", s.column_text(4)),
                  s.column_text(5),
                  time_column(s, 6),
                  time_column(s, 7),
                  s.column_text(8)};
    view.emplace(p.id, std::move(p));
  }
  view_ = std::move(view);
  // Read inside a transaction, it may show rows that are rolled back: read again then.
  db_.on_rollback([this] { view_.reset(); });
  return *view_;
}

void parcel_repository::change_view(std::int64_t id, std::optional<live_parcel> now) {
  if (!view_) return;  // read as it is when first asked for
  auto& view = *view_;
  std::optional<live_parcel> before;
  if (const auto it = view.find(id); it != view.end()) before = it->second;
  if (now)
    view.insert_or_assign(id, std::move(*now));
  else
    view.erase(id);
  db_.on_rollback([this, id, before = std::move(before)] {
    if (!view_) return;
    if (before)
      view_->insert_or_assign(id, *before);
    else
      view_->erase(id);
  });
}

void parcel_repository::kind_changed(std::int64_t id, std::string_view kind) {
  if (!view_) return;
  const auto it = view_->find(id);
  if (it == view_->end()) return;
  auto p = it->second;
  p.kind = kind;
  change_view(id, std::move(p));
}

std::int64_t parcel_repository::store(transaction& tx, const new_parcel& p) {
  check_same_db(db_, tx);
  db_.prepare(
         "INSERT INTO parcels (tracking_number, compartment_id, reservation_id, courier_id, "
         "state, pickup_code_hash, pickup_code_plain, stored_at, expires_at) "
         "VALUES (?1, ?2, ?3, ?4, 'stored', ?5, ?6, ?7, ?8)")
      .bind(1, p.tracking_number)
      .bind(2, p.compartment_id)
      .bind(3, p.reservation_id)
      .bind(4, p.courier_id)
      .bind(5, p.pickup_code_hash)
      .bind(6, p.pickup_code_plain)
      .bind(7, protocol::format_timestamp(p.stored_at))
      .bind(8, protocol::format_timestamp(p.expires_at))
      .run();
  const auto id = db_.last_insert_rowid();
  // As the table keeps it: times to the stored precision, the column's default kind.
  change_view(id, live_parcel{id, p.tracking_number, p.compartment_id, p.reservation_id,
                              parcel_state::stored, std::string("delivery"),
                              *protocol::parse_timestamp(protocol::format_timestamp(p.stored_at)),
                              *protocol::parse_timestamp(protocol::format_timestamp(p.expires_at)),
                              p.pickup_code_hash});
  return id;
}

std::optional<parcel_record> parcel_repository::find(std::int64_t id) {
  statement s = db_.prepare(sql(parcel_columns, "WHERE id = ?1"));
  s.bind(1, id);
  return read_one<parcel_record>(s, read_parcel);
}

std::vector<parcel_record> parcel_repository::find_stored_by_code_hash(
    std::string_view pickup_code_hash) {
  // Every stored parcel's hash, compared in memory: there are at most as many stored parcels
  // as compartments. Read from the table through SQLite, the same scan cost 70-200 us at the
  // keypad after an idle moment (cold caches), this one a few (locker_bench, issue 14).
  std::vector<std::int64_t> ids;
  for (const auto& [id, p] : live_view()) {
    // Compared for every stored parcel, match or not: the time does not depend on the hashes.
    if (security::same_hash(p.pickup_code_hash, pickup_code_hash) &&
        p.state == parcel_state::stored)
      ids.push_back(id);
  }
  std::vector<parcel_record> out;
  for (const auto id : ids) {  // by id: the view is a map
    if (auto p = find(id)) out.push_back(std::move(*p));
  }
  return out;
}

std::vector<std::string> parcel_repository::live_code_hashes() {
  statement s = db_.prepare(
      "SELECT pickup_code_hash FROM parcels INDEXED BY parcels_stored_codes "
      "WHERE state = 'stored' "
      "UNION ALL SELECT pickup_code_hash FROM reservations "
      "WHERE state = 'announced' AND pickup_code_hash IS NOT NULL");
  // (Drop-off codes are hashed for another purpose: outbound_repository::dropoff_code_in_use.)
  std::vector<std::string> out;
  while (s.step()) {
    // A parcel stored without a usable code has an empty hash: it matches no typed code.
    if (auto h = s.column_text(0); !h.empty()) out.push_back(std::move(h));
  }
  return out;
}

bool parcel_repository::pickup_code_in_use(std::string_view pickup_code_hash) {
  return !security::matching_hashes(live_code_hashes(), pickup_code_hash).empty();
}

std::optional<parcel_record> parcel_repository::live_in(std::string_view compartment_id) {
  statement s = db_.prepare(sql(
      parcel_columns, "WHERE compartment_id = ?1 AND state IN ('stored', 'expired', 'cancelled')"));
  s.bind(1, compartment_id);
  return read_one<parcel_record>(s, read_parcel);
}

std::optional<parcel_record> parcel_repository::live_with_tracking_number(
    std::string_view tracking_number) {
  // parcels_by_tracking_number: only the rows of this number (a handful), whatever the history.
  statement s = db_.prepare(sql(parcel_columns,
                                "WHERE tracking_number = ?1 AND state IN ('stored', 'expired', "
                                "'cancelled') ORDER BY CASE state WHEN 'stored' THEN 0 "
                                "WHEN 'expired' THEN 1 ELSE 2 END, id LIMIT 1"));
  s.bind(1, tracking_number);
  return read_one<parcel_record>(s, read_parcel);
}

std::vector<std::string> parcel_repository::live_compartments() {
  statement s = db_.prepare(
      "SELECT compartment_id FROM parcels WHERE state IN ('stored', 'expired', 'cancelled') "
      "ORDER BY compartment_id");
  return read_all<std::string>(s, [](const statement& r) { return r.column_text(0); });
}

std::optional<wall_time> parcel_repository::next_expiry() {
  // Outbound parcels (drop-offs, returns) are stored but never expire: parcels_expiring
  // leaves them out. min() over the partial index is its first entry; INDEXED BY keeps it so (a
  // plan that read every stored parcel would still be right, but the point is that it is not).
  statement s = db_.prepare(
      "SELECT min(expires_at) FROM parcels INDEXED BY parcels_expiring "
      "WHERE state = 'stored' AND kind = 'delivery'");
  if (!s.step()) return std::nullopt;
  return optional_time_column(s, 0);
}

std::optional<parcel_record> parcel_repository::live_for_reservation(
    std::string_view reservation_id) {
  statement s = db_.prepare(sql(
      parcel_columns, "WHERE reservation_id = ?1 AND state IN ('stored', 'expired', 'cancelled')"));
  s.bind(1, reservation_id);
  return read_one<parcel_record>(s, read_parcel);
}

bool parcel_repository::mark(transaction& tx, std::int64_t id, parcel_state st, wall_time at) {
  check_same_db(db_, tx);
  const bool closes = st == parcel_state::collected || st == parcel_state::removed;
  db_.prepare("UPDATE parcels SET state = ?2, closed_at = ?3 WHERE id = ?1")
      .bind(1, id)
      .bind(2, to_string(st))
      .bind(3, closes ? std::optional<std::string>(protocol::format_timestamp(at)) : std::nullopt)
      .run();
  const bool changed = db_.changes() > 0;
  if (changed && view_) {
    const bool live =
        st == parcel_state::stored || st == parcel_state::expired || st == parcel_state::cancelled;
    const auto it = view_->find(id);
    if (!live) {
      if (it != view_->end()) change_view(id, std::nullopt);
    } else if (it != view_->end()) {
      auto p = it->second;
      p.state = st;
      change_view(id, std::move(p));
    } else {
      // Back among the live ones (nothing does this today): as the table has it.
      view_.reset();
    }
  }
  return changed;
}

void parcel_repository::count_failed_attempt(transaction& tx) {
  check_same_db(db_, tx);
  db_.prepare("UPDATE parcels SET failed_attempts = failed_attempts + 1 WHERE state = 'stored'")
      .run();
}

std::vector<parcel_record> parcel_repository::due_to_expire(wall_time now) {
  statement s = db_.prepare(sql(parcel_columns,
                                "INDEXED BY parcels_expiring WHERE state = 'stored' AND "
                                "kind = 'delivery' AND expires_at <= ?1 ORDER BY expires_at, id"));
  s.bind(1, protocol::format_timestamp(now));
  return read_all<parcel_record>(s, read_parcel);
}

std::vector<parcel_record> parcel_repository::all(std::optional<parcel_state> only) {
  // Two statements, not one with "?1 IS NULL OR state = ?1": SQLite plans that once for both
  // cases, as a scan of the whole table, so asking for the few stored parcels read them all.
  if (!only) {
    statement s = db_.prepare(sql(parcel_columns, "ORDER BY id"));
    return read_all<parcel_record>(s, read_parcel);
  }
  statement s = db_.prepare(sql(parcel_columns, "WHERE state = ?1 ORDER BY id"));
  s.bind(1, to_string(*only));
  return read_all<parcel_record>(s, read_parcel);
}

std::int64_t parcel_repository::prune_ended(wall_time closed_before, std::int64_t limit) {
  // parcels_by_state (state, closed_at) finds them without reading the others; the journal's
  // index on code_of_parcel answers both the NOT EXISTS and the foreign key's own check.
  return in_transaction(db_, [&](transaction&) {
    db_.prepare(
           "DELETE FROM parcels WHERE id IN (SELECT id FROM parcels AS p "
           "WHERE state IN ('collected', 'removed') AND closed_at < ?1 "
           "AND NOT EXISTS (SELECT 1 FROM journal WHERE code_of_parcel = p.id) LIMIT ?2)")
        .bind(1, protocol::format_timestamp(closed_before))
        .bind(2, limit)
        .run();
    return std::int64_t{db_.changes()};
  });
}

}  // namespace locker::store
