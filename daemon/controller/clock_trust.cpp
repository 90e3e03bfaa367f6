// SPDX-License-Identifier: Apache-2.0
// Clock trust (issue 15): pickup windows, holds and reservations end at wall-clock times, and
// the wall clock can be set under the locker (NTP's first sync after a boot with a flat RTC
// battery, a person, a bad RTC). The kernel says when it is set (drivers::clock's
// on_wall_clock_set; the keypad's lockout checks compare too). A step of 2 s or more is
// logged, reported as the clock_step alarm (warning, with step_s; cleared after ten minutes)
// and the wall-clock timers are armed again at once instead of within their hourly re-check.
// Keypad lockouts run on the steady clock and are not touched.
#include <chrono>

#include "daemon/controller/controller.hpp"
#include "daemon/controller/controller_internal.hpp"
#include "daemon/log/log.hpp"

namespace locker::controller {

namespace {

using std::chrono::milliseconds;

constexpr milliseconds wall_step{2000};
// How long the clock_step alarm stays raised: long enough to be seen in the state.
constexpr milliseconds clock_step_shown{10 * 60 * 1000};

}  // namespace

void controller::note_wall_clock() {
  const auto offset =
      std::chrono::duration_cast<milliseconds>(clock_.wall_now().time_since_epoch()) - steady_ms();
  const auto before = wall_offset_;
  wall_offset_ = offset;
  if (!before) return;
  const auto moved = offset - *before;
  if (moved < wall_step && moved > -wall_step) return;
  // Not in the middle of whatever asked (a keypad lockout check): on the loop, right after.
  clock_step_timer_.start(milliseconds{0}, [this, moved] { report_clock_step(moved); });
}

void controller::report_clock_step(milliseconds step) {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(step).count();
  log::warning("controller", "the wall clock was set by ", seconds,
               " s: pickup windows, holds and reservations are looked at again; keypad "
               "lockouts run on the steady clock and are unchanged");
  guarded("reporting a step of the wall clock", {}, [&] {
    commit([&](store::transaction& tx) {
      journal(tx, store::journal_topic::alarm, "clock_step",
              {{"severity", "warning"}, {"active", true}, {"step_s", seconds}});
    });
  });
  clock_step_since_ = clock_.wall_now();
  arm_expiry_timer();
  arm_reservation_timer();
  clock_step_timer_.start(clock_step_shown, [this] {
    guarded("clearing the clock_step alarm", {}, [&] {
      commit([&](store::transaction& tx) {
        journal(tx, store::journal_topic::alarm, "clock_step",
                {{"severity", "warning"}, {"active", false}});
      });
    });
    clock_step_since_.reset();
  });
}

}  // namespace locker::controller
