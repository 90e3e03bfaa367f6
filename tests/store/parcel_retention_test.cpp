// SPDX-License-Identifier: Apache-2.0
// Ended parcels are deleted once past their retention, a batch per quiet moment of the
// database (never inside the commit that made it, never with a timer of its own), until none
// is left; live ones and recent ones stay.
#include "daemon/store/parcel_retention.hpp"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "daemon/store/idle_checkpoint.hpp"
#include "daemon/store/store.hpp"
#include "drivers/virtual_clock.hpp"
#include "tests/store/temp_dir.hpp"

namespace locker::store {
namespace {

using namespace std::chrono_literals;

const wall_time start = wall_time{std::chrono::sys_days{std::chrono::year{2025} / 6 / 1}};

class parcel_retention_test : public testing::temp_dir_test {
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

  drivers::virtual_clock clock_{start};
  std::optional<store> st_;
  int next_ = 0;
};

TEST_F(parcel_retention_test, deletes_old_ended_parcels_a_batch_per_quiet_moment) {
  idle_checkpoint checkpoints(st_->db(), clock_, {.quiet = 500ms, .soon_pages = 1000});
  parcel_retention retention(*st_, clock_, {.ended_parcels = std::chrono::days{90}, .batch = 100});
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

TEST_F(parcel_retention_test, a_retention_of_zero_keeps_everything) {
  parcel_retention retention(*st_, clock_, {.ended_parcels = std::chrono::days{0}, .batch = 100});
  ended(3, start - std::chrono::days{1000});
  EXPECT_EQ(retention.run(), 0);
  EXPECT_EQ(on_file(), 3u);
}

TEST_F(parcel_retention_test, run_deletes_at_most_a_batch) {
  parcel_retention retention(*st_, clock_, {.ended_parcels = std::chrono::days{1}, .batch = 2});
  ended(5, start - std::chrono::days{2});
  EXPECT_EQ(retention.run(), 2);
  EXPECT_EQ(retention.run(), 2);
  EXPECT_EQ(retention.run(), 1);
  EXPECT_EQ(retention.run(), 0);
  EXPECT_EQ(on_file(), 0u);
}

TEST_F(parcel_retention_test, a_failure_is_logged_not_thrown) {
  parcel_retention retention(*st_, clock_, {.ended_parcels = std::chrono::days{1}, .batch = 10});
  ended(2, start - std::chrono::days{2});
  transaction tx(st_->db());  // inside a transaction: BEGIN fails, as a busy database would
  EXPECT_EQ(retention.run(), 0);
  tx.commit();
  EXPECT_EQ(retention.run(), 2);
}

}  // namespace
}  // namespace locker::store
