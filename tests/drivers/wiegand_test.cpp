// SPDX-License-Identifier: Apache-2.0
#include "drivers/input/wiegand.hpp"

#include <optional>
#include <vector>

#include <gtest/gtest.h>

#include "drivers/input/wiegand_frame.hpp"

namespace locker::drivers::input {
namespace {

using namespace std::chrono_literals;

// Plays the starts of the generator's pulses into a decoder from `start` (as the reader
// does: releases are not read), collecting the frames that end.
struct wire_tap {
  wiegand_decoder decoder;
  std::vector<wiegand_frame> frames;

  explicit wire_tap(wiegand_options o = {}) : decoder(o) {}

  void play(const std::vector<wiegand_edge>& edges, steady_time start) {
    for (const auto& e : edges) {
      if (e.active) keep(decoder.pulse(e.wire, start + e.at));
    }
  }
  void finish() { keep(decoder.finish()); }
  void keep(std::optional<wiegand_frame> f) {
    if (f) frames.push_back(*f);
  }
};

const steady_time t0 = steady_time{} + 1h;

TEST(wiegand_frame, generator_sets_both_parity_bits) {
  // 26-bit, facility 1, card 1: payload 0x010001; first half 0x010 has one bit (parity 1),
  // second half 0x001 has one bit (odd already: parity 0).
  const auto bits = wiegand26(1, 1);
  ASSERT_EQ(bits.size(), 26U);
  EXPECT_TRUE(bits[0]);
  EXPECT_FALSE(bits[25]);
  EXPECT_TRUE(bits[8]);   // lowest facility bit
  EXPECT_TRUE(bits[24]);  // lowest card bit
  const auto zero = wiegand34(0, 0);
  ASSERT_EQ(zero.size(), 34U);
  EXPECT_FALSE(zero[0]);
  EXPECT_TRUE(zero[33]);
}

TEST(wiegand_frame, pulses_alternate_lines_by_bit) {
  const auto edges = wiegand_pulses({false, true}, 50us, 2000us);
  ASSERT_EQ(edges.size(), 4U);
  EXPECT_EQ(edges[0].wire, wiegand_wire::d0);
  EXPECT_TRUE(edges[0].active);
  EXPECT_EQ(edges[1].at, 50us);
  EXPECT_FALSE(edges[1].active);
  EXPECT_EQ(edges[2].wire, wiegand_wire::d1);
  EXPECT_EQ(edges[2].at, 2000us);
}

TEST(wiegand_decoder, a_26_bit_badge) {
  wire_tap w;
  w.play(wiegand_pulses(wiegand26(123, 45678)), t0);
  EXPECT_TRUE(w.decoder.in_frame());
  w.finish();
  ASSERT_EQ(w.frames.size(), 1U);
  EXPECT_TRUE(w.frames[0].ok());
  EXPECT_EQ(w.frames[0].bits, 26U);
  EXPECT_EQ(w.frames[0].facility, 123U);
  EXPECT_EQ(w.frames[0].card, 45678U);
  EXPECT_EQ(w.frames[0].badge_id(), "123:45678");
  EXPECT_EQ(w.decoder.counters().badges, 1U);
  EXPECT_EQ(w.decoder.counters().garbled, 0U);
  EXPECT_FALSE(w.decoder.in_frame());
}

TEST(wiegand_decoder, a_34_bit_badge) {
  wire_tap w;
  w.play(wiegand_pulses(wiegand34(54321, 65535)), t0);
  w.finish();
  ASSERT_EQ(w.frames.size(), 1U);
  EXPECT_EQ(w.frames[0].bits, 34U);
  EXPECT_EQ(w.frames[0].badge_id(), "54321:65535");
}

TEST(wiegand_decoder, extreme_values_of_both_formats) {
  for (const auto& [bits, id] : std::vector<std::pair<std::vector<bool>, std::string>>{
           {wiegand26(0, 0), "0:0"},
           {wiegand26(255, 65535), "255:65535"},
           {wiegand34(0, 0), "0:0"},
           {wiegand34(65535, 65535), "65535:65535"},
           {wiegand34(0x8000, 1), "32768:1"}}) {
    wire_tap w;
    w.play(wiegand_pulses(bits), t0);
    w.finish();
    ASSERT_EQ(w.frames.size(), 1U);
    EXPECT_EQ(w.frames[0].badge_id(), id);
  }
}

TEST(wiegand_decoder, every_single_bit_flip_is_a_parity_error) {
  for (const unsigned length : {26U, 34U}) {
    const auto good = length == 26 ? wiegand26(77, 1234) : wiegand34(4321, 999);
    for (std::size_t i = 0; i < good.size(); ++i) {
      auto bad = good;
      bad[i] = !bad[i];
      wire_tap w;
      w.play(wiegand_pulses(bad), t0);
      w.finish();
      ASSERT_EQ(w.frames.size(), 1U);
      EXPECT_EQ(w.frames[0].error, wiegand_error::parity) << length << " bits, bit " << i;
      EXPECT_EQ(w.frames[0].badge_id(), "");
      EXPECT_EQ(w.decoder.counters().parity, 1U);
      EXPECT_EQ(w.decoder.counters().garbled, 1U);
    }
  }
}

TEST(wiegand_decoder, other_lengths_are_wrong_length) {
  for (const unsigned length : {4U, 24U, 25U, 27U, 32U, 33U, 35U, 37U, 64U, 80U}) {
    wire_tap w;
    w.play(wiegand_pulses(wiegand_bits(length, 0x5a5a5a5a5aULL)), t0);
    w.finish();
    ASSERT_EQ(w.frames.size(), 1U);
    EXPECT_EQ(w.frames[0].bits, length);
    EXPECT_EQ(w.frames[0].error, wiegand_error::wrong_length) << length;
    EXPECT_EQ(w.decoder.counters().wrong_length, 1U);
  }
  wire_tap glitch;
  glitch.keep(glitch.decoder.pulse(wiegand_wire::d1, t0));
  glitch.finish();
  ASSERT_EQ(glitch.frames.size(), 1U);
  EXPECT_EQ(glitch.frames[0].error, wiegand_error::wrong_length);
}

TEST(wiegand_decoder, a_gap_in_the_timestamps_ends_the_frame_before_the_next_pulse) {
  wire_tap w;
  w.play(wiegand_pulses(wiegand26(1, 2)), t0);
  // The timer that would end it is late: the next frame's first pulse ends it instead.
  w.play(wiegand_pulses(wiegand26(3, 4)), t0 + 60ms + 25ms);
  ASSERT_EQ(w.frames.size(), 1U);
  EXPECT_EQ(w.frames[0].badge_id(), "1:2");
  w.finish();
  ASSERT_EQ(w.frames.size(), 2U);
  EXPECT_EQ(w.frames[1].badge_id(), "3:4");
}

TEST(wiegand_decoder, pulses_closer_than_the_gap_stay_in_one_frame) {
  wiegand_options o;
  o.frame_gap = 20ms;
  wire_tap w(o);
  // Bits 19 ms apart: slow, but one frame.
  w.play(wiegand_pulses(wiegand26(9, 9), 50us, 19ms), t0);
  w.finish();
  ASSERT_EQ(w.frames.size(), 1U);
  EXPECT_EQ(w.frames[0].badge_id(), "9:9");
}

TEST(wiegand_decoder, a_pulse_is_one_bit_whatever_its_width_or_overlap) {
  // Pulses of 5 us, and a D1 pulse that begins while D0's is still low: only the starts
  // count, so the frame is judged by its length and parity. Here the extra pulse makes it
  // 27 bits.
  wire_tap narrow;
  narrow.play(wiegand_pulses(wiegand26(5, 6), 5us), t0);
  narrow.finish();
  ASSERT_EQ(narrow.frames.size(), 1U);
  EXPECT_EQ(narrow.frames[0].badge_id(), "5:6");

  wire_tap w;
  auto edges = wiegand_pulses(wiegand26(10, 20));
  std::vector<wiegand_edge> noisy = {
      edges[0], {wiegand_wire::d1, true, 10us}, {wiegand_wire::d1, false, 30us}};
  noisy.insert(noisy.end(), edges.begin() + 1, edges.end());
  w.play(noisy, t0);
  w.finish();
  ASSERT_EQ(w.frames.size(), 1U);
  EXPECT_EQ(w.frames[0].bits, 27U);
  EXPECT_EQ(w.frames[0].error, wiegand_error::wrong_length);
  EXPECT_EQ(w.decoder.counters().garbled, 1U);
}

TEST(wiegand_decoder, pulses_at_the_same_instant_are_two_bits_in_the_order_given) {
  wire_tap w;
  const auto bits = wiegand26(3, 3);
  for (std::size_t i = 0; i < bits.size(); ++i) {
    // Bits two by two at the same timestamp, as a loop that read both lines late might.
    const auto at = t0 + std::chrono::milliseconds(i / 2);
    w.keep(w.decoder.pulse(bits[i] ? wiegand_wire::d1 : wiegand_wire::d0, at));
  }
  w.finish();
  ASSERT_EQ(w.frames.size(), 1U);
  EXPECT_EQ(w.frames[0].badge_id(), "3:3");
}

TEST(wiegand_decoder, finish_without_bits_is_nothing) {
  wiegand_decoder d;
  EXPECT_EQ(d.finish(), std::nullopt);
  EXPECT_EQ(d.counters().garbled, 0U);
}

TEST(wiegand_decoder, the_frame_after_a_garbled_one_is_judged_on_its_own) {
  wire_tap w;
  auto bad = wiegand26(1, 1);
  bad[3] = !bad[3];
  w.play(wiegand_pulses(bad), t0);
  w.finish();
  w.play(wiegand_pulses(wiegand26(1, 1)), t0 + 1s);
  w.finish();
  ASSERT_EQ(w.frames.size(), 2U);
  EXPECT_FALSE(w.frames[0].ok());
  EXPECT_TRUE(w.frames[1].ok());
  EXPECT_STREQ(describe(w.frames[0].error), "parity error");
}

}  // namespace
}  // namespace locker::drivers::input
