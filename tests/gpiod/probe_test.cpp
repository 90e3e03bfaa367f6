// SPDX-License-Identifier: Apache-2.0
// --probe's report on a fake chip list (a gpio-mockup cannot be loaded here): each line of the
// board that is missing or held by another consumer is one problem with its key; free lines
// pass.
#include "drivers/gpiod/probe.hpp"

#include <map>
#include <string>

#include <gtest/gtest.h>

namespace {

using namespace locker::drivers;
using namespace locker::drivers::gpiod_backend;

class fake_chips final : public line_inspector {
 public:
  std::map<std::string, line_state> lines;  // by name or "chip:offset"
  std::optional<line_state> find(const line_spec& spec, std::string& why) override {
    const auto it = lines.find(spec.describe());
    if (it == lines.end()) {
      why = "no line of this name on any gpiochip";
      return std::nullopt;
    }
    return it->second;
  }
};

line_spec named(const std::string& n) {
  line_spec s;
  s.name = n;
  return s;
}

TEST(gpiod_probe, reports_missing_and_used_lines_with_their_keys) {
  board_config board;
  compartment_config c1;
  c1.id = "1";
  c1.lock = named("LOCK_01");
  c1.door = named("DOOR_01");
  compartment_config c2;
  c2.id = "2";
  c2.lock = named("LOCK_02");
  c2.door = named("DOOR_02");
  board.compartments = {c1, c2};
  board.buzzer = named("BUZZER");

  fake_chips chips;
  chips.lines["LOCK_01"] = {"gpiochip2", 0, false, ""};
  chips.lines["DOOR_01"] = {"gpiochip3", 0, false, ""};
  chips.lines["LOCK_02"] = {"gpiochip2", 1, true, "gpio-keys"};
  chips.lines["BUZZER"] = {"gpiochip0", 18, false, ""};

  const auto problems = probe_board(board, chips);
  ASSERT_EQ(problems.size(), 2U);
  EXPECT_EQ(problems[0].text(),
            "compartment[1] (id 2).lock LOCK_02: in use by gpio-keys (gpiochip2:1)");
  EXPECT_EQ(problems[1].text(),
            "compartment[1] (id 2).door DOOR_02: no line of this name on any gpiochip");
}

TEST(gpiod_probe, a_free_board_has_no_problems) {
  board_config board;
  board.keypad.kind = keypad_kind::matrix;
  board.keypad.rows = {named("KP_ROW1")};
  board.keypad.columns = {named("KP_COL1")};
  fake_chips chips;
  chips.lines["KP_ROW1"] = {"gpiochip0", 5, false, ""};
  EXPECT_EQ(probe_board(board, chips).size(), 1U);  // KP_COL1 is missing
  chips.lines["KP_COL1"] = {"gpiochip0", 12, false, ""};
  EXPECT_TRUE(probe_board(board, chips).empty());
}

}  // namespace
