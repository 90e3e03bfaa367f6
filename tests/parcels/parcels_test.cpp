// SPDX-License-Identifier: Apache-2.0
// daemon/parcels against a real SQLite file: the rules both the MQTT commands and lockeradm
// rely on, answered in the locker's words.
#include "daemon/parcels/parcels.hpp"

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "daemon/security/secret_key.hpp"
#include "tests/store/temp_dir.hpp"

namespace locker::parcels {
namespace {

using namespace std::chrono_literals;

class parcels_test : public store::testing::temp_dir_test {
 protected:
  void SetUp() override {
    temp_dir_test::SetUp();
    db_.emplace(db_path());
    db_->compartments().upsert("A1", "S", t0_);
    db_->compartments().upsert("A2", "M", t0_);
  }

  announcement ann(std::string id, std::string tracking, std::string size = "S") {
    announcement a;
    a.reservation_id = std::move(id);
    a.tracking_number = std::move(tracking);
    a.size = std::move(size);
    return a;
  }
  announce_result announce_one(const announcement& a) {
    store::transaction tx(db_->db());
    auto r = announce(tx, *db_, a, sizes_, t0_);
    tx.commit();
    return r;
  }
  std::int64_t store_parcel(const std::string& tracking, const std::string& compartment,
                            std::optional<std::string> reservation = std::nullopt) {
    store::transaction tx(db_->db());
    const auto id = db_->parcels().store(tx, {tracking, compartment, std::move(reservation), "c-1",
                                              "h-" + tracking, std::nullopt, t0_, t0_ + 72h});
    tx.commit();
    return id;
  }
  void mark(std::int64_t id, store::parcel_state s) {
    store::transaction tx(db_->db());
    db_->parcels().mark(tx, id, s, t0_ + 1h);
    tx.commit();
  }

