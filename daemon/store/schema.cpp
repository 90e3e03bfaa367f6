// SPDX-License-Identifier: Apache-2.0
#include "daemon/store/schema.hpp"

#include <array>
#include <string>

namespace locker::store {

namespace {

// Timestamps are RFC 3339 UTC text with milliseconds (timestamp.hpp): fixed width, so
// they compare correctly as text.
constexpr std::string_view migration_1 = R"sql(
CREATE TABLE compartments (
  id             TEXT PRIMARY KEY,
  size           TEXT NOT NULL,
  service        TEXT NOT NULL DEFAULT 'in_service'
                 CHECK (service IN ('in_service', 'out_of_service', 'faulty')),
  service_reason TEXT NOT NULL DEFAULT '',
  door           TEXT NOT NULL DEFAULT 'closed' CHECK (door IN ('closed', 'open')),
  -- The rest of the compartment state machine's saved state (compartment::saved_state).
  cause          TEXT NOT NULL DEFAULT 'none',
  open_pending   INTEGER NOT NULL DEFAULT 0,
  out_of_service INTEGER NOT NULL DEFAULT 0,
  alarms         TEXT NOT NULL DEFAULT '',
  -- The person's business with the open door (deposit, pickup, removal...), JSON; '' if none.
  -- Kept so that a door closing after a restart still completes what it was opened for.
  operation      TEXT NOT NULL DEFAULT '',
  updated_at     TEXT NOT NULL
);

CREATE TABLE couriers (
  courier_id TEXT PRIMARY KEY,
  name       TEXT NOT NULL DEFAULT '',
  pin_hash   TEXT NOT NULL,
  enabled    INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  updated_at TEXT NOT NULL
);
-- A PIN identifies the courier at the keypad, so two couriers cannot share one.
CREATE UNIQUE INDEX couriers_by_pin ON couriers (pin_hash);

-- A code chosen by the tracking system is kept only as a hash: the system already knows it.
CREATE TABLE reservations (
  reservation_id   TEXT PRIMARY KEY,
  tracking_number  TEXT NOT NULL,
  size             TEXT NOT NULL,
  pickup_code_hash TEXT,
  pickup_window_h  INTEGER,
  state            TEXT NOT NULL DEFAULT 'announced'
                   CHECK (state IN ('announced', 'deposited', 'cancelled')),
  created_at       TEXT NOT NULL
);
CREATE INDEX reservations_by_tracking_number ON reservations (tracking_number);

CREATE TABLE parcels (
  id                INTEGER PRIMARY KEY,
  tracking_number   TEXT NOT NULL,
  compartment_id    TEXT NOT NULL REFERENCES compartments (id),
  reservation_id    TEXT REFERENCES reservations (reservation_id),
  courier_id        TEXT NOT NULL,
  state             TEXT NOT NULL DEFAULT 'stored'
                    CHECK (state IN ('stored', 'expired', 'cancelled', 'collected', 'removed')),
  pickup_code_hash  TEXT NOT NULL,
  -- Only until the 'stored' event that carries it is acknowledged by the broker.
  pickup_code_plain TEXT,
  stored_at         TEXT NOT NULL,
  expires_at        TEXT NOT NULL,
  failed_attempts   INTEGER NOT NULL DEFAULT 0,
  closed_at         TEXT
);
-- A compartment holds at most one parcel that is still physically inside.
CREATE UNIQUE INDEX parcels_one_live_per_compartment ON parcels (compartment_id)
  WHERE state IN ('stored', 'expired', 'cancelled');
CREATE INDEX parcels_stored_by_code ON parcels (pickup_code_hash) WHERE state = 'stored';
CREATE INDEX parcels_stored_by_expiry ON parcels (expires_at) WHERE state = 'stored';
CREATE INDEX parcels_by_tracking_number ON parcels (tracking_number);
CREATE INDEX parcels_by_reservation ON parcels (reservation_id) WHERE reservation_id IS NOT NULL;

CREATE TABLE keypad_lockout (
  id              INTEGER PRIMARY KEY CHECK (id = 1),
  failed_attempts INTEGER NOT NULL DEFAULT 0,
  lockout_count   INTEGER NOT NULL DEFAULT 0,
  locked_until    TEXT
);
INSERT INTO keypad_lockout (id) VALUES (1);

-- The outbox: events wait here until the broker's PUBACK.
CREATE TABLE journal (
  seq        INTEGER PRIMARY KEY,
  event_id   TEXT NOT NULL UNIQUE,
  topic      TEXT NOT NULL CHECK (topic IN ('parcel', 'door', 'alarm')),
  type       TEXT NOT NULL,
  ts         TEXT NOT NULL,
  payload    TEXT NOT NULL,
  queued     INTEGER NOT NULL DEFAULT 0,
  -- The parcel whose plain pickup code this event carries: erased when the event is.
  code_of_parcel INTEGER REFERENCES parcels (id)
);

-- seq comes from here, not from the rowid, which SQLite reuses once the table is empty.
CREATE TABLE journal_counter (
  id       INTEGER PRIMARY KEY CHECK (id = 1),
  last_seq INTEGER NOT NULL
);
INSERT INTO journal_counter (id, last_seq) VALUES (1, 0);

CREATE TABLE audit (
  id     INTEGER PRIMARY KEY,
  ts     TEXT NOT NULL,
  actor  TEXT NOT NULL,
  action TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE command_replies (
  req_id      TEXT PRIMARY KEY,
  command     TEXT NOT NULL,
  reply       TEXT NOT NULL,
  answered_at TEXT NOT NULL
);
CREATE INDEX command_replies_by_age ON command_replies (answered_at);

CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql";

// Software update jobs (fw_update): one may be unfinished at a time. A job in state
// 'rebooting' waits for the next start to tell whether the expected version came up.
// reported: its final state (done or failed) has been published on …/job/<job_id>.
constexpr std::string_view migration_2 = R"sql(
CREATE TABLE update_jobs (
  job_id           TEXT PRIMARY KEY,
  req_id           TEXT NOT NULL,
  url              TEXT NOT NULL,
  sha256           TEXT NOT NULL,
  state            TEXT NOT NULL
                   CHECK (state IN ('downloading', 'verifying', 'installing', 'rebooting',
                                    'done', 'failed')),
  from_version     TEXT NOT NULL,
  expected_version TEXT,
  message          TEXT,
  reported         INTEGER NOT NULL DEFAULT 0 CHECK (reported IN (0, 1)),
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL
);
-- At most one job is unfinished: a second fw_update is refused while one runs.
CREATE UNIQUE INDEX update_jobs_one_unfinished ON update_jobs ((1))
  WHERE state NOT IN ('done', 'failed');
)sql";

// Every new pickup code is checked against the announced reservations' codes
// (store::parcel_repository::live_code_hashes): without this index that check reads every
// reservation ever made.
constexpr std::string_view migration_3 = R"sql(
CREATE INDEX reservations_announced_by_code ON reservations (pickup_code_hash)
  WHERE state = 'announced' AND pickup_code_hash IS NOT NULL;
)sql";

// Nothing a person waits for, and nothing at start, may read the parcel history (issue 14).
// - parcels_by_state: parcels(state) and the live-parcel lookups read only the rows in that
//   state; with closed_at, the retention finds ended parcels past their time without reading
//   the others.
// - reservations_by_state: reservations(state) reads only the announced ones, not every
//   reservation ever made.
// - parcels_stored_codes replaces parcels_stored_by_code: the code lookup reads each stored
//   parcel's (id, hash), and SQLite 3.40 takes a partial index as covering only if the columns
//   of its WHERE are among its own, so state is one. Without it the lookup used
//   parcels_stored_by_expiry and read every row from the table.
// - journal_by_code_of_parcel: deleting a parcel makes SQLite look for journal rows that still
//   name it (the foreign key); without this index, that is a scan of the journal per parcel.
constexpr std::string_view migration_4 = R"sql(
CREATE INDEX parcels_by_state ON parcels (state, closed_at);
CREATE INDEX reservations_by_state ON reservations (state);
DROP INDEX parcels_stored_by_code;
CREATE INDEX parcels_stored_codes ON parcels (state, pickup_code_hash) WHERE state = 'stored';
CREATE INDEX journal_by_code_of_parcel ON journal (code_of_parcel)
  WHERE code_of_parcel IS NOT NULL;
)sql";

