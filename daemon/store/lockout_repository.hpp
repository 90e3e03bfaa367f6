// SPDX-License-Identifier: Apache-2.0
// The keypad's attempt budgets on disk (daemon/access/attempt_limiter): per budget, what
// remains as of one reading of the steady clock in one boot. lockerd restarted in the same boot
// goes on from there on the same clock (the time it was down counts, as it passed); after a
// reboot the steady reading means nothing any more and what remains is taken as stored, so a
// power cut neither ends a lockout nor lets its off time count (the wall clock, the only
// measure of that time, is exactly what cannot be trusted). Replaces the keypad_lockout row,
// whose wall-clock deadline followed every step of the clock (issue 12).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/access/attempt_limiter.hpp"
#include "daemon/store/database.hpp"

namespace locker::store {

struct saved_budget {
  access::budget_snapshot remains;
  std::string boot_id;                 // the boot of as_of
  std::chrono::milliseconds as_of{0};  // the steady clock's reading when it was saved
};

class lockout_repository {
 public:
  explicit lockout_repository(database& db) : db_(db) {}

  // budget: "pickup_code" or "courier". nullopt when none was saved (nothing counted).
  [[nodiscard]] std::optional<saved_budget> load(std::string_view budget);
  void save(transaction& tx, std::string_view budget, const saved_budget& b);
  // Forgets the budget (lockeradm's clearing without a running lockerd). false: none saved.
  bool clear(transaction& tx, std::string_view budget);

 private:
  database& db_;
};

}  // namespace locker::store
