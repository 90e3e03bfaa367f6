// SPDX-License-Identifier: Apache-2.0
// The settings in force (config::settings_in_force) on lockerd's own assembly: a cfg/desired
// version is used by the very next action of each reader (the keypad's lockout threshold and
// idle timeout, a door's left-open delay, the coil's pulse), and after a restart the stored
// version is in force again, laid over the file's values once at start and not re-applied.
#include <chrono>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/scenario/locker_rig.hpp"

namespace locker::scenario {
namespace settings_in_force_test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const std::string idle_screen = "Enter pickup code\n# = OK  * = courier";

std::size_t count_of(locker_rig& rig, std::string_view type, std::size_t from) {
  std::size_t n = 0;
  for (const auto& e : rig.events_since(from))
    if (e.value("type", std::string{}) == type) ++n;
  return n;
}

// A jammed lock keeps its latch: the coil stays on for the whole pulse, which shows its length.
void expect_pulse_of_about(locker_rig& rig, std::string_view id, milliseconds pulse) {
  ASSERT_TRUE(rig.model().jam(id).ok());
  ASSERT_EQ(rig.locker().open_by_operator(id, "op-1", "inspection", [](auto) {}),
            compartment::open_status::accepted);
  rig.advance(pulse - milliseconds{20});
  EXPECT_TRUE(rig.cabinet(id).coil) << "the pulse ended before " << pulse.count() << " ms";
  rig.advance(milliseconds{40});
  EXPECT_FALSE(rig.cabinet(id).coil) << "the pulse is longer than " << pulse.count() << " ms";
  rig.advance(seconds{6});  // the lock_fault after open_detect_s
  ASSERT_TRUE(rig.model().unjam(id).ok());
}

TEST(settings_in_force, a_remote_version_is_used_by_the_next_action_and_kept_across_a_restart) {
  locker_rig rig;
  ASSERT_EQ(rig.app().settings().changes(), 0U);
  rig.app().commands().handle_cfg_desired(nlohmann::json{
      {"version", 2},
      {"max_code_attempts", 2},
      {"door_left_open_s", 30},
      {"lock_pulse_ms", 100},
      {"session_idle_s", 10}}.dump());
  EXPECT_EQ(rig.app().settings().changes(), 1U);
  EXPECT_EQ(rig.app().settings().policy().max_code_attempts, 2);

  // The coil: 100 ms, not the file's 300.
  expect_pulse_of_about(rig, "3", milliseconds{100});

  // A door: left open after 30 s, not the file's 120.
  auto before = rig.event_count();
  ASSERT_EQ(rig.locker().open_by_operator("4", "op-1", "inspection", [](auto) {}),
            compartment::open_status::accepted);
  rig.advance(move_time);
  rig.person_opens("4");
  rig.advance(seconds{25});
  EXPECT_EQ(count_of(rig, "door_left_open", before), 0U);
  rig.advance(seconds{10});
  EXPECT_EQ(count_of(rig, "door_left_open", before), 1U);
  rig.person_closes("4");

  // The keypad session: idle after 10 s, not the file's 60.
  rig.press("1");
  ASSERT_NE(rig.display(), idle_screen);
  rig.advance(seconds{11});
  EXPECT_EQ(rig.display(), idle_screen);

  // The lockout: after two wrong codes, not the file's five.
  before = rig.event_count();
  rig.press("12121212#");
  EXPECT_EQ(rig.display(), "Wrong code\nTries left: 1");
  rig.advance(seconds{4});
  rig.press("12121212#");
  EXPECT_EQ(rig.display(), "Too many tries\nWait 30 s");
  EXPECT_EQ(count_of(rig, "keypad_lockout", before), 1U);

  // After a restart the stored version is in force from the start, laid over once: nothing
  // re-applies it (no change after the start's overlay), and the readers use it.
  rig.restart([&] { rig.advance(seconds{60}); });
  EXPECT_EQ(rig.app().settings().changes(), 0U);
  EXPECT_EQ(rig.app().commands().config_version(), 2U);
  EXPECT_EQ(rig.app().settings().policy().max_code_attempts, 2);
  EXPECT_EQ(rig.app().settings().timings().door_left_open, seconds{30});
  EXPECT_EQ(rig.locker().current_config().timings.lock_pulse, milliseconds{100});
  expect_pulse_of_about(rig, "5", milliseconds{100});
  rig.press("1");
  rig.advance(seconds{11});
  EXPECT_EQ(rig.display(), idle_screen);

  // The same version again (the retained message after a reconnect) changes nothing.
  rig.app().commands().handle_cfg_desired(
      nlohmann::json{{"version", 2}, {"max_code_attempts", 2}}.dump());
  EXPECT_EQ(rig.app().settings().changes(), 0U);
}

TEST(settings_in_force, a_rejected_version_changes_nothing_in_force) {
  locker_rig rig;
  // Out of the table's range, and an unknown key alone: neither reaches the readers.
  rig.app().commands().handle_cfg_desired(
      nlohmann::json{{"version", 2}, {"max_code_attempts", 21}}.dump());
  rig.app().commands().handle_cfg_desired(
      nlohmann::json{{"version", 3}, {"door_left_open_secs", 30}}.dump());
  EXPECT_EQ(rig.app().settings().changes(), 0U);
  EXPECT_EQ(rig.app().settings().policy().max_code_attempts, 5);
  EXPECT_EQ(rig.app().commands().config_version(), 0U);
  expect_pulse_of_about(rig, "3", milliseconds{300});
}

}  // namespace
}  // namespace settings_in_force_test
}  // namespace locker::scenario
