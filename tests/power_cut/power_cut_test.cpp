// SPDX-License-Identifier: Apache-2.0
// Power cuts at the storage level (issue 15): the whole locker (tests/scenario/locker_rig:
// lockerd's composition root on the simulated cabinet, virtual time) runs deposits and
// pickups on a database whose unsynced writes live in a volatile cache (power_cut_vfs). At a
// random write or sync the power goes and what was not synced is dropped or torn; then the
// locker starts again on what is left, and
//   - every deposit and collection a person was told about ("Stored in 5", "Thank you!") is
//     in the journal, with seq 1, 2, 3, ... without a gap or a repeat;
//   - the books say what the people were told: a parcel told stored is live in its
//     compartment, one told collected is not;
//   - PRAGMA integrity_check is ok, and the locker takes the next deposit and pickup.
// Each case is one cut; POWER_CUTS=N (tools/power-cut-loop) runs more of them.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/power_cut/power_cut_vfs.hpp"
#include "tests/scenario/locker_rig.hpp"

namespace locker::power_cut {
namespace {

using scenario::locker_rig;
using scenario::move_time;

const std::string courier_pin = "24681357";
const std::string menu_text = "Hi c-1  #=end\n1 Deposit 2 Remove";
constexpr int parcels = 9;  // every third stays in: the books then hold parcels at the cut

struct parcel {
  std::string tracking;
  std::string code;
};

parcel parcel_number(int i) {
  const auto n = std::to_string(i);
  return {"700" + n, std::string(8 - n.size() - 1, '4') + "3" + n};
}

// What the people at the cabinet were told before the power went.
struct told {
  std::map<std::string, std::string> stored;  // tracking number -> compartment
  std::set<std::string> collected;            // tracking numbers
};

class workload {
 public:
  workload(locker_rig& rig, const power_cut_vfs& vfs) : rig_(rig), vfs_(vfs) {}

  // Courier deposits and recipient pickups until they are done or the power is gone.
  told run() {
    for (int i = 0; i < parcels && !vfs_.cut(); ++i) {
      const auto p = parcel_number(i);
      const auto box = deposit(p);
      if (!box || i % 3 == 2) continue;
      pick_up(p, *box);
    }
    return told_;
  }

  // Whether the display says `text`; a mismatch with the power still on is a failure.
  bool shows(const std::string& text) {
    if (rig_.display() == text) return true;
    if (!vfs_.cut())
      ADD_FAILURE() << "display \"" << rig_.display() << "\", expected \"" << text << "\"";
    return false;
  }

 private:
  std::optional<std::string> deposit(const parcel& p) {
    rig_.press("*" + courier_pin + "#");
    if (!shows(menu_text)) return std::nullopt;
    rig_.press("1");
    rig_.press(p.tracking + "#");
    rig_.advance(move_time);
    const std::string prefix = "Put in box ";
    const auto& d = rig_.display();
    if (d.rfind(prefix, 0) != 0) {
      (void)shows(prefix + "...");
      return std::nullopt;
    }
    const auto box = d.substr(prefix.size(), d.find(',') - prefix.size());
    if (vfs_.cut()) return std::nullopt;  // the coil may not have moved: the door is shut
    rig_.person_opens(box);
    rig_.person_puts(box);
    rig_.person_closes(box);
    const bool stored = shows("Stored in " + box + "  #=end\n1 Next 2 Remove");
    if (stored) told_.stored[p.tracking] = box;
    rig_.press("#");
    return stored ? std::optional(box) : std::nullopt;
  }

  void pick_up(const parcel& p, const std::string& box) {
    if (vfs_.cut()) return;
    rig_.press(p.code + "#");
    rig_.advance(move_time);
    if (!shows("Box " + box + " is open\nTake parcel, close") || vfs_.cut()) return;
    rig_.person_opens(box);
    rig_.person_takes(box);
    rig_.person_closes(box);
    if (shows("Thank you!")) told_.collected.insert(p.tracking);
  }

