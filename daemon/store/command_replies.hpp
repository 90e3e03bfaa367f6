// SPDX-License-Identifier: Apache-2.0
// The replies to MQTT commands, by req_id: a command sent again (the broker redelivers, the
// back end retries) gets the first reply again instead of being carried out twice.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/store/database.hpp"
#include "daemon/store/states.hpp"

namespace locker::store {

struct command_reply {
  std::string command;
  std::string reply;  // JSON
  wall_time answered_at{};
};

class command_replies {
 public:
  explicit command_replies(database& db) : db_(db) {}

  void save(transaction& tx, std::string_view req_id, std::string_view command,
            std::string_view reply_json, wall_time answered_at);
  [[nodiscard]] std::optional<command_reply> find(std::string_view req_id);
  // Returns how many were deleted.
  std::int64_t prune(wall_time older_than);
  // Deletes the oldest beyond `keep`; returns how many were deleted.
  std::int64_t prune_to(std::int64_t keep);
  [[nodiscard]] std::int64_t count();

 private:
  database& db_;
};

}  // namespace locker::store
