// SPDX-License-Identifier: Apache-2.0
// The state published after every change is built from memory (issue 14): with 10,000 parcels
// on file a publish runs no statement on the parcel table (counted with SQLite's statement
// trace, as the benchmark does), and says byte for byte what a report read from the table says.
// The live parcels it shows follow every commit and none that rolled back; a database that
// refuses the report's reads raises storage_fault instead of failing the publish (issue 11).
#include <chrono>
#include <cstddef>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "daemon/mqtt/memory/memory_link.hpp"
#include "daemon/mqtt/reporter.hpp"
#include "daemon/parcels/parcels.hpp"
#include "daemon/security/secret_key.hpp"
#include "daemon/state/state_report.hpp"
#include "protocol/topics.hpp"
#include "tests/mqtt/reporter_settings.hpp"
#include "tests/scenario/locker_rig.hpp"

namespace locker::mqtt::testing {
namespace {

using namespace std::chrono_literals;

// Every statement run on a connection while it lives, by its SQL text.
class statement_log {
 public:
  explicit statement_log(store::database& db) : db_(db.handle()) {
    sqlite3_trace_v2(db_, SQLITE_TRACE_STMT, &statement_log::traced, this);
  }
  statement_log(const statement_log&) = delete;
  statement_log& operator=(const statement_log&) = delete;
  ~statement_log() { sqlite3_trace_v2(db_, 0, nullptr, nullptr); }

  [[nodiscard]] std::vector<std::string> on_parcels() const {
    static const std::regex parcels_table(R"(\bparcels\b)", std::regex::icase);
    std::vector<std::string> out;
    for (const auto& s : sql)
      if (std::regex_search(s, parcels_table)) out.push_back(s);
    return out;
  }
  std::vector<std::string> sql;

 private:
  static int traced(unsigned, void* self, void* stmt, void*) {
    if (const char* text = sqlite3_sql(static_cast<sqlite3_stmt*>(stmt)))
      static_cast<statement_log*>(self)->sql.emplace_back(text);
    return 0;
  }
  sqlite3* db_;
};

class state_publish_test : public ::testing::Test {
 protected:
  reporter_settings settings() { return test_reporter_settings(rig_.clock().wall_now(), 0s); }
  // `total` parcels on file: collected history, then one stored parcel in each compartment.
  void seed(std::size_t total) {
    const auto& comps = rig_.cfg().board.compartments;
    const auto now = rig_.clock().wall_now();
    store::transaction tx(rig_.db().db());
    for (std::size_t i = 0; i < total; ++i) {
      const bool history = i + comps.size() < total;
      store::new_parcel p;
      p.tracking_number = "T" + std::to_string(i);
      p.compartment_id = comps[i % comps.size()].id;
      p.courier_id = "c-1";
      p.pickup_code_hash = security::pickup_code_hash(rig_.key(), std::to_string(10000000 + i));
      p.stored_at = now - 1h;
      p.expires_at = now + 72h;
      const auto id = rig_.db().parcels().store(tx, p);
      if (history) rig_.db().parcels().mark(tx, id, store::parcel_state::collected, now);
    }
    tx.commit();
  }
  // The live parcels as the table has them, and as the store holds them in memory.
  std::vector<std::string> from_table() {
    std::vector<std::string> out;
    for (const auto& p : parcels::live_parcels(rig_.db()))
      out.push_back(std::to_string(p.id) + " " + p.compartment_id + " " + p.tracking_number + " " +
                    std::string(store::to_string(p.state)) + " " +
                    rig_.db().outbound().parcel_kind(p.id));
    return out;
  }
  std::vector<std::string> from_memory() {
    std::vector<std::string> out;
    for (const auto& [id, p] : rig_.db().parcels().live_view())
      out.push_back(std::to_string(id) + " " + p.compartment_id + " " + p.tracking_number + " " +
                    std::string(store::to_string(p.state)) + " " + p.kind);
    return out;
  }
  void turn() { rig_.advance(0ms); }

