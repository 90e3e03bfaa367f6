// SPDX-License-Identifier: Apache-2.0
// The keypad lockout (one row): wrong codes counted across restarts, so switching the locker
// off and on does not buy a guesser more tries.
#pragma once

#include <cstdint>
#include <optional>

#include "daemon/store/database.hpp"
#include "daemon/store/states.hpp"

namespace locker::store {

struct lockout_state {
  std::int64_t failed_attempts = 0;  // wrong codes since the last success or lockout
  std::int64_t lockout_count = 0;    // consecutive lockouts, for the growing back-off
  std::optional<wall_time> locked_until;
};

class keypad_lockout_repository {
 public:
  explicit keypad_lockout_repository(database& db) : db_(db) {}

  [[nodiscard]] lockout_state state();
  void set(transaction& tx, const lockout_state& s);
  void set(const lockout_state& s);

 private:
  database& db_;
};

}  // namespace locker::store
