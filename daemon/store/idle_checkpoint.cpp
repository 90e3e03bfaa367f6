// SPDX-License-Identifier: Apache-2.0
#include "daemon/store/idle_checkpoint.hpp"

#include "daemon/log/log.hpp"

namespace locker::store {

idle_checkpoint::idle_checkpoint(database& db, drivers::clock& clock, checkpoint_settings settings)
    : db_(db), settings_(settings), timer_(clock) {
  db_.on_wal_commit([this](int pages) { committed(pages); });
}

idle_checkpoint::~idle_checkpoint() { db_.on_wal_commit(nullptr); }

void idle_checkpoint::committed(int wal_pages) {
  if (wal_pages <= 0) {
    timer_.cancel();
    soon_ = false;
    return;
  }
  if (soon_ && timer_.armed()) return;  // already due on the next turn
  soon_ = wal_pages >= settings_.soon_pages;
  // Restarted by every commit: "quiet" means no commit for that long.
  timer_.start(soon_ ? drivers::millis{0} : settings_.quiet, [this] { run(); });
}

void idle_checkpoint::run() {
  soon_ = false;
  try {
    // false: another connection (lockeradm) holds a read snapshot; the next commit re-arms.
    db_.checkpoint_passive();
  } catch (const std::exception& e) {
    log::warning("store", "WAL checkpoint: ", e.what());
  }
}

}  // namespace locker::store
