// SPDX-License-Identifier: Apache-2.0
#include "daemon/store/database.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "daemon/store/schema.hpp"
#include "daemon/store/store.hpp"
#include "tests/store/temp_dir.hpp"

namespace locker::store {
namespace {

using database_test = testing::temp_dir_test;

std::int64_t pragma(database& db, const std::string& name) {
  statement s = db.prepare("PRAGMA " + name);
  EXPECT_TRUE(s.step());
  return s.column_int64(0);
}

std::int64_t count(database& db, const std::string& table) {
  statement s = db.prepare("SELECT count(*) FROM " + table);
  EXPECT_TRUE(s.step());
  return s.column_int64(0);
}

TEST_F(database_test, pragmas_in_effect) {
  database db(db_path());
  statement mode = db.prepare("PRAGMA journal_mode");
  ASSERT_TRUE(mode.step());
  EXPECT_EQ(mode.column_text(0), "wal");
  EXPECT_EQ(pragma(db, "synchronous"), 2);  // FULL
  EXPECT_EQ(pragma(db, "foreign_keys"), 1);
  EXPECT_EQ(pragma(db, "busy_timeout"), 5000);
  EXPECT_EQ(pragma(db, "secure_delete"), 1);
  EXPECT_EQ(pragma(db, "journal_size_limit"), 4 * 1024 * 1024);
}

TEST_F(database_test, relaxed_commits_last_as_long_as_their_guard) {
  database db(db_path());
  {
    const database::relaxed_commits relaxed(db);
    EXPECT_EQ(pragma(db, "synchronous"), 1);  // NORMAL
  }
  EXPECT_EQ(pragma(db, "synchronous"), 2);  // FULL again
}

TEST_F(database_test, the_wal_shrinks_back_after_a_backlog_is_checkpointed) {
  // A drained backlog of events (issue 14) left the WAL at 19 MB: journal_size_limit cuts it
  // back when the WAL starts again after a full checkpoint.
  database db(db_path());
  db.exec("CREATE TABLE t (b BLOB)");
  {
    transaction tx(db);
    statement ins = db.prepare("INSERT INTO t VALUES (zeroblob(4000))");
    for (int i = 0; i < 2000; ++i) {
      ins.run();
      ins.reset();
    }
    tx.commit();
  }
  const auto wal = std::filesystem::path(db_path().string() + "-wal");
  ASSERT_GT(std::filesystem::file_size(wal), 6U * 1024 * 1024);
  db.exec("DELETE FROM t");
  ASSERT_TRUE(db.checkpoint_passive());
  db.exec("INSERT INTO t VALUES (1)");  // the WAL starts again from its beginning
  EXPECT_LE(std::filesystem::file_size(wal), 4U * 1024 * 1024);
}

TEST_F(database_test, migrates_from_empty) {
  store st(db_path());
  EXPECT_EQ(pragma(st.db(), "user_version"), schema_version());
  EXPECT_EQ(schema_version(), 13);
  for (const char* table :
       {"compartments", "couriers", "reservations", "parcels", "keypad_lockout", "journal",
        "journal_counter", "audit", "command_replies", "settings", "access_budgets",
        "courier_badges", "compartment_holds", "token_nonces"}) {
    statement s =
        st.db().prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1");
    s.bind(1, table);
    ASSERT_TRUE(s.step());
    EXPECT_EQ(s.column_int64(0), 1) << table;
  }
  EXPECT_EQ(count(st.db(), "keypad_lockout"), 1);
  EXPECT_EQ(count(st.db(), "journal_counter"), 1);
}

TEST_F(database_test, upgrades_a_version_2_database) {
  const auto now = std::chrono::system_clock::now();
  {
    database db(db_path());
    db.exec(std::string(migrations()[0]));
    db.exec(std::string(migrations()[1]));
    db.exec("PRAGMA user_version = 2");
  }
  {
    database db(db_path());
    db.exec(
        "INSERT INTO reservations (reservation_id, tracking_number, size, pickup_code_hash, "
        "created_at) VALUES ('R1', 'TN1', 'S', 'h', '2024-05-01T08:00:00.000Z')");
  }
  store st(db_path());
  EXPECT_EQ(pragma(st.db(), "user_version"), schema_version());
  statement s = st.db().prepare(
      "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND "
      "name = 'reservations_announced_by_code'");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.column_int64(0), 1);
  EXPECT_TRUE(st.parcels().pickup_code_in_use("h"));  // the data came along
  st.compartments().upsert("A1", "S", now);
}

TEST_F(database_test, upgrades_a_version_3_database) {
  {
    database db(db_path());
    for (int i = 0; i < 3; ++i) db.exec(std::string(migrations()[static_cast<std::size_t>(i)]));
    db.exec("PRAGMA user_version = 3");
    db.exec(
        "INSERT INTO compartments (id, size, updated_at) VALUES ('A1', 'S', "
        "'2024-05-01T08:00:00.000Z');"
        "INSERT INTO parcels (tracking_number, compartment_id, courier_id, pickup_code_hash, "
        "stored_at, expires_at) VALUES ('TN1', 'A1', 'c-1', 'h', '2024-05-01T08:00:00.000Z', "
        "'2024-05-04T08:00:00.000Z')");
  }
  store st(db_path());
  EXPECT_EQ(pragma(st.db(), "user_version"), schema_version());
  const auto indexes = [&](const char* name) {
    statement s =
        st.db().prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = ?1");
    s.bind(1, name);
    EXPECT_TRUE(s.step());
    return s.column_int64(0);
  };
  for (const char* name : {"parcels_by_state", "reservations_by_state", "parcels_stored_codes",
                           "journal_by_code_of_parcel"})
    EXPECT_EQ(indexes(name), 1) << name;
  EXPECT_EQ(indexes("parcels_stored_by_code"), 0);  // replaced by parcels_stored_codes
  EXPECT_EQ(st.parcels().find_stored_by_code_hash("h").size(), 1u);  // the data came along
  EXPECT_EQ(st.parcels().live_with_tracking_number("TN1")->compartment_id, "A1");
}

TEST_F(database_test, upgrades_a_version_12_journal_keeping_its_events) {
  // Migration 13 copies the journal into a table without UNIQUE on event_id: what waited for
  // the broker must still wait, with its seq, payload and plain code's parcel.
  const auto now = std::chrono::system_clock::now();
  std::vector<event> before;
  {
    database db(db_path());
    for (int i = 0; i < 12; ++i) db.exec(std::string(migrations()[static_cast<std::size_t>(i)]));
    db.exec("PRAGMA user_version = 12");
    db.exec(
        "INSERT INTO compartments (id, size, updated_at) VALUES ('A1', 'S', "
        "'2024-05-01T08:00:00.000Z');"
        "INSERT INTO parcels (id, tracking_number, compartment_id, courier_id, pickup_code_hash, "
        "pickup_code_plain, stored_at, expires_at) VALUES (7, 'TN1', 'A1', 'c-1', 'h', '123456', "
        "'2024-05-01T08:00:00.000Z', '2024-05-04T08:00:00.000Z')");
    journal j(db);
    transaction tx(db);
    before.push_back(
        j.append(tx, journal_topic::door, "door_opened", {{"compartment", "A1"}}, now));
    before.push_back(j.append(tx, journal_topic::parcel, "parcel_deposited",
                              {{"compartment", "A1"}, {"pickup_code", "123456"}}, now, 7));
    tx.commit();
    ASSERT_EQ(j.remove(before[0].seq), 1);  // seq 2 waits alone: the copy keeps gaps as they are
    before.erase(before.begin());
  }
  store st(db_path());
  EXPECT_EQ(pragma(st.db(), "user_version"), schema_version());
  const auto after = st.journal().pending(10, 0);
  ASSERT_EQ(after.size(), 1U);
  EXPECT_EQ(after[0].seq, before[0].seq);
  EXPECT_EQ(after[0].event_id, before[0].event_id);
  EXPECT_EQ(after[0].payload, before[0].payload);
  EXPECT_EQ(after[0].ts, before[0].ts);
  EXPECT_EQ(after[0].topic, journal_topic::parcel);
  // No index on event_id is left (SQLite's autoindex of the UNIQUE), the code's one is.
  {
    statement indexes = st.db().prepare(
        "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_schema WHERE type = 'index' "
        "AND tbl_name = 'journal' ORDER BY name)");
    ASSERT_TRUE(indexes.step());
    EXPECT_EQ(indexes.column_text(0), "journal_by_code_of_parcel");
  }
  // The next event follows on, and delivering the one that carried the code erases the code.
  transaction tx(st.db());
  const auto next =
      st.journal().append(tx, journal_topic::door, "door_closed", {{"compartment", "A1"}}, now);
  tx.commit();
  EXPECT_EQ(next.seq, before[0].seq + 1);
  EXPECT_EQ(st.journal().remove_upto(before[0].seq), 1);
  statement code = st.db().prepare("SELECT pickup_code_plain IS NULL FROM parcels WHERE id = 7");
  ASSERT_TRUE(code.step());
  EXPECT_EQ(code.column_int64(0), 1);
  EXPECT_EQ(st.journal().backlog(), 1);
}

TEST_F(database_test, reopen_is_idempotent_and_keeps_data) {
  const auto now = std::chrono::system_clock::now();
  {
    store st(db_path());
    st.compartments().upsert("A1", "S", now);
    st.settings().set("pickup_code_digits", "8");
  }
  store st(db_path());
  EXPECT_EQ(pragma(st.db(), "user_version"), schema_version());
  EXPECT_EQ(count(st.db(), "keypad_lockout"), 1);  // the seed row was not inserted twice
  EXPECT_EQ(st.compartments().all().size(), 1u);
  EXPECT_EQ(st.settings().get("pickup_code_digits"), "8");
}

TEST_F(database_test, refuses_database_from_newer_version) {
  { store st(db_path()); }
  {
    database db(db_path());
    db.exec("PRAGMA user_version = " + std::to_string(schema_version() + 1));
  }
  try {
    store st(db_path());
    FAIL() << "a newer schema was accepted";
  } catch (const store_error& e) {
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(db_path().string()), std::string::npos) << e.what();
  }
}

