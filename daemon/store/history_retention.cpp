// SPDX-License-Identifier: Apache-2.0
#include "daemon/store/history_retention.hpp"

#include <exception>
#include <optional>

#include "daemon/log/log.hpp"

namespace locker::store {
namespace {

// One part's batch: nothing past its time is one index probe and no write (so no commit, and
// no further quiet moment asked for).
template <class F>
std::int64_t batch_of(const char* what, F&& prune) {
  try {
    return prune();
  } catch (const std::exception& e) {
    log::warning("store", "deleting ", what, ": ", e.what());
    return 0;
  }
}

}  // namespace

history_retention::history_retention(store& st, drivers::clock& clock, retention_settings settings)
    : st_(st), clock_(clock), settings_(settings) {}

std::int64_t history_retention::run() {
  if (settings_.batch <= 0) return 0;
  const auto now = clock_.wall_now();
  // Without an fsync: a power cut can only undo a batch, which a later quiet moment deletes
  // again, and the next ordinary commit's fsync makes it durable with that commit. So the up
  // to three commits below cost no disk wait, for a person arriving meanwhile either.
  std::optional<database::relaxed_commits> relaxed;
  try {
    relaxed.emplace(st_.db());
  } catch (const std::exception& e) {
    log::warning("store", "deleting old history: ", e.what());
    return 0;
  }
  std::int64_t deleted = 0;
  if (settings_.ended_parcels.count() > 0) {
    const auto cutoff = now - settings_.ended_parcels;
    // Parcels first: a deposited reservation goes once its parcel has.
    deleted += batch_of("ended parcels",
                        [&] { return st_.parcels().prune_ended(cutoff, settings_.batch); });
    deleted += batch_of("ended reservations",
                        [&] { return st_.reservations().prune_ended(cutoff, settings_.batch); });
  }
  if (settings_.audit.count() > 0) {
    deleted += batch_of("old audit entries",
                        [&] { return st_.audit().prune(now - settings_.audit, settings_.batch); });
  }
  return deleted;
}

}  // namespace locker::store
