// SPDX-License-Identifier: Apache-2.0
#include "daemon/store/store.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include "tests/store/temp_dir.hpp"

namespace locker::store {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// Whole milliseconds, as the database keeps them, so values compare equal after a round trip.
const wall_time t0 = wall_time{std::chrono::sys_days{std::chrono::year{2024} / 5 / 1}} + 8h;

class store_test : public testing::temp_dir_test {
 protected:
  new_parcel parcel_in(const std::string& compartment, const std::string& tracking) {
    return {tracking,           compartment,  std::nullopt, "c-1",
            "hash-" + tracking, std::nullopt, t0,           t0 + 72h};
  }
  void add_compartments(store& st) {
    st.compartments().upsert("A1", "S", t0);
    st.compartments().upsert("A2", "M", t0);
  }
};

std::vector<std::uint64_t> pending_seqs(store& st) {
  std::vector<std::uint64_t> out;
  for (const auto& e : st.journal().pending(1000)) out.push_back(e.seq);
  return out;
}

event append(store& st, const std::string& type) {
  transaction tx(st.db());
  event e = st.journal().append(tx, journal_topic::door, type, {{"compartment", "A1"}}, t0);
  tx.commit();
  return e;
}

TEST_F(store_test, journal_seq_is_contiguous_across_reopen) {
  {
    store st(db_path());
    for (int i = 0; i < 3; ++i) append(st, "opened");
  }
  store st(db_path());
  EXPECT_EQ(st.journal().last_seq(), 3u);
  append(st, "closed");
  append(st, "opened");
  EXPECT_EQ(pending_seqs(st), (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(st.journal().backlog(), 5);
}

TEST_F(store_test, journal_seq_is_never_reused_after_everything_was_delivered) {
  {
    store st(db_path());
    for (int i = 0; i < 3; ++i) append(st, "opened");
    EXPECT_EQ(st.journal().remove_upto(3), 3);
    EXPECT_EQ(st.journal().backlog(), 0);
    EXPECT_EQ(append(st, "closed").seq, 4u);
    EXPECT_EQ(st.journal().remove(4), 1);
  }
  store st(db_path());  // an empty journal table after reopen must not restart at 1
  EXPECT_EQ(st.journal().last_seq(), 4u);
  EXPECT_EQ(append(st, "opened").seq, 5u);
}

// std::regex would do, but GCC 12 warns (maybe-uninitialized) inside <regex> when optimising.
bool is_uuid_v4(std::string_view u) {
  if (u.size() != 36) return false;
  for (std::size_t i = 0; i < u.size(); ++i) {
    const char c = u[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return u[14] == '4' && std::string_view("89ab").find(u[19]) != std::string_view::npos;
}

TEST_F(store_test, event_payload_contains_every_field) {
  store st(db_path());
  transaction tx(st.db());
  const event e = st.journal().append(tx, journal_topic::parcel, "collected",
                                      {{"tracking_number", "TN1"},
                                       {"compartment", "A1"},
                                       {"dwell_s", 3600},
                                       {"failed_attempts", 0}},
                                      t0 + 1234ms);
  tx.commit();

  const json p = json::parse(e.payload);
  EXPECT_EQ(p.at("type"), "collected");
  EXPECT_EQ(p.at("seq"), 1);
  EXPECT_EQ(p.at("ts"), "2024-05-01T08:00:01.234Z");
  EXPECT_EQ(p.at("event_id"), e.event_id);
  EXPECT_TRUE(is_uuid_v4(e.event_id)) << e.event_id;
  EXPECT_EQ(p.at("tracking_number"), "TN1");
  EXPECT_EQ(p.at("compartment"), "A1");
  EXPECT_EQ(p.at("dwell_s"), 3600);
  EXPECT_EQ(p.at("failed_attempts"), 0);
  EXPECT_FALSE(p.contains("queued"));

  const auto pending = st.journal().pending(10);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].payload, e.payload);
  EXPECT_EQ(pending[0].event_id, e.event_id);
  EXPECT_EQ(pending[0].topic, journal_topic::parcel);
  EXPECT_EQ(pending[0].type, "collected");
  EXPECT_EQ(pending[0].ts, e.ts);
}

TEST_F(store_test, journal_refuses_reserved_fields) {
  store st(db_path());
  transaction tx(st.db());
  EXPECT_THROW(st.journal().append(tx, journal_topic::door, "opened", {{"seq", 7}}, t0),
               std::invalid_argument);
  EXPECT_THROW(st.journal().append(tx, journal_topic::door, "opened", json::array(), t0),
               std::invalid_argument);
}

TEST_F(store_test, journal_pending_pages_in_seq_order) {
  store st(db_path());
  for (int i = 0; i < 5; ++i) append(st, "opened");
  auto first = st.journal().pending(2);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[1].seq, 2u);
  auto next = st.journal().pending(10, first.back().seq);
  ASSERT_EQ(next.size(), 3u);
  EXPECT_EQ(next[0].seq, 3u);
}

TEST_F(store_test, delivery_erases_plain_pickup_code_in_the_same_transaction) {
  store st(db_path());
  add_compartments(st);
  std::int64_t id = 0;
  std::uint64_t seq = 0;
  {
    transaction tx(st.db());
    new_parcel p = parcel_in("A1", "TN1");
    p.pickup_code_plain = "12345678";
    id = st.parcels().store(tx, p);
    seq = st.journal()
              .append(tx, journal_topic::parcel, "stored",
                      {{"tracking_number", "TN1"}, {"pickup_code", "12345678"}}, t0, id)
              .seq;
    tx.commit();
  }
  append(st, "closed");  // an unrelated event: delivering it must not touch the code
  EXPECT_EQ(st.parcels().find(id)->pickup_code_plain, "12345678");

  {
    // A delivery whose transaction does not commit changes neither.
    transaction tx(st.db());
    st.journal().remove(tx, seq);
  }
  EXPECT_EQ(st.parcels().find(id)->pickup_code_plain, "12345678");
  EXPECT_EQ(st.journal().backlog(), 2);

  EXPECT_EQ(st.journal().remove(seq + 1), 1);  // the door event: code untouched
  EXPECT_EQ(st.parcels().find(id)->pickup_code_plain, "12345678");

  EXPECT_EQ(st.journal().remove(seq), 1);
  EXPECT_EQ(st.parcels().find(id)->pickup_code_plain, std::nullopt);
  EXPECT_EQ(st.parcels().find(id)->pickup_code_hash, "hash-TN1");  // the code still works
  EXPECT_EQ(st.journal().backlog(), 0);
}

// Whether any of the database's files (main, WAL, shared memory) holds these bytes.
bool files_contain(const std::filesystem::path& dir, std::string_view bytes) {
  for (const auto& f : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(f.path(), std::ios::binary);
    const std::string content((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
    if (content.find(bytes) != std::string::npos) return true;
  }
  return false;
}

TEST_F(store_test, a_delivered_code_is_gone_from_the_database_files) {
  // Erasing the plain code must erase its bytes: not leave them in a page's free space or in
  // an old WAL frame, where anyone who copies the file could read them.
  const std::string code = "73915264";
  store st(db_path());
  add_compartments(st);
  std::uint64_t seq = 0;
  {
    transaction tx(st.db());
    new_parcel p = parcel_in("A1", "TN1");
    p.pickup_code_plain = code;
    const auto id = st.parcels().store(tx, p);
    seq = st.journal()
              .append(tx, journal_topic::parcel, "stored",
                      {{"tracking_number", "TN1"}, {"pickup_code", code}}, t0, id)
              .seq;
    tx.commit();
  }
  // Move it all from the WAL into the main file, as SQLite's own checkpoints do.
  ASSERT_TRUE(st.db().checkpoint_truncate());
  append(st, "opened");  // later events, delivered in the same batch
  ASSERT_TRUE(files_contain(dir_, code)) << "the test does not see the files";

  EXPECT_EQ(st.journal().remove_upto(seq + 1), 2);
  EXPECT_FALSE(files_contain(dir_, code)) << "the erased code is still in a database file";
  EXPECT_EQ(st.parcels().all().at(0).pickup_code_hash, "hash-TN1");  // its hash still opens it
  // Nothing to do when no code was erased since.
  EXPECT_TRUE(st.journal().checkpoint_erased_codes());
}

TEST_F(store_test, delete_upto_erases_codes_of_every_delivered_event) {
  store st(db_path());
  add_compartments(st);
  std::vector<std::int64_t> ids;
  for (const char* c : {"A1", "A2"}) {
    transaction tx(st.db());
    new_parcel p = parcel_in(c, std::string("TN-") + c);
    p.pickup_code_plain = "00000000";
    ids.push_back(st.parcels().store(tx, p));
    st.journal().append(tx, journal_topic::parcel, "stored", {{"pickup_code", "00000000"}}, t0,
                        ids.back());
    tx.commit();
  }
  EXPECT_EQ(st.journal().remove_upto(1), 1);
  EXPECT_EQ(st.parcels().find(ids[0])->pickup_code_plain, std::nullopt);
  EXPECT_EQ(st.parcels().find(ids[1])->pickup_code_plain, "00000000");
  EXPECT_EQ(st.journal().remove_upto(2), 1);
  EXPECT_EQ(st.parcels().find(ids[1])->pickup_code_plain, std::nullopt);
}

TEST_F(store_test, one_live_parcel_per_compartment) {
  store st(db_path());
  add_compartments(st);
  std::int64_t first = 0;
  {
    transaction tx(st.db());
    first = st.parcels().store(tx, parcel_in("A1", "TN1"));
    tx.commit();
  }
  for (parcel_state live : {parcel_state::stored, parcel_state::expired, parcel_state::cancelled}) {
    {
      transaction tx(st.db());
      st.parcels().mark(tx, first, live, t0);
      tx.commit();
    }
    transaction tx(st.db());
    try {
      st.parcels().store(tx, parcel_in("A1", "TN2"));
      FAIL() << "a second parcel went into A1 while the first is " << to_string(live);
    } catch (const store_error& e) {
      EXPECT_TRUE(e.is_constraint()) << e.what();
    }
  }
  {
    transaction tx(st.db());
    st.parcels().mark(tx, first, parcel_state::collected, t0 + 1h);
    const std::int64_t second = st.parcels().store(tx, parcel_in("A1", "TN2"));
    tx.commit();
    EXPECT_EQ(st.parcels().live_in("A1")->id, second);
  }
  EXPECT_EQ(st.parcels().find(first)->closed_at, t0 + 1h);
  EXPECT_EQ(st.parcels().all(parcel_state::collected).size(), 1u);
  EXPECT_EQ(st.parcels().all().size(), 2u);
}

// A parcel in compartment `c`, moved to state `s` at `at` (not at all if stored).
std::int64_t parcel_now(store& st, const new_parcel& p, parcel_state s, wall_time at) {
  transaction tx(st.db());
  const auto id = st.parcels().store(tx, p);
  if (s != parcel_state::stored) st.parcels().mark(tx, id, s, at);
  tx.commit();
  return id;
}

TEST_F(store_test, a_tracking_number_is_live_only_while_its_parcel_is_inside) {
  store st(db_path());
  add_compartments(st);
  st.compartments().upsert("A3", "M", t0);
  EXPECT_EQ(st.parcels().live_with_tracking_number("TN1"), std::nullopt);
  parcel_now(st, parcel_in("A1", "TN1"), parcel_state::collected, t0 + 1h);
  parcel_now(st, parcel_in("A1", "TN1"), parcel_state::removed, t0 + 2h);
  EXPECT_EQ(st.parcels().live_with_tracking_number("TN1"),
            std::nullopt);  // ended ones do not count
  for (auto live : {parcel_state::cancelled, parcel_state::expired, parcel_state::stored}) {
    const auto id = parcel_now(st, parcel_in("A2", "TN1"), live, t0 + 3h);
    const auto found = st.parcels().live_with_tracking_number("TN1");
    ASSERT_TRUE(found.has_value()) << to_string(live);
    EXPECT_EQ(found->id, id);
    EXPECT_EQ(found->compartment_id, "A2");
    transaction tx(st.db());
    st.parcels().mark(tx, id, parcel_state::removed, t0 + 4h);
    tx.commit();
  }
  // Two live ones (a database from before the check): the stored one first, as the command
  // handler's loop over stored, expired, cancelled found it.
  parcel_now(st, parcel_in("A2", "TN2"), parcel_state::expired, t0);
  const auto stored = parcel_now(st, parcel_in("A3", "TN2"), parcel_state::stored, t0);
  EXPECT_EQ(st.parcels().live_with_tracking_number("TN2")->id, stored);
  EXPECT_EQ(st.parcels().live_with_tracking_number("TN3"), std::nullopt);
}

TEST_F(store_test, live_parcel_compartments_lists_the_compartments_with_a_parcel_inside) {
  store st(db_path());
  add_compartments(st);
  for (const char* c : {"A3", "A4", "A5"}) st.compartments().upsert(c, "M", t0);
  EXPECT_TRUE(st.parcels().live_compartments().empty());
  parcel_now(st, parcel_in("A5", "TN1"), parcel_state::stored, t0);
  parcel_now(st, parcel_in("A1", "TN2"), parcel_state::expired, t0);
  parcel_now(st, parcel_in("A3", "TN3"), parcel_state::cancelled, t0);
  parcel_now(st, parcel_in("A2", "TN4"), parcel_state::collected, t0);
  parcel_now(st, parcel_in("A4", "TN5"), parcel_state::removed, t0);
  EXPECT_EQ(st.parcels().live_compartments(), (std::vector<std::string>{"A1", "A3", "A5"}));
}

TEST_F(store_test, next_expiry_is_the_earliest_of_the_stored_parcels) {
  store st(db_path());
  add_compartments(st);
  for (const char* c : {"A3", "A4"}) st.compartments().upsert(c, "M", t0);
  EXPECT_EQ(st.parcels().next_expiry(), std::nullopt);
  auto later = parcel_in("A1", "TN1");
  later.expires_at = t0 + 48h;
  parcel_now(st, later, parcel_state::stored, t0);
  auto expired = parcel_in("A2", "TN2");
  expired.expires_at = t0 + 1h;  // earlier, but no longer stored: not waited for
  parcel_now(st, expired, parcel_state::expired, t0 + 1h);
  auto sooner = parcel_in("A3", "TN3");
  sooner.expires_at = t0 + 24h;
  const auto id = parcel_now(st, sooner, parcel_state::stored, t0);
  EXPECT_EQ(st.parcels().next_expiry(), t0 + 24h);
  transaction tx(st.db());
  st.parcels().mark(tx, id, parcel_state::collected, t0 + 2h);
  tx.commit();
  EXPECT_EQ(st.parcels().next_expiry(), t0 + 48h);
}

TEST_F(store_test, parcels_and_reservations_by_state_and_all) {
  store st(db_path());
  add_compartments(st);
  const auto a = parcel_now(st, parcel_in("A1", "TN1"), parcel_state::collected, t0);
  const auto b = parcel_now(st, parcel_in("A1", "TN2"), parcel_state::stored, t0);
  const auto c = parcel_now(st, parcel_in("A2", "TN3"), parcel_state::removed, t0);
  const auto ids = [](const std::vector<parcel_record>& ps) {
    std::vector<std::int64_t> out;
    out.reserve(ps.size());
    for (const auto& p : ps) out.push_back(p.id);
    return out;
  };
  EXPECT_EQ(ids(st.parcels().all()), (std::vector<std::int64_t>{a, b, c}));
  EXPECT_EQ(ids(st.parcels().all(parcel_state::stored)), (std::vector<std::int64_t>{b}));
  EXPECT_EQ(ids(st.parcels().all(parcel_state::removed)), (std::vector<std::int64_t>{c}));
  EXPECT_TRUE(st.parcels().all(parcel_state::expired).empty());
  {
    transaction tx(st.db());
    st.reservations().create(
        tx, {"R2", "TN5", "S", std::nullopt, std::nullopt, reservation_state::announced, t0 + 1h});
    st.reservations().create(
        tx, {"R1", "TN6", "S", std::nullopt, std::nullopt, reservation_state::cancelled, t0});
    st.reservations().create(
        tx, {"R3", "TN7", "S", std::nullopt, std::nullopt, reservation_state::announced, t0});
    tx.commit();
  }
  const auto names = [](const std::vector<reservation_record>& rs) {
    std::vector<std::string> out;
    out.reserve(rs.size());
    for (const auto& r : rs) out.push_back(r.reservation_id);
    return out;
  };
  EXPECT_EQ(names(st.reservations().all()), (std::vector<std::string>{"R1", "R3", "R2"}));
  EXPECT_EQ(names(st.reservations().all(reservation_state::announced)),
            (std::vector<std::string>{"R3", "R2"}));
  EXPECT_TRUE(st.reservations().all(reservation_state::deposited).empty());
}

TEST_F(store_test, pruning_deletes_only_ended_parcels_past_the_cutoff_in_batches) {
  store st(db_path());
  add_compartments(st);
  std::vector<std::int64_t> old_ended;
  old_ended.reserve(5);
  for (int i = 0; i < 5; ++i)
    old_ended.push_back(parcel_now(st, parcel_in("A1", "TN-old-" + std::to_string(i)),
                                   i % 2 ? parcel_state::collected : parcel_state::removed,
                                   t0 + std::chrono::minutes{i}));
  const auto recent =
      parcel_now(st, parcel_in("A1", "TN-recent"), parcel_state::collected, t0 + 48h);
  const auto live = parcel_now(st, parcel_in("A1", "TN-live"), parcel_state::stored, t0);
  const auto expired = parcel_now(st, parcel_in("A2", "TN-expired"), parcel_state::expired, t0);
  const auto cutoff = t0 + 24h;

  EXPECT_EQ(st.parcels().prune_ended(cutoff, 2), 2);
  EXPECT_EQ(st.parcels().prune_ended(cutoff, 2), 2);
  EXPECT_EQ(st.parcels().prune_ended(cutoff, 2), 1);
  EXPECT_EQ(st.parcels().prune_ended(cutoff, 2), 0);
  for (const auto id : old_ended) EXPECT_EQ(st.parcels().find(id), std::nullopt);
  EXPECT_TRUE(st.parcels().find(recent).has_value());  // ended, but not long enough ago
  EXPECT_TRUE(st.parcels().find(live).has_value());
  EXPECT_TRUE(st.parcels().find(expired).has_value());  // still inside, however old
  EXPECT_EQ(st.parcels().prune_ended(t0 + 49h, 10), 1);
  EXPECT_EQ(st.parcels().all().size(), 2u);
}

TEST_F(store_test, pruning_keeps_a_parcel_whose_code_event_is_not_delivered) {
  store st(db_path());
  add_compartments(st);
  std::int64_t id = 0;
  std::uint64_t seq = 0;
  {
    transaction tx(st.db());
    new_parcel p = parcel_in("A1", "TN1");
    p.pickup_code_plain = "12345678";
    id = st.parcels().store(tx, p);
    seq = st.journal()
              .append(tx, journal_topic::parcel, "stored", {{"pickup_code", "12345678"}}, t0, id)
              .seq;
    st.parcels().mark(tx, id, parcel_state::collected, t0 + 1h);
    tx.commit();
  }
  // The broker was away all along: the event still names the parcel.
  EXPECT_EQ(st.parcels().prune_ended(t0 + 1000h, 10), 0);
  EXPECT_TRUE(st.parcels().find(id).has_value());
  EXPECT_EQ(st.journal().remove(seq), 1);
  EXPECT_EQ(st.parcels().prune_ended(t0 + 1000h, 10), 1);
  EXPECT_EQ(st.parcels().find(id), std::nullopt);
}

TEST_F(store_test, parcel_needs_an_existing_compartment) {
  store st(db_path());
  transaction tx(st.db());
  try {
    st.parcels().store(tx, parcel_in("Z9", "TN1"));
    FAIL();
  } catch (const store_error& e) {
    EXPECT_TRUE(e.is_constraint()) << e.what();  // foreign_keys=ON
  }
}

TEST_F(store_test, parcel_round_trip_and_lookups) {
  store st(db_path());
  add_compartments(st);
  {
    transaction tx(st.db());
    st.reservations().create(
        tx, {"R1", "TN1", "S", std::nullopt, 48, reservation_state::announced, t0});
    new_parcel p = parcel_in("A1", "TN1");
    p.reservation_id = "R1";
    p.expires_at = t0 + 48h;
    st.parcels().store(tx, p);
    st.parcels().store(tx, parcel_in("A2", "TN2"));
    st.reservations().set_state(tx, "R1", reservation_state::deposited);
    tx.commit();
  }
  auto found = st.parcels().find_stored_by_code_hash("hash-TN1");
  ASSERT_EQ(found.size(), 1u);
  const parcel_record& p = found[0];
  EXPECT_EQ(p.tracking_number, "TN1");
  EXPECT_EQ(p.compartment_id, "A1");
  EXPECT_EQ(p.reservation_id, "R1");
  EXPECT_EQ(p.courier_id, "c-1");
  EXPECT_EQ(p.state, parcel_state::stored);
  EXPECT_EQ(p.stored_at, t0);
  EXPECT_EQ(p.expires_at, t0 + 48h);
  EXPECT_EQ(p.failed_attempts, 0);
  EXPECT_EQ(p.closed_at, std::nullopt);
  EXPECT_EQ(st.parcels().live_for_reservation("R1")->id, p.id);
  EXPECT_TRUE(st.parcels().find_stored_by_code_hash("hash-none").empty());

  {
    transaction tx(st.db());
    st.parcels().count_failed_attempt(tx);
    st.parcels().count_failed_attempt(tx);
    tx.commit();
  }
  EXPECT_EQ(st.parcels().find(p.id)->failed_attempts, 2);

  EXPECT_TRUE(st.parcels().due_to_expire(t0 + 47h).empty());
  auto due = st.parcels().due_to_expire(t0 + 48h);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].id, p.id);
  EXPECT_EQ(st.parcels().due_to_expire(t0 + 100h).size(), 2u);
  {
    transaction tx(st.db());
    st.parcels().mark(tx, p.id, parcel_state::expired, t0 + 48h);
    tx.commit();
  }
  // Expired parcels wait for a courier: a recipient's code no longer finds them.
  EXPECT_TRUE(st.parcels().find_stored_by_code_hash("hash-TN1").empty());
  EXPECT_EQ(st.parcels().due_to_expire(t0 + 100h).size(), 1u);
  EXPECT_EQ(st.parcels().find(p.id)->closed_at, std::nullopt);
}

TEST_F(store_test, reservations) {
  store st(db_path());
  {
    transaction tx(st.db());
    st.reservations().create(
        tx, {"R1", "TN1", "M", "codehash", std::nullopt, reservation_state::announced, t0});
    st.reservations().create(
        tx, {"R2", "TN2", "S", std::nullopt, 24, reservation_state::announced, t0});
    tx.commit();
  }
  {
    transaction tx(st.db());
    EXPECT_THROW(st.reservations().create(tx, {"R1", "TN9", "S", std::nullopt, std::nullopt,
                                               reservation_state::announced, t0}),
                 store_error);
  }
  auto r = st.reservations().find_announced("TN1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reservation_id, "R1");
  EXPECT_EQ(r->pickup_code_hash, "codehash");
  EXPECT_EQ(r->pickup_window_h, std::nullopt);
  EXPECT_EQ(r->created_at, t0);
  {
    transaction tx(st.db());
    EXPECT_TRUE(st.reservations().set_state(tx, "R1", reservation_state::cancelled));
    EXPECT_FALSE(st.reservations().set_state(tx, "R404", reservation_state::cancelled));
    tx.commit();
  }
  EXPECT_FALSE(st.reservations().find_announced("TN1"));
  EXPECT_EQ(st.reservations().find("R1")->state, reservation_state::cancelled);
  EXPECT_EQ(st.reservations().all().size(), 2u);
  EXPECT_EQ(st.reservations().all(reservation_state::announced).size(), 1u);
}

TEST_F(store_test, courier_lookup_by_pin_hash) {
  store st(db_path());
  st.couriers().upsert("c-1", "Ana", "pinhash-1", true, t0);
  st.couriers().upsert("c-2", "Ben", "pinhash-2", true, t0);
  auto c = st.couriers().find_by_pin_hash("pinhash-2");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->courier_id, "c-2");
  EXPECT_EQ(c->name, "Ben");
  EXPECT_TRUE(c->enabled);
  EXPECT_FALSE(st.couriers().find_by_pin_hash("pinhash-3"));

  // Changing the PIN replaces the old one.
  st.couriers().upsert("c-2", "Ben", "pinhash-3", true, t0 + 1s);
  EXPECT_FALSE(st.couriers().find_by_pin_hash("pinhash-2"));
  EXPECT_EQ(st.couriers().find_by_pin_hash("pinhash-3")->updated_at, t0 + 1s);

  // Two couriers cannot share a PIN: the keypad could not tell them apart.
  try {
    st.couriers().upsert("c-3", "Cleo", "pinhash-1", true, t0);
    FAIL();
  } catch (const store_error& e) {
    EXPECT_TRUE(e.is_constraint());
  }

  {
    transaction tx(st.db());
    EXPECT_TRUE(st.couriers().disable(tx, "c-1", t0));
    tx.commit();
  }
  EXPECT_FALSE(st.couriers().find_by_pin_hash("pinhash-1")->enabled);
  EXPECT_TRUE(st.couriers().remove("c-1"));
  EXPECT_FALSE(st.couriers().remove("c-1"));
  EXPECT_FALSE(st.couriers().find_by_pin_hash("pinhash-1"));
  EXPECT_EQ(st.couriers().all().size(), 1u);
}

// Every statement SQLite runs on a connection, with its bound values filled in.
class statement_log {
 public:
  explicit statement_log(sqlite3* db) : db_(db) {
    sqlite3_trace_v2(db_, SQLITE_TRACE_STMT, &statement_log::record, this);
  }
  statement_log(const statement_log&) = delete;
  statement_log& operator=(const statement_log&) = delete;
  ~statement_log() { sqlite3_trace_v2(db_, 0, nullptr, nullptr); }

  // Whether any statement carried `text` (in its SQL or a bound value).
  [[nodiscard]] bool saw(std::string_view text) const {
    for (const auto& s : statements_)
      if (s.find(text) != std::string::npos) return true;
    return false;
  }
  [[nodiscard]] std::size_t size() const { return statements_.size(); }

 private:
  static int record(unsigned /*type*/, void* self, void* stmt, void* /*sql*/) {
    char* expanded = sqlite3_expanded_sql(static_cast<sqlite3_stmt*>(stmt));
    if (expanded != nullptr) {
      static_cast<statement_log*>(self)->statements_.emplace_back(expanded);
      sqlite3_free(expanded);
    }
    return 0;
  }
  sqlite3* db_;
  std::vector<std::string> statements_;
};

TEST_F(store_test, code_and_pin_hashes_are_compared_in_code_never_by_sqlite) {
  // An SQL `=` or an index search compares with memcmp and stops at the first difference;
  // design.md wants constant-time comparisons, so the hash looked for must never reach SQLite.
  store st(db_path());
  add_compartments(st);
  {
    transaction tx(st.db());
    st.parcels().store(tx, parcel_in("A1", "TN1"));
    st.parcels().store(tx, parcel_in("A2", "TN2"));
    tx.commit();
  }
  st.couriers().upsert("c-1", "Ana", "pinhash-1", true, t0);
  st.couriers().upsert("c-2", "Ben", "pinhash-2", true, t0);

  statement_log log(st.db().handle());
  const auto found = st.parcels().find_stored_by_code_hash("hash-TN2");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].compartment_id, "A2");
  EXPECT_TRUE(st.parcels().find_stored_by_code_hash("hash-TN9").empty());
  const auto courier = st.couriers().find_by_pin_hash("pinhash-2");
  ASSERT_TRUE(courier);
  EXPECT_EQ(courier->courier_id, "c-2");
  EXPECT_FALSE(st.couriers().find_by_pin_hash("pinhash-9"));
  EXPECT_FALSE(st.parcels().pickup_code_in_use("hash-TN9"));

