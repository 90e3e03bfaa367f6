// SPDX-License-Identifier: Apache-2.0
// One budget of wrong attempts at the keypad (recipients' pickup codes, or couriers' PINs and
// badges): after `attempts` wrong ones it locks out for base, 2·base, 4·base … up to max_lockout.
// Only time forgives: a right attempt (typed by anyone) refills nothing and lowers nothing, so
// what a guesser gets does not depend on what others do (issue 12). Each `decay` without a wrong
// attempt or a lockout forgives the run of wrong attempts and one level of the back-off.
//
// Pure: every call takes the time, a monotonic duration since an arbitrary origin (the
// controller passes the steady clock's). The wall clock never enters, so setting it changes
// nothing. save()/restore() give what remains in relative terms, for the store.
#pragma once

#include <chrono>
#include <cstdint>

namespace locker::access {

using millis = std::chrono::milliseconds;

// The longest lockout, and how long without wrong attempts forgives one level of it.
inline constexpr millis max_lockout{std::chrono::hours{24}};
inline constexpr millis level_decay{std::chrono::hours{24}};

struct budget_policy {
  int attempts = 5;                       // wrong attempts before a lockout (>= 1)
  millis base{std::chrono::seconds{30}};  // the first lockout; doubles with each level
};

// What remains, relative to the moment it was saved.
struct budget_snapshot {
  std::int64_t failed = 0;  // wrong attempts since the last lockout (or forgiving)
  std::int64_t level = 0;   // lockouts not yet forgiven: the next lasts base·2^level
  millis locked_left{0};    // what remains of the lockout running now
  millis quiet{0};          // time without a wrong attempt or lockout, towards the next decay
};

class attempt_limiter {
 public:
  explicit attempt_limiter(budget_policy policy = {}) : policy_(policy) {}

  // From the next wrong attempt on; a running lockout keeps its end.
  void set_policy(budget_policy policy) { policy_ = policy; }
  [[nodiscard]] const budget_policy& policy() const { return policy_; }

  // What remains of the lockout at now; zero when attempts are taken.
  [[nodiscard]] millis locked_for(millis now) const;
  // Wrong attempts left before the next lockout.
  [[nodiscard]] int attempts_left(millis now) const;
  // Counts one wrong attempt at now (not while locked: nothing is counted then) and returns
  // the lockout it started, or zero.
  millis wrong(millis now);
  // The operator's clearing: nothing counted, no back-off, no lockout.
  void clear();
  // Whether anything is counted (a clear would change something).
  [[nodiscard]] bool idle(millis now) const;

  [[nodiscard]] budget_snapshot save(millis now) const;
  // Takes s as what remains at now.
  void restore(const budget_snapshot& s, millis now);

  // The lockout that level starts: base·2^level, at most max_lockout.
  [[nodiscard]] static millis lockout_at(const budget_policy& p, std::int64_t level);

 private:
  // The state at now, once the quiet time has forgiven what it forgives.
  struct state {
    std::int64_t failed = 0;
    std::int64_t level = 0;
    millis quiet_from{0};
  };
  [[nodiscard]] state decayed(millis now) const;

  budget_policy policy_;
  std::int64_t failed_ = 0;
  std::int64_t level_ = 0;
  millis locked_until_{0};
  millis quiet_from_{0};  // since when nothing was counted (the last wrong attempt or lockout end)
};

}  // namespace locker::access
