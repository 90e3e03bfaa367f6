// SPDX-License-Identifier: Apache-2.0
#include "daemon/store/audit_log.hpp"

#include "daemon/store/columns.hpp"

namespace locker::store {

void audit_log::record(transaction& tx, wall_time ts, std::string_view actor,
                       std::string_view action, const nlohmann::json& detail) {
  check_same_db(db_, tx);
  db_.prepare("INSERT INTO audit (ts, actor, action, detail) VALUES (?1, ?2, ?3, ?4)")
      .bind(1, protocol::format_timestamp(ts))
      .bind(2, actor)
      .bind(3, action)
      .bind(4, detail.dump())
      .run();
}

void audit_log::record(wall_time ts, std::string_view actor, std::string_view action,
                       const nlohmann::json& detail) {
  in_transaction(db_, [&](transaction& tx) { record(tx, ts, actor, action, detail); });
}

std::vector<audit_entry> audit_log::newest(std::int64_t limit) {
  statement s =
      db_.prepare("SELECT id, ts, actor, action, detail FROM audit ORDER BY id DESC LIMIT ?1");
  s.bind(1, limit);
  return read_all<audit_entry>(s, [](const statement& r) {
    return audit_entry{r.column_int64(0), time_column(r, 1), r.column_text(2), r.column_text(3),
                       r.column_text(4)};
  });
}

std::int64_t audit_log::prune(wall_time before, std::int64_t limit) {
  // Entries are appended in time order, so the oldest by id are the oldest by ts: a batch
  // reads the oldest `limit` and deletes those past their time, never the whole log.
  return in_transaction(db_, [&](transaction&) {
    db_.prepare(
           "DELETE FROM audit WHERE id IN (SELECT id FROM (SELECT id, ts FROM audit ORDER BY id "
           "LIMIT ?2) WHERE ts < ?1)")
        .bind(1, protocol::format_timestamp(before))
        .bind(2, limit)
        .run();
    return std::int64_t{db_.changes()};
  });
}

}  // namespace locker::store