  scenario::locker_rig rig_{{}, scenario::locker_rig::mqtt_stack::none};
  protocol::topic_set topics_ = *protocol::topic_set::make("test");
  memory_link link_{rig_.clock()};
  state::state_report report_{rig_.locker(), rig_.db(), rig_.clock()};
  reporter rep_{link_, rig_.clock(), rig_.db(), report_, rig_.cfg(), topics_, settings()};
};

TEST_F(state_publish_test, a_publish_reads_no_parcel_at_10k_parcels_and_says_what_the_table_says) {
  seed(10'000);
  link_.start();
  turn();
  ASSERT_EQ(rep_.states_published(), 1U);
  // Past the state interval (the next change is published at once), and past the quiet
  // moment at which checkpoints and retention run (retention deletes from the table).
  rig_.advance(60s);
  {
    const statement_log log(rig_.db().db());
    rep_.state_changed();
    turn();
    EXPECT_EQ(log.on_parcels(), std::vector<std::string>{}) << "a publish reads no parcel";
    EXPECT_FALSE(log.sql.empty()) << "the trace sees the report's other reads";
  }
  ASSERT_EQ(rep_.states_published(), 2U);
  const auto published = link_.published_on(topics_.state()).back().payload;
  // What a report reading the parcels from the table (a second connection, its own view read
  // afresh) says: the same bytes.
  store::store other(rig_.cfg().state_dir / "lockerd.db");
  state::state_report afresh(rig_.locker(), other, rig_.clock());
  EXPECT_EQ(published, protocol::encode_state(afresh.current()));
  const auto st = nlohmann::json::parse(published);
  ASSERT_EQ(st["compartments"].size(), 24U);
  for (const auto& c : st["compartments"]) EXPECT_TRUE(c.contains("parcel")) << c.dump();
}

TEST_F(state_publish_test, the_live_parcels_in_memory_follow_commits_and_not_rollbacks) {
  seed(100);
  EXPECT_EQ(from_memory(), from_table());
  auto& parcels = rig_.db().parcels();
  const auto first = parcels.live_view().begin()->second;
  const auto now = rig_.clock().wall_now();
  {
    // Rolled back: a pickup, a cancel, a kind and a new parcel that never happened.
    store::transaction tx(rig_.db().db());
    parcels.mark(tx, first.id, store::parcel_state::collected, now);
    const auto second = std::next(parcels.live_view().begin())->second;
    parcels.mark(tx, second.id, store::parcel_state::cancelled, now);
    rig_.db().outbound().set_parcel_kind(tx, second.id, "return");
    EXPECT_EQ(from_memory(), from_table()) << "inside the transaction, as the connection sees it";
  }
  EXPECT_EQ(from_memory(), from_table()) << "after the rollback";
  EXPECT_TRUE(parcels.live_view().contains(first.id));
  {
    store::transaction tx(rig_.db().db());
    parcels.mark(tx, first.id, store::parcel_state::collected, now);
    store::new_parcel p;
    p.tracking_number = "NEW1";
    p.compartment_id = first.compartment_id;
    p.courier_id = "c-1";
    p.pickup_code_hash = security::pickup_code_hash(rig_.key(), "55555555");
    p.stored_at = now;
    p.expires_at = now + 72h;
    const auto id = parcels.store(tx, p);
    rig_.db().outbound().set_parcel_kind(tx, id, "dropoff");
    const auto third = std::next(parcels.live_view().begin(), 2)->second;
    parcels.mark(tx, third.id, store::parcel_state::expired, now);
    tx.commit();
  }
  EXPECT_EQ(from_memory(), from_table()) << "after the commit";
  EXPECT_FALSE(parcels.live_view().contains(first.id));
  // And the state from memory is the state from the table.
  store::store other(rig_.cfg().state_dir / "lockerd.db");
  state::state_report afresh(rig_.locker(), other, rig_.clock());
  EXPECT_EQ(protocol::encode_state(report_.current()), protocol::encode_state(afresh.current()));
}

// Refuses every read of one table on a connection (SQLITE_AUTH), from now on.
int deny_holds(void*, int action, const char* table, const char*, const char*, const char*) {
  return action == SQLITE_READ && table != nullptr && std::string_view(table) == "compartment_holds"
             ? SQLITE_DENY
             : SQLITE_OK;
}

TEST_F(state_publish_test, a_read_the_database_refuses_raises_storage_fault_and_never_escapes) {
  seed(50);
  link_.start();
  turn();
  ASSERT_EQ(rep_.states_published(), 1U);
  ASSERT_FALSE(rig_.locker().storage_fault_since());
  const auto seq = rig_.db().journal().last_seq();
  sqlite3_set_authorizer(rig_.db().db().handle(), &deny_holds, nullptr);
  protocol::locker_state st;
  EXPECT_NO_THROW(st = report_.current());
  sqlite3_set_authorizer(rig_.db().db().handle(), nullptr, nullptr);
  ASSERT_TRUE(rig_.locker().storage_fault_since()) << "the controller's error boundary has it";
  ASSERT_FALSE(st.alarms.empty());
  EXPECT_EQ(st.alarms.back().type, protocol::alarm_type::storage_fault);
  EXPECT_EQ(st.compartments.size(), 24U) << "the rest of the state as the locker knows it";
  EXPECT_TRUE(st.compartments.at(0).parcel.has_value());
  EXPECT_EQ(st.seq, seq) << "read before the holds were refused";
  EXPECT_EQ(rig_.db().journal().last_seq(), seq + 1) << "the storage_fault alarm's event";
}

}  // namespace
}  // namespace locker::mqtt::testing
