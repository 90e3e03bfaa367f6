// SPDX-License-Identifier: Apache-2.0
// The store's queries on a person's path, and at start, read an index, never the parcel
// history (design.md: no work that grows with it; issue 14). Each store function is run on a
// database with a long history while SQLite's trace hook records the statements it runs, and
// EXPLAIN QUERY PLAN of each must name the expected index and no scan of a whole table.
// Without sqlite_stat1 (the locker never runs ANALYZE), SQLite plans by the schema alone, so
// these plans are the ones a locker gets.
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include "daemon/store/store.hpp"
#include "tests/store/parcel_history.hpp"

namespace locker::store {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

constexpr int history = 100000;
const wall_time t0 = wall_time{std::chrono::sys_days{std::chrono::year{2024} / 1 / 1}};

struct planned {
  std::string sql;
  std::vector<std::string> plan;  // EXPLAIN QUERY PLAN's detail column, one entry per line
};

int record_statement(unsigned, void* ctx, void* stmt, void*) {
  auto& out = *static_cast<std::vector<std::string>*>(ctx);
  const char* sql = sqlite3_sql(static_cast<sqlite3_stmt*>(stmt));
  if (sql != nullptr) out.emplace_back(sql);
  return 0;
}

std::vector<std::string> query_plan(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* raw = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, ("EXPLAIN QUERY PLAN " + sql).c_str(), -1, &raw, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  std::vector<std::string> out;
  while (sqlite3_step(raw) == SQLITE_ROW)
    out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(raw, 3)));
  sqlite3_finalize(raw);
  return out;
}

// One database for the whole suite: filling it takes seconds. The tests only read it (or
// change nothing: no parcel ended before the cutoff they prune with).
class query_plan_test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::random_device rd;
    dir_ = new std::filesystem::path(
        std::filesystem::temp_directory_path() /
        ("locker-plan-" + std::to_string(::getpid()) + "-" + std::to_string(rd())));
    std::filesystem::create_directories(*dir_);
    st_ = new store(db_path());
    testing::fill_history(*st_, history);
  }
  static void TearDownTestSuite() {
    delete st_;
    st_ = nullptr;
    std::filesystem::remove_all(*dir_);
    delete dir_;
    dir_ = nullptr;
  }
  static std::filesystem::path db_path() { return *dir_ / "lockerd.db"; }

  // The statements `f` ran, each with its plan.
  std::vector<planned> plans_of(const std::function<void()>& f) { return plans_of_on(*st_, f); }
  static std::vector<planned> plans_of_on(store& on, const std::function<void()>& f) {
    std::vector<std::string> statements;
    sqlite3* db = on.db().handle();
    sqlite3_trace_v2(db, SQLITE_TRACE_STMT, record_statement, &statements);
    f();
    sqlite3_trace_v2(db, 0, nullptr, nullptr);
    std::vector<planned> out;
    for (const auto& sql : statements) {
      // BEGIN, COMMIT and pragmas have no plan to look at.
      if (sql.starts_with("BEGIN") || sql.starts_with("COMMIT") || sql.starts_with("PRAGMA") ||
          sql.starts_with("ROLLBACK"))
        continue;
      out.push_back({sql, query_plan(db, sql)});
    }
    return out;
  }

  // The one statement `f` runs must use `index` and read no table whole.
  void expect_uses(const std::string& index, const std::function<void()>& f) {
    const auto all = plans_of(f);
    ASSERT_FALSE(all.empty());
    for (const auto& p : all) {
      SCOPED_TRACE(p.sql);
      for (const auto& line : p.plan) {
        // "SCAN t" alone reads every row; "SCAN t USING ... INDEX i" every entry of i, which
        // is bounded only when i is partial over live rows, so that too must be the index asked.
        if (line.starts_with("SCAN ")) {
          EXPECT_THAT(line, HasSubstr(" INDEX " + index));
        }
      }
      EXPECT_THAT(p.plan, Contains(HasSubstr(" INDEX " + index)));
    }
  }

  // Shared by the suite (SetUpTestSuite): members in all but name.
  static inline std::filesystem::path* dir_ = nullptr;  // NOLINT(readability-identifier-naming)
  static inline store* st_ = nullptr;                   // NOLINT(readability-identifier-naming)
};

// The stored parcels' hashes are compared in memory (issue 14): after the live view's one
// read, a code that matches nothing runs no statement, and one that matches reads only its
// parcel, by id.
TEST_F(query_plan_test, the_pickup_code_lookup_reads_only_the_parcel_that_matches) {
  const auto& view = st_->parcels().live_view();
  EXPECT_THAT(plans_of([&] { (void)st_->parcels().find_stored_by_code_hash("x"); }), IsEmpty());
  std::string hash;
  for (const auto& [id, p] : view)
    if (p.state == parcel_state::stored && !p.pickup_code_hash.empty()) hash = p.pickup_code_hash;
  ASSERT_FALSE(hash.empty()) << "the history has a stored parcel with a code";
  std::size_t found = 0;
  const auto plans =
      plans_of([&] { found = st_->parcels().find_stored_by_code_hash(hash).size(); });
  EXPECT_GE(found, 1U);
  ASSERT_EQ(plans.size(), found);
  for (const auto& p : plans) {
    SCOPED_TRACE(p.sql);
    EXPECT_THAT(p.plan, Contains(HasSubstr("USING INTEGER PRIMARY KEY")));
  }
}

TEST_F(query_plan_test, a_new_code_is_checked_against_indexes_only) {
  for (const auto& p : plans_of([&] { (void)st_->parcels().pickup_code_in_use("x"); })) {
    SCOPED_TRACE(p.sql);
    EXPECT_THAT(p.plan, Contains(HasSubstr("USING COVERING INDEX parcels_stored_codes")));
    for (const auto& line : p.plan) {
      EXPECT_THAT(line, Not(AllOf(StartsWith("SCAN "), Not(HasSubstr("INDEX")))));
      EXPECT_THAT(line, Not(StartsWith("SCAN reservations")));
    }
  }
}

