// SPDX-License-Identifier: Apache-2.0
// The couriers allowed to deposit: who they are, the hash of their PIN and whether they are
// enabled. A PIN is looked up by its hash, compared in constant time.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/store/database.hpp"
#include "daemon/store/states.hpp"

namespace locker::store {

struct courier_record {
  std::string courier_id;
  std::string name;
  std::string pin_hash;  // security::courier_pin_hash(key, pin)
  bool enabled = true;
  wall_time updated_at{};
};

class courier_repository {
 public:
  explicit courier_repository(database& db) : db_(db) {}

  // store_error with is_constraint() if another courier has the same PIN.
  void upsert(transaction& tx, std::string_view courier_id, std::string_view name,
              std::string_view pin_hash, bool enabled, wall_time now);
  void upsert(std::string_view courier_id, std::string_view name, std::string_view pin_hash,
              bool enabled, wall_time now);
  bool disable(transaction& tx, std::string_view courier_id, wall_time now);
  bool remove(transaction& tx, std::string_view courier_id);
  bool remove(std::string_view courier_id);
  [[nodiscard]] std::optional<courier_record> find(std::string_view courier_id);
  // Also returns disabled couriers: the caller tells "wrong PIN" from "disabled".
  [[nodiscard]] std::optional<courier_record> find_by_pin_hash(std::string_view pin_hash);
  // By courier_id.
  [[nodiscard]] std::vector<courier_record> all();

 private:
  database& db_;
};

}  // namespace locker::store
