// SPDX-License-Identifier: Apache-2.0
// The held compartments' repository (issue 13, flow "hold"): one hold per reservation and per
// compartment, by deadline; moved, ended, and the announced reservations' expiry queries.
#include "daemon/store/hold_repository.hpp"

#include <chrono>

#include <gtest/gtest.h>

#include "daemon/store/store.hpp"
#include "tests/store/temp_dir.hpp"

namespace locker::store {
namespace {

using namespace std::chrono_literals;

class hold_repository_test : public testing::temp_dir_test {
 protected:
  void announce(store& st, const std::string& id, wall_time at) {
    transaction tx(st.db());
    st.reservations().create(
        tx, {id, "TN-" + id, "S", std::nullopt, std::nullopt, reservation_state::announced, at});
    tx.commit();
  }
  void hold(store& st, const std::string& id, const std::string& compartment, wall_time until) {
    transaction tx(st.db());
    st.holds().create(tx, {id, compartment, until, t0_});
    tx.commit();
  }
  const wall_time t0_ = *protocol::parse_timestamp("2026-11-21T09:00:00.000Z");
};

TEST_F(hold_repository_test, one_hold_per_reservation_and_compartment_by_deadline) {
  store st(db_path());
  for (const char* c : {"A1", "A2", "A3"}) st.compartments().upsert(c, "S", t0_);
  announce(st, "r-1", t0_);
  announce(st, "r-2", t0_);
  announce(st, "r-3", t0_);
  EXPECT_FALSE(st.holds().next_deadline());
  hold(st, "r-1", "A1", t0_ + 2h);
  hold(st, "r-2", "A2", t0_ + 1h);
  EXPECT_EQ(st.holds().next_deadline(), t0_ + 1h);
  EXPECT_EQ(st.holds().for_reservation("r-1")->compartment_id, "A1");
  EXPECT_EQ(st.holds().on_compartment("A2")->reservation_id, "r-2");
  EXPECT_FALSE(st.holds().on_compartment("A3"));
  ASSERT_EQ(st.holds().all().size(), 2U);
  EXPECT_EQ(st.holds().all()[0].reservation_id, "r-2");  // soonest first
  EXPECT_EQ(st.holds().held_compartments().size(), 2U);

  // A compartment is held for one reservation, a reservation holds one compartment.
  EXPECT_THROW(hold(st, "r-3", "A1", t0_ + 1h), store_error);
  EXPECT_THROW(hold(st, "r-1", "A3", t0_ + 1h), store_error);

  EXPECT_TRUE(st.holds().due(t0_ + 59min).empty());
  ASSERT_EQ(st.holds().due(t0_ + 1h).size(), 1U);
  EXPECT_EQ(st.holds().due(t0_ + 3h).size(), 2U);

  {
    transaction tx(st.db());
    EXPECT_TRUE(st.holds().move(tx, "r-1", "A3"));
    EXPECT_TRUE(st.holds().end(tx, "r-2"));
    EXPECT_FALSE(st.holds().end(tx, "r-2"));
    EXPECT_FALSE(st.holds().move(tx, "r-9", "A2"));
    tx.commit();
  }
  EXPECT_EQ(st.holds().for_reservation("r-1")->compartment_id, "A3");
  EXPECT_FALSE(st.holds().for_reservation("r-2"));
  EXPECT_EQ(st.holds().next_deadline(), t0_ + 2h);
}

TEST_F(hold_repository_test, announced_reservations_by_age) {
  store st(db_path());
  EXPECT_FALSE(st.reservations().oldest_announced());
  announce(st, "r-1", t0_ + 1h);
  announce(st, "r-2", t0_);
  announce(st, "r-3", t0_ + 2h);
  {
    transaction tx(st.db());
    st.reservations().set_state(tx, "r-2", reservation_state::cancelled);
    tx.commit();
  }
  EXPECT_EQ(st.reservations().oldest_announced(), t0_ + 1h);
  EXPECT_TRUE(st.reservations().announced_created_by(t0_ + 59min).empty());
  const auto due = st.reservations().announced_created_by(t0_ + 2h);
  ASSERT_EQ(due.size(), 2U);
  EXPECT_EQ(due[0].reservation_id, "r-1");
  EXPECT_EQ(due[1].reservation_id, "r-3");
}

}  // namespace
}  // namespace locker::store
