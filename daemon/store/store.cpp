// SPDX-License-Identifier: Apache-2.0
#include "daemon/store/store.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <utility>

#include <sqlite3.h>

#include "daemon/security/random.hpp"
#include "daemon/security/secret_key.hpp"
#include "daemon/store/schema.hpp"

namespace locker::store {

namespace {

constexpr std::array<std::string_view, 3> service_names{"in_service", "out_of_service", "faulty"};
constexpr std::array<std::string_view, 2> door_names{"closed", "open"};
constexpr std::array<std::string_view, 3> reservation_names{"announced", "deposited", "cancelled"};
constexpr std::array<std::string_view, 5> parcel_names{"stored", "expired", "cancelled",
                                                       "collected", "removed"};
constexpr std::array<std::string_view, 3> topic_names{"parcel", "door", "alarm"};
constexpr std::array<std::string_view, 6> update_state_names{
    "downloading", "verifying", "installing", "rebooting", "done", "failed"};

// Text in the database that this build does not know means the file was damaged or edited
// by hand: an error, never a silent default.
[[noreturn]] void corrupt(std::string_view what, std::string_view value) {
  throw store_error(SQLITE_CORRUPT, "database holds an invalid " + std::string(what) + ": \"" +
                                        std::string(value) + "\"");
}

template <class E, std::size_t N>
E from_name(const std::array<std::string_view, N>& names, std::string_view what,
            const std::string& value) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == value) return static_cast<E>(i);
  }
  corrupt(what, value);
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

std::int64_t to_int64(std::uint64_t v) { return static_cast<std::int64_t>(v); }

// Runs `query`, whose rows are (key, hash), and returns the keys (read by read_key) of the rows
// whose hash is `hash`. Compared in code, in constant time over every row (design.md:
// comparisons are constant-time), not matched by SQL, whose timing would depend on the stored
// hashes. Each row's hash is compared where SQLite holds it, without a copy: a person at the
// keypad waits for this scan.
template <class ReadKey>
auto keys_with_hash(database& db, std::string_view query, std::string_view hash, ReadKey read_key) {
  std::vector<decltype(read_key(std::declval<const statement&>()))> out;
  statement s = db.prepare(query);
  while (s.step()) {
    if (security::same_hash(s.column_text_view(1), hash)) out.push_back(read_key(s));
  }
  return out;
}

constexpr std::string_view compartment_columns =
    "SELECT id, size, service, service_reason, door, cause, open_pending, out_of_service, alarms, "
    "operation, updated_at FROM compartments ";

compartment_record read_compartment(const statement& s) {
  return {s.column_text(0),
          s.column_text(1),
          from_name<service_state>(service_names, "service state", s.column_text(2)),
          s.column_text(3),
          from_name<door_state>(door_names, "door state", s.column_text(4)),
          s.column_text(5),
          s.column_int64(6) != 0,
          s.column_int64(7) != 0,
          s.column_text(8),
          s.column_text(9),
          time_column(s, 10)};
}

constexpr std::string_view courier_columns =
    "SELECT courier_id, name, pin_hash, enabled, updated_at FROM couriers ";

courier_record read_courier(const statement& s) {
  return {s.column_text(0), s.column_text(1), s.column_text(2), s.column_int64(3) != 0,
          time_column(s, 4)};
}

constexpr std::string_view reservation_columns =
    "SELECT reservation_id, tracking_number, size, pickup_code_hash, pickup_window_h, state, "
    "created_at FROM reservations ";

reservation_record read_reservation(const statement& s) {
  return {s.column_text(0),
          s.column_text(1),
          s.column_text(2),
          s.column_optional_text(3),
          s.column_optional_int64(4),
          from_name<reservation_state>(reservation_names, "reservation state", s.column_text(5)),
          time_column(s, 6)};
}

