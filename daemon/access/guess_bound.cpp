// SPDX-License-Identifier: Apache-2.0
#include "daemon/access/guess_bound.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace locker::access {

std::int64_t attempts_in_window(const budget_policy& p, millis window) {
  const std::int64_t per_burst = std::max(p.attempts, 1);
  // Bursts start at 0 and at the end of each lockout: count those that start in the window.
  std::int64_t bursts = 0;
  millis start{0};
  for (std::int64_t level = 0; start < window; ++level) {
    ++bursts;
    start += attempt_limiter::lockout_at(p, level);
  }
  return bursts * per_burst;
}

double guess_probability(const budget_policy& p, int digits, millis window, std::int64_t parcels) {
  const double space = std::pow(10.0, digits);
  return static_cast<double>(attempts_in_window(p, window)) *
         static_cast<double>(std::max(parcels, reference_parcels)) / space;
}

std::optional<std::string> check_guess_bound(const budget_policy& p, int digits, millis window,
                                             std::int64_t parcels) {
  const double prob = guess_probability(p, digits, window, parcels);
  if (prob <= max_guess_probability) return std::nullopt;
  char text[512];  // room for any value: GCC checks the format against the buffer at -O2
  std::snprintf(
      text, sizeof text,
      "a guesser could make %lld attempts in a %lld h pickup window: with %lld parcels "
      "and %d-digit codes one opens a parcel with probability up to %.2g, over %.0e; "
      "use longer codes, fewer attempts, a longer lockout or a shorter window",
      static_cast<long long>(attempts_in_window(p, window)),
      static_cast<long long>(std::chrono::duration_cast<std::chrono::hours>(window).count()),
      static_cast<long long>(std::max(parcels, reference_parcels)), digits, prob,
      max_guess_probability);
  return std::string(text);
}

}  // namespace locker::access
