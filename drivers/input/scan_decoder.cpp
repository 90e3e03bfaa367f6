// SPDX-License-Identifier: Apache-2.0
#include "drivers/input/scan_decoder.hpp"

namespace locker::drivers::input {
namespace {

struct key_chars {
  char plain;
  char shifted;
};

// The US layout's printable keys other than letters.
std::optional<key_chars> symbol_for(std::uint16_t code) {
  switch (code) {
    case KEY_1:
      return key_chars{'1', '!'};
    case KEY_2:
      return key_chars{'2', '@'};
    case KEY_3:
      return key_chars{'3', '#'};
    case KEY_4:
      return key_chars{'4', '$'};
    case KEY_5:
      return key_chars{'5', '%'};
    case KEY_6:
      return key_chars{'6', '^'};
    case KEY_7:
      return key_chars{'7', '&'};
    case KEY_8:
      return key_chars{'8', '*'};
    case KEY_9:
      return key_chars{'9', '('};
    case KEY_0:
      return key_chars{'0', ')'};
    case KEY_MINUS:
      return key_chars{'-', '_'};
    case KEY_EQUAL:
      return key_chars{'=', '+'};
    case KEY_LEFTBRACE:
      return key_chars{'[', '{'};
    case KEY_RIGHTBRACE:
      return key_chars{']', '}'};
    case KEY_SEMICOLON:
      return key_chars{';', ':'};
    case KEY_APOSTROPHE:
      return key_chars{'\'', '"'};
    case KEY_GRAVE:
      return key_chars{'`', '~'};
    case KEY_BACKSLASH:
      return key_chars{'\\', '|'};
    case KEY_COMMA:
      return key_chars{',', '<'};
    case KEY_DOT:
      return key_chars{'.', '>'};
    case KEY_SLASH:
      return key_chars{'/', '?'};
    case KEY_SPACE:
      return key_chars{' ', ' '};
    // The keypad types the same with or without shift (Num Lock is assumed on: a scanner
    // that uses the keypad for digits relies on it).
    case KEY_KP0:
      return key_chars{'0', '0'};
    case KEY_KP1:
      return key_chars{'1', '1'};
    case KEY_KP2:
      return key_chars{'2', '2'};
    case KEY_KP3:
      return key_chars{'3', '3'};
    case KEY_KP4:
      return key_chars{'4', '4'};
    case KEY_KP5:
      return key_chars{'5', '5'};
    case KEY_KP6:
      return key_chars{'6', '6'};
    case KEY_KP7:
      return key_chars{'7', '7'};
    case KEY_KP8:
      return key_chars{'8', '8'};
    case KEY_KP9:
      return key_chars{'9', '9'};
    case KEY_KPMINUS:
      return key_chars{'-', '-'};
    case KEY_KPPLUS:
      return key_chars{'+', '+'};
    case KEY_KPASTERISK:
      return key_chars{'*', '*'};
    case KEY_KPSLASH:
      return key_chars{'/', '/'};
    case KEY_KPDOT:
      return key_chars{'.', '.'};
    default:
      return std::nullopt;
  }
}

// KEY_A..KEY_Z are not contiguous (they follow the keyboard's rows).
char letter_for(std::uint16_t code) {
  static constexpr struct {
    std::uint16_t code;
    char letter;
  } letters[] = {
      {KEY_A, 'a'}, {KEY_B, 'b'}, {KEY_C, 'c'}, {KEY_D, 'd'}, {KEY_E, 'e'}, {KEY_F, 'f'},
      {KEY_G, 'g'}, {KEY_H, 'h'}, {KEY_I, 'i'}, {KEY_J, 'j'}, {KEY_K, 'k'}, {KEY_L, 'l'},
      {KEY_M, 'm'}, {KEY_N, 'n'}, {KEY_O, 'o'}, {KEY_P, 'p'}, {KEY_Q, 'q'}, {KEY_R, 'r'},
      {KEY_S, 's'}, {KEY_T, 't'}, {KEY_U, 'u'}, {KEY_V, 'v'}, {KEY_W, 'w'}, {KEY_X, 'x'},
      {KEY_Y, 'y'}, {KEY_Z, 'z'},
  };
  for (const auto& l : letters) {
    if (l.code == code) return l.letter;
  }
  return 0;
}

constexpr int control_bit(std::uint16_t code) {
  switch (code) {
    case KEY_LEFTCTRL:
      return 1;
    case KEY_RIGHTCTRL:
      return 2;
    case KEY_LEFTALT:
      return 4;
    case KEY_RIGHTALT:
      return 8;
    case KEY_LEFTMETA:
      return 16;
    case KEY_RIGHTMETA:
      return 32;
    default:
      return 0;
  }
}

}  // namespace

char us_char_for(std::uint16_t code, bool shifted) {
  if (const char l = letter_for(code); l != 0) {
    return shifted ? static_cast<char>(l - 'a' + 'A') : l;
  }
  if (const auto s = symbol_for(code)) return shifted ? s->shifted : s->plain;
  return 0;
}

bool ends_scan(std::uint16_t code) {
  return code == KEY_ENTER || code == KEY_KPENTER || code == KEY_TAB;
}

std::optional<std::string> scan_decoder::feed(std::uint16_t type, std::uint16_t code,
                                              std::int32_t value) {
  if (type == EV_SYN) {
    if (code == SYN_DROPPED) {
      // The kernel's buffer overran: events of this scan are lost, and so may be a shift
      // release. Drop the scan, assume no key is held, skip to the next report.
      dropped_ = true;
      resyncing_ = true;
      left_shift_ = right_shift_ = false;
      control_keys_ = 0;
    } else if (code == SYN_REPORT) {
      resyncing_ = false;
    }
    return std::nullopt;
  }
  if (type != EV_KEY || resyncing_) return std::nullopt;
  if (code == KEY_LEFTSHIFT || code == KEY_RIGHTSHIFT) {
    if (value == 2) return std::nullopt;  // autorepeat of a held shift
    (code == KEY_LEFTSHIFT ? left_shift_ : right_shift_) = value != 0;
    return std::nullopt;
  }
  if (const int bit = control_bit(code); bit != 0) {
    if (value == 1) control_keys_ |= bit;
    if (value == 0) control_keys_ &= ~bit;
    return std::nullopt;
  }
  if (value != 1) return std::nullopt;  // 0 release, 2 autorepeat
  return key_down(code);
}

std::optional<std::string> scan_decoder::key_down(std::uint16_t code) {
  if (ends_scan(code)) {
    std::optional<std::string> scan;
    if (dropped_) {
      ++counters_.dropped;
    } else if (overlong_) {
      ++counters_.overlong;
    } else if (!text_.empty()) {
      ++counters_.scans;
      scan = std::move(text_);
    }
    text_.clear();
    overlong_ = dropped_ = false;
    return scan;
  }
  if (control_keys_ != 0 || overlong_ || dropped_) return std::nullopt;
  const char c = us_char_for(code, left_shift_ || right_shift_);
  if (c == 0) return std::nullopt;
  if (text_.size() >= max_length_) {
    overlong_ = true;
    text_.clear();
    return std::nullopt;
  }
  text_ += c;
  return std::nullopt;
}

void scan_decoder::reset() {
  text_.clear();
  left_shift_ = right_shift_ = false;
  control_keys_ = 0;
  overlong_ = dropped_ = resyncing_ = false;
}

}  // namespace locker::drivers::input
