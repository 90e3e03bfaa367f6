// SPDX-License-Identifier: Apache-2.0
// Several parcels, one code (issue 13): the recipient keys of reservations and the rule for
// sharing a pickup code that they give (store::recipient_repository).
#include "daemon/store/recipient_repository.hpp"

#include <chrono>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "daemon/store/store.hpp"
#include "tests/store/temp_dir.hpp"

namespace locker::store {
namespace {

using namespace std::chrono_literals;

const wall_time t0 = wall_time{std::chrono::sys_days{std::chrono::year{2024} / 5 / 1}} + 8h;

class recipient_repository_test : public testing::temp_dir_test {
 protected:
  void announce(store& st, const std::string& id, const std::string& hash,
                const std::optional<std::string>& recipient) {
    reservation_record r;
    r.reservation_id = id;
    r.tracking_number = "T-" + id;
    r.size = "S";
    r.pickup_code_hash = hash;
    r.created_at = t0;
    transaction tx(st.db());
    st.reservations().create(tx, r);
    if (recipient) st.recipients().set(tx, id, *recipient);
    tx.commit();
  }
};

TEST_F(recipient_repository_test, a_code_is_shared_only_by_holders_with_the_same_key) {
  store st(db_path());
  announce(st, "R1", "h1", "alice");
  announce(st, "R2", "h2", std::nullopt);
  EXPECT_EQ(st.recipients().of_reservation("R1"), "alice");
  EXPECT_FALSE(st.recipients().of_reservation("R2"));
  EXPECT_FALSE(st.recipients().of_reservation("R9"));

  EXPECT_FALSE(st.recipients().pickup_code_in_use("h1", "alice"));
  EXPECT_TRUE(st.recipients().pickup_code_in_use("h1", "bob"));
  EXPECT_TRUE(st.recipients().pickup_code_in_use("h1", std::nullopt));
  EXPECT_TRUE(st.recipients().pickup_code_in_use("h2", "alice")) << "held without a key";
  EXPECT_FALSE(st.recipients().pickup_code_in_use("h3", "bob")) << "not held at all";
  // The old rule is unchanged: any holder makes a code in use.
  EXPECT_TRUE(st.parcels().pickup_code_in_use("h1"));

  // A stored parcel holds its code through its reservation's key.
  st.compartments().upsert("A1", "S", t0);
  {
    transaction tx(st.db());
    new_parcel p{"T-R1", "A1", std::string{"R1"}, "c-1", "h1", std::nullopt, t0, t0 + 72h};
    const auto id = st.parcels().store(tx, p);
    st.reservations().set_state(tx, "R1", reservation_state::deposited);
    tx.commit();
    const auto parcel = st.parcels().find(id);
    ASSERT_TRUE(parcel);
    EXPECT_EQ(st.recipients().of_parcel(*parcel), "alice");
  }
  EXPECT_FALSE(st.recipients().pickup_code_in_use("h1", "alice"));
  EXPECT_TRUE(st.recipients().pickup_code_in_use("h1", "bob"));
}

TEST_F(recipient_repository_test, a_key_is_1_to_64_characters_of_an_existing_reservation) {
  store st(db_path());
  announce(st, "R1", "h1", std::nullopt);
  transaction tx(st.db());
  EXPECT_THROW(st.recipients().set(tx, "R1", ""), store_error);
  EXPECT_THROW(st.recipients().set(tx, "R1", std::string(65, 'k')), store_error);
  EXPECT_THROW(st.recipients().set(tx, "R9", "alice"), store_error);
}

}  // namespace
}  // namespace locker::store
