// SPDX-License-Identifier: Apache-2.0
// A courier taking out expired and cancelled parcels: listing them and opening their
// compartment. Booking the removal at the door's close is the core's (door_closed).
#include <exception>

#include "daemon/controller/controller.hpp"
#include "daemon/controller/controller_internal.hpp"
#include "daemon/log/log.hpp"

namespace locker::controller {

using compartment::open_cause;

std::vector<keypad::removal_item> controller::removals() {
  std::vector<keypad::removal_item> out;
  try {
    for (auto state : {store::parcel_state::expired, store::parcel_state::cancelled})
      for (const auto& p : db_.parcels(state))
        out.push_back({p.id, p.tracking_number, p.compartment_id,
                       state == store::parcel_state::expired ? "expired" : "cancelled"});
  } catch (const std::exception& e) {
    log::error("controller", "listing removals: ", e.what());
  }
  return out;
}

bool controller::begin_removal(const keypad::courier_identity& courier, std::int64_t parcel_id) {
  try {
    const auto p = db_.parcel(parcel_id);
    if (!p ||
        (p->state != store::parcel_state::expired && p->state != store::parcel_state::cancelled))
      return false;
    slot* s = find_slot(p->compartment_id);
    if (s != nullptr) s->machine->abandon_resumed_unlock();  // the courier is here now
    if (!s || !is_none(s->op)) return false;
    return open_for(
        *s, open_cause::courier_removal,
        removal_operation{p->id, courier.courier_id,
                          p->state == store::parcel_state::expired ? "expired" : "cancelled"});
  } catch (const std::exception& e) {
    log::error("controller", "starting a removal: ", e.what());
    return false;
  }
}

}  // namespace locker::controller
