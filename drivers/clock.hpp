// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace locker::drivers {

using steady_time = std::chrono::steady_clock::time_point;
using wall_time = std::chrono::system_clock::time_point;
using millis = std::chrono::milliseconds;

// The one source of time for everything that waits. Production uses asio_clock
// (real time on the event loop); tests use virtual_clock and never sleep.
class clock {
 public:
  using timer_id = std::uint64_t;

  virtual ~clock() = default;

  // Monotonic time: for timeouts and pulse lengths.
  [[nodiscard]] virtual steady_time now() const = 0;
  // Wall time: for timestamps and deadlines that must survive a restart (pickup windows).
  [[nodiscard]] virtual wall_time wall_now() const = 0;

  // Calls fn once, on the event loop, no earlier than delay from now. Never calls fn
  // from inside call_after itself.
  virtual timer_id call_after(millis delay, std::function<void()> fn) = 0;
  // Cancelling a timer that has fired or was cancelled is a no-op.
  virtual void cancel(timer_id id) = 0;
  // Which boot now() counts from: two readings of now() compare only within one boot (a
  // lockout's end on the steady clock survives a restart of lockerd, not a reboot). Empty:
  // unknown, every start counts as a new boot.
  [[nodiscard]] virtual std::string boot_id() const { return {}; }
  // Calls fn on the event loop after the wall clock was set (stepped by NTP, a person or an RTC
  // read late), not when it is slewed; at most one listener (a later call replaces it). The
  // default clock never reports a step.
  virtual void on_wall_clock_set(const std::function<void()>& /*fn*/) {}
  // Whether the wall clock has been synchronized since boot, as the system says it: systemd-
  // timesyncd's /run/systemd/timesync/synchronized, or the kernel's flag (adjtimex(2):
  // STA_UNSYNC clear, which chrony and ntpd leave; what timedatectl shows as "System clock
  // synchronized"), where the sandbox lets it be read. The default clock: yes.
  [[nodiscard]] virtual bool wall_clock_synchronized() const { return true; }
};

// A one-shot timer owned by an object: cancelled when restarted or destroyed, so a
// callback never outlives its owner.
class timer {
 public:
  explicit timer(clock& c) : clock_(&c) {}
  timer(const timer&) = delete;
  timer& operator=(const timer&) = delete;
  ~timer() { cancel(); }

  void start(millis delay, std::function<void()> fn) {
    cancel();
    armed_ = true;
    id_ = clock_->call_after(delay, [this, fn = std::move(fn)] {
      armed_ = false;
      fn();
    });
  }
  void cancel() {
    if (armed_) clock_->cancel(id_);
    armed_ = false;
  }
  [[nodiscard]] bool armed() const { return armed_; }

 private:
  clock* clock_;
  clock::timer_id id_ = 0;
  bool armed_ = false;
};

}  // namespace locker::drivers
