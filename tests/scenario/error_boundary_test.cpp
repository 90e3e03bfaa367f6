// SPDX-License-Identifier: Apache-2.0
// The error boundary at the operator's entry points (issue 11 item 7): a database that refuses
// an operator's opening is an error (logged with context, storage_fault raised, nothing
// unlocked), never the business answer "busy". Storage errors are injected as in
// storage_fault_test.cpp: a temporary trigger refuses one table's writes.
#include <string>

#include <gtest/gtest.h>

#include "tests/scenario/locker_rig.hpp"

namespace locker::scenario {
namespace error_boundary_test {
namespace {

void refuse_updates_of(locker_rig& rig, const std::string& table) {
  rig.db().db().exec("CREATE TEMP TRIGGER refuse_" + table + " BEFORE UPDATE ON " + table +
                     " BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;");
}
void allow_updates_of(locker_rig& rig, const std::string& table) {
  rig.db().db().exec("DROP TRIGGER refuse_" + table);
}

TEST(error_boundary, an_operator_opening_the_database_refuses_is_a_storage_error_not_busy) {
  locker_rig rig;
  refuse_updates_of(rig, "compartments");
  const auto status = rig.locker().open_by_operator("5", "olga", "check", [](auto) {});
  EXPECT_EQ(status, compartment::open_status::storage_error);
  EXPECT_TRUE(rig.locker().storage_fault_since().has_value());
  EXPECT_TRUE(rig.model().alarm()) << "the alarm LED shows it";
  rig.advance(move_time);
  EXPECT_EQ(rig.cabinet("5").door, simulator::door_state::closed) << "nothing unlocked";
  EXPECT_EQ(rig.compartment("5").lock(), compartment::lock_state::locked);

  // The database works again: the same opening goes through, and the alarm clears.
  allow_updates_of(rig, "compartments");
  EXPECT_EQ(rig.locker().open_by_operator("5", "olga", "check", [](auto) {}),
            compartment::open_status::accepted);
  rig.advance(move_time);
  EXPECT_FALSE(rig.locker().storage_fault_since().has_value());
  EXPECT_EQ(rig.cabinet("5").door, simulator::door_state::ajar);
}

}  // namespace
}  // namespace error_boundary_test
}  // namespace locker::scenario