// The keypad's attempt budgets (lockout_repository.hpp): one row per budget, what remains as of
// one steady-clock reading in one boot. A lockout running under the old wall-clock row carries
// over to the recipients' budget as what remains of it now, taken as stored (boot_id '').
constexpr std::string_view migration_5 = R"sql(
CREATE TABLE access_budgets (
  budget         TEXT PRIMARY KEY CHECK (budget IN ('pickup_code', 'courier')),
  failed         INTEGER NOT NULL DEFAULT 0,
  level          INTEGER NOT NULL DEFAULT 0,
  locked_left_ms INTEGER NOT NULL DEFAULT 0,
  quiet_ms       INTEGER NOT NULL DEFAULT 0,
  boot_id        TEXT NOT NULL DEFAULT '',
  as_of_ms       INTEGER NOT NULL DEFAULT 0
);
INSERT INTO access_budgets (budget, failed, level, locked_left_ms)
  SELECT 'pickup_code', failed_attempts, lockout_count,
         CASE WHEN locked_until IS NULL THEN 0
              ELSE MAX(0, MIN(86400000, CAST((julianday(locked_until) - julianday('now'))
                                             * 86400000 AS INTEGER))) END
  FROM keypad_lockout WHERE failed_attempts > 0 OR lockout_count > 0 OR locked_until IS NOT NULL;
)sql";

