// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <map>
#include <string>
#include <utility>

#include "drivers/clock.hpp"

namespace locker::drivers {

// Virtual time for tests and scenario runs: nothing happens until advance() is called,
// then every timer that falls due fires in order, each with now() at its due time.
class virtual_clock final : public clock {
 public:
  explicit virtual_clock(wall_time wall_start = wall_time{std::chrono::hours{24 * 365 * 56}})
      : wall_start_(wall_start) {}

  [[nodiscard]] steady_time now() const override { return now_; }
  [[nodiscard]] wall_time wall_now() const override {
    return wall_start_ + std::chrono::duration_cast<wall_time::duration>(now_ - steady_time{});
  }
  [[nodiscard]] std::string boot_id() const override { return "virtual-" + std::to_string(boot_); }

  // Sets the wall clock by d (NTP, a person, a bad RTC): steady time and timers do not move.
  // Tells the on_wall_clock_set listener at the next advance(), as the kernel would.
  void step_wall(std::chrono::seconds d) {
    wall_start_ += d;
    if (on_set_) call_after(millis{0}, [this] { on_set_(); });
  }
  void on_wall_clock_set(const std::function<void()>& fn) override { on_set_ = fn; }
  // Whether the (virtual) kernel says the wall clock was synchronized: yes unless a test says
  // not yet (a board just booted, NTP not reached).
  [[nodiscard]] bool wall_clock_synchronized() const override { return synchronized_; }
  void set_wall_clock_synchronized(bool yes) { synchronized_ = yes; }
  // The machine rebooted (a power cut): steady readings of before no longer compare with now.
  // Virtual steady time goes on from where it was; only the boot id says it is another boot.
  void reboot() { ++boot_; }

  timer_id call_after(millis delay, std::function<void()> fn) override {
    if (delay < millis{0}) delay = millis{0};
    const timer_id id = next_id_++;
    // Keyed by (due, id): timers due at the same instant fire in the order they were set.
    timers_.emplace(std::pair{now_ + delay, id}, std::move(fn));
    return id;
  }

  void cancel(timer_id id) override {
    for (auto it = timers_.begin(); it != timers_.end(); ++it) {
      if (it->first.second == id) {
        timers_.erase(it);
        return;
      }
    }
  }

  // Moves time forward by d, firing every timer that falls due on the way (including
  // timers set by the callbacks themselves).
  void advance(millis d) {
    const steady_time end = now_ + d;
    while (!timers_.empty() && timers_.begin()->first.first <= end) {
      auto node = timers_.extract(timers_.begin());
      now_ = node.key().first;
      node.mapped()();
    }
    now_ = end;
  }

  // Fires timers until none is left, up to limit of virtual time; returns false if
  // timers were still pending at the limit.
  bool run_until_idle(millis limit = millis{24LL * 3600 * 1000}) {
    const steady_time end = now_ + limit;
    while (!timers_.empty() && timers_.begin()->first.first <= end) {
      auto node = timers_.extract(timers_.begin());
      now_ = node.key().first;
      node.mapped()();
    }
    return timers_.empty();
  }

  [[nodiscard]] std::size_t pending() const { return timers_.size(); }

 private:
  std::function<void()> on_set_;
  steady_time now_{};
  wall_time wall_start_;
  int boot_ = 1;
  bool synchronized_ = true;
  timer_id next_id_ = 1;
  std::map<std::pair<steady_time, timer_id>, std::function<void()>> timers_;
};

}  // namespace locker::drivers
