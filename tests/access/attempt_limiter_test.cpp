// SPDX-License-Identifier: Apache-2.0
// The attempt budget on its own (daemon/access): lockouts that double, nothing a right attempt
// could refill, forgiveness only with time, what remains across save/restore, and the guessing
// bound the defaults and the remote settings' extremes give.
#include "daemon/access/attempt_limiter.hpp"

#include <chrono>

#include <gtest/gtest.h>

#include "daemon/access/guess_bound.hpp"

namespace locker::access {
namespace {

using namespace std::chrono_literals;

TEST(attempt_limiter, locks_out_after_the_attempts_with_a_doubling_back_off) {
  attempt_limiter l({5, 30s});
  millis t{1000};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(l.wrong(t), 0ms);
    EXPECT_EQ(l.attempts_left(t), 4 - i);
  }
  EXPECT_EQ(l.wrong(t), 30s);
  EXPECT_EQ(l.locked_for(t + 10s), 20s);
  // Nothing is counted while locked out.
  EXPECT_EQ(l.wrong(t + 10s), 0ms);
  EXPECT_EQ(l.locked_for(t + 10s), 20s);
  t += 30s;
  EXPECT_EQ(l.locked_for(t), 0ms);
  EXPECT_EQ(l.attempts_left(t), 5);
  for (int i = 0; i < 4; ++i) l.wrong(t);
  EXPECT_EQ(l.wrong(t), 60s);
  t += 60s;
  for (int i = 0; i < 4; ++i) l.wrong(t);
  EXPECT_EQ(l.wrong(t), 120s);
}

TEST(attempt_limiter, the_back_off_stops_at_a_day_and_only_quiet_time_forgives) {
  attempt_limiter l({1, 30s});
  millis t{0};
  millis last{0};
  for (int i = 0; i < 13; ++i) {  // levels 0..12: 30 s .. 30 s · 2^12, cut to a day
    last = l.wrong(t);
    t += last;
  }
  EXPECT_EQ(last, max_lockout);
  // Each quiet day forgives one level: two days, and the next lockout is level 11's.
  t += 2 * level_decay - 1ms;
  EXPECT_EQ(l.save(t).level, 12);
  t += 1ms;
  EXPECT_EQ(l.wrong(t), 30s * 2048);
}

TEST(attempt_limiter, wrong_attempts_are_forgiven_after_a_quiet_day_not_before) {
  attempt_limiter l({5, 30s});
  for (int i = 0; i < 4; ++i) l.wrong(millis{0});
  EXPECT_EQ(l.attempts_left(level_decay - 1ms), 1);
  EXPECT_EQ(l.attempts_left(level_decay), 5);
  EXPECT_TRUE(l.idle(level_decay));
}

TEST(attempt_limiter, what_remains_survives_save_and_restore_at_another_time) {
  attempt_limiter l({5, 30s});
  for (int i = 0; i < 5; ++i) l.wrong(millis{100});
  const auto saved = l.save(millis{100} + 10s);
  EXPECT_EQ(saved.locked_left, 20s);
  EXPECT_EQ(saved.level, 1);
  attempt_limiter again({5, 30s});
  again.restore(saved, millis{999'999});  // another boot: the steady clock starts elsewhere
  EXPECT_EQ(again.locked_for(millis{999'999}), 20s);
  EXPECT_EQ(again.locked_for(millis{999'999} + 20s), 0ms);
  for (int i = 0; i < 4; ++i) again.wrong(millis{999'999} + 20s);
  EXPECT_EQ(again.wrong(millis{999'999} + 20s), 60s) << "the back-off level came along";
  again.clear();
  EXPECT_TRUE(again.idle(millis{999'999} + 20s));
}

TEST(guess_bound, the_defaults_keep_a_guesser_under_one_in_ten_thousand) {
  const budget_policy defaults{5, 30s};
  // 30 s · (2^12 - 1) = 122850 s of lockouts, then two of a day start within 72 h: 14 bursts.
  EXPECT_EQ(attempts_in_window(defaults, 72h), 70);
  const double p = guess_probability(defaults, 8, 72h, 24);
  EXPECT_DOUBLE_EQ(p, 70.0 * 24 / 1e8);
  EXPECT_LE(p, default_guess_probability);
  EXPECT_FALSE(check_guess_bound(defaults, 8, 72h, 24).has_value());
}

TEST(guess_bound, a_policy_over_one_in_a_thousand_is_refused_with_its_numbers) {
  // The remote settings' loosest corner: 6 digits, 20 attempts, 1 s lockouts, 720 h.
  const auto why = check_guess_bound({20, 1s}, 6, 720h, 24);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("720 h"), std::string::npos) << *why;
  // Six digits with the defaults: 70 · 24 / 10^6 = 1.7e-3, refused; 3 attempts pass.
  EXPECT_TRUE(check_guess_bound({5, 30s}, 6, 72h, 24).has_value());
  EXPECT_FALSE(check_guess_bound({3, 30s}, 6, 24h, 24).has_value());
  // More compartments than the reference count for what they are.
  EXPECT_GT(guess_probability({5, 30s}, 8, 72h, 200), guess_probability({5, 30s}, 8, 72h, 24));
  EXPECT_EQ(guess_probability({5, 30s}, 8, 72h, 4), guess_probability({5, 30s}, 8, 72h, 24));
}

}  // namespace
}  // namespace locker::access
