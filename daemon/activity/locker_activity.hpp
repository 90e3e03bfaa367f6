// SPDX-License-Identifier: Apache-2.0
// Whether people are using the locker right now, so that an update or a reboot waits for
// them: an open door, a compartment being opened or used (deposit, pickup, removal, an
// operator's opening), someone at the keypad. Its own module, over the controller and the
// keypad session, so that update (which only asks) depends on neither: lockerd hands the
// updater a function that calls this.
#pragma once

#include <optional>
#include <string>

#include "daemon/controller/controller.hpp"
#include "daemon/keypad/keypad_session.hpp"

namespace locker::activity {

// Why the locker is busy, in words for a reply or a job message; nullopt when it is free.
// session may be null (no keypad session).
[[nodiscard]] std::optional<std::string> why_busy(controller::controller& locker,
                                                  const keypad::keypad_session* session);

}  // namespace locker::activity
