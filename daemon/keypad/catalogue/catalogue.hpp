// SPDX-License-Identifier: Apache-2.0
// The front panel's texts in every language the locker speaks. English is screen_texts'
// defaults (daemon/keypad/screen_texts.hpp); every other language is a table of translations
// keyed by the struct's members. text_ids() lists every text once with what its "{}" stand for,
// so a text that a language lacks, whose placeholders differ from English's, or whose lines do
// not fit the 2x20 display is found by check() (the catalogue test runs it on every language;
// lockerd logs what it finds at start). A missing translation shows the English text.
//
// ASCII only, for character LCDs: German and Polish are transliterated (ae oe ue ss for the
// umlauts and sharp s; Polish letters without their diacritics: a for a-ogonek, l for l-stroke,
// z for z-dot...). A display with a character set of its own can get the real letters later, as
// a language of its own or a mapping in its driver.
//
// Adding a text: its member with the English default in screen_texts, its line in text_ids()
// (catalogue.cpp), and one line in each translation (german.cpp, polish.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/keypad/screen_texts.hpp"

namespace locker::keypad::catalogue {

enum class language : std::uint8_t { en, de, pl };

// In the order the language key cycles through them.
inline constexpr language all_languages[] = {language::en, language::de, language::pl};

// "en", "de", "pl" (ISO 639-1), as the config names them.
[[nodiscard]] std::string_view code(language lang);
[[nodiscard]] std::optional<language> parse_language(std::string_view code);

// What a "{}" stands for, to know its widest value (or, for the values the keypad session cuts
// to fit, how much room the line must leave it).
enum class arg : std::uint8_t {
  compartment,   // a compartment id: up to 2 characters
  count,         // tries left: up to 3 digits (max_code_attempts <= 100)
  seconds,       // a lockout's seconds: up to 5 digits (24 h at most)
  code_stars,    // one '*' per typed digit of a pickup code: up to 10
  pin_stars,     // one '*' per typed digit of a PIN: up to 12
  size_choices,  // "1=S 2=M 3=L": the size menu of three sizes, by initials
  name,          // a courier's name, cut to fit: the line leaves it 6 characters at least
  tracking,      // a tracking number, cut to fit: the line leaves it 10 at least
  size,          // a size's name, cut to fit: the line leaves it 2 at least
  boxes,         // compartments opened for one code, shortened to fit ("3, 7 +2"): the line
                 // leaves it one box and how many more ("WW +99") at least
};

struct text_id {
  std::string screen_texts::*member;
  std::string_view name;
  std::vector<arg> args;  // one per "{}", in order
};

// Every text, once.
[[nodiscard]] std::span<const text_id> text_ids();

struct translation {
  std::string screen_texts::*member;
  std::string_view text;
};

// The translations of lang (empty for English, the defaults).
[[nodiscard]] std::span<const translation> table(language lang);

// The texts for lang: English where the table has none.
[[nodiscard]] screen_texts texts(language lang);
[[nodiscard]] screen_texts texts(std::span<const translation> table);

// What is wrong with a table, one line each ("de: missing menu"); empty when nothing is.
[[nodiscard]] std::vector<std::string> check(language lang);
[[nodiscard]] std::vector<std::string> check(std::string_view name,
                                             std::span<const translation> table);

}  // namespace locker::keypad::catalogue
