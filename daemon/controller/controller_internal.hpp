// SPDX-License-Identifier: Apache-2.0
// What the controller's source files share and nobody else sees: the compartment slot and the
// constants more than one of them uses. The controller is split by reason to change (keypad
// access, deposits, removals, start-up recovery, expiry, power); this keeps them one class.
#pragma once

#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <string_view>
#include <utility>

#include "daemon/controller/controller.hpp"

namespace locker::controller {

// Wall-clock deadlines are re-checked at least this often, in case the clock was set.
constexpr std::chrono::milliseconds max_timer_wait{3600 * 1000};

// The service reason of a compartment to be checked after a damaged database was replaced
// (books_lost.cpp).
constexpr std::string_view books_lost_reason = "books_lost";

// After a database error stopped a timer's work (expiry, lockout): when it tries again.
constexpr std::chrono::milliseconds storage_retry{60 * 1000};

// Thrown by must_commit() once commit() has logged and alarmed the refusal; caught only by
// guarded(), which answers for it without a second log line.
struct storage_unavailable : std::exception {
  [[nodiscard]] const char* what() const noexcept override { return "the database refused"; }
};

template <class R, class F>
R controller::guarded(std::string_view what, std::string_view compartment, R failed, F&& fn) {
  // Inside a transaction: the commit around it rolls back and reports the whole change.
  if (tx_depth_ > 0) return std::forward<F>(fn)();
  const doing outer = std::exchange(doing_, doing{what, compartment});
  struct restore {
    doing& d;
    doing saved;
    ~restore() { d = saved; }
  } restore_on_exit{doing_, outer};
  try {
    return std::forward<F>(fn)();
  } catch (const storage_unavailable&) {
    // commit() said it already.
  } catch (const store::store_error& e) {
    storage_failed(what, compartment, e.what(), true);
  } catch (const std::exception& e) {
    storage_failed(what, compartment, e.what(), false);
  }
  return failed;
}

template <class F>
bool controller::guarded(std::string_view what, std::string_view compartment, F&& fn) {
  return guarded(what, compartment, false, [&] {
    std::forward<F>(fn)();
    return true;
  });
}

// Behind a closed, locked door with nothing under way and a presence sensor that is trusted.
inline bool can_look_inside(const compartment::compartment& m) {
  return m.occupied().has_value() && m.door() == compartment::door_state::closed &&
         m.lock() == compartment::lock_state::locked &&
         !m.alarms().has(compartment::alarm_type::sensor_fault);
}

// One compartment: the state machine, and what its door is open for (persisted with it).
struct controller::slot {
  hardware::compartment_hardware& hw;
  std::unique_ptr<compartment::compartment> machine;
  int rank = 0;
  operation op;  // what the door is open for; saved with the compartment (encode())
  // not persisted: the reply is in memory
  std::function<void(compartment::open_outcome)> operator_done;
  // The keypad session's time to reopen a pickup closed on its parcel (contents.cpp).
  std::unique_ptr<drivers::timer> left_inside_window;
};

}  // namespace locker::controller
