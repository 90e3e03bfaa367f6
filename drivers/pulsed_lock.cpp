// SPDX-License-Identifier: Apache-2.0
#include "drivers/pulsed_lock.hpp"

#include <algorithm>

namespace locker::drivers {

void coil_supply::request(pulsed_lock* l) {
  waiting_.push_back(l);
  serve_next();
}

void coil_supply::serve_next() {
  if (busy() || waiting_.empty()) return;
  active_ = waiting_.front();
  waiting_.pop_front();
  active_->start_pulse();
}

void coil_supply::finished(pulsed_lock* l) {
  if (active_ != l) return;
  active_ = nullptr;
  // The gap lets the supply recover and keeps two pulses from touching.
  gap_timer_.start(gap_, [this] { serve_next(); });
}

void coil_supply::forget(pulsed_lock* l) {
  std::erase(waiting_, l);
  if (active_ == l) finished(l);
}

pulsed_lock::pulsed_lock(output_line& coil, coil_supply& supply, millis pulse, millis max_pulse)
    : coil_(coil),
      supply_(supply),
      max_pulse_(std::max(millis{1}, max_pulse)),
      pulse_(std::clamp(pulse, millis{1}, max_pulse_)),
      pulse_timer_(supply.time_source()) {
  coil_.set(false);
}

void pulsed_lock::set_pulse(millis pulse) { pulse_ = std::clamp(pulse, millis{1}, max_pulse_); }

pulsed_lock::~pulsed_lock() {
  coil_.set(false);
  supply_.forget(this);
}

void pulsed_lock::unlock() {
  // A second request while one is queued or running is the same unlock.
  if (queued_) return;
  queued_ = true;
  supply_.request(this);
}

void pulsed_lock::release() {
  if (!queued_) return;
  if (pulsing_) {
    pulse_timer_.cancel();
    end_pulse();
    return;
  }
  queued_ = false;
  supply_.forget(this);
}

void pulsed_lock::start_pulse() {
  pulsing_ = true;
  coil_.set(true);
  pulse_timer_.start(pulse_, [this] { end_pulse(); });
}

void pulsed_lock::end_pulse() {
  pulsing_ = false;
  coil_.set(false);
  queued_ = false;
  supply_.finished(this);
}

}  // namespace locker::drivers
