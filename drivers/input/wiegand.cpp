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
  }
  return "?";
}

std::string wiegand_frame::badge_id() const {
  if (!ok()) return {};
  return std::to_string(facility) + ":" + std::to_string(card);
}

std::optional<wiegand_frame> wiegand_decoder::pulse(wiegand_wire wire, steady_time at) {
  std::optional<wiegand_frame> ended;
  if (in_frame() && at - last_pulse_ >= options_.frame_gap) ended = finish();
  last_pulse_ = at;
  if (bits_ < max_kept_bits) value_ = (value_ << 1) | (wire == wiegand_wire::d1 ? 1U : 0U);
  ++bits_;
  return ended;
}

std::optional<wiegand_frame> wiegand_decoder::finish() {
  if (!in_frame()) return std::nullopt;
  wiegand_frame f;
  f.bits = bits_;
  if (bits_ != 26 && bits_ != 34) {
    f.error = wiegand_error::wrong_length;
  } else {
    check(f, value_);
  }
  value_ = 0;
  bits_ = 0;
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
  }
  if (!f.ok()) ++counters_.garbled;
  return f;
}

}  // namespace locker::drivers::input