constexpr std::string_view parcel_columns =
    "SELECT id, tracking_number, compartment_id, reservation_id, courier_id, state, "
    "pickup_code_hash, pickup_code_plain, stored_at, expires_at, failed_attempts, closed_at "
    "FROM parcels ";

parcel_record read_parcel(const statement& s) {
  return {
      s.column_int64(0),  s.column_text(1),
      s.column_text(2),   s.column_optional_text(3),
      s.column_text(4),   from_name<parcel_state>(parcel_names, "parcel state", s.column_text(5)),
      s.column_text(6),   s.column_optional_text(7),
      time_column(s, 8),  time_column(s, 9),
      s.column_int64(10), optional_time_column(s, 11)};
}

constexpr std::string_view update_job_columns =
    "SELECT job_id, req_id, url, sha256, state, from_version, expected_version, message, "
    "reported, created_at, updated_at FROM update_jobs ";

update_job_record read_update_job(const statement& s) {
  return {s.column_text(0),
          s.column_text(1),
          s.column_text(2),
          s.column_text(3),
          from_name<update_state>(update_state_names, "update state", s.column_text(4)),
          s.column_text(5),
          s.column_optional_text(6),
          s.column_optional_text(7),
          s.column_int64(8) != 0,
          time_column(s, 9),
          time_column(s, 10)};
}

template <class T, class Read>
std::vector<T> read_all(statement& s, Read read) {
  std::vector<T> out;
  while (s.step()) out.push_back(read(s));
  return out;
}

template <class T, class Read>
std::optional<T> read_one(statement& s, Read read) {
  if (!s.step()) return std::nullopt;
  return read(s);
}

std::string sql(std::string_view a, std::string_view b) {
  std::string out(a);
  out += b;
  return out;
}

}  // namespace

std::string_view to_string(service_state s) { return service_names[static_cast<std::size_t>(s)]; }
std::string_view to_string(door_state s) { return door_names[static_cast<std::size_t>(s)]; }
std::string_view to_string(reservation_state s) {
  return reservation_names[static_cast<std::size_t>(s)];
}
std::string_view to_string(parcel_state s) { return parcel_names[static_cast<std::size_t>(s)]; }
std::string_view to_string(journal_topic t) { return topic_names[static_cast<std::size_t>(t)]; }
std::string_view to_string(update_state s) {
  return update_state_names[static_cast<std::size_t>(s)];
}

store::store(const std::filesystem::path& path) : db_(path) {
  migrate(db_);
  // A crash between an erasure's commit and its checkpoint left old frames in the WAL.
  erased_codes_ = true;
  checkpoint_erased_codes();
}

void store::check_same_db(const transaction& tx) const {
  if (&tx.db() != &db_) throw std::logic_error("transaction belongs to another database");
}

template <class F>
auto store::in_transaction(F&& f) {
  transaction tx(db_);
  if constexpr (std::is_void_v<decltype(f(tx))>) {
    f(tx);
    tx.commit();
  } else {
    auto result = f(tx);
    tx.commit();
    return result;
  }
}

// --- compartments -----------------------------------------------------------------

std::vector<compartment_record> store::compartments() {
  statement s = db_.prepare(sql(compartment_columns, "ORDER BY id"));
  return read_all<compartment_record>(s, read_compartment);
}

std::optional<compartment_record> store::compartment(std::string_view id) {
  statement s = db_.prepare(sql(compartment_columns, "WHERE id = ?1"));
  s.bind(1, id);
  return read_one<compartment_record>(s, read_compartment);
}

void store::upsert_compartment(transaction& tx, std::string_view id, std::string_view size,
                               wall_time now) {
  check_same_db(tx);
  db_.prepare(
         "INSERT INTO compartments (id, size, updated_at) VALUES (?1, ?2, ?3) "
         "ON CONFLICT (id) DO UPDATE SET size = excluded.size, updated_at = excluded.updated_at "
         "WHERE size != excluded.size")
      .bind(1, id)
      .bind(2, size)
      .bind(3, protocol::format_timestamp(now))
      .run();
}

