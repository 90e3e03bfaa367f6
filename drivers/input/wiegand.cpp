// SPDX-License-Identifier: Apache-2.0
#include "drivers/input/wiegand.hpp"

#include <bit>

namespace locker::drivers::input {
namespace {

bool odd(std::uint64_t v) { return std::popcount(v) % 2 == 1; }

// Checks the parity of a frame of n bits held in the low n bits of v (first bit highest)
// and fills in facility and card: half the payload each for 34 bits; 8 + 16 for 26.
void check(wiegand_frame& f, std::uint64_t v) {
  const unsigned n = f.bits - 2;
  const unsigned half = n / 2;
  const std::uint64_t payload = (v >> 1) & ((std::uint64_t{1} << n) - 1);
  const bool even_bit = ((v >> (f.bits - 1)) & 1U) != 0;
  const bool odd_bit = (v & 1U) != 0;
  const std::uint64_t first = payload >> half;
  const std::uint64_t second = payload & ((std::uint64_t{1} << half) - 1);
  if (odd(first) != even_bit || odd(second) == odd_bit) {
    f.error = wiegand_error::parity;
    return;
  }
  f.facility = static_cast<std::uint32_t>(payload >> 16);
  f.card = static_cast<std::uint32_t>(payload & 0xffffU);
}

}  // namespace

const char* describe(wiegand_error e) {
  switch (e) {
    case wiegand_error::none:
      return "ok";
    case wiegand_error::wrong_length:
      return "wrong length";
    case wiegand_error::parity:
      return "parity error";
    case wiegand_error::both_lines:
      return "pulses on both lines at once";
    case wiegand_error::short_pulse:
      return "pulse too short";
  }
  return "?";
}

std::string wiegand_frame::badge_id() const {
  if (!ok()) return {};
  return std::to_string(facility) + ":" + std::to_string(card);
}

std::optional<wiegand_frame> wiegand_decoder::edge(wiegand_wire wire, bool active, steady_time at) {
  const auto w = static_cast<std::size_t>(wire);
  const auto other = 1 - w;
  std::optional<wiegand_frame> ended;
  if (!active) {
    if (!low_[w]) return ended;  // it was low before we listened: not a pulse of ours
    low_[w] = false;
    if (in_frame() && options_.min_pulse.count() > 0 && at - low_since_[w] < options_.min_pulse &&
        error_ == wiegand_error::none) {
      error_ = wiegand_error::short_pulse;
    }
    last_edge_ = at;
    return ended;
  }
  if (low_[w]) return ended;  // no release in between: the same pulse
  if (in_frame() && at - last_edge_ >= options_.frame_gap) ended = finish();
  low_[w] = true;
  low_since_[w] = at;
  last_edge_ = at;
  if (low_[other] && error_ == wiegand_error::none) error_ = wiegand_error::both_lines;
  if (bits_ < max_kept_bits) value_ = (value_ << 1) | (wire == wiegand_wire::d1 ? 1U : 0U);
  ++bits_;
  return ended;
}

std::optional<wiegand_frame> wiegand_decoder::pulse(wiegand_wire wire, steady_time at) {
  auto ended = edge(wire, true, at);
  low_[static_cast<std::size_t>(wire)] = false;  // released at once: no width to check
  return ended;
}

std::optional<wiegand_frame> wiegand_decoder::finish() {
  if (!in_frame()) return std::nullopt;
  wiegand_frame f;
  f.bits = bits_;
  f.error = error_;
  if (f.ok() && bits_ != 26 && bits_ != 34) f.error = wiegand_error::wrong_length;
  if (f.ok()) check(f, value_);
  value_ = 0;
  bits_ = 0;
  error_ = wiegand_error::none;
  switch (f.error) {
    case wiegand_error::none:
      ++counters_.badges;
      break;
    case wiegand_error::wrong_length:
      ++counters_.wrong_length;
      break;
    case wiegand_error::parity:
      ++counters_.parity;
      break;
    case wiegand_error::both_lines:
      ++counters_.both_lines;
      break;
    case wiegand_error::short_pulse:
      ++counters_.short_pulse;
      break;
  }
  if (!f.ok()) ++counters_.garbled;
  return f;
}

}  // namespace locker::drivers::input
