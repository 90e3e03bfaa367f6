// SPDX-License-Identifier: Apache-2.0
#include "drivers/gpiod/front_panel.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "drivers/sounds.hpp"
#include "drivers/virtual_clock.hpp"
#include "tests/drivers/fake_lines.hpp"

namespace locker::drivers::gpiod_backend {
namespace {

using namespace std::chrono_literals;
using drivers::testing::fake_output_line;

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    path = std::filesystem::temp_directory_path() /
           ("lockerd-gpiod-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(path);
  }
  ~temp_dir() { std::filesystem::remove_all(path); }
};

TEST(file_display, render_clears_then_writes_the_text) {
  EXPECT_EQ(file_display::render("Hello\nWorld"), "\x1b[2J\x1b[HHello\nWorld\n");
}

TEST(file_display, each_show_replaces_the_text) {
  temp_dir d;
  const auto p = d.path / "panel";
  file_display disp(p.string());
  disp.show("Enter code\n________");
  EXPECT_EQ(slurp(p), file_display::render("Enter code\n________"));
  disp.show("Welcome");
  EXPECT_EQ(slurp(p), file_display::render("Welcome"));
  EXPECT_FALSE(disp.last_error());
}

TEST(file_display, unusable_path_fails_at_start_naming_it) {
  try {
    file_display disp("/nonexistent-dir/panel");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/panel"), std::string::npos);
  }
}

TEST(file_display, write_error_later_is_kept_not_thrown) {
  temp_dir d;
  const auto sub = d.path / "sub";
  std::filesystem::create_directories(sub);
  file_display disp((sub / "panel").string());
  std::filesystem::remove_all(sub);
  EXPECT_NO_THROW(disp.show("x"));
  EXPECT_TRUE(disp.last_error());
}

TEST(null_display, discards) {
  null_display d;
  EXPECT_NO_THROW(d.show("anything"));
}

struct indicator_fixture : ::testing::Test {
  virtual_clock clock;
  steady_time t0 = clock.now();
  fake_output_line buzzer{clock};
  fake_output_line led{clock};

  // (on?, ms since t0) of every change of the buzzer.
  std::vector<std::pair<bool, long>> buzz() const {
    std::vector<std::pair<bool, long>> out;
    for (const auto& ch : buzzer.history())
      out.emplace_back(ch.active, static_cast<long>((ch.at - t0) / 1ms));
    return out;
  }
};

TEST_F(indicator_fixture, key_beep_is_one_short_pulse) {
  line_indicator ind(&buzzer, &led, clock);
  ind.beep(sound::key);
  EXPECT_TRUE(buzzer.get());
  clock.advance(1s);
  EXPECT_EQ(buzz(), (std::vector<std::pair<bool, long>>{{true, 0}, {false, 30}}));
}

TEST_F(indicator_fixture, error_beep_is_three_pulses) {
  line_indicator ind(&buzzer, &led, clock);
  ind.beep(sound::error);
  clock.advance(1s);
  EXPECT_EQ(buzz(),
            (std::vector<std::pair<bool, long>>{
                {true, 0}, {false, 80}, {true, 160}, {false, 240}, {true, 320}, {false, 400}}));
  EXPECT_FALSE(buzzer.get());
}

TEST_F(indicator_fixture, every_sound_ends_silent_and_bounded) {
  for (const sound s : drivers::all_sounds) {
    const auto p = line_indicator::pattern(s);
    EXPECT_EQ(p.size() % 2, 1U);
    millis total{0};
    for (const auto d : p) total += d;
    EXPECT_LE(total, 1s);
  }
}

// Accessibility (issue 13): the buzzer line plays each sound's own pattern on the clock.
TEST_F(indicator_fixture, accepted_is_short_then_long) {
  line_indicator ind(&buzzer, &led, clock);
  ind.beep(sound::ok);
  clock.advance(1s);
  EXPECT_EQ(buzz(), (std::vector<std::pair<bool, long>>{
                        {true, 0}, {false, 80}, {true, 160}, {false, 560}}));
}

TEST_F(indicator_fixture, prompt_is_two_short_apart) {
  line_indicator ind(&buzzer, &led, clock);
  ind.beep(sound::prompt);
  clock.advance(1s);
  EXPECT_EQ(buzz(), (std::vector<std::pair<bool, long>>{
                        {true, 0}, {false, 60}, {true, 310}, {false, 370}}));
}

TEST_F(indicator_fixture, door_open_is_two_long_and_door_left_open_three) {
  {
    line_indicator ind(&buzzer, &led, clock);
    ind.beep(sound::door_open);
    clock.advance(1s);
    EXPECT_EQ(buzz(), (std::vector<std::pair<bool, long>>{
                          {true, 0}, {false, 300}, {true, 420}, {false, 720}}));
  }
  const auto t = clock.now();
  line_indicator ind(&buzzer, &led, clock);
  ind.beep(sound::door_left_open);
  clock.advance(1s);
  std::vector<std::pair<bool, long>> after;
  for (const auto& ch : buzzer.history())
    if (ch.at >= t && ch.active)
      after.emplace_back(ch.active, static_cast<long>((ch.at - t) / 1ms));
  EXPECT_EQ(after, (std::vector<std::pair<bool, long>>{{true, 0}, {true, 370}, {true, 740}}));
  EXPECT_FALSE(buzzer.get());
}

TEST_F(indicator_fixture, the_line_plays_the_shared_patterns) {
  for (const sound s : drivers::all_sounds)
    EXPECT_EQ(line_indicator::pattern(s), drivers::sound_pattern(s));
}

TEST_F(indicator_fixture, new_beep_replaces_the_current_one) {
  line_indicator ind(&buzzer, &led, clock);
  ind.beep(sound::alarm);
  clock.advance(100ms);
  ind.beep(sound::key);
  clock.advance(1s);
  EXPECT_FALSE(buzzer.get());
  EXPECT_EQ(buzz().back(), (std::pair<bool, long>{false, 130}));
}

TEST_F(indicator_fixture, alarm_led_follows_set_alarm) {
  line_indicator ind(&buzzer, &led, clock);
  ind.set_alarm(true);
  EXPECT_TRUE(led.get());
  ind.set_alarm(false);
  EXPECT_FALSE(led.get());
}

TEST_F(indicator_fixture, missing_parts_are_no_ops) {
  line_indicator ind(nullptr, nullptr, clock);
  ind.beep(sound::error);
  ind.set_alarm(true);
  EXPECT_EQ(clock.pending(), 0U);
}

TEST_F(indicator_fixture, destruction_silences_the_buzzer) {
  {
    line_indicator ind(&buzzer, nullptr, clock);
    ind.beep(sound::alarm);
  }
  EXPECT_FALSE(buzzer.get());
  EXPECT_EQ(clock.pending(), 0U);
}

}  // namespace
}  // namespace locker::drivers::gpiod_backend
