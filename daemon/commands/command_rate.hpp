// SPDX-License-Identifier: Apache-2.0
// The per-locker limit on MQTT commands (issue 15): anyone allowed to publish on cmd/ could
// otherwise make the locker commit, audit and answer as fast as they send. A token bucket on
// the steady clock: `burst` commands at once, then `per_second` on average; a command over
// the limit is answered busy and changes nothing. Pure: the handler owns one and asks it.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <utility>

#include "drivers/clock.hpp"

namespace locker::commands {

struct rate_limit {
  double burst = 50;
  double per_second = 10;
};

class command_rate {
 public:
  explicit command_rate(rate_limit limit = {}) : limit_(limit), tokens_(limit.burst) {}

  // One command at `now`: true when it may run (and it is counted), false when over the limit.
  bool admit(drivers::steady_time now) {
    refill(now);
    if (tokens_ < 1.0) {
      ++refused_;
      return false;
    }
    tokens_ -= 1.0;
    return true;
  }
  // Whether a command at `now` would be admitted, without counting it.
  [[nodiscard]] bool has_room(drivers::steady_time now) {
    refill(now);
    return tokens_ >= 1.0;
  }
  // Commands refused since the last call (for one log line per burst, not one per command).
  std::uint64_t take_refused() { return std::exchange(refused_, 0); }

 private:
  void refill(drivers::steady_time now) {
    if (last_) {
      const std::chrono::duration<double> passed = now - *last_;
      tokens_ = std::min(limit_.burst, tokens_ + std::max(0.0, passed.count()) * limit_.per_second);
    }
    last_ = now;
  }

  rate_limit limit_;
  double tokens_;
  std::optional<drivers::steady_time> last_;
  std::uint64_t refused_ = 0;
};

}  // namespace locker::commands
