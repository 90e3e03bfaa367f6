// SPDX-License-Identifier: Apache-2.0
// What the controller's source files share and nobody else sees: the compartment slot and the
// constants more than one of them uses. The controller is split by reason to change (keypad
// access, deposits, removals, start-up recovery, expiry, power); this keeps them one class.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string_view>

#include "daemon/controller/controller.hpp"

namespace locker::controller {

// Wall-clock deadlines are re-checked at least this often, in case the clock was set.
constexpr std::chrono::milliseconds max_timer_wait{3600 * 1000};

// One compartment: the state machine, and what its door is open for (persisted with it).
struct controller::slot {
  hardware::compartment_hardware& hw;
  std::unique_ptr<compartment::compartment> machine;
  int rank = 0;
  operation op;  // what the door is open for; saved with the compartment (encode())
  // not persisted: the reply is in memory
  std::function<void(compartment::open_outcome)> operator_done;
};

}  // namespace locker::controller
