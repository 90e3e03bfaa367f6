// SPDX-License-Identifier: Apache-2.0
#include "drivers/input/scan_decoder.hpp"

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace locker::drivers::input {
namespace {

// What a keyboard-wedge scanner sends for text: for each character its key (with shift
// around it for capitals and shifted symbols), each press and release followed by a sync.
struct wedge {
  scan_decoder decoder;
  std::vector<std::string> scans;

  explicit wedge(std::size_t max_length = scan_decoder::default_max_length) : decoder(max_length) {}

  void event(std::uint16_t type, std::uint16_t code, std::int32_t value) {
    if (auto s = decoder.feed(type, code, value)) scans.push_back(*s);
  }
  void key(std::uint16_t code, std::int32_t value) {
    event(EV_MSC, MSC_SCAN, 0x70000 + code);
    event(EV_KEY, code, value);
    event(EV_SYN, SYN_REPORT, 0);
  }
  void tap(std::uint16_t code, bool shift = false, std::uint16_t shift_key = KEY_LEFTSHIFT) {
    if (shift) key(shift_key, 1);
    key(code, 1);
    key(code, 0);
    if (shift) key(shift_key, 0);
  }
  // Types text made of characters the US layout has, then the terminator.
  void type(const std::string& text, std::uint16_t terminator = KEY_ENTER) {
    for (const char c : text) {
      const auto [code, shift] = key_for_char(c);
      ASSERT_NE(code, 0) << "no key for '" << c << "'";
      tap(code, shift);
    }
    tap(terminator);
  }
  // The inverse of us_char_for, by search: keeps the test independent of the table.
  static std::pair<std::uint16_t, bool> key_for_char(char c) {
    for (std::uint16_t code = 1; code < KEY_MAX; ++code) {
      if (us_char_for(code, false) == c) return {code, false};
      if (us_char_for(code, true) == c) return {code, true};
    }
    return {0, false};
  }
};

TEST(scan_decoder, tracking_numbers_with_shifted_capitals) {
  wedge w;
  w.type("JJD0099887766");
  w.type("1Z999AA10123456784");
  EXPECT_EQ(w.scans, (std::vector<std::string>{"JJD0099887766", "1Z999AA10123456784"}));
  EXPECT_EQ(w.decoder.counters().scans, 2U);
}

TEST(scan_decoder, lower_case_without_shift_and_right_shift_also_shifts) {
  wedge w;
  w.tap(KEY_A);
  w.tap(KEY_B, true, KEY_RIGHTSHIFT);
  w.tap(KEY_C, true, KEY_LEFTSHIFT);
  w.tap(KEY_ENTER);
  EXPECT_EQ(w.scans, (std::vector<std::string>{"aBC"}));
}

TEST(scan_decoder, shift_held_by_both_keys_stays_until_both_are_released) {
  wedge w;
  w.key(KEY_LEFTSHIFT, 1);
  w.key(KEY_RIGHTSHIFT, 1);
  w.key(KEY_LEFTSHIFT, 0);
  w.tap(KEY_X);
  w.key(KEY_RIGHTSHIFT, 0);
  w.tap(KEY_X);
  w.tap(KEY_ENTER);
  EXPECT_EQ(w.scans, (std::vector<std::string>{"Xx"}));
}

TEST(scan_decoder, the_symbols_a_barcode_carries) {
  wedge w;
  w.type("AB-12.34/56+7:8_9 %$*");
  w.type("https://example.com/p?c=12&t=x#y");
  EXPECT_EQ(w.scans, (std::vector<std::string>{"AB-12.34/56+7:8_9 %$*",
                                               "https://example.com/p?c=12&t=x#y"}));
  EXPECT_EQ(us_char_for(KEY_MINUS, false), '-');
  EXPECT_EQ(us_char_for(KEY_DOT, false), '.');
  EXPECT_EQ(us_char_for(KEY_SLASH, false), '/');
  EXPECT_EQ(us_char_for(KEY_SEMICOLON, true), ':');
  EXPECT_EQ(us_char_for(KEY_2, true), '@');
  EXPECT_EQ(us_char_for(KEY_KPMINUS, true), '-');
}

TEST(scan_decoder, enter_keypad_enter_and_tab_end_a_scan) {
  wedge w;
  w.type("A1", KEY_ENTER);
  w.type("B2", KEY_KPENTER);
  w.type("C3", KEY_TAB);
  EXPECT_EQ(w.scans, (std::vector<std::string>{"A1", "B2", "C3"}));
  EXPECT_TRUE(ends_scan(KEY_TAB));
  EXPECT_FALSE(ends_scan(KEY_SPACE));
}

TEST(scan_decoder, keypad_digits_type_digits_with_or_without_shift) {
  wedge w;
  w.tap(KEY_KP1);
  w.tap(KEY_KP2, true);
  w.tap(KEY_KPDOT);
  w.tap(KEY_KPENTER);
  EXPECT_EQ(w.scans, (std::vector<std::string>{"12."}));
}

TEST(scan_decoder, autorepeat_and_releases_type_nothing) {
  wedge w;
  w.key(KEY_7, 1);
  w.key(KEY_7, 2);
  w.key(KEY_7, 2);
  w.key(KEY_7, 0);
  w.key(KEY_ENTER, 1);
  w.key(KEY_ENTER, 2);  // a held Enter does not end another (empty) scan
  w.key(KEY_ENTER, 0);
  EXPECT_EQ(w.scans, (std::vector<std::string>{"7"}));
  EXPECT_EQ(w.decoder.counters().scans, 1U);
}

TEST(scan_decoder, keys_that_type_nothing_are_ignored) {
  wedge w;
  w.tap(KEY_A);
  for (const std::uint16_t k :
       {KEY_F1, KEY_ESC, KEY_LEFT, KEY_CAPSLOCK, KEY_BACKSPACE, KEY_NUMLOCK, KEY_HOME}) {
    w.tap(k);
  }
  w.tap(KEY_B);
  w.tap(KEY_ENTER);
  EXPECT_EQ(w.scans, (std::vector<std::string>{"ab"}));
  EXPECT_EQ(us_char_for(KEY_LEFTSHIFT, false), 0);
  EXPECT_EQ(us_char_for(KEY_ENTER, false), 0);
}

TEST(scan_decoder, keys_pressed_with_ctrl_or_alt_are_control_sequences_not_text) {
  wedge w;
  w.tap(KEY_A);
  w.key(KEY_LEFTCTRL, 1);
  w.tap(KEY_RIGHTBRACE);  // Ctrl+] : the GS1 group separator some scanners send
  w.key(KEY_LEFTCTRL, 0);
  w.key(KEY_RIGHTALT, 1);
  w.tap(KEY_Q);
  w.key(KEY_RIGHTALT, 0);
  w.tap(KEY_B);
  w.tap(KEY_ENTER);
  EXPECT_EQ(w.scans, (std::vector<std::string>{"ab"}));
}

TEST(scan_decoder, an_empty_scan_is_nothing) {
  wedge w;
  w.tap(KEY_ENTER);
  w.tap(KEY_TAB);
  EXPECT_TRUE(w.scans.empty());
  EXPECT_EQ(w.decoder.counters().scans, 0U);
}

TEST(scan_decoder, max_length_is_accepted_and_longer_is_discarded_whole_and_counted) {
  wedge w(8);
  w.type("ABCDEFGH");
  w.type("ABCDEFGHI");
  w.type("ABCDEFGHIJKLMNOPQRSTUVWXYZ");
  w.type("OK");  // the next scan starts clean
  EXPECT_EQ(w.scans, (std::vector<std::string>{"ABCDEFGH", "OK"}));
  EXPECT_EQ(w.decoder.counters().overlong, 2U);
  EXPECT_EQ(w.decoder.counters().scans, 2U);
}

TEST(scan_decoder, a_scan_cut_by_a_kernel_overrun_is_dropped_and_counted) {
  wedge w;
  w.tap(KEY_A, true);
  w.key(KEY_LEFTSHIFT, 1);
  w.event(EV_SYN, SYN_DROPPED, 0);
  w.key(KEY_B, 1);  // still in the same report after the overrun: skipped
  w.event(EV_SYN, SYN_REPORT, 0);
  w.tap(KEY_C);  // the shift release was lost: assumed released
  w.tap(KEY_ENTER);
  w.type("next");
  EXPECT_EQ(w.scans, (std::vector<std::string>{"next"}));
  EXPECT_EQ(w.decoder.counters().dropped, 1U);
}

TEST(scan_decoder, reset_forgets_the_scan_in_progress_and_a_held_shift) {
  wedge w;
  w.key(KEY_LEFTSHIFT, 1);
  w.tap(KEY_A);
  w.decoder.reset();  // unplugged mid-scan, shift down
  w.tap(KEY_B);
  w.tap(KEY_ENTER);
  EXPECT_EQ(w.scans, (std::vector<std::string>{"b"}));
}

TEST(scan_decoder, accepts_input_event_records) {
  scan_decoder d;
  input_event e{};
  e.type = EV_KEY;
  e.code = KEY_9;
  e.value = 1;
  EXPECT_EQ(d.feed(e), std::nullopt);
  e.code = KEY_ENTER;
  EXPECT_EQ(d.feed(e), std::optional<std::string>("9"));
}

}  // namespace
}  // namespace locker::drivers::input
