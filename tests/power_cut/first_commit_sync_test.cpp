// SPDX-License-Identifier: Apache-2.0
// The first commit after a quiet moment is usually a person's (a pickup's intent, before the
// coil moves). After a checkpoint that emptied the WAL, SQLite starts the WAL over at the next
// commit and fsyncs its new header before that commit's own fsync; idle_checkpoint pays that
// at the quiet moment instead (database::restart_wal). Counted on the power-cut VFS, which
// sees every sync SQLite asks for.
#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "daemon/store/database.hpp"
#include "daemon/store/idle_checkpoint.hpp"
#include "drivers/virtual_clock.hpp"
#include "tests/power_cut/power_cut_vfs.hpp"
#include "tests/store/temp_dir.hpp"

namespace locker::power_cut {
namespace {

using namespace std::chrono_literals;

class first_commit_sync : public store::testing::temp_dir_test {
 protected:
  // One ordinary (synchronous=FULL) commit, and the syncs it asked for.
  std::uint64_t syncs_of_a_commit(store::database& db) {
    vfs_.arm(0, 0);  // counting only: the power stays on
    store::transaction tx(db);
    db.prepare("INSERT INTO parcels (label) VALUES (?1)").bind(1, "p").run();
    tx.commit();
    return vfs_.syncs();
  }

  power_cut_vfs vfs_;
};

TEST_F(first_commit_sync, after_a_quiet_checkpoint_the_next_commit_syncs_once) {
  store::database db(db_path());
  db.exec("CREATE TABLE parcels (id INTEGER PRIMARY KEY, label TEXT NOT NULL)");
  drivers::virtual_clock clock;
  store::idle_checkpoint checkpoints(db, clock, {.quiet = 500ms, .soon_pages = 1000});
  EXPECT_EQ(syncs_of_a_commit(db), 1U);  // into a WAL already started
  clock.advance(500ms);                  // quiet: checkpointed, and the WAL started over
  EXPECT_EQ(clock.pending(), 0U) << "the restart's own commit made a quiet moment of its own";
  EXPECT_EQ(syncs_of_a_commit(db), 1U) << "the person's commit paid the WAL header's fsync";
  // What it saves: the same checkpoint without the restart leaves that fsync to the next
  // commit.
  ASSERT_TRUE(db.checkpoint_passive());
  EXPECT_EQ(syncs_of_a_commit(db), 2U);
}

TEST_F(first_commit_sync, the_restart_changes_nothing_stored) {
  store::database db(db_path());
  db.exec("CREATE TABLE parcels (id INTEGER PRIMARY KEY, label TEXT NOT NULL)");
  db.exec("PRAGMA user_version = 7");
  (void)syncs_of_a_commit(db);
  ASSERT_TRUE(db.checkpoint_passive());
  ASSERT_TRUE(db.restart_wal());
  EXPECT_EQ(db.wal_pages(), 1);  // the header page, written back as it was
  auto version = db.prepare("PRAGMA user_version");
  ASSERT_TRUE(version.step());
  EXPECT_EQ(version.column_int64(0), 7);
  version.reset();
  auto rows = db.prepare("SELECT count(*) FROM parcels");
  ASSERT_TRUE(rows.step());
  EXPECT_EQ(rows.column_int64(0), 1);
}

TEST_F(first_commit_sync, a_writer_elsewhere_only_skips_it_at_once) {
  store::database db(db_path());
  db.exec("CREATE TABLE parcels (id INTEGER PRIMARY KEY, label TEXT NOT NULL)");
  store::database other(db_path());
  other.exec("BEGIN IMMEDIATE");
  const auto began = std::chrono::steady_clock::now();
  EXPECT_FALSE(db.restart_wal());
  // Not the busy timeout (5 s): the loop runs it. A second is far beyond a refused lock.
  EXPECT_LT(std::chrono::steady_clock::now() - began, 1s);
  other.exec("ROLLBACK");
  EXPECT_TRUE(db.restart_wal());
  // And the statements after it wait for a lock as before.
  other.exec("BEGIN IMMEDIATE");
  std::thread release([&] {
    std::this_thread::sleep_for(50ms);
    other.exec("ROLLBACK");
  });
  EXPECT_NO_THROW(db.exec("BEGIN IMMEDIATE"));
  release.join();
  db.exec("ROLLBACK");
}

}  // namespace
}  // namespace locker::power_cut
