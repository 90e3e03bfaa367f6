// SPDX-License-Identifier: Apache-2.0
// The translation tables, one file per language, for catalogue.cpp only.
#pragma once

#include <span>

#include "daemon/keypad/catalogue/catalogue.hpp"

namespace locker::keypad::catalogue {

[[nodiscard]] std::span<const translation> german();
[[nodiscard]] std::span<const translation> polish();

}  // namespace locker::keypad::catalogue