// Couriers' badges (courier_badges_repository): a badge identifies its courier at the keypad,
// so two couriers cannot share one; it goes with its courier.
constexpr std::string_view migration_6 = R"sql(
CREATE TABLE courier_badges (
  courier_id TEXT PRIMARY KEY REFERENCES couriers (courier_id) ON DELETE CASCADE,
  badge_hash TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX courier_badges_by_hash ON courier_badges (badge_hash);
)sql";

// Accessibility (issue 13): a reservation may ask for a low compartment (accessible) and for
// extended time at its pickup.
constexpr std::string_view migration_7 = R"sql(
ALTER TABLE reservations ADD COLUMN accessible INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reservations ADD COLUMN extended_time INTEGER NOT NULL DEFAULT 0;
)sql";

// Held compartments (hold_repository; issue 13, flow "hold"): one row per hold, a compartment
// held for one reservation at most. created_at of announced reservations (their expiry) is
// read through reservations_by_state.
constexpr std::string_view migration_8 = R"sql(
CREATE TABLE compartment_holds (
  reservation_id TEXT PRIMARY KEY REFERENCES reservations (reservation_id),
  compartment_id TEXT NOT NULL UNIQUE REFERENCES compartments (id),
  held_until     TEXT NOT NULL,
  created_at     TEXT NOT NULL
);
CREATE INDEX compartment_holds_by_deadline ON compartment_holds (held_until);
)sql";

// Flow "token" (issue 13): the nonces of the signed tokens that opened a compartment
// (token_nonces_repository), each kept until its token's not_after has passed.
constexpr std::string_view migration_9 = R"sql(
CREATE TABLE token_nonces (
  nonce     TEXT PRIMARY KEY,
  key_id    TEXT NOT NULL,
  not_after INTEGER NOT NULL,
  used_at   TEXT NOT NULL
);
CREATE INDEX token_nonces_by_not_after ON token_nonces (not_after);
)sql";

// Drop-off, returns, outbound collection and carriers (issue 13, outbound_repository):
// - reservations.kind: what the tracking system announced: a delivery a courier brings, or a
//   parcel a member of the public drops off ('dropoff') or returns ('return'), whose
//   dropoff_code_hash (security::dropoff_code_hash) opens a compartment at the keypad.
// - parcels.kind: copied from the reservation; a live parcel of kind dropoff or return is
//   outbound, waiting for a courier (it never expires, and no pickup code opens it).
// - carrier on reservations and couriers: a courier with one takes out only parcels of that
//   carrier (or of none).
// - parcels_expiring replaces parcels_stored_by_expiry in the expiry's queries (outbound
//   parcels are stored but never expire); reservations_announced_by_dropoff_code keeps the
//   drop-off code check off the reservation history; parcels_outbound finds the outbound ones.
constexpr std::string_view migration_10 = R"sql(
ALTER TABLE reservations ADD COLUMN kind TEXT NOT NULL DEFAULT 'delivery'
  CHECK (kind IN ('delivery', 'dropoff', 'return'));
ALTER TABLE reservations ADD COLUMN dropoff_code_hash TEXT;
ALTER TABLE reservations ADD COLUMN carrier TEXT;
ALTER TABLE parcels ADD COLUMN kind TEXT NOT NULL DEFAULT 'delivery'
  CHECK (kind IN ('delivery', 'dropoff', 'return'));
