// SPDX-License-Identifier: Apache-2.0
// Key-value settings kept in the database: the remote configuration applied over the config
// file, and the daemon's own markers (alarms raised, since when) that outlive a restart.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "daemon/store/database.hpp"

namespace locker::store {

// The settings key of a start in place of a damaged database (daemon/state_folder sets it in
// the new one; the controller raises books_lost from it, and empties it once every
// compartment was checked): JSON {moved_to, problems, at, raised?}.
inline constexpr std::string_view books_lost_setting = "books_lost";

class stored_settings {
 public:
  explicit stored_settings(database& db) : db_(db) {}

  [[nodiscard]] std::optional<std::string> get(std::string_view key);
  void set(transaction& tx, std::string_view key, std::string_view value);
  void set(std::string_view key, std::string_view value);

 private:
  database& db_;
};

}  // namespace locker::store
