// SPDX-License-Identifier: Apache-2.0
#include "daemon/store/command_replies.hpp"

#include "daemon/store/columns.hpp"

namespace locker::store {

void command_replies::save(transaction& tx, std::string_view req_id, std::string_view command,
                           std::string_view reply_json, wall_time answered_at) {
  check_same_db(db_, tx);
  db_.prepare(
         "INSERT OR REPLACE INTO command_replies (req_id, command, reply, answered_at) "
         "VALUES (?1, ?2, ?3, ?4)")
      .bind(1, req_id)
      .bind(2, command)
      .bind(3, reply_json)
      .bind(4, protocol::format_timestamp(answered_at))
      .run();
}

std::optional<command_reply> command_replies::find(std::string_view req_id) {
  statement s =
      db_.prepare("SELECT command, reply, answered_at FROM command_replies WHERE req_id = ?1");
  s.bind(1, req_id);
  return read_one<command_reply>(s, [](const statement& r) {
    return command_reply{r.column_text(0), r.column_text(1), time_column(r, 2)};
  });
}

std::int64_t command_replies::prune(wall_time older_than) {
  return in_transaction(db_, [&](transaction&) {
    db_.prepare("DELETE FROM command_replies WHERE answered_at < ?1")
        .bind(1, protocol::format_timestamp(older_than))
        .run();
    return std::int64_t{db_.changes()};
  });
}

std::int64_t command_replies::prune_to(std::int64_t keep) {
  return in_transaction(db_, [&](transaction&) {
    db_.prepare(
           "DELETE FROM command_replies WHERE req_id IN (SELECT req_id FROM command_replies "
           "ORDER BY answered_at DESC, rowid DESC LIMIT -1 OFFSET ?1)")
        .bind(1, keep)
        .run();
    return std::int64_t{db_.changes()};
  });
}

std::int64_t command_replies::count() {
  auto s = db_.prepare("SELECT count(*) FROM command_replies");
  s.step();
  return s.column_int64(0);
}

}  // namespace locker::store
