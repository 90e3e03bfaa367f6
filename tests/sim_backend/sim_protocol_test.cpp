// SPDX-License-Identifier: Apache-2.0
#include "drivers/sim/sim_protocol.hpp"

#include <gtest/gtest.h>

namespace locker::drivers::sim {
namespace {

TEST(sim_protocol, to_board_round_trips) {
  const to_board all[] = {
      input_msg{{"DOOR_07", true}},
      input_msg{{"DOOR_07", false}},
      output_msg{{"LOCK_07", false}},
      key_msg{'#'},
      key_msg{'7'},
      scan_msg{"1Z999AA10123456784"},
      scan_msg{"a b\\c"},
      scan_msg{" leading and trailing "},
      ready_msg{},
      ok_msg{},
      ok_msg{"watching"},
      error_msg{"board already attached"},
  };
  for (const auto& m : all) {
    const std::string line = format(m);
    const auto p = parse_to_board(line);
    ASSERT_TRUE(p.message) << line << ": " << p.error;
    EXPECT_EQ(*p.message, m) << line;
  }
  EXPECT_EQ(format(to_board{input_msg{{"DOOR_07", true}}}), "in DOOR_07 1");
  EXPECT_EQ(format(to_board{key_msg{'*'}}), "key *");
  EXPECT_EQ(format(to_board{scan_msg{"48213377"}}), "scan 48213377");
}

TEST(sim_protocol, scans_hold_no_control_characters_and_have_a_bound) {
  EXPECT_TRUE(valid_scan("JJD0001234567890-A"));
  EXPECT_TRUE(valid_scan(std::string(max_scan_length, 'x')));
  EXPECT_FALSE(valid_scan(""));
  EXPECT_FALSE(valid_scan(std::string(max_scan_length + 1, 'x')));
  EXPECT_FALSE(valid_scan("a\tb"));
  EXPECT_FALSE(valid_scan("a\x7f"));
  // A terminator smuggled in as an escape is not a scan either.
  for (const char* bad : {"scan", "scan ", "scan a\\nb", "scan a\\q", "scan dangling\\"}) {
    const auto p = parse_to_board(bad);
    EXPECT_FALSE(p.message) << "'" << bad << "'";
    EXPECT_FALSE(p.error.empty()) << "'" << bad << "'";
  }
}

TEST(sim_protocol, from_board_round_trips) {
  const from_board all[] = {
      attach_msg{},
      set_output_msg{{"LOCK_01", true}},
      display_msg{"Hello\nWorld"},
      display_msg{""},
      display_msg{"  two  spaces \\ slash"},
      beep_msg{sound::alarm},
      beep_msg{sound::key},
      alarm_msg{true},
      alarm_msg{false},
  };
  for (const auto& m : all) {
    const std::string line = format(m);
    EXPECT_EQ(line.find('\n'), std::string::npos) << line;
    const auto p = parse_from_board(line);
    ASSERT_TRUE(p.message) << line << ": " << p.error;
    EXPECT_EQ(*p.message, m) << line;
  }
  EXPECT_EQ(format(from_board{display_msg{"A\nB"}}), "display A\\nB");
  // Accessibility (issue 13): every sound crosses the wire by its own name.
  for (const sound s : {sound::key, sound::ok, sound::error, sound::alarm, sound::prompt,
                        sound::door_open, sound::door_left_open}) {
    const auto p = parse_from_board(format(from_board{beep_msg{s}}));
    ASSERT_TRUE(p.message) << sound_name(s) << ": " << p.error;
    EXPECT_EQ(*p.message, from_board{beep_msg{s}});
  }
  EXPECT_EQ(format(from_board{beep_msg{sound::door_left_open}}), "beep door_left_open");
  EXPECT_EQ(format(from_board{set_output_msg{{"LOCK_01", false}}}), "out LOCK_01 0");
}

TEST(sim_protocol, malformed_lines_are_rejected_with_a_reason) {
  for (const char* bad : {"", "   ", "in", "in DOOR_01", "in DOOR_01 2", "in DOOR_01 1 extra",
                          "key", "key x", "key 12", "ready now", "hello", "IN DOOR_01 1"}) {
    const auto p = parse_to_board(bad);
    EXPECT_FALSE(p.message) << "'" << bad << "'";
    EXPECT_FALSE(p.error.empty()) << "'" << bad << "'";
  }
  for (const char* bad :
       {"", "attach", "attach keypad", "out", "out LOCK_01", "out LOCK_01 yes", "beep", "beep loud",
        "alarm", "alarm 2", "display bad\\q", "display dangling\\", "in DOOR_01 1"}) {
    const auto p = parse_from_board(bad);
    EXPECT_FALSE(p.message) << "'" << bad << "'";
    EXPECT_FALSE(p.error.empty()) << "'" << bad << "'";
  }
}

TEST(sim_protocol, escapes_round_trip) {
  for (const char* text : {"", "plain", "a\nb", "back\\slash", "\\n literally", "cr\r\n"}) {
    const auto back = unescape_text(escape_text(text));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, text);
    EXPECT_EQ(escape_text(text).find('\n'), std::string::npos);
  }
}

TEST(sim_protocol, line_names_and_keys) {
  EXPECT_TRUE(valid_line_name("LOCK_01"));
  EXPECT_TRUE(valid_line_name("gpiochip1:7"));
  EXPECT_FALSE(valid_line_name(""));
  EXPECT_FALSE(valid_line_name("A B"));
  EXPECT_FALSE(valid_line_name(std::string(65, 'x')));
  for (char k : std::string("0123456789*#ABCD")) EXPECT_TRUE(valid_key(k)) << k;
  for (char k : std::string("aE ./")) EXPECT_FALSE(valid_key(k)) << k;
}

TEST(sim_protocol, splitter_yields_whole_lines_across_reads) {
  line_splitter s;
  s.feed("in DOOR_01 1\nin DO");
  EXPECT_EQ(s.next(), "in DOOR_01 1");
  EXPECT_EQ(s.next(), std::nullopt);
  s.feed("OR_01 0\r\nready\n");
  EXPECT_EQ(s.next(), "in DOOR_01 0");
  EXPECT_EQ(s.next(), "ready");
  EXPECT_EQ(s.next(), std::nullopt);
}

TEST(sim_protocol, splitter_breaks_on_an_endless_line) {
  line_splitter s(16);
  s.feed(std::string(17, 'x'));
  EXPECT_TRUE(s.broken());
  EXPECT_EQ(s.next(), std::nullopt);
}

}  // namespace
}  // namespace locker::drivers::sim
