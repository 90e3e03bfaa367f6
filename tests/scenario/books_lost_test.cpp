// SPDX-License-Identifier: Apache-2.0
// A start in place of a damaged database (issue 15): lockerd does not refuse to start (it
// would stay unreachable) but sets the file aside, starts with an empty one and raises
// books_lost; seq goes on after the damaged file's last; every compartment no presence sensor
// can look into is out of service until an operator had it checked, and the alarm ends with the
// last one back in service. A restart in between keeps
// it raised without a second event.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "daemon/store/stored_settings.hpp"
#include "tests/scenario/flows.hpp"
#include "tests/scenario/locker_rig.hpp"
#include "tests/support/damage.hpp"

namespace locker::scenario {
namespace books_lost_test {
namespace {

namespace fs = std::filesystem;
using compartment::service_state;
using answer = controller::controller::service_answer;

const std::string pin = "24681357";

// What a torn write or a failing eMMC leaves: the database's header overwritten. The WAL
// goes too, so that nothing of the old file can be read back.
void damage_database(const fs::path& dir) {
  fs::remove(dir / "lockerd.db-wal");
  fs::remove(dir / "lockerd.db-shm");
  std::fstream f(dir / "lockerd.db", std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(0);
  f << "this is not an SQLite database header, it was torn";
}

std::vector<fs::path> set_aside_files(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().starts_with("lockerd.damaged-")) out.push_back(e.path());
  return out;
}

TEST(books_lost, a_damaged_database_is_set_aside_and_every_compartment_waits_to_be_checked) {
  locker_rig rig([](config::locker_config& cfg) {
    for (auto& c : cfg.board.compartments) c.presence.reset();
  });
  rig.add_courier("c-1", pin);
  const auto [box, code] = courier_deposit(rig, pin, "8101");
  ASSERT_FALSE(box.empty());
  const auto last_seq = rig.events().back().at("seq").get<std::uint64_t>();
  const fs::path dir = rig.cfg().state_dir;

  rig.restart([&] { damage_database(dir); });

  // Started, with the file kept for a person and the alarm raised once.
  ASSERT_EQ(set_aside_files(dir).size(), 1U);
  EXPECT_TRUE(fs::exists(dir / "lockerd.db"));
  EXPECT_FALSE(fs::exists(dir / "lockerd.set-aside"));
  const auto lost = rig.events_of("books_lost");
  ASSERT_EQ(lost.size(), 1U);
  EXPECT_TRUE(lost[0].at("active").get<bool>());
  EXPECT_EQ(lost[0].at("severity"), "critical");
  EXPECT_EQ(lost[0].at("moved_to"), set_aside_files(dir)[0].filename().string());
  EXPECT_FALSE(lost[0].contains("compartment"));
  EXPECT_EQ(schema_errors("evt_alarm.schema.json", lost[0]), "");
  // seq never goes back: the damaged file's cannot be read here (its header is gone), so it
  // goes on after the milliseconds since 1970...
  EXPECT_GT(lost[0].at("seq").get<std::uint64_t>(), last_seq);
  ASSERT_TRUE(rig.locker().books_lost_since().has_value());

  // ...every compartment out of service, the parcel's too; no deposit is offered.
  for (const auto* c : rig.locker().compartments()) {
    EXPECT_EQ(c->service(), service_state::out_of_service) << c->id();
    EXPECT_EQ(c->service_reason(), "books_lost") << c->id();
  }
  EXPECT_FALSE(rig.db().parcels().live_in(box).has_value()) << "the parcel's record is gone";

  // A restart before the checks: still raised, no second event.
  rig.restart();
  EXPECT_EQ(rig.events_of("books_lost").size(), 1U);
  ASSERT_TRUE(rig.locker().books_lost_since().has_value());

  // Out of service, it takes no operator's opening either; the operator puts it back (their
  // word that it is checked) and opens it for the person on site, who takes the parcel out.
  EXPECT_EQ(rig.locker().open_by_operator(box, "operator-1", "books_lost check", {}),
            compartment::open_status::not_in_service);
  EXPECT_EQ(rig.locker().set_service_by_operator(box, true, "operator-1", "emptied on site").answer,
            answer::done);
  bool opened = false;
  EXPECT_EQ(rig.locker().open_by_operator(box, "operator-1", "books_lost check",
                                          [&](compartment::open_outcome o) {
                                            opened = o == compartment::open_outcome::opened;
                                          }),
            compartment::open_status::accepted);
  rig.advance(move_time);
  rig.person_opens(box);
  rig.person_takes(box);
  rig.person_closes(box);
  EXPECT_TRUE(opened);
  const auto ids = [&] {
    std::vector<std::string> out;
    for (const auto* c : rig.locker().compartments()) out.push_back(c->id());
    return out;
  }();
  for (std::size_t i = 0; i + 1 < ids.size(); ++i) {
    EXPECT_EQ(rig.locker().set_service_by_operator(ids[i], true, "operator-1", "checked").answer,
              answer::done);
    EXPECT_TRUE(rig.locker().books_lost_since().has_value()) << "cleared before the last";
  }
  EXPECT_EQ(rig.locker().set_service_by_operator(ids.back(), true, "operator-1", "checked").answer,
            answer::done);
  EXPECT_FALSE(rig.locker().books_lost_since().has_value());
  const auto after = rig.events_of("books_lost");
  ASSERT_EQ(after.size(), 2U);
  EXPECT_FALSE(after[1].at("active").get<bool>());
  EXPECT_EQ(schema_errors("evt_alarm.schema.json", after[1]), "");

  // The locker works again: a new courier deposits (the old one was lost with the books).
  rig.add_courier("c-2", pin);
  const auto [again, code2] = courier_deposit(rig, pin, "8102");
  EXPECT_FALSE(again.empty());
  EXPECT_FALSE(code2.empty());
  rig.restart();
  EXPECT_FALSE(rig.locker().books_lost_since().has_value());
  EXPECT_EQ(rig.events_of("books_lost").size(), 2U);
}

// Damage the file's header survives (a page of the courier table torn): the start does not see
// it, the check after READY does; lockerd notes it and stops as soon as nobody uses the
// locker, and the next start sets the file aside, its seq going on after the damaged file's.
TEST(books_lost, damage_found_after_the_start_is_set_aside_at_the_next_and_seq_goes_on) {
  locker_rig rig([](config::locker_config& cfg) {
    for (auto& c : cfg.board.compartments) c.presence.reset();
  });
  rig.add_courier("c-1", pin);
  ASSERT_FALSE(courier_deposit(rig, pin, "8201").first.empty());
  const fs::path dir = rig.cfg().state_dir;
  EXPECT_EQ(rig.check_integrity(), "");

  rig.restart([&] { test::tear_root_page(dir / "lockerd.db", "couriers"); });
  EXPECT_TRUE(rig.events_of("books_lost").empty()) << "the start itself does not read every page";

  // A person at the keypad: the stop waits for them.
  rig.press("1");
  EXPECT_NE(rig.check_integrity(), "");
  EXPECT_TRUE(fs::exists(dir / "lockerd.damaged"));
  EXPECT_TRUE(rig.locker().storage_fault_since().has_value());
  EXPECT_FALSE(rig.app().stopping()) << "stopped while someone typed";
  rig.advance(std::chrono::minutes{2});  // the keypad session ends
  EXPECT_TRUE(rig.app().stopping());
  EXPECT_EQ(rig.app().exit_status(), app::exit_failure);

  const auto last_seq = rig.events().back().at("seq").get<std::uint64_t>();
  rig.restart();
  const auto lost = rig.events_of("books_lost");
  ASSERT_EQ(lost.size(), 1U);
  EXPECT_EQ(lost[0].at("seq").get<std::uint64_t>(), last_seq + 1)
      << "seq goes on after the damaged file's last";
  EXPECT_FALSE(fs::exists(dir / "lockerd.damaged"));
  EXPECT_EQ(rig.check_integrity(), "");
}

TEST(books_lost, with_presence_sensors_the_sensors_do_the_checking) {
  locker_rig rig;
  rig.add_courier("c-1", pin);
  const auto [box, code] = courier_deposit(rig, pin, "8301");
  ASSERT_FALSE(box.empty());
  rig.restart([&] { damage_database(rig.cfg().state_dir); });

  // Raised and, as no compartment is left to check, cleared at once; the parcel nobody has a
  // record of is unexpected_contents and takes no deposit; the others stay in service.
  const auto lost = rig.events_of("books_lost");
  ASSERT_EQ(lost.size(), 2U);
  EXPECT_TRUE(lost[0].at("active").get<bool>());
  EXPECT_FALSE(lost[1].at("active").get<bool>());
  EXPECT_FALSE(rig.locker().books_lost_since().has_value());
  EXPECT_TRUE(rig.compartment(box).alarms().has(compartment::alarm_type::unexpected_contents));
  for (const auto* c : rig.locker().compartments())
    EXPECT_EQ(c->service(), service_state::in_service) << c->id();
}

}  // namespace
}  // namespace books_lost_test
}  // namespace locker::scenario
