// SPDX-License-Identifier: Apache-2.0
#include "daemon/store/parcel_retention.hpp"

#include <exception>

#include "daemon/log/log.hpp"

namespace locker::store {

parcel_retention::parcel_retention(store& st, drivers::clock& clock, retention_settings settings)
    : st_(st), clock_(clock), settings_(settings) {}

std::int64_t parcel_retention::run() {
  if (settings_.ended_parcels.count() <= 0 || settings_.batch <= 0) return 0;
  try {
    // Nothing past its time: one index probe, and no write (so no commit, and no further
    // quiet moment asked for).
    return st_.parcels().prune_ended(clock_.wall_now() - settings_.ended_parcels, settings_.batch);
  } catch (const std::exception& e) {
    log::warning("store", "deleting ended parcels: ", e.what());
    return 0;
  }
}

}  // namespace locker::store