void store::upsert_compartment(std::string_view id, std::string_view size, wall_time now) {
  in_transaction([&](transaction& tx) { upsert_compartment(tx, id, size, now); });
}

bool store::set_service(transaction& tx, std::string_view id, service_state s,
                        std::string_view reason, wall_time now) {
  check_same_db(tx);
  db_.prepare(
         "UPDATE compartments SET service = ?2, service_reason = ?3, updated_at = ?4 WHERE id = ?1")
      .bind(1, id)
      .bind(2, to_string(s))
      .bind(3, reason)
      .bind(4, protocol::format_timestamp(now))
      .run();
  return db_.changes() > 0;
}

bool store::set_service(std::string_view id, service_state s, std::string_view reason,
                        wall_time now) {
  return in_transaction([&](transaction& tx) { return set_service(tx, id, s, reason, now); });
}

bool store::set_door(transaction& tx, std::string_view id, door_state d, wall_time now) {
  check_same_db(tx);
  db_.prepare("UPDATE compartments SET door = ?2, updated_at = ?3 WHERE id = ?1")
      .bind(1, id)
      .bind(2, to_string(d))
      .bind(3, protocol::format_timestamp(now))
      .run();
  return db_.changes() > 0;
}

bool store::save_compartment(transaction& tx, const compartment_record& c, wall_time now) {
  check_same_db(tx);
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

// --- couriers ---------------------------------------------------------------------

void store::upsert_courier(transaction& tx, std::string_view courier_id, std::string_view name,
                           std::string_view pin_hash, bool enabled, wall_time now) {
  check_same_db(tx);
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

void store::upsert_courier(std::string_view courier_id, std::string_view name,
                           std::string_view pin_hash, bool enabled, wall_time now) {
  in_transaction(
      [&](transaction& tx) { upsert_courier(tx, courier_id, name, pin_hash, enabled, now); });
}

bool store::disable_courier(transaction& tx, std::string_view courier_id, wall_time now) {
  check_same_db(tx);
  db_.prepare("UPDATE couriers SET enabled = 0, updated_at = ?2 WHERE courier_id = ?1")
      .bind(1, courier_id)
      .bind(2, protocol::format_timestamp(now))
      .run();
  return db_.changes() > 0;
}

bool store::remove_courier(transaction& tx, std::string_view courier_id) {
  check_same_db(tx);
  db_.prepare("DELETE FROM couriers WHERE courier_id = ?1").bind(1, courier_id).run();
  return db_.changes() > 0;
}

bool store::remove_courier(std::string_view courier_id) {
  return in_transaction([&](transaction& tx) { return remove_courier(tx, courier_id); });
}

std::optional<courier_record> store::courier(std::string_view courier_id) {
  statement s = db_.prepare(sql(courier_columns, "WHERE courier_id = ?1"));
  s.bind(1, courier_id);
  return read_one<courier_record>(s, read_courier);
}

std::optional<courier_record> store::find_courier_by_pin_hash(std::string_view pin_hash) {
  const auto ids = keys_with_hash(db_, "SELECT courier_id, pin_hash FROM couriers", pin_hash,
                                  [](const statement& s) { return s.column_text(0); });
  // The unique index on pin_hash allows one at most.
  if (ids.empty()) return std::nullopt;
  return courier(ids.front());
}

std::vector<courier_record> store::couriers() {
  statement s = db_.prepare(sql(courier_columns, "ORDER BY courier_id"));
  return read_all<courier_record>(s, read_courier);
}

// --- reservations -----------------------------------------------------------------

void store::create_reservation(transaction& tx, const reservation_record& r) {
  check_same_db(tx);
  db_.prepare(
         "INSERT INTO reservations (reservation_id, tracking_number, size, pickup_code_hash, "
         "pickup_window_h, state, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
      .bind(1, r.reservation_id)
      .bind(2, r.tracking_number)
      .bind(3, r.size)
      .bind(4, r.pickup_code_hash)
      .bind(5, r.pickup_window_h)
      .bind(6, to_string(r.state))
      .bind(7, protocol::format_timestamp(r.created_at))
      .run();
}

std::optional<reservation_record> store::reservation(std::string_view reservation_id) {
  statement s = db_.prepare(sql(reservation_columns, "WHERE reservation_id = ?1"));
  s.bind(1, reservation_id);
  return read_one<reservation_record>(s, read_reservation);
}

std::optional<reservation_record> store::find_announced_reservation(
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

std::vector<reservation_record> store::reservations(std::optional<reservation_state> only) {
  // Two statements, not one with "?1 IS NULL OR state = ?1": SQLite plans that once for
  // both cases, as a scan of the whole table (see parcels()).
  if (!only) {
    statement s = db_.prepare(sql(reservation_columns, "ORDER BY created_at, reservation_id"));
    return read_all<reservation_record>(s, read_reservation);
  }
  statement s =
      db_.prepare(sql(reservation_columns, "WHERE state = ?1 ORDER BY created_at, reservation_id"));
  s.bind(1, to_string(*only));
  return read_all<reservation_record>(s, read_reservation);
}

bool store::set_reservation_state(transaction& tx, std::string_view reservation_id,
                                  reservation_state st) {
  check_same_db(tx);
  db_.prepare("UPDATE reservations SET state = ?2 WHERE reservation_id = ?1")
      .bind(1, reservation_id)
      .bind(2, to_string(st))
      .run();
  return db_.changes() > 0;
}

// --- parcels ----------------------------------------------------------------------

std::int64_t store::store_parcel(transaction& tx, const new_parcel& p) {
  check_same_db(tx);
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
  return db_.last_insert_rowid();
}

std::optional<parcel_record> store::parcel(std::int64_t id) {
  statement s = db_.prepare(sql(parcel_columns, "WHERE id = ?1"));
  s.bind(1, id);
  return read_one<parcel_record>(s, read_parcel);
}

std::vector<parcel_record> store::find_stored_parcels_by_code_hash(
    std::string_view pickup_code_hash) {
  // Every stored parcel's hash: there are at most as many stored parcels as compartments, and
  // the partial index parcels_stored_codes covers this query (INDEXED BY: a schema change that
  // loses it fails here, loudly, instead of reading the table), so the scan stays cheap.
  std::vector<parcel_record> out;
  for (const auto id :
       keys_with_hash(db_,
                      "SELECT id, pickup_code_hash FROM parcels INDEXED BY parcels_stored_codes "
                      "WHERE state = 'stored'",
                      pickup_code_hash, [](const statement& s) { return s.column_int64(0); })) {
    if (auto p = parcel(id)) out.push_back(std::move(*p));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

std::vector<std::string> store::live_code_hashes() {
  statement s = db_.prepare(
      "SELECT pickup_code_hash FROM parcels INDEXED BY parcels_stored_codes "
      "WHERE state = 'stored' "
      "UNION ALL SELECT pickup_code_hash FROM reservations "
      "WHERE state = 'announced' AND pickup_code_hash IS NOT NULL");
  std::vector<std::string> out;
  while (s.step()) {
    // A parcel stored without a usable code has an empty hash: it matches no typed code.
    if (auto h = s.column_text(0); !h.empty()) out.push_back(std::move(h));
  }
  return out;
}

bool store::pickup_code_in_use(std::string_view pickup_code_hash) {
  return !security::matching_hashes(live_code_hashes(), pickup_code_hash).empty();
}

std::optional<parcel_record> store::live_parcel_in(std::string_view compartment_id) {
  statement s = db_.prepare(sql(
      parcel_columns, "WHERE compartment_id = ?1 AND state IN ('stored', 'expired', 'cancelled')"));
  s.bind(1, compartment_id);
  return read_one<parcel_record>(s, read_parcel);
}

std::optional<parcel_record> store::live_parcel_with_tracking_number(
    std::string_view tracking_number) {
  // parcels_by_tracking_number: only the rows of this number (a handful), whatever the history.
  statement s = db_.prepare(sql(parcel_columns,
                                "WHERE tracking_number = ?1 AND state IN ('stored', 'expired', "
                                "'cancelled') ORDER BY CASE state WHEN 'stored' THEN 0 "
                                "WHEN 'expired' THEN 1 ELSE 2 END, id LIMIT 1"));
  s.bind(1, tracking_number);
  return read_one<parcel_record>(s, read_parcel);
}

std::vector<std::string> store::live_parcel_compartments() {
  statement s = db_.prepare(
      "SELECT compartment_id FROM parcels WHERE state IN ('stored', 'expired', 'cancelled') "
      "ORDER BY compartment_id");
  return read_all<std::string>(s, [](const statement& r) { return r.column_text(0); });
}

std::optional<wall_time> store::next_expiry() {
  // min() over the partial index is its first entry; INDEXED BY keeps it so (a plan that read
  // every stored parcel would still be right, but the point is that it is not).
  statement s = db_.prepare(
      "SELECT min(expires_at) FROM parcels INDEXED BY parcels_stored_by_expiry "
      "WHERE state = 'stored'");
  if (!s.step()) return std::nullopt;
  return optional_time_column(s, 0);
}

std::optional<parcel_record> store::live_parcel_for_reservation(std::string_view reservation_id) {
  statement s = db_.prepare(sql(
      parcel_columns, "WHERE reservation_id = ?1 AND state IN ('stored', 'expired', 'cancelled')"));
  s.bind(1, reservation_id);
  return read_one<parcel_record>(s, read_parcel);
}

bool store::mark_parcel(transaction& tx, std::int64_t id, parcel_state st, wall_time at) {
  check_same_db(tx);
  const bool closes = st == parcel_state::collected || st == parcel_state::removed;
  db_.prepare("UPDATE parcels SET state = ?2, closed_at = ?3 WHERE id = ?1")
      .bind(1, id)
      .bind(2, to_string(st))
      .bind(3, closes ? std::optional<std::string>(protocol::format_timestamp(at)) : std::nullopt)
      .run();
  return db_.changes() > 0;
}

void store::count_failed_attempt(transaction& tx) {
  check_same_db(tx);
  db_.prepare("UPDATE parcels SET failed_attempts = failed_attempts + 1 WHERE state = 'stored'")
      .run();
}

std::vector<parcel_record> store::parcels_due_to_expire(wall_time now) {
  statement s = db_.prepare(sql(parcel_columns,
                                "INDEXED BY parcels_stored_by_expiry WHERE state = 'stored' AND "
                                "expires_at <= ?1 ORDER BY expires_at, id"));
  s.bind(1, protocol::format_timestamp(now));
  return read_all<parcel_record>(s, read_parcel);
}

std::vector<parcel_record> store::parcels(std::optional<parcel_state> only) {
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

std::int64_t store::prune_ended_parcels(wall_time closed_before, std::int64_t limit) {
  // parcels_by_state (state, closed_at) finds them without reading the others; the journal's
  // index on code_of_parcel answers both the NOT EXISTS and the foreign key's own check.
  return in_transaction([&](transaction&) {
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

// --- keypad lockout ---------------------------------------------------------------

lockout_state store::lockout() {
  statement s = db_.prepare(
      "SELECT failed_attempts, lockout_count, locked_until FROM keypad_lockout WHERE id = 1");
  if (!s.step()) corrupt("keypad_lockout table", "(no row)");
  return {s.column_int64(0), s.column_int64(1), optional_time_column(s, 2)};
}

void store::set_lockout(transaction& tx, const lockout_state& st) {
  check_same_db(tx);
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

void store::set_lockout(const lockout_state& st) {
  in_transaction([&](transaction& tx) { set_lockout(tx, st); });
}

// --- audit ------------------------------------------------------------------------

void store::audit(transaction& tx, wall_time ts, std::string_view actor, std::string_view action,
                  const nlohmann::json& detail) {
  check_same_db(tx);
  db_.prepare("INSERT INTO audit (ts, actor, action, detail) VALUES (?1, ?2, ?3, ?4)")
      .bind(1, protocol::format_timestamp(ts))
      .bind(2, actor)
      .bind(3, action)
      .bind(4, detail.dump())
      .run();
}

void store::audit(wall_time ts, std::string_view actor, std::string_view action,
                  const nlohmann::json& detail) {
  in_transaction([&](transaction& tx) { audit(tx, ts, actor, action, detail); });
}

std::vector<audit_entry> store::audit_log(std::int64_t limit) {
  statement s =
      db_.prepare("SELECT id, ts, actor, action, detail FROM audit ORDER BY id DESC LIMIT ?1");
  s.bind(1, limit);
  return read_all<audit_entry>(s, [](const statement& r) {
    return audit_entry{r.column_int64(0), time_column(r, 1), r.column_text(2), r.column_text(3),
                       r.column_text(4)};
  });
}

// --- command replies --------------------------------------------------------------

void store::save_command_reply(transaction& tx, std::string_view req_id, std::string_view command,
                               std::string_view reply_json, wall_time answered_at) {
  check_same_db(tx);
  db_.prepare(
         "INSERT OR REPLACE INTO command_replies (req_id, command, reply, answered_at) "
         "VALUES (?1, ?2, ?3, ?4)")
      .bind(1, req_id)
      .bind(2, command)
      .bind(3, reply_json)
      .bind(4, protocol::format_timestamp(answered_at))
      .run();
}

std::optional<command_reply> store::find_command_reply(std::string_view req_id) {
  statement s =
      db_.prepare("SELECT command, reply, answered_at FROM command_replies WHERE req_id = ?1");
  s.bind(1, req_id);
  return read_one<command_reply>(s, [](const statement& r) {
    return command_reply{r.column_text(0), r.column_text(1), time_column(r, 2)};
  });
}

std::int64_t store::prune_command_replies(wall_time older_than) {
  return in_transaction([&](transaction&) {
    db_.prepare("DELETE FROM command_replies WHERE answered_at < ?1")
        .bind(1, protocol::format_timestamp(older_than))
        .run();
    return std::int64_t{db_.changes()};
  });
}

// --- in-service requests ------------------------------------------------------------

namespace {
// Kept in the settings table: one row per compartment with a request waiting.
std::string in_service_request_key(std::string_view compartment_id) {
  return "in_service_request:" + std::string(compartment_id);
}
}  // namespace

void store::request_in_service(transaction& tx, std::string_view compartment_id,
                               std::string_view reason) {
  set_setting(tx, in_service_request_key(compartment_id), reason);
}

std::optional<std::string> store::in_service_request(std::string_view compartment_id) {
  return setting(in_service_request_key(compartment_id));
}

void store::drop_in_service_request(transaction& tx, std::string_view compartment_id) {
  check_same_db(tx);
  db_.prepare("DELETE FROM settings WHERE key = ?1")
      .bind(1, in_service_request_key(compartment_id))
      .run();
}

// --- settings ---------------------------------------------------------------------

std::optional<std::string> store::setting(std::string_view key) {
  statement s = db_.prepare("SELECT value FROM settings WHERE key = ?1");
  s.bind(1, key);
  return read_one<std::string>(s, [](const statement& r) { return r.column_text(0); });
}

void store::set_setting(transaction& tx, std::string_view key, std::string_view value) {
  check_same_db(tx);
  db_.prepare("INSERT OR REPLACE INTO settings (key, value) VALUES (?1, ?2)")
      .bind(1, key)
      .bind(2, value)
      .run();
}

void store::set_setting(std::string_view key, std::string_view value) {
  in_transaction([&](transaction& tx) { set_setting(tx, key, value); });
}

// --- software update jobs ---------------------------------------------------------

void store::create_update_job(transaction& tx, const update_job_record& j) {
  check_same_db(tx);
  db_.prepare(
         "INSERT INTO update_jobs (job_id, req_id, url, sha256, state, from_version, "
         "expected_version, message, reported, created_at, updated_at) "
         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)")
      .bind(1, j.job_id)
      .bind(2, j.req_id)
      .bind(3, j.url)
      .bind(4, j.sha256)
      .bind(5, to_string(j.state))
      .bind(6, j.from_version)
      .bind(7, j.expected_version)
      .bind(8, j.message)
      .bind(9, std::int64_t{j.reported ? 1 : 0})
      .bind(10, protocol::format_timestamp(j.created_at))
      .bind(11, protocol::format_timestamp(j.updated_at))
      .run();
}

void store::save_update_job(const update_job_record& j) {
  in_transaction([&](transaction&) {
    db_.prepare(
           "UPDATE update_jobs SET state = ?2, expected_version = ?3, message = ?4, "
           "reported = ?5, updated_at = ?6 WHERE job_id = ?1")
        .bind(1, j.job_id)
        .bind(2, to_string(j.state))
        .bind(3, j.expected_version)
        .bind(4, j.message)
        .bind(5, std::int64_t{j.reported ? 1 : 0})
        .bind(6, protocol::format_timestamp(j.updated_at))
        .run();
  });
}

std::optional<update_job_record> store::update_job(std::string_view job_id) {
  statement s = db_.prepare(sql(update_job_columns, "WHERE job_id = ?1"));
  s.bind(1, job_id);
  return read_one<update_job_record>(s, read_update_job);
}

std::optional<update_job_record> store::unfinished_update_job() {
  statement s =
      db_.prepare(sql(update_job_columns, "WHERE state NOT IN ('done', 'failed') LIMIT 1"));
  return read_one<update_job_record>(s, read_update_job);
}

std::vector<update_job_record> store::unreported_update_jobs() {
  statement s = db_.prepare(sql(update_job_columns,
                                "WHERE state IN ('done', 'failed') AND reported = 0 "
                                "ORDER BY updated_at, job_id"));
  return read_all<update_job_record>(s, read_update_job);
}

// --- journal ----------------------------------------------------------------------

event store::journal_append(transaction& tx, journal_topic topic, std::string_view type,
                            const nlohmann::json& fields, wall_time ts,
                            std::optional<std::int64_t> code_of_parcel) {
  check_same_db(tx);
  if (!fields.is_object()) throw std::invalid_argument("journal_append: fields must be an object");
  for (const char* reserved : {"event_id", "seq", "ts", "type", "queued"}) {
    if (fields.contains(reserved)) {
      throw std::invalid_argument(std::string("journal_append: fields must not set ") + reserved);
    }
  }
  event e;
  {
    statement next = db_.prepare(
        "UPDATE journal_counter SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq");
    if (!next.step()) corrupt("journal_counter table", "(no row)");
    e.seq = static_cast<std::uint64_t>(next.column_int64(0));
    next.run();  // finish the statement before the next one writes
  }
  e.event_id = security::uuid_v4();
  e.topic = topic;
  e.type = type;
  e.ts = protocol::format_timestamp(ts);
  nlohmann::json payload = fields;
  payload["event_id"] = e.event_id;
  payload["seq"] = e.seq;
  payload["ts"] = e.ts;
  payload["type"] = e.type;
  e.payload = payload.dump();
  db_.prepare(
         "INSERT INTO journal (seq, event_id, topic, type, ts, payload, code_of_parcel) "
         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
      .bind(1, to_int64(e.seq))
      .bind(2, e.event_id)
      .bind(3, to_string(topic))
      .bind(4, e.type)
      .bind(5, e.ts)
      .bind(6, e.payload)
      .bind(7, code_of_parcel)
      .run();
  return e;
}

std::vector<event> store::journal_pending(std::int64_t limit, std::uint64_t after_seq) {
  statement s = db_.prepare(
      "SELECT seq, event_id, topic, type, ts, payload FROM journal WHERE seq > ?1 "
      "ORDER BY seq LIMIT ?2");
  s.bind(1, to_int64(after_seq)).bind(2, limit);
  return read_all<event>(s, [](const statement& r) {
    return event{static_cast<std::uint64_t>(r.column_int64(0)),
                 r.column_text(1),
                 from_name<journal_topic>(topic_names, "journal topic", r.column_text(2)),
                 r.column_text(3),
                 r.column_text(4),
                 r.column_text(5)};
  });
}

namespace {

struct delivered {
  std::int64_t events = 0;
  std::int64_t codes_erased = 0;
};

// `where` selects the journal rows being delivered, with ?1 the seq.
delivered delete_delivered(database& db, std::string_view where, std::uint64_t seq) {
  // First the plain codes those events carried, then the events: both or neither, since
  // the caller's transaction spans the two.
  delivered out;
  db.prepare(sql("UPDATE parcels SET pickup_code_plain = NULL WHERE pickup_code_plain IS NOT NULL "
                 "AND id IN (SELECT code_of_parcel FROM journal ",
                 sql(where, " AND code_of_parcel IS NOT NULL)")))
      .bind(1, to_int64(seq))
      .run();
  out.codes_erased = db.changes();
  db.prepare(sql("DELETE FROM journal ", where)).bind(1, to_int64(seq)).run();
  out.events = db.changes();
  return out;
}

}  // namespace

std::int64_t store::journal_delete(transaction& tx, std::uint64_t seq) {
  check_same_db(tx);
  const auto d = delete_delivered(db_, "WHERE seq = ?1", seq);
  if (d.codes_erased > 0) erased_codes_ = true;
  return d.events;
}

std::int64_t store::journal_delete(std::uint64_t seq) {
  const auto n = in_transaction([&](transaction& tx) { return journal_delete(tx, seq); });
  checkpoint_erased_codes();
  return n;
}

std::int64_t store::journal_delete_upto(transaction& tx, std::uint64_t seq) {
  check_same_db(tx);
  const auto d = delete_delivered(db_, "WHERE seq <= ?1", seq);
  if (d.codes_erased > 0) erased_codes_ = true;
  return d.events;
}

std::int64_t store::journal_delete_upto(std::uint64_t seq) {
  const auto n = in_transaction([&](transaction& tx) { return journal_delete_upto(tx, seq); });
  checkpoint_erased_codes();
  return n;
}

bool store::checkpoint_erased_codes() {
  if (!erased_codes_) return true;
  // secure_delete zeroed the code in the new page images; the old ones are WAL frames (and,
  // until the checkpoint, the database file's copy of the page). A truncating checkpoint
  // writes the zeroed pages home and empties the WAL.
  if (!db_.checkpoint_truncate()) return false;  // tried again after the next delivery
  erased_codes_ = false;
  return true;
}

std::int64_t store::journal_backlog() {
  statement s = db_.prepare("SELECT count(*) FROM journal");
  s.step();
  return s.column_int64(0);
}

std::uint64_t store::journal_last_seq() {
  statement s = db_.prepare("SELECT last_seq FROM journal_counter WHERE id = 1");
  if (!s.step()) corrupt("journal_counter table", "(no row)");
  return static_cast<std::uint64_t>(s.column_int64(0));
}

}  // namespace locker::store
