// SPDX-License-Identifier: Apache-2.0
// The courier badges table: one badge per courier, never shared, gone with its courier.
#include <chrono>

#include <gtest/gtest.h>

#include "daemon/store/courier_badges_repository.hpp"
#include "daemon/store/store.hpp"
#include "tests/store/temp_dir.hpp"

namespace locker::store {
namespace {

using namespace std::chrono_literals;

const wall_time badge_t0 = wall_time{std::chrono::sys_days{std::chrono::year{2024} / 5 / 1}} + 8h;

class courier_badges_test : public testing::temp_dir_test {
 protected:
  void SetUp() override {
    temp_dir_test::SetUp();
    st_.emplace(db_path());
    st_->couriers().upsert("c-1", "Ann", "pin-1", true, badge_t0);
    st_->couriers().upsert("c-2", "Bob", "pin-2", true, badge_t0);
  }
  void give(const char* courier, const char* hash) {
    transaction tx(st_->db());
    courier_badges_repository(st_->db()).set(tx, courier, hash, badge_t0);
    tx.commit();
  }
  std::optional<store> st_;
};

TEST_F(courier_badges_test, finds_the_courier_by_badge_hash) {
  give("c-1", "badge-a");
  auto& badges = st_->courier_badges();
  EXPECT_EQ(badges.find_courier("badge-a"), "c-1");
  EXPECT_EQ(badges.find_courier("badge-b"), std::nullopt);
  EXPECT_TRUE(badges.has_badge("c-1"));
  EXPECT_FALSE(badges.has_badge("c-2"));
}

TEST_F(courier_badges_test, a_new_badge_replaces_the_old_one) {
  give("c-1", "badge-a");
  give("c-1", "badge-b");
  auto& badges = st_->courier_badges();
  EXPECT_EQ(badges.find_courier("badge-a"), std::nullopt);
  EXPECT_EQ(badges.find_courier("badge-b"), "c-1");
}

TEST_F(courier_badges_test, two_couriers_cannot_share_a_badge) {
  give("c-1", "badge-a");
  try {
    give("c-2", "badge-a");
    FAIL() << "a shared badge was stored";
  } catch (const store_error& e) {
    EXPECT_TRUE(e.is_constraint());
  }
  EXPECT_EQ(courier_badges_repository(st_->db()).find_courier("badge-a"), "c-1");
}

TEST_F(courier_badges_test, a_badge_needs_a_courier_and_goes_with_it) {
  EXPECT_THROW(give("nobody", "badge-x"), store_error);
  give("c-1", "badge-a");
  ASSERT_TRUE(st_->couriers().remove("c-1"));
  EXPECT_EQ(courier_badges_repository(st_->db()).find_courier("badge-a"), std::nullopt);
  give("c-2", "badge-a");  // free again
}

TEST_F(courier_badges_test, clear_takes_the_badge_away) {
  give("c-1", "badge-a");
  transaction tx(st_->db());
  auto& badges = st_->courier_badges();
  EXPECT_TRUE(badges.clear(tx, "c-1"));
  EXPECT_FALSE(badges.clear(tx, "c-1"));
  tx.commit();
  EXPECT_FALSE(badges.has_badge("c-1"));
}

}  // namespace
}  // namespace locker::store
