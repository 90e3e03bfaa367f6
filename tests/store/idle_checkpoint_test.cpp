// SPDX-License-Identifier: Apache-2.0
// WAL checkpoints: never inside an ordinary commit, on the loop once the database is quiet
// or the WAL has grown, inside a commit only at the hard limit. What reached the database
// file is read from a copy of that file alone (without its WAL), so nothing here trusts the
// counters it checks.
#include "daemon/store/idle_checkpoint.hpp"

#include <chrono>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "daemon/store/database.hpp"
#include "drivers/virtual_clock.hpp"
#include "tests/store/temp_dir.hpp"

namespace locker::store {
namespace {

using namespace std::chrono_literals;

class idle_checkpoint_test : public testing::temp_dir_test {
 protected:
  void SetUp() override {
    temp_dir_test::SetUp();
    db_.emplace(db_path());
    db_->exec("CREATE TABLE parcels (id INTEGER PRIMARY KEY, label TEXT NOT NULL)");
    ASSERT_TRUE(db_->checkpoint_passive());  // the table itself is in the file
  }
  void TearDown() override {
    db_.reset();
    temp_dir_test::TearDown();
  }

  // One commit of n rows, each big enough to need a page of its own.
  void commit_rows(int n) {
    transaction tx(*db_);
    for (int i = 0; i < n; ++i)
      db_->prepare("INSERT INTO parcels (label) VALUES (?1)").bind(1, std::string(3000, 'p')).run();
    tx.commit();
    rows_ += n;
  }

  // Rows in the database file as it is on disk now, WAL left out.
  std::int64_t rows_in_file() {
    const auto copy = dir_ / "copy.db";
    std::filesystem::remove(copy);
    std::filesystem::remove(dir_ / "copy.db-wal");
    std::filesystem::copy_file(db_path(), copy);
    database file_only(copy);
    statement s = file_only.prepare("SELECT count(*) FROM parcels");
    EXPECT_TRUE(s.step());
    return s.column_int64(0);
  }

  std::optional<database> db_;
  drivers::virtual_clock clock_;
  std::int64_t rows_ = 0;
};

TEST_F(idle_checkpoint_test, a_commit_does_not_checkpoint_below_the_hard_limit) {
  // SQLite's own would have copied these 1200+ pages inside the commit that crossed 1000.
  for (int i = 0; i < 120; ++i) commit_rows(10);
  EXPECT_GE(db_->wal_pages(), 1200);
  EXPECT_EQ(rows_in_file(), 0);
  EXPECT_TRUE(db_->checkpoint_passive());
  EXPECT_EQ(db_->wal_pages(), 0);
  EXPECT_EQ(rows_in_file(), rows_);
}

TEST_F(idle_checkpoint_test, a_commit_checkpoints_itself_at_the_hard_limit) {
  db_->set_wal_hard_limit(20);
  commit_rows(5);
  EXPECT_EQ(rows_in_file(), 0);
  commit_rows(20);  // crosses the limit
  EXPECT_EQ(db_->wal_pages(), 0);
  EXPECT_EQ(rows_in_file(), rows_);
}

TEST_F(idle_checkpoint_test, checkpoints_once_the_database_is_quiet) {
  idle_checkpoint checkpoints(*db_, clock_, {.quiet = 500ms, .soon_pages = 1000});
  commit_rows(1);
  clock_.advance(400ms);
  commit_rows(1);  // not quiet yet: the wait starts again
  clock_.advance(400ms);
  EXPECT_GT(db_->wal_pages(), 0);
  EXPECT_EQ(rows_in_file(), 0);
  clock_.advance(100ms);
  EXPECT_EQ(db_->wal_pages(), 1);  // started over, its first commit made now (restart_wal)
  EXPECT_EQ(rows_in_file(), rows_);
  EXPECT_EQ(clock_.pending(), 0U);  // nothing left to do: no timer while idle
}

TEST_F(idle_checkpoint_test, a_grown_wal_is_checkpointed_on_the_next_turn_not_in_the_commit) {
  idle_checkpoint checkpoints(*db_, clock_, {.quiet = 10s, .soon_pages = 8});
  commit_rows(10);
  // The commit that crossed soon_pages returned without copying anything...
  EXPECT_GE(db_->wal_pages(), 8);
  EXPECT_EQ(rows_in_file(), 0);
  // ...and the loop's next turn does it, however busy the database stays.
  clock_.advance(0ms);
  EXPECT_EQ(rows_in_file(), rows_);
  commit_rows(1);
  commit_rows(10);  // soon again, before the quiet wait for the first one ran out
  clock_.advance(0ms);
  EXPECT_EQ(rows_in_file(), rows_);
}

TEST_F(idle_checkpoint_test, a_reader_elsewhere_only_delays_it) {
  idle_checkpoint checkpoints(*db_, clock_, {.quiet = 100ms, .soon_pages = 1000});
  commit_rows(3);
  {
    // lockeradm beside the daemon, in the middle of a read: its snapshot keeps the frames
    // committed after it from being copied.
    database reader(db_path());
    reader.exec("BEGIN");
    statement r = reader.prepare("SELECT count(*) FROM parcels");
    ASSERT_TRUE(r.step());
    commit_rows(2);  // frames the reader's snapshot does not include
    clock_.advance(100ms);
    EXPECT_LT(rows_in_file(), rows_);  // the checkpoint stopped at the reader's snapshot
    r.reset();
    reader.exec("COMMIT");
  }
  commit_rows(1);
  clock_.advance(100ms);
  EXPECT_EQ(rows_in_file(), rows_);
}

TEST_F(idle_checkpoint_test, quiet_work_runs_after_the_quiet_checkpoint_only) {
  idle_checkpoint checkpoints(*db_, clock_, {.quiet = 500ms, .soon_pages = 8});
  int runs = 0;
  std::int64_t in_file_then = -1;
  checkpoints.on_quiet([&] {
    ++runs;
    in_file_then = rows_in_file();
  });
  commit_rows(10);  // crosses soon_pages: checkpointed on the next turn, but that is no pause
  clock_.advance(0ms);
  EXPECT_EQ(runs, 0);
  commit_rows(1);
  clock_.advance(499ms);
  EXPECT_EQ(runs, 0);
  clock_.advance(1ms);
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(in_file_then, rows_);  // after the checkpoint
  clock_.advance(10s);
  EXPECT_EQ(runs, 1);  // once per quiet moment, and none without a commit
}

TEST_F(idle_checkpoint_test, stops_listening_when_destroyed) {
  {
    idle_checkpoint checkpoints(*db_, clock_, {.quiet = 100ms, .soon_pages = 1000});
    commit_rows(1);
  }
  EXPECT_EQ(clock_.pending(), 0U);
  commit_rows(1);  // no listener left to call
  EXPECT_EQ(clock_.pending(), 0U);
  EXPECT_EQ(rows_in_file(), 0);
}

}  // namespace
}  // namespace locker::store
