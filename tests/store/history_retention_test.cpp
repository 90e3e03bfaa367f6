// SPDX-License-Identifier: Apache-2.0
// The history is deleted once past its retention, a batch per quiet moment of the database
// (never inside the commit that made it, never with a timer of its own), until none is left:
// ended parcels, the reservations that ended with them, old audit entries. Live ones and
// recent ones stay.
#include "daemon/store/history_retention.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "daemon/store/idle_checkpoint.hpp"
#include "daemon/store/store.hpp"
#include "drivers/virtual_clock.hpp"
#include "tests/store/temp_dir.hpp"

namespace locker::store {
namespace {

using namespace std::chrono_literals;

const wall_time start = wall_time{std::chrono::sys_days{std::chrono::year{2025} / 6 / 1}};

class history_retention_test : public testing::temp_dir_test {
 protected:
  void SetUp() override {
    temp_dir_test::SetUp();
    st_.emplace(db_path());
    for (int i = 0; i < 4; ++i) st_->compartments().upsert("A" + std::to_string(i), "M", start);
  }
  void TearDown() override {
    st_.reset();
    temp_dir_test::TearDown();
  }

  // n parcels that went out of compartment A0 at `closed` (collected and removed by turns).
  void ended(int n, wall_time closed) {
    transaction tx(st_->db());
    for (int i = 0; i < n; ++i) {
      const auto id =
          st_->parcels().store(tx, {"TN" + std::to_string(next_++), "A0", std::nullopt, "c-1", "h",
                                    std::nullopt, closed - 24h, closed + 48h});
      st_->parcels().mark(tx, id, i % 2 ? parcel_state::collected : parcel_state::removed, closed);
    }
    tx.commit();
  }
  void live(const std::string& compartment, parcel_state s) {
    transaction tx(st_->db());
    const auto id =
        st_->parcels().store(tx, {"TN" + std::to_string(next_++), compartment, std::nullopt, "c-1",
                                  "h", std::nullopt, start - 300 * 24h, start - 200 * 24h});
    if (s != parcel_state::stored) st_->parcels().mark(tx, id, s, start - 200 * 24h);
    tx.commit();
  }
  std::size_t on_file() { return st_->parcels().all().size(); }

  // A reservation made at `made`, in state s; deposited ones get their parcel, which ended at
  // `closed` when given (else it is still inside compartment A1... A3 by turns).
  std::string reservation(reservation_state s, wall_time made,
                          std::optional<wall_time> closed = std::nullopt) {
    auto id = "R" + std::to_string(next_++);
    transaction tx(st_->db());
    reservation_record r;
    r.reservation_id = id;
    r.tracking_number = "RTN" + id;
    r.size = "M";
    r.state = s;
    r.created_at = made;
    st_->reservations().create(tx, r);
    if (s == reservation_state::deposited) {
      const auto compartment = closed ? std::string("A0") : "A" + std::to_string(1 + next_ % 3);
      const auto parcel = st_->parcels().store(
          tx, {r.tracking_number, compartment, id, "c-1", "h", std::nullopt, made, made + 48h});
      if (closed) st_->parcels().mark(tx, parcel, parcel_state::collected, *closed);
    }
    tx.commit();
    return id;
  }
  std::size_t reservations_on_file() { return st_->reservations().all().size(); }
  std::size_t audit_on_file() { return st_->audit().newest(1000000).size(); }

