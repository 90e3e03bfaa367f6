// SPDX-License-Identifier: Apache-2.0
// A courier taking out expired and cancelled parcels (and outbound ones: dropoffs.cpp): listing
// them and opening their compartment. Booking the removal at the door's close is the core's
// (door_closed).
#include "daemon/controller/controller.hpp"
#include "daemon/controller/controller_internal.hpp"
#include "daemon/log/log.hpp"

namespace locker::controller {

using compartment::open_cause;

std::vector<keypad::removal_item> controller::removals() {
  return guarded("listing removals", {}, std::vector<keypad::removal_item>{}, [&] {
    std::vector<keypad::removal_item> out;
    for (auto state : {store::parcel_state::expired, store::parcel_state::cancelled})
      for (const auto& p : db_.parcels().all(state))
        out.push_back({p.id, p.tracking_number, p.compartment_id,
                       state == store::parcel_state::expired ? "expired" : "cancelled"});
    return out;
  });
}

bool controller::begin_removal(const keypad::courier_identity& courier, std::int64_t parcel_id) {
  return guarded("starting a removal", {}, false, [&] {
    const auto p = db_.parcels().find(parcel_id);
    if (!p) return false;
    // Drop-off flow: outbound parcels too, and only the courier's carrier's (dropoffs.cpp).
    const auto outbound = outbound_removal_reason(*p);
    if (!outbound && p->state != store::parcel_state::expired &&
        p->state != store::parcel_state::cancelled)
      return false;
    if (!carrier_may_take(db_.outbound().courier_carrier(courier.courier_id), p->id)) return false;
    slot* s = find_slot(p->compartment_id);
    if (s != nullptr) s->machine->abandon_resumed_unlock();  // the courier is here now
    if (!s || !is_none(s->op)) return false;
    return open_for(*s, open_cause::courier_removal,
                    removal_operation{p->id, courier.courier_id,
                                      outbound                                   ? *outbound
                                      : p->state == store::parcel_state::expired ? "expired"
                                                                                 : "cancelled"},
                    {}, keypad_left_open_factor());
  });
}

}  // namespace locker::controller