  std::optional<store::store> db_;
  const std::vector<std::string> sizes_{"S", "M"};
  const store::wall_time t0_ = std::chrono::system_clock::now();
  const security::secret_key key_{std::array<std::byte, 32>{}};
};

TEST(live_parcel, is_one_still_in_its_compartment) {
  EXPECT_TRUE(is_live(store::parcel_state::stored));
  EXPECT_TRUE(is_live(store::parcel_state::expired));
  EXPECT_TRUE(is_live(store::parcel_state::cancelled));
  EXPECT_FALSE(is_live(store::parcel_state::collected));
  EXPECT_FALSE(is_live(store::parcel_state::removed));
  for (auto s : live_states) EXPECT_TRUE(is_live(s));
}

TEST_F(parcels_test, live_parcels_are_the_ones_in_a_compartment) {
  const auto a = store_parcel("TN-1", "A1");
  const auto b = store_parcel("TN-2", "A2");
  mark(a, store::parcel_state::collected);
  const auto c = store_parcel("TN-3", "A1");
  mark(c, store::parcel_state::expired);
  const auto live = live_parcels(*db_);
  ASSERT_EQ(live.size(), 2U);
  EXPECT_EQ(live[0].id, b);
  EXPECT_EQ(live[1].id, c);
  EXPECT_FALSE(live_parcel_with_tracking(*db_, "TN-1"));
  EXPECT_EQ(live_parcel_with_tracking(*db_, "TN-3")->compartment_id, "A1");
}

TEST_F(parcels_test, announce_writes_once_and_says_why_not) {
  EXPECT_EQ(announce_one(ann("r-1", "TN-1")).answer, announce_answer::announced);
  EXPECT_EQ(db_->reservations().find("r-1")->state, store::reservation_state::announced);
  EXPECT_EQ(announce_one(ann("r-1", "TN-1")).answer, announce_answer::same_again);
  EXPECT_EQ(announce_one(ann("r-1", "TN-1", "M")).answer, announce_answer::reservation_differs);
  EXPECT_EQ(announce_one(ann("r-2", "TN-2", "XL")).answer, announce_answer::unknown_size);

  const auto other = announce_one(ann("r-2", "TN-1"));
  EXPECT_EQ(other.answer, announce_answer::already_announced);
  EXPECT_EQ(other.other, "r-1");

  store_parcel("TN-9", "A2");
  const auto inside = announce_one(ann("r-3", "TN-9"));
  EXPECT_EQ(inside.answer, announce_answer::already_in_locker);
  EXPECT_EQ(inside.other, "A2");

  auto with_code = ann("r-4", "TN-4");
  with_code.pickup_code_hash = security::pickup_code_hash(key_, "48213957");
  EXPECT_EQ(announce_one(with_code).answer, announce_answer::announced);
  auto same_code = ann("r-5", "TN-5");
  same_code.pickup_code_hash = security::pickup_code_hash(key_, "48213957");
  EXPECT_EQ(announce_one(same_code).answer, announce_answer::code_in_use);

  EXPECT_FALSE(db_->reservations().find("r-2"));
  EXPECT_FALSE(db_->reservations().find("r-3"));
  EXPECT_FALSE(db_->reservations().find("r-5"));
}

TEST_F(parcels_test, a_cancelled_reservation_is_not_announced_again) {
  ASSERT_EQ(announce_one(ann("r-1", "TN-1")).answer, announce_answer::announced);
  store::transaction tx(db_->db());
  EXPECT_EQ(cancel(tx, *db_, "r-1", {}, t0_).answer, cancel_answer::cancelled);
  tx.commit();
  EXPECT_EQ(announce_one(ann("r-1", "TN-1")).answer, announce_answer::reservation_cancelled);
}

TEST_F(parcels_test, cancel_answers_for_each_state) {
  store::transaction tx(db_->db());
  EXPECT_EQ(cancel(tx, *db_, "nope", {}, t0_).answer, cancel_answer::not_found);
  tx.commit();

  ASSERT_EQ(announce_one(ann("r-1", "TN-1")).answer, announce_answer::announced);
  const locker_activity depositing{
      [](std::string_view) { return std::optional<std::string>("A1"); }, nullptr};
  {
    store::transaction t(db_->db());
    const auto r = cancel(t, *db_, "r-1", depositing, t0_);
    EXPECT_EQ(r.answer, cancel_answer::deposit_under_way);
    EXPECT_EQ(r.parcel->compartment_id, "A1");
    t.commit();
  }
  EXPECT_EQ(db_->reservations().find("r-1")->state, store::reservation_state::announced);

  // Deposited: the parcel is in A2.
  {
    store::transaction t(db_->db());
    db_->reservations().set_state(t, "r-1", store::reservation_state::deposited);
    t.commit();
  }
  const auto id = store_parcel("TN-1", "A2", "r-1");
  const locker_activity busy{nullptr, [](std::string_view c) { return c == "A2"; }};
  {
    store::transaction t(db_->db());
    EXPECT_EQ(cancel(t, *db_, "r-1", busy, t0_).answer, cancel_answer::compartment_in_use);
    t.commit();
  }
  EXPECT_EQ(db_->parcels().find(id)->state, store::parcel_state::stored);
  {
    store::transaction t(db_->db());
    const auto r = cancel(t, *db_, "r-1", {}, t0_);
    EXPECT_EQ(r.answer, cancel_answer::removal_pending);
    EXPECT_TRUE(r.parcel_cancelled);
    t.commit();
  }
  EXPECT_EQ(db_->parcels().find(id)->state, store::parcel_state::cancelled);
  {
    store::transaction t(db_->db());
    const auto r = cancel(t, *db_, "r-1", {}, t0_);
    EXPECT_EQ(r.answer, cancel_answer::removal_pending);
    EXPECT_FALSE(r.parcel_cancelled);
    t.commit();
  }
  mark(id, store::parcel_state::removed);
  store::transaction t(db_->db());
  EXPECT_EQ(cancel(t, *db_, "r-1", {}, t0_).answer, cancel_answer::already_left);
}

TEST_F(parcels_test, couriers_never_share_a_pin) {
  store::transaction tx(db_->db());
  const auto pin = security::courier_pin_hash(key_, "12345678");
  EXPECT_EQ(upsert_courier(tx, *db_, "c-1", std::string("Ann"), pin, true, t0_),
            courier_answer::done);
  EXPECT_EQ(upsert_courier(tx, *db_, "c-2", std::nullopt, pin, true, t0_),
            courier_answer::pin_in_use);
  // A name left out is kept.
  const auto other = security::courier_pin_hash(key_, "87654321");
  EXPECT_EQ(upsert_courier(tx, *db_, "c-1", std::nullopt, other, true, t0_), courier_answer::done);
  tx.commit();
  EXPECT_EQ(db_->couriers().find("c-1")->name, "Ann");
  EXPECT_EQ(db_->couriers().find("c-1")->pin_hash, other);
  EXPECT_FALSE(db_->couriers().find("c-2"));
}

TEST_F(parcels_test, couriers_are_enabled_disabled_and_removed) {
  store::transaction tx(db_->db());
  const auto pin = security::courier_pin_hash(key_, "12345678");
  ASSERT_EQ(upsert_courier(tx, *db_, "c-1", std::string("Ann"), pin, true, t0_),
            courier_answer::done);
  EXPECT_EQ(set_courier_enabled(tx, *db_, "c-1", false, t0_), courier_answer::done);
  EXPECT_FALSE(db_->couriers().find("c-1")->enabled);
  EXPECT_EQ(set_courier_enabled(tx, *db_, "c-1", true, t0_), courier_answer::done);
  EXPECT_TRUE(db_->couriers().find("c-1")->enabled);
  EXPECT_EQ(db_->couriers().find("c-1")->pin_hash, pin) << "enabling keeps the PIN";
  EXPECT_EQ(set_courier_enabled(tx, *db_, "c-9", true, t0_), courier_answer::not_found);
  EXPECT_EQ(set_courier_enabled(tx, *db_, "c-9", false, t0_), courier_answer::not_found);
  EXPECT_EQ(remove_courier(tx, *db_, "c-1"), courier_answer::done);
  EXPECT_EQ(remove_courier(tx, *db_, "c-1"), courier_answer::not_found);
  tx.commit();
  EXPECT_FALSE(db_->couriers().find("c-1"));
}

}  // namespace
}  // namespace locker::parcels
