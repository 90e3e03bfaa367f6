// SPDX-License-Identifier: Apache-2.0
// The locker's state as the contract reports it (…/state and get_state), read from the
// controller's compartments and the store. The reporter can build …/state with it too.
#pragma once

#include <vector>

#include "daemon/controller/controller.hpp"
#include "daemon/store/store.hpp"
#include "protocol/events.hpp"

namespace locker::commands {

// Throws store::store_error.
[[nodiscard]] protocol::locker_state current_state(const controller::controller& locker,
                                                   store::store& db);
// The reservations still waiting for their parcel. Throws store::store_error.
[[nodiscard]] std::vector<protocol::reservation_summary> announced_reservations(store::store& db);

}  // namespace locker::commands
