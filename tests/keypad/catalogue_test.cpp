// SPDX-License-Identifier: Apache-2.0
// The display catalogue (issue 13, languages): every language has every text, with English's
// placeholders, each line fitting the 2x20 display with the widest values; and a table that
// lacks a text, or gets one wrong, is found and falls back to English.
#include "daemon/keypad/catalogue/catalogue.hpp"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace locker::keypad::catalogue {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(catalogue, every_language_has_every_text_and_each_fits) {
  for (const language lang : all_languages) {
    EXPECT_THAT(check(lang), IsEmpty()) << code(lang);
  }
}

TEST(catalogue, english_german_and_polish_at_least) {
  EXPECT_EQ(parse_language("en"), language::en);
  EXPECT_EQ(parse_language("de"), language::de);
  EXPECT_EQ(parse_language("pl"), language::pl);
  EXPECT_EQ(parse_language("fr"), std::nullopt);
  EXPECT_EQ(parse_language("EN"), std::nullopt);  // as the config spells them
  for (const language lang : all_languages) EXPECT_EQ(parse_language(code(lang)), lang);
}

TEST(catalogue, every_translation_is_its_own_text) {
  const screen_texts english;
  for (const language lang : {language::de, language::pl}) {
    const screen_texts own = texts(lang);
    EXPECT_EQ(table(lang).size(), text_ids().size()) << code(lang);
    EXPECT_NE(own.idle, english.idle) << code(lang);
    EXPECT_NE(own.thank_you, english.thank_you) << code(lang);
  }
  EXPECT_EQ(texts(language::de).idle, "Abholcode eingeben\n# = OK  * = Kurier");
  EXPECT_EQ(texts(language::pl).idle, "Wpisz kod odbioru\n# = OK  * = kurier");
  EXPECT_EQ(texts(language::en).idle, english.idle);
}

TEST(catalogue, a_missing_text_is_found_and_shows_english) {
  const std::vector<translation> lacking{{&screen_texts::idle, "Bonjour"}};
  const auto problems = check("xx", lacking);
  EXPECT_EQ(problems.size(), text_ids().size() - 1);
  EXPECT_THAT(problems, ::testing::Contains("xx: missing thank_you"));
  const screen_texts built = texts(lacking);
  EXPECT_EQ(built.idle, "Bonjour");
  EXPECT_EQ(built.thank_you, screen_texts{}.thank_you);
}

// Every text but `changed`, as English has it, and `changed` as given.
std::vector<translation> english_but(std::string screen_texts::*changed, std::string_view text) {
  static const screen_texts english;
  std::vector<translation> all;
  all.reserve(text_ids().size());
  for (const auto& id : text_ids()) {
    all.push_back({id.member, id.member == changed ? text : std::string_view{english.*id.member}});
  }
  return all;
}

TEST(catalogue, a_complete_copy_of_english_passes) {
  EXPECT_THAT(check("xx", english_but(nullptr, "")), IsEmpty());
}

TEST(catalogue, placeholders_must_be_englishs) {
  EXPECT_THAT(check("xx", english_but(&screen_texts::opening, "Opening\nPlease wait")),
              ElementsAre("xx: opening: 0 \"{}\", English has 1"));
  EXPECT_THAT(check("xx", english_but(&screen_texts::thank_you, "Thanks {}")),
              ElementsAre("xx: thank_you: 1 \"{}\", English has 0"));
}

TEST(catalogue, lines_must_fit_with_the_widest_values) {
  // With a 2-character compartment: 20 characters fit, 21 do not.
  EXPECT_THAT(check("xx", english_but(&screen_texts::opening, "Now opening box {}..")), IsEmpty());
  EXPECT_THAT(check("xx", english_but(&screen_texts::opening, "Now opening box {}...")),
              ElementsAre("xx: opening: line 1 is 21 characters with the widest values: "
                          "\"Now opening box WW...\""));
  // Lockout seconds up to 24 h: 5 digits.
  EXPECT_THAT(check("xx", english_but(&screen_texts::locked_out, "Too many\nPlease wait for {} s")),
              ElementsAre("xx: locked_out: line 2 is 23 characters with the widest values: "
                          "\"Please wait for 86400 s\""));
  // A courier's name is cut to fit, but the line must leave it 6 characters.
  EXPECT_THAT(check("xx", english_but(&screen_texts::menu, "Good morning {}\n1 Deposit 2 Remove")),
              IsEmpty());
  EXPECT_THAT(check("xx", english_but(&screen_texts::menu, "Good morning, dear {}\n1 2")),
              ElementsAre("xx: menu: line 1 is 25 characters with the widest values: "
                          "\"Good morning, dear NNNNNN\""));
  EXPECT_THAT(check("xx", english_but(&screen_texts::thank_you, "Thank you!\nGood bye\nSee you")),
              ElementsAre("xx: thank_you: 3 lines"));
}

TEST(catalogue, ascii_only) {
  EXPECT_THAT(check("xx", english_but(&screen_texts::thank_you, "Dzi\xc4\x99kujemy!")),
              ElementsAre("xx: thank_you: not printable ASCII"));
}

TEST(catalogue, a_text_twice_is_found) {
  auto all = english_but(nullptr, "");
  all.push_back({&screen_texts::idle, "Again"});
  EXPECT_THAT(check("xx", all), ElementsAre("xx: idle: twice"));
}

}  // namespace
}  // namespace locker::keypad::catalogue