TEST_F(query_plan_test, the_tracking_number_check_reads_only_that_number) {
  expect_uses("parcels_by_tracking_number",
              [&] { (void)st_->parcels().live_with_tracking_number("TN5"); });
}

TEST_F(query_plan_test, the_next_expiry_is_one_index_read) {
  expect_uses("parcels_expiring", [&] { (void)st_->parcels().next_expiry(); });
  expect_uses("parcels_expiring", [&] { (void)st_->parcels().due_to_expire(t0); });
}

TEST_F(query_plan_test, the_telemetry_reads_only_live_parcels) {
  const auto all = plans_of([&] { (void)st_->parcels().live_compartments(); });
  ASSERT_EQ(all.size(), 1u);
  for (const auto& line : all[0].plan) {
    SCOPED_TRACE(all[0].sql);
    EXPECT_THAT(line, Not(AllOf(StartsWith("SCAN "), Not(HasSubstr("INDEX")))));
    // Either the live rows by state, or the partial index of live parcels.
    if (line.find("parcels") != std::string::npos) {
      EXPECT_TRUE(line.find("parcels_by_state") != std::string::npos ||
                  line.find("parcels_one_live_per_compartment") != std::string::npos)
          << line;
    }
  }
}

// The state report's live parcels are read once (then kept in memory by the store's writes):
// that one read too takes only the live rows.
TEST_F(query_plan_test, the_live_parcels_in_memory_are_read_from_live_rows_only) {
  store st(db_path());  // its own connection: the suite's may have read its view already
  const auto all = plans_of_on(st, [&] { (void)st.parcels().live_view(); });
  ASSERT_EQ(all.size(), 1u);
  for (const auto& line : all[0].plan) {
    SCOPED_TRACE(all[0].sql);
    EXPECT_THAT(line, Not(AllOf(StartsWith("SCAN "), Not(HasSubstr("INDEX")))));
  }
  EXPECT_THAT(all[0].plan, Contains(HasSubstr("parcels_by_state")));
  EXPECT_EQ(st.parcels().live_view().size(), static_cast<std::size_t>(testing::live_parcels));
  const auto again = plans_of_on(st, [&] { (void)st.parcels().live_view(); });
  EXPECT_TRUE(again.empty()) << "read once";
}

TEST_F(query_plan_test, parcels_in_one_state_read_only_that_state) {
  for (auto s : {parcel_state::stored, parcel_state::expired, parcel_state::cancelled,
                 parcel_state::collected})
    expect_uses("parcels_by_state", [&] { (void)st_->parcels().all(s); });
  expect_uses("reservations_by_state",
              [&] { (void)st_->reservations().all(reservation_state::announced); });
}

TEST_F(query_plan_test, the_other_lookups_of_a_persons_path_use_their_indexes) {
  expect_uses("parcels_one_live_per_compartment", [&] { (void)st_->parcels().live_in("C3"); });
  expect_uses("parcels_by_reservation", [&] { (void)st_->parcels().live_for_reservation("R3"); });
  expect_uses("reservations_by_tracking_number",
              [&] { (void)st_->reservations().find_announced("RTN3"); });
  expect_uses("parcels_stored_codes", [&] {
    transaction tx(st_->db());
    st_->parcels().count_failed_attempt(tx);
  });
}

// Flow "hold" (issue 13): the reservations' expiry reads only the announced ones, and the holds
// their deadline index.
TEST_F(query_plan_test, the_reservations_expiry_reads_only_announced_ones) {
  expect_uses("reservations_by_state", [&] { (void)st_->reservations().oldest_announced(); });
  expect_uses("reservations_by_state", [&] { (void)st_->reservations().announced_created_by(t0); });
  expect_uses("compartment_holds_by_deadline", [&] { (void)st_->holds().due(t0); });
}

TEST_F(query_plan_test, pruning_finds_ended_parcels_by_index) {
  expect_uses("parcels_by_state",
              [&] { (void)st_->parcels().prune_ended(t0 + std::chrono::hours{1}, 10); });
}

// The reservations are found by state and age; each one's parcel and hold by their keys.
TEST_F(query_plan_test, pruning_finds_ended_reservations_by_index) {
  const auto all = plans_of([&] { (void)st_->reservations().prune_ended(t0, 10); });
  ASSERT_EQ(all.size(), 1u);
  const auto& plan = all[0].plan;
  SCOPED_TRACE(all[0].sql);
  EXPECT_THAT(plan, Contains(HasSubstr("SEARCH r USING INDEX reservations_by_state (state=? AND "
                                       "created_at<?)")));
  EXPECT_THAT(plan, Contains(HasSubstr("parcels USING COVERING INDEX parcels_by_reservation")));
  EXPECT_THAT(plan, Contains(HasSubstr("SEARCH compartment_holds USING COVERING INDEX")));
  for (const auto& line : plan) EXPECT_THAT(line, Not(StartsWith("SCAN ")));
}

TEST_F(query_plan_test, opening_reads_a_few_pages_not_the_history) {
  store st(db_path());  // beside the suite's connection, as lockeradm opens it beside lockerd
  int misses = 0;
  int high = 0;
  ASSERT_EQ(sqlite3_db_status(st.db().handle(), SQLITE_DBSTATUS_CACHE_MISS, &misses, &high, 0),
            SQLITE_OK);
  // The file holds thousands of pages (100k parcels, 100k reservations).
  EXPECT_LT(misses, 20);
}

}  // namespace
}  // namespace locker::store
