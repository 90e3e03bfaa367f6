// SPDX-License-Identifier: Apache-2.0
#include "daemon/hardware/cabinet_hardware.hpp"

#include <algorithm>
#include <stdexcept>

#include "daemon/log/log.hpp"

namespace locker::hardware {

cabinet_hardware::cabinet_hardware(drivers::board& board, drivers::clock& clock,
                                   const drivers::board_config& cfg, const config::timings& timings)
    : board_(board), supply_(clock, timings.coil_gap) {
  compartments_.reserve(cfg.compartments.size());
  // Outputs first: a lock is safe from the moment its line is requested.
  for (const auto& c : cfg.compartments) {
    compartments_.push_back(compartment_hardware{
        &c,
        std::make_unique<drivers::pulsed_lock>(board.output(c.lock), supply_, timings.lock_pulse,
                                               timings.lock_pulse_max),
        nullptr, nullptr});
  }
  for (auto& h : compartments_) {
    h.door = std::make_unique<drivers::debounced_door_sensor>(board.input(h.config->door), clock,
                                                              timings.debounce);
    if (h.config->presence) {
      h.presence = std::make_unique<drivers::debounced_presence_sensor>(
          board.input(*h.config->presence), clock, timings.debounce);
    }
  }
  if (cfg.backup_power) {
    power_ = std::make_unique<drivers::debounced_power_sensor>(
        board.input(*cfg.backup_power), clock, std::max(timings.debounce, power_settle));
  }
  if (cfg.scanner) {
    scanner_ = board.scanner();
    if (scanner_ == nullptr) {
      throw std::runtime_error(cfg.file + ": scanner: this hardware backend has no scanner");
    }
  }
  if (cfg.badge) {
    if (cfg.badge->kind == drivers::badge_kind::wiegand) {
      wiegand_ = std::make_unique<drivers::input::wiegand_reader>(
          board.pulse_input(cfg.badge->wiegand_d0), board.pulse_input(cfg.badge->wiegand_d1),
          clock);
      // Ignored and counted (garbled()); the reason is worth a line, the bits are not.
      wiegand_->on_garbled([](const drivers::input::wiegand_frame& f) {
        log::warning("hardware", "badge reader: ignored a garbled Wiegand frame (", f.bits,
                     " bits, ", drivers::input::describe(f.error), ")");
      });
      badge_reader_ = wiegand_.get();
    } else {
      badge_reader_ = board.badge_reader();
      if (badge_reader_ == nullptr) {
        throw std::runtime_error(cfg.file +
                                 ": badge: this hardware backend has no HID badge reader");
      }
    }
  }
}

void cabinet_hardware::apply_timings(const config::timings& timings) {
  supply_.set_gap(timings.coil_gap);
  for (auto& h : compartments_) {
    h.lock->set_pulse(timings.lock_pulse);
    h.door->set_settle(timings.debounce);
    if (h.presence) h.presence->set_settle(timings.debounce);
  }
}

void make_locks_safe(drivers::board& board, const drivers::board_config& cfg) {
  for (const auto& c : cfg.compartments) (void)board.output(c.lock);
}

compartment_hardware* cabinet_hardware::find(std::string_view id) {
  for (auto& h : compartments_)
    if (h.config->id == id) return &h;
  return nullptr;
}

}  // namespace locker::hardware
