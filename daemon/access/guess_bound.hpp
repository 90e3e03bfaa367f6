// SPDX-License-Identifier: Apache-2.0
// The guarantee the recipients' attempt budget gives (README "Guessing pickup codes"): the
// chance that a guesser at full speed opens any parcel within one pickup window, whatever
// anyone else does at the keypad. One wrong attempt is tried against every stored parcel, so it
// succeeds with at most parcels / 10^digits; the budget allows at most attempts_in_window()
// attempts in the window, whatever the others do (right codes refill nothing), so
//   P <= attempts_in_window · parcels / 10^digits     (the union bound).
// Configuration loading and the remote settings reject a policy whose bound exceeds
// max_guess_probability, in this one place.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "daemon/access/attempt_limiter.hpp"

namespace locker::access {

// What every accepted policy keeps P under, and what the defaults keep it under (24 parcels).
inline constexpr double max_guess_probability = 1e-3;
inline constexpr double default_guess_probability = 1e-4;
// The bound is computed for at least this many stored parcels (a cabinet with more
// compartments: for that many).
inline constexpr std::int64_t reference_parcels = 24;

// The most wrong attempts the budget takes in any window of this length, starting from
// nothing counted: `attempts` at once, then `attempts` again at the end of each lockout
// (base, 2·base, … up to max_lockout) that starts within the window. Quiet time only lowers
// this (it forgives one level per level_decay >= max_lockout, slower than the lockouts pass).
[[nodiscard]] std::int64_t attempts_in_window(const budget_policy& p, millis window);

// The bound above, for codes of `digits` digits and `parcels` stored parcels.
[[nodiscard]] double guess_probability(const budget_policy& p, int digits, millis window,
                                       std::int64_t parcels);

// nullopt when the policy keeps the bound at or under max_guess_probability; otherwise why
// not, as a sentence naming the numbers (for the config error or the cfg/reported rejection).
[[nodiscard]] std::optional<std::string> check_guess_bound(const budget_policy& p, int digits,
                                                           millis window, std::int64_t parcels);

}  // namespace locker::access
