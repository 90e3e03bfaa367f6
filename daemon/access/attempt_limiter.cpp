// SPDX-License-Identifier: Apache-2.0
#include "daemon/access/attempt_limiter.hpp"

#include <algorithm>

namespace locker::access {

namespace {
// Beyond this the back-off is at max_lockout anyway; it keeps the doubling from overflowing.
constexpr std::int64_t max_level = 40;
}  // namespace

millis attempt_limiter::lockout_at(const budget_policy& p, std::int64_t level) {
  millis wait = std::max(p.base, millis{1});
  for (std::int64_t i = 0; i < level && wait < max_lockout; ++i) wait *= 2;
  return std::min(wait, max_lockout);
}

attempt_limiter::state attempt_limiter::decayed(millis now) const {
  state s{failed_, level_, quiet_from_};
  if (now < locked_until_ || now < quiet_from_) return s;
  const auto steps = (now - quiet_from_) / level_decay;
  if (steps <= 0) return s;
  s.failed = 0;
  s.level = std::max<std::int64_t>(0, level_ - steps);
  s.quiet_from = quiet_from_ + steps * level_decay;
  return s;
}

millis attempt_limiter::locked_for(millis now) const {
  return now < locked_until_ ? locked_until_ - now : millis{0};
}

int attempt_limiter::attempts_left(millis now) const {
  const auto s = decayed(now);
  return static_cast<int>(std::max<std::int64_t>(0, policy_.attempts - s.failed));
}

millis attempt_limiter::wrong(millis now) {
  if (locked_for(now) > millis{0}) return millis{0};
  const auto s = decayed(now);
  failed_ = s.failed + 1;
  level_ = s.level;
  quiet_from_ = now;
  if (failed_ < std::max(policy_.attempts, 1)) return millis{0};
  const auto wait = lockout_at(policy_, level_);
  failed_ = 0;
  level_ = std::min(level_ + 1, max_level);
  locked_until_ = now + wait;
  quiet_from_ = locked_until_;  // the quiet that forgives starts when the lockout ends
  return wait;
}

void attempt_limiter::clear() {
  failed_ = 0;
  level_ = 0;
  locked_until_ = millis{0};
  quiet_from_ = millis{0};
}

bool attempt_limiter::idle(millis now) const {
  const auto s = decayed(now);
  return s.failed == 0 && s.level == 0 && locked_for(now) == millis{0};
}

budget_snapshot attempt_limiter::save(millis now) const {
  const auto s = decayed(now);
  budget_snapshot out;
  out.failed = s.failed;
  out.level = s.level;
  out.locked_left = locked_for(now);
  out.quiet = now > s.quiet_from ? now - s.quiet_from : millis{0};
  return out;
}

void attempt_limiter::restore(const budget_snapshot& s, millis now) {
  failed_ = std::max<std::int64_t>(0, s.failed);
  level_ = std::clamp<std::int64_t>(s.level, 0, max_level);
  const auto left = std::clamp(s.locked_left, millis{0}, max_lockout);
  locked_until_ = now + left;
  quiet_from_ =
      left > millis{0} ? locked_until_ : now - std::clamp(s.quiet, millis{0}, level_decay);
}

}  // namespace locker::access
