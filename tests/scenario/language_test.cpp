// SPDX-License-Identifier: Apache-2.0
// The display's languages on the whole locker (issue 13): [display] language sets what every
// session starts in; the language key ('A' on the simulator's 4x4 keypad) switches it for one
// person, and the session's end (thank you, logout, idle timeout) brings the default back.
// What the locker journals is the same in every language.
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "daemon/keypad/catalogue/catalogue.hpp"
#include "tests/scenario/locker_rig.hpp"

namespace locker::scenario {
namespace language_test {
namespace {

const std::string pin = "24681357";
const std::string idle_en = "Enter pickup code\n# = OK  * = courier";
const std::string idle_de = "Abholcode eingeben\n# = OK  * = Kurier";
const std::string idle_pl = "Wpisz kod odbioru\n# = OK  * = kurier";

void speaks(config::locker_config& c, keypad::catalogue::language lang) {
  c.display.language = lang;
}

TEST(language_scenario, german_default_and_a_recipient_who_switches_to_english) {
  locker_rig rig([](config::locker_config& c) { speaks(c, keypad::catalogue::language::de); });
  rig.add_courier("c-1", pin);
  rig.announce("r-1", "1001", "M", "55554444");
  EXPECT_EQ(rig.display(), idle_de);

  // The courier deposits in German, the default.
  rig.press("*" + pin + "#");
  ASSERT_EQ(rig.display(), "Hi c-1  #=Ende\n1 Einlegen 2 Abholen");
  rig.press("1");
  ASSERT_EQ(rig.display(), "Sendungsnr., dann #\n* = zurueck");
  rig.press("1001#");
  EXPECT_EQ(rig.display(), "Oeffne Fach 13...\nBitte warten");
  rig.advance(move_time);
  ASSERT_EQ(rig.display(), "In Fach 13, Tuer zu\n*=zu gross #=Abbruch");
  rig.person_opens("13");
  rig.person_puts("13");
  rig.person_closes("13");
  ASSERT_EQ(rig.display(), "Eingelegt: 13 #=Ende\n1 Weiter 2 Abholen");
  rig.press("#");
  EXPECT_EQ(rig.display(), idle_de);

  // The recipient wants English: de -> pl -> en.
  rig.press("A");
  EXPECT_EQ(rig.display(), idle_pl);
  EXPECT_TRUE(rig.session().in_use());
  rig.press("A");
  EXPECT_EQ(rig.display(), idle_en);
  rig.press("55554444#");
  EXPECT_EQ(rig.display(), "Opening box 13...\nPlease wait");
  rig.advance(move_time);
  EXPECT_EQ(rig.display(), "Box 13 is open\nTake parcel, close");
  rig.person_opens("13");
  rig.person_takes("13");
  rig.person_closes("13");
  EXPECT_EQ(rig.display(), "Thank you!");
  rig.advance(std::chrono::seconds{5});
  EXPECT_EQ(rig.display(), idle_de);  // the next person's
  EXPECT_FALSE(rig.session().in_use());

  // Journaled as in any language.
  ASSERT_EQ(rig.events_of("stored").size(), 1U);
  ASSERT_EQ(rig.events_of("collected").size(), 1U);
  EXPECT_EQ(rig.events_of("collected").back()["tracking_number"], "1001");
}

TEST(language_scenario, a_language_chosen_and_left_returns_to_the_default) {
  locker_rig rig;  // English, the default
  EXPECT_EQ(rig.display(), idle_en);
  rig.press("A");
  EXPECT_EQ(rig.display(), idle_de);
  rig.press("1234#");  // a wrong code, in German
  EXPECT_EQ(rig.display().rfind("Falscher Code\nNoch ", 0), 0U) << rig.display();
  rig.advance(std::chrono::seconds{5});
  EXPECT_EQ(rig.display(), idle_de);  // the same person may try again
  rig.advance(std::chrono::seconds{60});
  EXPECT_EQ(rig.display(), idle_en);
  EXPECT_FALSE(rig.session().in_use());
}

TEST(language_scenario, a_courier_logs_out_and_the_default_is_back) {
  locker_rig rig([](config::locker_config& c) { speaks(c, keypad::catalogue::language::pl); });
  rig.add_courier("c-1", pin);
  EXPECT_EQ(rig.display(), idle_pl);
  rig.press("A");  // pl -> en
  EXPECT_EQ(rig.display(), idle_en);
  rig.press("*" + pin + "#");
  ASSERT_EQ(rig.display(), "Hi c-1  #=end\n1 Deposit 2 Remove");
  rig.press("2");
  EXPECT_EQ(rig.display(), "Nothing to remove");
  rig.advance(std::chrono::seconds{5});
  rig.press("#");
  EXPECT_EQ(rig.display(), idle_pl);
}

}  // namespace
}  // namespace language_test
}  // namespace locker::scenario
