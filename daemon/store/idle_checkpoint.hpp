// SPDX-License-Identifier: Apache-2.0
// WAL checkpoints at moments nobody waits for. After a commit the locker usually has
// nothing to do for a while (a person opens a door, a key is pressed now and then): the
// checkpoint runs once the database has been quiet for `quiet`, or on the next turn of the
// loop once the WAL holds `soon_pages`, right after the commit that crossed it (never inside
// it: that commit may be the one a person is waiting on, and its handler drives the coil
// before the loop gets here). soon_pages is SQLite's own automatic threshold, so a burst of
// commits (a backlog draining) checkpoints no more often than SQLite would. A checkpoint that
// copied the whole WAL is followed by database::restart_wal(), so that the next commit, a
// person's as likely as not, pays one fsync rather than two.
//
// Other upkeep that no one should wait for (history_retention) runs at the same quiet moments,
// after the checkpoint: on_quiet().
#pragma once

#include <functional>

#include "daemon/store/database.hpp"
#include "drivers/clock.hpp"

namespace locker::store {

struct checkpoint_settings {
  drivers::millis quiet{500};
  int soon_pages = 1000;  // 4 MB of 4 KiB pages
};

class idle_checkpoint {
 public:
  idle_checkpoint(database& db, drivers::clock& clock, checkpoint_settings settings = {});
  idle_checkpoint(const idle_checkpoint&) = delete;
  idle_checkpoint& operator=(const idle_checkpoint&) = delete;
  ~idle_checkpoint();

  // Runs `work` at each quiet moment, after the checkpoint (not on the next-turn one, which
  // follows a burst of commits rather than a pause). It must not throw. A commit it makes
  // leads to the next quiet moment like any other.
  void on_quiet(std::function<void()> work) { quiet_work_ = std::move(work); }

 private:
  void committed(int wal_pages);
  void when_quiet();
  void run();

  database& db_;
  drivers::clock& clock_;
  checkpoint_settings settings_;
  drivers::timer timer_;
  drivers::steady_time last_commit_{};
  bool soon_ = false;  // timer_ is the next-turn one
  std::function<void()> quiet_work_;
};

}  // namespace locker::store
