// SPDX-License-Identifier: Apache-2.0
#include "daemon/activity/locker_activity.hpp"

namespace locker::activity {

std::optional<std::string> why_busy(controller::controller& locker,
                                    const keypad::keypad_session* session) {
  for (const auto* c : locker.compartments()) {
    const std::string id(c->id());
    if (c->door() == compartment::door_state::open)
      return "the door of compartment " + id + " is open";
    if (locker.in_use(id)) {
      const auto kind = locker.operation_kind(id);
      return "compartment " + id + " is in use" + (kind.empty() ? "" : " (" + kind + ")");
    }
  }
  if (session != nullptr && session->in_use()) return "someone is using the keypad";
  return std::nullopt;
}

}  // namespace locker::activity
