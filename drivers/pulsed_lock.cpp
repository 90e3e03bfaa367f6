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
      pulse_timer_(supply.time_source()),
      off_retry_timer_(supply.time_source()),
      fault_timer_(supply.time_source()) {
  // At start-up: a line that cannot be driven is the backend's to refuse (it throws when
  // requested); the level asked for here is the safe one it was requested with.
  (void)coil_.set(false);
}

void pulsed_lock::set_pulse(millis pulse) { pulse_ = std::clamp(pulse, millis{1}, max_pulse_); }

pulsed_lock::~pulsed_lock() {
  (void)coil_.set(false);
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
  if (const auto ec = coil_.set(true)) {
    // Not energized: this pulse is over, and the supply is free for the next one.
    queued_ = false;
    (void)coil_.set(false);
    supply_.finished(this);
    report_fault(ec);
    return;
  }
  pulsing_ = true;
  pulse_timer_.start(pulse_, [this] { end_pulse(); });
  if (pulse_handler_) pulse_handler_();
}

void pulsed_lock::end_pulse() {
  pulsing_ = false;
  queued_ = false;
  if (const auto ec = coil_.set(false)) {
    report_fault(ec);
    off_retry_ = first_off_retry;
    off_retry_timer_.start(off_retry_, [this] { switch_off(); });
    return;  // the supply stays ours: this coil may still be energized
  }
  supply_.finished(this);
}

void pulsed_lock::switch_off() {
  if (coil_.set(false)) {
    off_retry_ = std::min(off_retry_ * 2, last_off_retry);
    off_retry_timer_.start(off_retry_, [this] { switch_off(); });
    return;
  }
  supply_.finished(this);
}

void pulsed_lock::report_fault(std::error_code ec) {
  // Deferred: the caller may be in the middle of unlock() or release().
  fault_ = ec;
  fault_timer_.start(millis{0}, [this] {
    if (fault_handler_) fault_handler_(fault_);
  });
}

}  // namespace locker::drivers
