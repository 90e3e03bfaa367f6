// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <deque>

#include "drivers/clock.hpp"
#include "drivers/hardware.hpp"
#include "drivers/line.hpp"

namespace locker::drivers {

class pulsed_lock;

// The locks' shared power supply: at most one coil is energized at any instant. Unlock
// requests queue here and are served in order, with a short gap between pulses.
class coil_supply {
 public:
  explicit coil_supply(drivers::clock& c, millis gap = millis{50})
      : clock_(c), gap_timer_(c), gap_(gap) {}
  coil_supply(const coil_supply&) = delete;
  coil_supply& operator=(const coil_supply&) = delete;

  [[nodiscard]] drivers::clock& time_source() { return clock_; }
  [[nodiscard]] bool busy() const { return active_ != nullptr || gap_timer_.armed(); }
  // A new gap, from the next pulse's end on.
  void set_gap(millis gap) { gap_ = gap; }
  [[nodiscard]] millis gap() const { return gap_; }

 private:
  friend class pulsed_lock;
  void request(pulsed_lock* l);
  void finished(pulsed_lock* l);
  void forget(pulsed_lock* l);
  void serve_next();

  drivers::clock& clock_;
  timer gap_timer_;
  millis gap_;
  pulsed_lock* active_ = nullptr;
  std::deque<pulsed_lock*> waiting_;
};

// A lock whose coil is an output line: unlock() energizes it for pulse (clamped to
// max_pulse, whatever the caller or the config asked), then releases it.
//
// A failed write is reported through on_fault (deferred to the loop). If the coil could not
// be energized, the pulse is over and the supply serves the next one. If it could not be
// switched off, it may still be energized: the supply stays held (never two coils at once)
// and switching it off is retried, more and more slowly, until the write succeeds.
class pulsed_lock final : public lock {
 public:
  pulsed_lock(output_line& coil, coil_supply& supply, millis pulse, millis max_pulse);
  pulsed_lock(const pulsed_lock&) = delete;
  pulsed_lock& operator=(const pulsed_lock&) = delete;
  ~pulsed_lock() override;

  void unlock() override;
  void release() override;
  [[nodiscard]] bool energized() const override { return coil_.get(); }
  void on_pulse(std::function<void()> handler) override { pulse_handler_ = std::move(handler); }
  void on_fault(std::function<void(std::error_code)> handler) override {
    fault_handler_ = std::move(handler);
  }
  [[nodiscard]] millis pulse_length() const { return pulse_; }
  // A new pulse length (clamped to max_pulse as in the constructor), from the next pulse on.
  void set_pulse(millis pulse);

  // The first wait before switching a coil off is tried again; it doubles up to the last.
  static constexpr millis first_off_retry{50};
  static constexpr millis last_off_retry{2000};

 private:
  friend class coil_supply;
  void start_pulse();
  void end_pulse();
  void switch_off();
  void report_fault(std::error_code ec);
  bool pulsing_ = false;

  output_line& coil_;
  coil_supply& supply_;
  millis max_pulse_;
  millis pulse_;
  timer pulse_timer_;
  timer off_retry_timer_;
  millis off_retry_{first_off_retry};
  timer fault_timer_;
  std::error_code fault_;
  bool queued_ = false;
  std::function<void()> pulse_handler_;
  std::function<void(std::error_code)> fault_handler_;
};

}  // namespace locker::drivers
