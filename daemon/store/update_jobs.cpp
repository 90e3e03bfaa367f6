// SPDX-License-Identifier: Apache-2.0
#include "daemon/store/update_jobs.hpp"

#include <cstdint>

#include "daemon/store/columns.hpp"

namespace locker::store {

namespace {

constexpr std::string_view update_job_columns =
    "SELECT job_id, req_id, url, sha256, state, from_version, expected_version, message, "
    "reported, created_at, updated_at FROM update_jobs ";

update_job_record read_update_job(const statement& s) {
  return {s.column_text(0),
          s.column_text(1),
          s.column_text(2),
          s.column_text(3),
          from_name<update_state>(names::update, "update state", s.column_text(4)),
          s.column_text(5),
          s.column_optional_text(6),
          s.column_optional_text(7),
          s.column_int64(8) != 0,
          time_column(s, 9),
          time_column(s, 10)};
}

}  // namespace

void update_jobs::create(transaction& tx, const update_job_record& j) {
  check_same_db(db_, tx);
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

void update_jobs::save(const update_job_record& j) {
  in_transaction(db_, [&](transaction&) {
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

std::optional<update_job_record> update_jobs::find(std::string_view job_id) {
  statement s = db_.prepare(sql(update_job_columns, "WHERE job_id = ?1"));
  s.bind(1, job_id);
  return read_one<update_job_record>(s, read_update_job);
}

std::optional<update_job_record> update_jobs::unfinished() {
  statement s =
      db_.prepare(sql(update_job_columns, "WHERE state NOT IN ('done', 'failed') LIMIT 1"));
  return read_one<update_job_record>(s, read_update_job);
}

std::vector<update_job_record> update_jobs::unreported() {
  statement s = db_.prepare(sql(update_job_columns,
                                "WHERE state IN ('done', 'failed') AND reported = 0 "
                                "ORDER BY updated_at, job_id"));
  return read_all<update_job_record>(s, read_update_job);
}

}  // namespace locker::store
