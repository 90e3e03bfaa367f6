// SPDX-License-Identifier: Apache-2.0
// The audit log: who did what to the locker and when (operators, couriers, lockeradm, the
// daemon itself), for the operator to read back; never published.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/store/database.hpp"
#include "daemon/store/states.hpp"

namespace locker::store {

struct audit_entry {
  std::int64_t id = 0;
  wall_time ts{};
  std::string actor;
  std::string action;
  std::string detail;  // JSON
};

class audit_log {
 public:
  explicit audit_log(database& db) : db_(db) {}

  void record(transaction& tx, wall_time ts, std::string_view actor, std::string_view action,
              const nlohmann::json& detail = nlohmann::json::object());
  void record(wall_time ts, std::string_view actor, std::string_view action,
              const nlohmann::json& detail = nlohmann::json::object());
  // The newest `limit` entries, newest first.
  [[nodiscard]] std::vector<audit_entry> newest(std::int64_t limit);
  // Deletes entries made before `before`, among the oldest `limit` (so it reads at most that
  // many, however long the log), in a transaction of its own; how many went.
  std::int64_t prune(wall_time before, std::int64_t limit);

 private:
  database& db_;
};

}  // namespace locker::store
