// SPDX-License-Identifier: Apache-2.0
// Parcels whose pickup window ended: marking them expired and arming the timer for the
// next one (wall-clock deadlines, re-checked in case the clock was set).
#include <algorithm>

#include "daemon/controller/controller.hpp"
#include "daemon/controller/controller_internal.hpp"
#include "daemon/log/log.hpp"

namespace locker::controller {

void controller::expire_due_parcels() {
  const bool done = guarded("expiring parcels", {}, [&] {
    for (const auto& p : db_.parcels().due_to_expire(clock_.wall_now())) {
      must_commit([&](store::transaction& tx) {
        db_.parcels().mark(tx, p.id, store::parcel_state::expired, clock_.wall_now());
        journal(tx, store::journal_topic::parcel, "expired",
                {{"tracking_number", p.tracking_number}, {"compartment", p.compartment_id}});
      });
    }
  });
  if (!done) {
    // What is due stays due: try again, rather than wait for the next deposit.
    expiry_timer_.start(storage_retry, [this] { expire_due_parcels(); });
    return;
  }
  arm_expiry_timer();
}

void controller::arm_expiry_timer() {
  const bool armed = guarded("arming the expiry timer", {}, [&] {
    const std::optional<drivers::wall_time> next = db_.parcels().next_expiry();
    if (!next) {
      expiry_timer_.cancel();
      return;
    }
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(*next - clock_.wall_now());
    wait = std::clamp(wait, std::chrono::milliseconds{0}, max_timer_wait);
    expiry_timer_.start(wait, [this] { expire_due_parcels(); });
  });
  if (!armed) expiry_timer_.start(storage_retry, [this] { expire_due_parcels(); });
}

}  // namespace locker::controller
