// SPDX-License-Identifier: Apache-2.0
// Software update jobs (daemon/update). A job outlives a restart: one left in rebooting is
// finished by the next start, one left before it is reported failed (interrupted).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/store/database.hpp"
#include "daemon/store/states.hpp"

namespace locker::store {

// One fw_update job.
struct update_job_record {
  std::string job_id;
  std::string req_id;
  std::string url;
  std::string sha256;
  update_state state = update_state::downloading;
  std::string from_version;                     // the version running when it was accepted
  std::optional<std::string> expected_version;  // the bundle's, once its manifest was read
  std::optional<std::string> message;           // why it failed
  bool reported = false;                        // its final state was published
  wall_time created_at{};
  wall_time updated_at{};
};

class update_jobs {
 public:
  explicit update_jobs(database& db) : db_(db) {}

  // store_error with is_constraint() if the job_id exists or another job is unfinished.
  void create(transaction& tx, const update_job_record& j);
  // Saves state, expected_version, message, reported and updated_at.
  void save(const update_job_record& j);
  [[nodiscard]] std::optional<update_job_record> find(std::string_view job_id);
  // The job not yet done or failed, if any (at most one).
  [[nodiscard]] std::optional<update_job_record> unfinished();
  // Finished jobs whose final state was not published yet, oldest first.
  [[nodiscard]] std::vector<update_job_record> unreported();

 private:
  database& db_;
};

}  // namespace locker::store