  EXPECT_GT(log.size(), 0u);
  for (const char* looked_for : {"hash-TN2", "hash-TN9", "pinhash-2", "pinhash-9"})
    EXPECT_FALSE(log.saw(looked_for)) << looked_for << " was handed to SQLite";
}

TEST_F(store_test, two_stored_parcels_with_one_code_are_both_found) {
  // A database from before codes were checked for collisions: the caller must see both.
  store st(db_path());
  add_compartments(st);
  {
    transaction tx(st.db());
    auto a = parcel_in("A2", "TN1");
    auto b = parcel_in("A1", "TN2");
    a.pickup_code_hash = b.pickup_code_hash = "same-hash";
    st.parcels().store(tx, a);
    st.parcels().store(tx, b);
    tx.commit();
  }
  const auto found = st.parcels().find_stored_by_code_hash("same-hash");
  ASSERT_EQ(found.size(), 2u);
  EXPECT_LT(found[0].id, found[1].id);
}

TEST_F(store_test, live_codes_are_those_of_stored_parcels_and_announced_reservations) {
  store st(db_path());
  add_compartments(st);
  {
    transaction tx(st.db());
    st.reservations().create(
        tx, {"R1", "TN1", "S", "code-announced", std::nullopt, reservation_state::announced, t0});
    st.reservations().create(
        tx, {"R2", "TN2", "S", "code-cancelled", std::nullopt, reservation_state::cancelled, t0});
    st.reservations().create(
        tx, {"R3", "TN3", "S", std::nullopt, std::nullopt, reservation_state::announced, t0});
    auto stored = parcel_in("A1", "TN4");
    stored.pickup_code_hash = "code-stored";
    st.parcels().store(tx, stored);
    auto expired = parcel_in("A2", "TN5");
    expired.pickup_code_hash = "code-expired";
    st.parcels().mark(tx, st.parcels().store(tx, expired), parcel_state::expired, t0);
    tx.commit();
  }
  auto live = st.parcels().live_code_hashes();
  std::sort(live.begin(), live.end());
  EXPECT_EQ(live, (std::vector<std::string>{"code-announced", "code-stored"}));
  EXPECT_TRUE(st.parcels().pickup_code_in_use("code-announced"));
  EXPECT_TRUE(st.parcels().pickup_code_in_use("code-stored"));
  // Codes that no longer open anything may be given again.
  EXPECT_FALSE(st.parcels().pickup_code_in_use("code-cancelled"));
  EXPECT_FALSE(st.parcels().pickup_code_in_use("code-expired"));
  EXPECT_FALSE(st.parcels().pickup_code_in_use(""));
}