  drivers::virtual_clock clock_{start};
  std::optional<store> st_;
  int next_ = 0;
};

TEST_F(history_retention_test, deletes_old_ended_parcels_a_batch_per_quiet_moment) {
  idle_checkpoint checkpoints(st_->db(), clock_, {.quiet = 500ms, .soon_pages = 1000});
  history_retention retention(*st_, clock_,
                              {.ended_parcels = std::chrono::days{90}, .audit = {}, .batch = 100});
  checkpoints.on_quiet([&] { retention.run(); });

  ended(250, start - std::chrono::days{100});  // past the 90 days
  ended(5, start - std::chrono::days{10});     // not yet
  live("A1", parcel_state::stored);            // still inside, however old
  live("A2", parcel_state::expired);
  live("A3", parcel_state::cancelled);
  EXPECT_EQ(on_file(), 258u);

  // Nothing inside the commits, nor before the database has been quiet for 500 ms.
  clock_.advance(499ms);
  EXPECT_EQ(on_file(), 258u);
  clock_.advance(1ms);
  EXPECT_EQ(on_file(), 158u);
  // Each batch's commit leads to the next quiet moment; the loop is free in between.
  clock_.advance(499ms);
  EXPECT_EQ(on_file(), 158u);
  clock_.advance(1ms);
  EXPECT_EQ(on_file(), 58u);
  clock_.advance(500ms);
  EXPECT_EQ(on_file(), 8u);
  // The last look deleted nothing, so it committed nothing and asked for nothing more.
  clock_.advance(500ms);
  EXPECT_EQ(on_file(), 8u);
  EXPECT_EQ(clock_.pending(), 0u);

  // 81 days on, the five recent ones are past their 90 days too; the next commit (any: a
  // person's) leads to the quiet moment that deletes them.
  clock_.advance(std::chrono::days{81});
  EXPECT_EQ(on_file(), 8u);
  st_->settings().set("some", "change");
  clock_.advance(500ms);
  EXPECT_EQ(on_file(), 3u);
  for (const auto& p : st_->parcels().all()) EXPECT_NE(p.compartment_id, "A0");
  clock_.advance(500ms);
  EXPECT_EQ(clock_.pending(), 0u);
}

TEST_F(history_retention_test, a_retention_of_zero_keeps_everything) {
  history_retention retention(*st_, clock_,
                              {.ended_parcels = std::chrono::days{0}, .audit = {}, .batch = 100});
  ended(3, start - std::chrono::days{1000});
  EXPECT_EQ(retention.run(), 0);
  EXPECT_EQ(on_file(), 3u);
}

TEST_F(history_retention_test, run_deletes_at_most_a_batch) {
  history_retention retention(*st_, clock_,
                              {.ended_parcels = std::chrono::days{1}, .audit = {}, .batch = 2});
  ended(5, start - std::chrono::days{2});
  EXPECT_EQ(retention.run(), 2);
  EXPECT_EQ(retention.run(), 2);
  EXPECT_EQ(retention.run(), 1);
  EXPECT_EQ(retention.run(), 0);
  EXPECT_EQ(on_file(), 0u);
}

TEST_F(history_retention_test, a_failure_is_logged_not_thrown) {
  history_retention retention(*st_, clock_,
                              {.ended_parcels = std::chrono::days{1}, .audit = {}, .batch = 10});
  ended(2, start - std::chrono::days{2});
  transaction tx(st_->db());  // inside one: it cannot start its own, as with a busy database
  EXPECT_EQ(retention.run(), 0);
  tx.commit();
  EXPECT_EQ(retention.run(), 2);
}

// A reservation goes once it ended and was made before the retention: a cancelled one then,
// a deposited one once its parcel has gone too (the same quiet moment: parcels first).
TEST_F(history_retention_test, ended_reservations_go_after_their_parcels) {
  history_retention retention(*st_, clock_,
                              {.ended_parcels = std::chrono::days{90}, .audit = {}, .batch = 100});
  const auto old = start - std::chrono::days{120};
  reservation(reservation_state::cancelled, old);
  reservation(reservation_state::deposited, old, start - std::chrono::days{100});
  const auto kept_parcel_closed_recently =
      reservation(reservation_state::deposited, old, start - std::chrono::days{10});
  const auto still_inside = reservation(reservation_state::deposited, old);
  const auto announced = reservation(reservation_state::announced, old);
  const auto recent_cancel =
      reservation(reservation_state::cancelled, start - std::chrono::days{5});
  EXPECT_EQ(reservations_on_file(), 6u);

  EXPECT_EQ(retention.run(), 3);  // one parcel, then its reservation and the cancelled one
  std::vector<std::string> left;
  for (const auto& r : st_->reservations().all()) left.push_back(r.reservation_id);
  std::sort(left.begin(), left.end());
  std::vector<std::string> want{kept_parcel_closed_recently, still_inside, announced,
                                recent_cancel};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(left, want);
  EXPECT_EQ(retention.run(), 0);

  // 81 days on, the parcel collected 10 days ago is past its 90, and its reservation goes
  // with it; the live parcel's and the announced one stay, however old.
  clock_.advance(std::chrono::days{81});
  EXPECT_EQ(retention.run(), 2);
  EXPECT_FALSE(st_->reservations().find(kept_parcel_closed_recently));
  EXPECT_TRUE(st_->reservations().find(still_inside));
  EXPECT_TRUE(st_->reservations().find(announced));
  EXPECT_TRUE(st_->reservations().find(recent_cancel));  // made 86 days ago
}

TEST_F(history_retention_test, audit_entries_go_after_their_own_retention) {
  history_retention retention(
      *st_, clock_,
      {.ended_parcels = std::chrono::days{90}, .audit = std::chrono::days{365}, .batch = 100});
  for (int i = 0; i < 150; ++i)
    st_->audit().record(start - std::chrono::days{400} + std::chrono::minutes{i}, "operator",
                        "old_" + std::to_string(i));
  st_->audit().record(start - std::chrono::days{30}, "operator", "recent");
  EXPECT_EQ(retention.run(), 100);  // a batch at a time
  EXPECT_EQ(audit_on_file(), 51u);
  EXPECT_EQ(retention.run(), 50);
  EXPECT_EQ(retention.run(), 0);
  const auto left = st_->audit().newest(10);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].action, "recent");

  history_retention forever(*st_, clock_,
                            {.ended_parcels = std::chrono::days{90}, .audit = {}, .batch = 100});
  clock_.advance(std::chrono::days{1000});
  EXPECT_EQ(forever.run(), 0);
  EXPECT_EQ(audit_on_file(), 1u);
}

}  // namespace
}  // namespace locker::store