TEST_F(database_test, transaction_rolls_back_on_exception) {
  store st(db_path());
  const auto now = std::chrono::system_clock::now();
  try {
    transaction tx(st.db());
    st.compartments().upsert(tx, "A1", "S", now);
    st.journal().append(tx, journal_topic::door, "opened", {{"compartment", "A1"}}, now);
    throw std::runtime_error("power cut");
  } catch (const std::runtime_error&) {
  }
  EXPECT_FALSE(st.db().in_transaction());
  EXPECT_TRUE(st.compartments().all().empty());
  EXPECT_EQ(st.journal().backlog(), 0);
  EXPECT_EQ(st.journal().last_seq(), 0u);  // the seq was not consumed either
}

TEST_F(database_test, committed_transaction_stays) {
  database db(db_path());
  db.exec("CREATE TABLE t (x INTEGER)");
  {
    transaction tx(db);
    db.prepare("INSERT INTO t VALUES (1)").run();
    tx.commit();
  }
  EXPECT_EQ(count(db, "t"), 1);
}

TEST_F(database_test, statement_binds_and_reads_every_type) {
  database db(db_path());
  db.exec("CREATE TABLE t (i INTEGER, s TEXT, n TEXT, b BLOB, o TEXT)");
  const std::vector<std::byte> blob{std::byte{0}, std::byte{0xff}, std::byte{7}};
  db.prepare("INSERT INTO t VALUES (:i, :s, :n, :b, :o)")
      .bind(":i", std::int64_t{-5'000'000'000})
      .bind(":s", std::string_view("with\0nul", 8))
      .bind(":n", nullptr)
      .bind(":b", std::span<const std::byte>(blob))
      .bind(":o", std::optional<std::string>())
      .run();
  statement s = db.prepare("SELECT i, s, n, b, o FROM t WHERE i = ?1");
  s.bind(1, std::int64_t{-5'000'000'000});
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.column_int64(0), -5'000'000'000);
  EXPECT_EQ(s.column_text(1), std::string("with\0nul", 8));
  EXPECT_TRUE(s.is_null(2));
  EXPECT_EQ(s.column_optional_text(2), std::nullopt);
  EXPECT_EQ(s.column_blob(3), blob);
  EXPECT_EQ(s.column_optional_int64(4), std::nullopt);
  EXPECT_FALSE(s.step());
  EXPECT_THROW(s.bind(":missing", std::int64_t{1}), store_error);
}

TEST_F(database_test, a_statement_prepared_again_starts_clean) {
  database db(db_path());
  {
    statement s = db.prepare("SELECT ?1");
    s.bind(1, std::int64_t{5});
    ASSERT_TRUE(s.step());
    EXPECT_EQ(s.column_int64(0), 5);
  }
  // The same text again (the kept statement): nothing bound is left from before.
  statement again = db.prepare("SELECT ?1");
  ASSERT_TRUE(again.step());
  EXPECT_TRUE(again.is_null(0));
  // Two at once with the same text are two statements.
  statement other = db.prepare("SELECT ?1");
  other.bind(1, "x");
  ASSERT_TRUE(other.step());
  EXPECT_EQ(other.column_text(0), "x");
  EXPECT_TRUE(again.is_null(0));
}

TEST_F(database_test, a_statement_given_back_mid_read_holds_no_read_lock) {
  database db(db_path());
  db.exec("CREATE TABLE t(x); INSERT INTO t VALUES (1), (2);");
  {
    statement s = db.prepare("SELECT x FROM t");
    ASSERT_TRUE(s.step());  // a row pending: a read transaction is open
  }
  // A truncating checkpoint needs every reader gone.
  EXPECT_TRUE(db.checkpoint_truncate());
}

TEST_F(database_test, a_statement_may_outlive_its_database) {
  auto db = std::make_unique<database>(db_path());
  statement s = db->prepare("SELECT 1");
  ASSERT_TRUE(s.step());
  db.reset();  // the kept statements are finalized; this one is finalized on its own
}

TEST_F(database_test, errors_carry_code_and_sql_message) {
  database db(db_path());
  db.exec("CREATE TABLE t (x INTEGER PRIMARY KEY)");
  db.prepare("INSERT INTO t VALUES (1)").run();
  try {
    db.prepare("INSERT INTO t VALUES (1)").run();
    FAIL();
  } catch (const store_error& e) {
    EXPECT_TRUE(e.is_constraint());
    EXPECT_EQ(e.code(), SQLITE_CONSTRAINT_PRIMARYKEY);
    EXPECT_NE(std::string(e.what()).find("UNIQUE constraint failed: t.x"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW((void)db.prepare("SELECT nonsense FROM nowhere"), store_error);
}

// The admin tool opens its own connection while the daemon runs: reads go on beside a
// writer (WAL), and a write waits for the daemon's transaction instead of failing.
TEST_F(database_test, second_connection_reads_and_writes_beside_the_first) {
  store daemon(db_path());
  const auto now = std::chrono::system_clock::now();
  daemon.compartments().upsert("A1", "S", now);

  store admin(db_path());
  std::atomic<bool> admin_wrote{false};
  {
    transaction held(daemon.db());
    daemon.compartments().set_service(held, "A1", service_state::faulty, "jammed", now);

    // Reads see the last committed state while the write lock is held.
    auto seen = admin.compartments().find("A1");
    ASSERT_TRUE(seen);
    EXPECT_EQ(seen->service, service_state::in_service);

    std::thread writer([&] {
      admin.settings().set("display_language", "de");  // blocks on the busy timeout
      admin_wrote = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_FALSE(admin_wrote.load());
    held.commit();
    writer.join();
  }
  EXPECT_TRUE(admin_wrote.load());
  EXPECT_EQ(daemon.settings().get("display_language"), "de");
  EXPECT_EQ(admin.compartments().find("A1")->service, service_state::faulty);
}

}  // namespace
}  // namespace locker::store