TEST_F(store_test, attempt_budgets_survive_reopen_and_clear_one_at_a_time) {
  using std::chrono::milliseconds;
  {
    store st(db_path());
    EXPECT_FALSE(st.lockouts().load("pickup_code"));
    transaction tx(st.db());
    st.lockouts().save(
        tx, "pickup_code",
        saved_budget{access::budget_snapshot{3, 2, milliseconds{60'000}, milliseconds{1'500}},
                     "boot-1", milliseconds{1'234}});
    st.lockouts().save(tx, "courier", saved_budget{access::budget_snapshot{1, 0, {}, {}}, "", {}});
    tx.commit();
  }
  store st(db_path());
  const auto b = st.lockouts().load("pickup_code");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->remains.failed, 3);
  EXPECT_EQ(b->remains.level, 2);
  EXPECT_EQ(b->remains.locked_left, milliseconds{60'000});
  EXPECT_EQ(b->remains.quiet, milliseconds{1'500});
  EXPECT_EQ(b->boot_id, "boot-1");
  EXPECT_EQ(b->as_of, milliseconds{1'234});
  transaction tx(st.db());
  EXPECT_TRUE(st.lockouts().clear(tx, "pickup_code"));
  EXPECT_FALSE(st.lockouts().clear(tx, "pickup_code"));
  tx.commit();
  EXPECT_FALSE(st.lockouts().load("pickup_code"));
  EXPECT_EQ(st.lockouts().load("courier")->remains.failed, 1) << "the other budget stays";
}

TEST_F(store_test, compartments_keep_service_state_on_upsert) {
  store st(db_path());
  add_compartments(st);
  EXPECT_TRUE(
      st.compartments().set_service("A1", service_state::out_of_service, "cleaning", t0 + 1s));
  EXPECT_FALSE(st.compartments().set_service("Z9", service_state::faulty, "", t0));
  {
    transaction tx(st.db());
    EXPECT_TRUE(st.compartments().set_door(tx, "A2", door_state::open, t0));
    tx.commit();
  }
  st.compartments().upsert("A1", "L", t0 + 2s);  // config changed the size
  auto all = st.compartments().all();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, "A1");
  EXPECT_EQ(all[0].size, "L");
  EXPECT_EQ(all[0].service, service_state::out_of_service);
  EXPECT_EQ(all[0].service_reason, "cleaning");
  EXPECT_EQ(all[0].updated_at, t0 + 2s);
  EXPECT_EQ(all[1].door, door_state::open);
}

TEST_F(store_test, audit_command_replies_and_settings) {
  store st(db_path());
  st.audit().record(t0, "operator:ops-7", "compartment_open", {{"compartment", "A1"}});
  st.audit().record(t0 + 1s, "courier:c-1", "login");
  auto log = st.audit().newest(10);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].action, "login");
  EXPECT_EQ(log[0].detail, "{}");
  EXPECT_EQ(json::parse(log[1].detail).at("compartment"), "A1");

  {
    transaction tx(st.db());
    st.command_replies().save(tx, "req-1", "reboot", R"({"req_id":"req-1","status":"ok"})", t0);
    st.command_replies().save(tx, "req-2", "rebirth", R"({"req_id":"req-2","status":"ok"})",
                              t0 + 25h);
    tx.commit();
  }
  EXPECT_EQ(st.command_replies().find("req-1")->command, "reboot");
  EXPECT_EQ(st.command_replies().prune(t0 + 1h), 1);
  EXPECT_FALSE(st.command_replies().find("req-1"));
  EXPECT_TRUE(st.command_replies().find("req-2"));

  EXPECT_EQ(st.settings().get("max_code_attempts"), std::nullopt);
  st.settings().set("max_code_attempts", "5");
  st.settings().set("max_code_attempts", "7");
  EXPECT_EQ(st.settings().get("max_code_attempts"), "7");
}

}  // namespace
}  // namespace locker::store
