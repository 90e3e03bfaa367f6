// SPDX-License-Identifier: Apache-2.0
// The systemd watchdog (WatchdogSec=): pings sent from the event loop itself, so a loop that
// is stuck stops pinging and systemd kills and restarts the daemon.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include <sys/types.h>

#include "daemon/service/notifier.hpp"
#include "drivers/clock.hpp"

namespace locker::service {

using std::chrono::microseconds;

// The watchdog interval systemd asks for, from the values of WATCHDOG_USEC and WATCHDOG_PID
// (null when unset). nullopt when there is no watchdog for this process: WATCHDOG_USEC unset,
// zero or not a number, or WATCHDOG_PID naming another process (then the variables were
// inherited from a parent and are not meant for us).
[[nodiscard]] std::optional<microseconds> parse_watchdog(const char* usec, const char* pid,
                                                         pid_t self);
// The same for this process's environment.
[[nodiscard]] std::optional<microseconds> watchdog_interval_from_environment();

class watchdog {
 public:
  // Pings through n every interval / 2 (at least every millisecond), timed by clock. Both
  // must outlive the watchdog.
  watchdog(notifier& n, drivers::clock& clock, microseconds interval);
  watchdog(const watchdog&) = delete;
  watchdog& operator=(const watchdog&) = delete;
  ~watchdog() = default;

  // Pings now, then every period(). Starting again restarts the period.
  void start();
  void stop() { timer_.cancel(); }

  [[nodiscard]] drivers::millis period() const { return period_; }
  [[nodiscard]] bool running() const { return timer_.armed(); }

 private:
  void ping();

  notifier& notifier_;
  drivers::timer timer_;
  drivers::millis period_;
  bool failing_ = false;
};

}  // namespace locker::service
