// SPDX-License-Identifier: Apache-2.0
// The history is kept for a while, then deleted: it must not grow without end (issue 14), and
// what lockeradm and an operator need of it is recent. Three parts of it grow with every
// parcel or action:
// - parcels that ended (collected, removed), kept `ended_parcels` after they closed;
// - the reservations that ended with them (deposited, once no parcel on file names them; and
//   cancelled ones), kept as long from when they were made;
// - the audit log, kept `audit` (longer: who opened what is asked about later).
// Deleting is upkeep no one should wait for, so it runs a bounded batch of each at a time at
// the moments the database is quiet (idle_checkpoint::on_quiet): never inside a commit a person
// waits on, never at start, and with no timer of its own. A batch that deleted something
// committed, which leads to the next quiet moment and so to the next batch, with the loop free
// for people in between; a locker where nothing happens has nothing new to delete. Its commits
// are relaxed (database::relaxed_commits): a deletion a power cut undoes is done again.
#pragma once

#include <chrono>
#include <cstdint>

#include "daemon/store/store.hpp"
#include "drivers/clock.hpp"

namespace locker::store {

struct retention_settings {
  // How long an ended parcel stays on file after it was collected or removed, and an ended
  // reservation after it was made; zero: forever.
  std::chrono::days ended_parcels{90};
  // How long an audit entry stays; zero: forever.
  std::chrono::days audit{365};
  // Rows deleted of each per quiet moment: small enough that a person who arrives during a
  // batch does not notice (store_timing measures one).
  std::int64_t batch = 100;
};

class history_retention {
 public:
  history_retention(store& st, drivers::clock& clock, retention_settings settings = {});

  // Deletes one batch of each part of the history past its retention, if there is any, and
  // returns how many rows went. Never throws: a failure is logged, and the next quiet moment
  // tries again.
  std::int64_t run();

 private:
  store& st_;
  drivers::clock& clock_;
  retention_settings settings_;
};

}  // namespace locker::store
