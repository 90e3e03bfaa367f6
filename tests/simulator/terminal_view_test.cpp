// SPDX-License-Identifier: Apache-2.0
// The terminal view's logic without a terminal: the line editor (a redraw never touches what
// is typed; history), and a screen that fits 80x24 with 24 and with 200 compartments.
#include "simulator/terminal_view.hpp"

#include <gtest/gtest.h>

#include "drivers/board_file/board_file.hpp"
#include "drivers/virtual_clock.hpp"

namespace locker::simulator {
namespace {

using key = line_editor::key;

drivers::board_config cabinet_of(int n) {
  drivers::board_config b;
  b.sizes = {"S", "M", "L"};
  for (int i = 1; i <= n; ++i) {
    drivers::compartment_config c;
    c.id = std::to_string(i);
    c.size = b.sizes[static_cast<std::size_t>(i % 3)];
    c.lock.name = "LOCK_" + std::to_string(i);
    c.door.name = "DOOR_" + std::to_string(i);
    b.compartments.push_back(c);
  }
  return b;
}

void type(line_editor& ed, std::string_view text) { ed.insert(text); }

TEST(line_editor, edits_at_the_cursor) {
  line_editor ed;
  type(ed, "opn 13");
  for (int i = 0; i < 4; ++i) ed.press(key::left);
  type(ed, "e");
  EXPECT_EQ(ed.text(), "open 13");
  EXPECT_EQ(ed.cursor(), 3U);
  ed.press(key::end);
  ed.press(key::backspace);
  type(ed, "2");
  EXPECT_EQ(ed.text(), "open 12");
  ed.press(key::kill_word);
  EXPECT_EQ(ed.text(), "open ");
  ed.press(key::home);
  ed.press(key::del);
  EXPECT_EQ(ed.text(), "pen ");
  ed.press(key::kill_after);
  EXPECT_EQ(ed.text(), "");
  type(ed, "a\tb\x1b");  // control characters are not typed
  EXPECT_EQ(ed.text(), "ab");
}

TEST(line_editor, history_goes_back_and_returns_to_the_line_being_typed) {
  line_editor ed;
  for (const char* l : {"press *123456#", "press 1", "press 1", "   ", "open 13"}) {
    type(ed, l);
    ed.enter();
  }
  // Blank lines and a repeat of the last line are not kept.
  EXPECT_EQ(ed.history(), (std::vector<std::string>{"press *123456#", "press 1", "open 13"}));
  type(ed, "put");
  ed.press(key::up);
  EXPECT_EQ(ed.text(), "open 13");
  ed.press(key::up);
  ed.press(key::up);
  ed.press(key::up);  // the oldest stays
  EXPECT_EQ(ed.text(), "press *123456#");
  ed.press(key::down);
  EXPECT_EQ(ed.text(), "press 1");
  ed.press(key::down);
  ed.press(key::down);
  EXPECT_EQ(ed.text(), "put");  // the half-typed line is back
  EXPECT_EQ(ed.cursor(), 3U);
  ed.press(key::up);
  type(ed, " ");
  EXPECT_EQ(ed.enter(), "open 13 ");
  EXPECT_EQ(ed.text(), "");
}

TEST(line_editor, keeps_at_most_max_history_lines) {
  line_editor ed;
  for (std::size_t i = 0; i < line_editor::max_history + 5; ++i) {
    type(ed, "press " + std::to_string(i));
    ed.enter();
  }
  ASSERT_EQ(ed.history().size(), line_editor::max_history);
  EXPECT_EQ(ed.history().front(), "press 5");
}

class terminal_screen_test : public ::testing::Test {
 protected:
  explicit terminal_screen_test(int compartments = 24)
      : board_(compartments == 24 ? drivers::load_board(std::string(LOCKER_SOURCE_DIR) +
                                                        "/config/boards/sim-24.toml")
                                  : cabinet_of(compartments)),
        model_(board_, clock_, bounce_settings{drivers::millis{0}, 0}),
        screen_(model_, [this] { ++changes_; }) {}

  static void expect_fits(const terminal_screen::frame& f, int width, int height) {
    ASSERT_EQ(f.lines.size(), static_cast<std::size_t>(height));
    for (const auto& l : f.lines) EXPECT_LE(l.size(), static_cast<std::size_t>(width)) << l;
  }
  static bool shows(const terminal_screen::frame& f, const std::string& text) {
    for (const auto& l : f.lines) {
      if (l.find(text) != std::string::npos) return true;
    }
    return false;
  }