ALTER TABLE couriers ADD COLUMN carrier TEXT;
CREATE INDEX reservations_announced_by_dropoff_code ON reservations (state, dropoff_code_hash)
  WHERE state = 'announced' AND dropoff_code_hash IS NOT NULL;
CREATE INDEX parcels_expiring ON parcels (expires_at) WHERE state = 'stored' AND kind = 'delivery';
CREATE INDEX parcels_outbound ON parcels (state, kind) WHERE kind <> 'delivery';
)sql";

// Several parcels, one code (multi; recipient_repository): the tracking system's opaque
// recipient key of a reservation that has one. Reservations (and the parcels deposited for
// them) with the same key may share one pickup code. A table of its own, not a column, so that
// the reservations' rows and readers stay as they are.
constexpr std::string_view migration_11 = R"sql(
CREATE TABLE reservation_recipients (
  reservation_id TEXT PRIMARY KEY REFERENCES reservations (reservation_id) ON DELETE CASCADE,
  recipient      TEXT NOT NULL CHECK (length(recipient) BETWEEN 1 AND 64)
);
)sql";

// The history's retention (issue 14, history_retention): reservations that ended are found by
// state and age, so pruning them reads those past their time, not every deposited one; the
// announced ones' expiry reads them oldest first from the same index. Same name, one more
// column: a lockerd of the schema before finds the index it knew.
constexpr std::string_view migration_12 = R"sql(
DROP INDEX reservations_by_state;
CREATE INDEX reservations_by_state ON reservations (state, created_at);
)sql";

// The journal without UNIQUE on event_id (issue 14): nothing looks an event up by its id, a v4
// UUID from the CSPRNG that nobody else writes, but the constraint's index cost every append a
// random page (inside the transaction a person may be waiting on) and every delete after PUBACK
// as many. tests/store/store_timing, release, before and after: 1000 appends in one
// transaction 40-42 ms -> 27 ms, a drain's delete of 8192 delivered events 45-51 ms -> 14 ms.
// SQLite cannot drop a column's constraint, so the table is copied: the rows keep their seq,
// and the dropped table's pages are zeroed (secure_delete), plain codes and all.
constexpr std::string_view migration_13 = R"sql(
CREATE TABLE journal_13 (
  seq        INTEGER PRIMARY KEY,
  event_id   TEXT NOT NULL,
  topic      TEXT NOT NULL CHECK (topic IN ('parcel', 'door', 'alarm')),
  type       TEXT NOT NULL,
  ts         TEXT NOT NULL,
  payload    TEXT NOT NULL,
  queued     INTEGER NOT NULL DEFAULT 0,
  -- The parcel whose plain pickup code this event carries: erased when the event is.
  code_of_parcel INTEGER REFERENCES parcels (id)
);
INSERT INTO journal_13 (seq, event_id, topic, type, ts, payload, queued, code_of_parcel)
  SELECT seq, event_id, topic, type, ts, payload, queued, code_of_parcel FROM journal;
DROP TABLE journal;
ALTER TABLE journal_13 RENAME TO journal;
CREATE INDEX journal_by_code_of_parcel ON journal (code_of_parcel)
  WHERE code_of_parcel IS NOT NULL;
)sql";

constexpr std::array<std::string_view, 13> all_migrations{
    migration_1, migration_2, migration_3,  migration_4,  migration_5,  migration_6, migration_7,
    migration_8, migration_9, migration_10, migration_11, migration_12, migration_13};

int user_version(database& db) {
  statement s = db.prepare("PRAGMA user_version");
  s.step();
  return static_cast<int>(s.column_int64(0));
}

}  // namespace

std::span<const std::string_view> migrations() { return all_migrations; }

int schema_version() { return static_cast<int>(all_migrations.size()); }

void migrate(database& db) {
  // Read inside a write transaction, so two processes starting together cannot both apply
  // the same migration.
  for (;;) {
    transaction tx(db);
    const int version = user_version(db);
    if (version > schema_version()) {
      throw store_error(1 /* SQLITE_ERROR */,
                        db.path().string() + ": database schema version " +
                            std::to_string(version) + " is newer than this build supports (" +
                            std::to_string(schema_version()) + "); refusing to open it");
    }
    if (version == schema_version()) return;
    db.exec(std::string(all_migrations[static_cast<std::size_t>(version)]));
    // PRAGMA takes no bound parameters; the value is our own integer.
    db.exec("PRAGMA user_version = " + std::to_string(version + 1));
    tx.commit();
  }
}

}  // namespace locker::store
