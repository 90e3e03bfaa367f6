// SPDX-License-Identifier: Apache-2.0
#include "daemon/service/watchdog.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include <unistd.h>

#include "daemon/log/log.hpp"

namespace locker::service {

namespace {

template <typename T>
std::optional<T> parse_number(const char* text) {
  if (text == nullptr) return std::nullopt;
  const char* end = text + std::strlen(text);
  T value{};
  const auto [p, ec] = std::from_chars(text, end, value);
  if (ec != std::errc{} || p != end || p == text) return std::nullopt;
  return value;
}

}  // namespace

std::optional<microseconds> parse_watchdog(const char* usec, const char* pid, pid_t self) {
  const auto interval = parse_number<std::uint64_t>(usec);
  if (!interval || *interval == 0) return std::nullopt;
  if (pid != nullptr) {
    const auto owner = parse_number<pid_t>(pid);
    if (!owner || *owner != self) return std::nullopt;
  }
  return microseconds(static_cast<microseconds::rep>(*interval));
}

std::optional<microseconds> watchdog_interval_from_environment() {
  return parse_watchdog(std::getenv("WATCHDOG_USEC"), std::getenv("WATCHDOG_PID"), ::getpid());
}

watchdog::watchdog(notifier& n, drivers::clock& clock, microseconds interval)
    : notifier_(n),
      timer_(clock),
      // Half the interval, as sd_watchdog_enabled(3) advises: one late or lost ping does not
      // yet count as a hang.
      period_(std::max(drivers::millis{1},
                       std::chrono::duration_cast<drivers::millis>(interval / 2))) {}

void watchdog::start() { ping(); }

void watchdog::ping() {
  const auto ec = notifier_.notify_watchdog();
  // Logged once per run of failures, not every period.
  if (ec && !failing_) log::warning("service", "watchdog ping not sent: ", ec.message());
  failing_ = static_cast<bool>(ec);
  timer_.start(period_, [this] { ping(); });
}

}  // namespace locker::service