  locker_rig& rig_;
  const power_cut_vfs& vfs_;
  told told_;
};

// Writes, syncs and truncations of the whole workload without a cut: the range cuts fall in.
std::uint64_t operations_of_the_workload() {
  static const std::uint64_t count = [] {
    power_cut_vfs vfs;
    locker_rig rig;
    rig.add_courier("c-1", courier_pin);
    for (int i = 0; i < parcels; ++i) {
      rig.announce("r-" + std::to_string(i), parcel_number(i).tracking, "S", parcel_number(i).code);
    }
    vfs.arm(0, 0);
    const auto t = workload(rig, vfs).run();
    EXPECT_EQ(t.stored.size(), static_cast<std::size_t>(parcels));
    return vfs.operations();
  }();
  return count;
}

void expect_survives_a_cut(std::uint64_t at, std::uint32_t seed) {
  SCOPED_TRACE("cut at operation " + std::to_string(at) + ", seed " + std::to_string(seed));
  power_cut_vfs vfs;
  locker_rig rig;
  rig.add_courier("c-1", courier_pin);
  for (int i = 0; i < parcels; ++i) {
    rig.announce("r-" + std::to_string(i), parcel_number(i).tracking, "S", parcel_number(i).code);
  }
  vfs.arm(at, seed);
  const auto t = workload(rig, vfs).run();
  ASSERT_TRUE(vfs.cut());

  rig.restart([&] { vfs.restore(); });  // the power comes back; lockerd starts on what is left

  {
    auto check = rig.db().db().prepare("PRAGMA integrity_check");
    ASSERT_TRUE(check.step());
    EXPECT_EQ(check.column_text(0), "ok");
  }
  const auto events = rig.events();
  std::set<std::string> ids;
  std::map<std::string, std::set<std::string>> by_type;  // type -> tracking numbers
  std::uint64_t seq = 1;
  for (const auto& e : events) {
    EXPECT_EQ(e.at("seq").get<std::uint64_t>(), seq++) << e.dump();
    EXPECT_TRUE(ids.insert(e.at("event_id").get<std::string>()).second) << "repeated " << e.dump();
    if (e.contains("tracking_number")) {
      by_type[e.at("type").get<std::string>()].insert(e.at("tracking_number").get<std::string>());
    }
  }
  for (const auto& [tracking, box] : t.stored) {
    EXPECT_TRUE(by_type["stored"].count(tracking)) << tracking << " was told stored";
    // Told stored: live in its compartment, unless a pickup after it went far enough to be
    // booked (the recipient took it; the cut came before "Thank you!").
    const auto live = rig.db().parcels().live_with_tracking_number(tracking);
    if (by_type["collected"].count(tracking) != 0) {
      EXPECT_FALSE(live) << tracking << " is booked collected";
    } else {
      EXPECT_TRUE(live && live->compartment_id == box) << tracking << " was told stored in " << box;
    }
  }
  for (const auto& tracking : t.collected) {
    EXPECT_TRUE(by_type["collected"].count(tracking)) << tracking << " was told collected";
    EXPECT_FALSE(rig.db().parcels().live_with_tracking_number(tracking))
        << tracking << " was told collected";
  }
  // The books and the cabinet: a compartment holds a parcel exactly when one is on file there.
  for (const auto& c : rig.model().status()) {
    EXPECT_EQ(c.occupied, rig.db().parcels().live_in(c.id).has_value()) << "compartment " << c.id;
  }

  // The people close what the cut left open; then the locker takes the next parcel.
  for (const auto& c : rig.model().status()) {
    if (c.door != simulator::door_state::closed) rig.person_closes(c.id);
  }
  rig.advance(std::chrono::seconds(5));
  rig.announce("r-next", "7999", "M", "12121212");
  rig.press("*" + courier_pin + "#");
  EXPECT_EQ(rig.display(), menu_text);
  rig.press("1");
  rig.press("7999#");
  rig.advance(move_time);
  const auto& d = rig.display();
  ASSERT_EQ(d.rfind("Put in box ", 0), 0U) << d;
  const auto box = d.substr(11, d.find(',') - 11);
  rig.person_opens(box);
  rig.person_puts(box);
  rig.person_closes(box);
  EXPECT_EQ(rig.display(), "Stored in " + box + "  #=end\n1 Next 2 Remove");
  rig.press("#");
  rig.press("12121212#");
  rig.advance(move_time);
  EXPECT_EQ(rig.display(), "Box " + box + " is open\nTake parcel, close");
}

// Ten groups of cuts (so CTest spreads them over both cores), each at random points of the
// workload with its own seed; POWER_CUTS sets the number per group.
class power_cut : public ::testing::TestWithParam<int> {};

TEST_P(power_cut, every_promise_survives_and_the_locker_goes_on) {
  const auto total = operations_of_the_workload();
  ASSERT_GT(total, 50U);
  const char* env = std::getenv("POWER_CUTS");
  const int cuts = env != nullptr ? std::max(1, std::atoi(env)) : 30;
  std::mt19937 pick(static_cast<std::uint32_t>(GetParam()) * 7919U + 1U);
  std::uniform_int_distribution<std::uint64_t> at(1, total);
  for (int i = 0; i < cuts && !HasFailure(); ++i) {
    expect_survives_a_cut(at(pick), static_cast<std::uint32_t>(pick()));
  }
}

INSTANTIATE_TEST_SUITE_P(groups, power_cut, ::testing::Range(0, 10));

}  // namespace
}  // namespace locker::power_cut