  drivers::virtual_clock clock_;
  drivers::board_config board_;
  cabinet_model model_;
  int changes_ = 0;
  terminal_screen screen_;
};

TEST_F(terminal_screen_test, a_redraw_keeps_the_half_typed_line) {
  // The bug of issue 16: "stat" typed, a remote open redrew, then "e" and Enter ran "state".
  screen_.editor().insert("stat");
  ASSERT_TRUE(model_.force("13").ok());  // a change in the cabinet: the view redraws
  EXPECT_GT(changes_, 0);
  const auto f = screen_.render(80, 24);
  EXPECT_EQ(f.lines.back(), "> stat");
  EXPECT_EQ(f.cursor_column, 6);
  screen_.editor().insert("e");
  EXPECT_TRUE(screen_.submit());
  const auto after = screen_.render(80, 24);
  EXPECT_TRUE(shows(after, "> state")) << "the reply names the command that ran";
  EXPECT_TRUE(shows(after, "\"alarm\": false,")) << "state is pretty-printed, a key a line";
  EXPECT_TRUE(shows(after, "PgUp/PgDn")) << "the long reply pages";
  EXPECT_EQ(after.lines.back(), "> ");
}

TEST_F(terminal_screen_test, fits_80x24_with_24_compartments_each_with_its_details) {
  ASSERT_TRUE(model_.force("13").ok());
  screen_.add_log("locker-sim: 24 compartments from sim-24.toml");
  const auto f = screen_.render(80, 24);
  expect_fits(f, 80, 24);
  EXPECT_TRUE(shows(f, "13 M  FORCED")) << "a cell per compartment with id, size and door";
  EXPECT_TRUE(shows(f, "24 "));
  EXPECT_TRUE(shows(f, "-- events"));
  EXPECT_TRUE(shows(f, "door 13"));
  EXPECT_TRUE(shows(f, "-- reply"));
  EXPECT_TRUE(shows(f, "-- log"));
  EXPECT_TRUE(shows(f, "locker-sim: 24 compartments")) << "log lines in their own area";
  EXPECT_EQ(f.lines.back(), "> ");
}

TEST_F(terminal_screen_test, a_small_pane_keeps_the_input_line) {
  screen_.editor().insert("press 1");
  for (const int height : {2, 9, 13}) {
    const auto f = screen_.render(80, height);
    expect_fits(f, 80, height);
    EXPECT_EQ(f.lines.back(), "> press 1") << height;
  }
  // 13 rows (a 24-row terminal with tools/demo's events pane below): a character per
  // compartment, but the display and the events still show.
  const auto f = screen_.render(80, 13);
  EXPECT_TRUE(shows(f, "+---"));
  EXPECT_TRUE(shows(f, "-- events"));
  EXPECT_TRUE(shows(f, "-- reply"));
}

class terminal_screen_200_test : public terminal_screen_test {
 protected:
  terminal_screen_200_test() : terminal_screen_test(200) {}
};

TEST_F(terminal_screen_200_test, fits_80x24_with_200_compartments_compressed) {
  ASSERT_TRUE(model_.force("150").ok());
  const auto f = screen_.render(80, 24);
  expect_fits(f, 80, 24);
  // One character per compartment, rows labelled with their first id: all 200 shown.
  std::size_t marks = 0;
  for (const auto& l : f.lines) {
    if (l.find("--") == 0 || l.find('|') != std::string::npos || l.find("> ") == 0) continue;
    if (l.find("locker-sim") == 0 || l.find('+') == 0) continue;
    for (std::size_t i = 4; i < l.size(); ++i) marks += (l[i] == '.' || l[i] == '!') ? 1 : 0;
  }
  EXPECT_EQ(marks, 200U);
  EXPECT_TRUE(shows(f, "! forced"));
  EXPECT_TRUE(shows(f, "-- events"));
  EXPECT_TRUE(shows(f, "-- log"));
}

TEST(render_grid, never_takes_more_rows_than_given) {
  drivers::virtual_clock clock;
  const auto board = cabinet_of(200);
  cabinet_model model(board, clock);
  for (const int rows : {2, 3, 5}) {
    const auto g = render_grid(model.status(), 40, rows);
    EXPECT_LE(g.rows.size(), static_cast<std::size_t>(rows));
    for (const auto& l : g.rows) EXPECT_LE(l.size(), 40U);
  }
}

TEST(pretty_state, puts_a_key_on_each_line_and_each_compartment_on_one) {
  const auto lines = pretty_state(R"({"power":true,"compartments":[{"id":"1"},{"id":"2"}]})");
  EXPECT_EQ(lines,
            (std::vector<std::string>{"{", "  \"compartments\": [", "    {\"id\":\"1\"},",
                                      "    {\"id\":\"2\"}", "  ],", "  \"power\": true", "}"}));
  EXPECT_EQ(pretty_state("not json"), std::vector<std::string>{"not json"});
}

}  // namespace
}  // namespace locker::simulator
