// SPDX-License-Identifier: Apache-2.0
// An input device that reads whole codes (scanner, badge reader). The interface lives in
// drivers/hardware.hpp, beside the keypad, since a board may provide one; this name stays
// for the readers in drivers/input and drivers/gpiod.
#pragma once

#include "drivers/hardware.hpp"

namespace locker::drivers::input {

using code_reader = drivers::code_reader;

}  // namespace locker::drivers::input
