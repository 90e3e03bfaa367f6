// SPDX-License-Identifier: Apache-2.0
#include "daemon/store/idle_checkpoint.hpp"

#include <chrono>

#include "daemon/log/log.hpp"

namespace locker::store {

idle_checkpoint::idle_checkpoint(database& db, drivers::clock& clock, checkpoint_settings settings)
    : db_(db), clock_(clock), settings_(settings), timer_(clock) {
  db_.on_wal_commit([this](int pages) { committed(pages); });
}

idle_checkpoint::~idle_checkpoint() { db_.on_wal_commit(nullptr); }

void idle_checkpoint::committed(int wal_pages) {
  if (wal_pages <= 0) {
    timer_.cancel();
    soon_ = false;
    return;
  }
  // Runs inside every commit, a pickup's included: a time noted, a timer set only when
  // none is.
  last_commit_ = clock_.now();
  if (soon_) return;  // already due on the next turn
  if (wal_pages >= settings_.soon_pages) {
    soon_ = true;
    timer_.start(drivers::millis{0}, [this] { run(); });
  } else if (!timer_.armed()) {
    timer_.start(settings_.quiet, [this] { when_quiet(); });
  }
}

void idle_checkpoint::when_quiet() {
  // "Quiet" means no commit for that long: one since the timer was set moves it on.
  const auto since = clock_.now() - last_commit_;
  if (since < settings_.quiet) {
    timer_.start(std::chrono::ceil<drivers::millis>(settings_.quiet - since),
                 [this] { when_quiet(); });
    return;
  }
  run();
  if (quiet_work_) quiet_work_();
}

void idle_checkpoint::run() {
  soon_ = false;
  try {
    // false: another connection (lockeradm) holds a read snapshot; the next commit re-arms.
    // true: the WAL starts over, with its header's fsync paid now rather than by the next
    // commit, which is likely a person's.
    if (db_.checkpoint_passive()) db_.restart_wal();
  } catch (const std::exception& e) {
    log::warning("store", "WAL checkpoint: ", e.what());
  }
}

}  // namespace locker::store
