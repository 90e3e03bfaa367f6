// SPDX-License-Identifier: Apache-2.0
// The buzzer's patterns every backend shares (issue 13): each sound its own rhythm, so that a
// person who cannot read the display tells them apart, each short and ending silent.
#include "drivers/sounds.hpp"

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace locker::drivers {
namespace {

using namespace std::chrono_literals;

TEST(sounds, every_sound_has_its_own_pattern_and_shape) {
  std::set<std::vector<millis>> patterns;
  std::set<std::string> shapes;
  std::set<std::string_view> labels;
  for (const sound s : all_sounds) {
    patterns.insert(sound_pattern(s));
    shapes.insert(sound_shape(s));
    labels.insert(sound_label(s));
  }
  EXPECT_EQ(patterns.size(), all_sounds.size());
  EXPECT_EQ(shapes.size(), all_sounds.size()) << "told apart by rhythm, not only by length";
  EXPECT_EQ(labels.size(), all_sounds.size());
}

TEST(sounds, every_pattern_ends_on_a_tone_and_is_bounded) {
  for (const sound s : all_sounds) {
    const auto p = sound_pattern(s);
    EXPECT_EQ(p.size() % 2, 1U) << sound_label(s);
    millis total{0};
    for (const auto d : p) {
      EXPECT_GT(d, 0ms) << sound_label(s);
      total += d;
    }
    EXPECT_LE(total, 1s) << sound_label(s);
  }
}

TEST(sounds, shapes_and_labels_say_what_a_person_hears) {
  EXPECT_EQ(sound_shape(sound::key), ".");
  EXPECT_EQ(sound_label(sound::ok), "accepted");
  EXPECT_EQ(sound_shape(sound::ok), ".-");
  EXPECT_EQ(sound_shape(sound::error), "...");
  EXPECT_EQ(sound_shape(sound::prompt), ". .");
  EXPECT_EQ(sound_label(sound::door_open), "door open");
  EXPECT_EQ(sound_shape(sound::door_open), "--");
  EXPECT_EQ(sound_label(sound::door_left_open), "door left open");
  EXPECT_EQ(sound_shape(sound::door_left_open), "---");
  EXPECT_EQ(sound_shape(sound::alarm), "-");
}

}  // namespace
}  // namespace locker::drivers
