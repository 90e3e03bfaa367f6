// SPDX-License-Identifier: Apache-2.0
#include "daemon/store/journal.hpp"

#include <stdexcept>

#include "daemon/security/random.hpp"
#include "daemon/store/columns.hpp"

namespace locker::store {

event journal::append(transaction& tx, journal_topic topic, std::string_view type,
                      const nlohmann::json& fields, wall_time ts,
                      std::optional<std::int64_t> code_of_parcel) {
  check_same_db(db_, tx);
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

std::vector<event> journal::pending(std::int64_t limit, std::uint64_t after_seq) {
  statement s = db_.prepare(
      "SELECT seq, event_id, topic, type, ts, payload FROM journal WHERE seq > ?1 "
      "ORDER BY seq LIMIT ?2");
  s.bind(1, to_int64(after_seq)).bind(2, limit);
  return read_all<event>(s, [](const statement& r) {
    return event{static_cast<std::uint64_t>(r.column_int64(0)),
                 r.column_text(1),
                 from_name<journal_topic>(names::topic, "journal topic", r.column_text(2)),
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

std::int64_t journal::remove(transaction& tx, std::uint64_t seq) {
  check_same_db(db_, tx);
  const auto d = delete_delivered(db_, "WHERE seq = ?1", seq);
  if (d.codes_erased > 0) erased_codes_ = true;
  return d.events;
}

std::int64_t journal::remove(std::uint64_t seq) {
  const auto n = [&] {
    const database::relaxed_commits relaxed(db_);  // at least once: a lost delete re-sends
    return in_transaction(db_, [&](transaction& tx) { return remove(tx, seq); });
  }();
  checkpoint_erased_codes();
  return n;
}

std::int64_t journal::remove_upto(transaction& tx, std::uint64_t seq) {
  check_same_db(db_, tx);
  const auto d = delete_delivered(db_, "WHERE seq <= ?1", seq);
  if (d.codes_erased > 0) erased_codes_ = true;
  return d.events;
}

std::int64_t journal::remove_upto(std::uint64_t seq) {
  const auto n = [&] {
    const database::relaxed_commits relaxed(db_);  // at least once: a lost delete re-sends
    return in_transaction(db_, [&](transaction& tx) { return remove_upto(tx, seq); });
  }();
  checkpoint_erased_codes();
  return n;
}

bool journal::checkpoint_erased_codes() {
  if (!erased_codes_) return true;
  // secure_delete zeroed the code in the new page images; the old ones are WAL frames (and,
  // until the checkpoint, the database file's copy of the page). A truncating checkpoint
  // writes the zeroed pages home and empties the WAL.
  if (!db_.checkpoint_truncate()) return false;  // tried again after the next delivery
  erased_codes_ = false;
  return true;
}

std::int64_t journal::backlog() {
  statement s = db_.prepare("SELECT count(*) FROM journal");
  s.step();
  return s.column_int64(0);
}

void journal::continue_after(transaction& tx, std::uint64_t seq) {
  check_same_db(db_, tx);
  db_.prepare("UPDATE journal_counter SET last_seq = max(last_seq, ?1) WHERE id = 1")
      .bind(1, static_cast<std::int64_t>(seq))
      .run();
}

std::uint64_t journal::last_seq() {
  statement s = db_.prepare("SELECT last_seq FROM journal_counter WHERE id = 1");
  if (!s.step()) corrupt("journal_counter table", "(no row)");
  return static_cast<std::uint64_t>(s.column_int64(0));
}

}  // namespace locker::store
