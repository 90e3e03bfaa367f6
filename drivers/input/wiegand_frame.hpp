// SPDX-License-Identifier: Apache-2.0
// Builds Wiegand frames and the pulses that carry them: for tests now, and for the
// simulator's badge reader and the real-kernel test (gpio-sim) later. Header-only and
// standard C++ only, so any of them can include it.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

namespace locker::drivers::input {

// The two data lines of a Wiegand reader: a pulse on D0 is a 0 bit, on D1 a 1 bit.
enum class wiegand_wire : std::uint8_t { d0, d1 };

// The bits of a frame of `length` bits (26 or 34, or any even length >= 4), in the order
// they are sent: an even parity bit over the first half of the payload, the payload (most
// significant bit first, length - 2 bits of `payload`), an odd parity bit over the second
// half.
inline std::vector<bool> wiegand_bits(unsigned length, std::uint64_t payload) {
  const unsigned n = length - 2;
  std::vector<bool> bits(length);
  for (unsigned i = 0; i < n; ++i) {
    const unsigned shift = n - 1 - i;  // payload bits above the 64th are 0
    bits[1 + i] = shift < 64 && ((payload >> shift) & 1U) != 0;
  }
  unsigned first = 0;
  unsigned second = 0;
  for (unsigned i = 1; i <= n / 2; ++i) first += bits[i] ? 1 : 0;
  for (unsigned i = n / 2 + 1; i <= n; ++i) second += bits[i] ? 1 : 0;
  bits[0] = first % 2 == 1;            // makes the first half even
  bits[length - 1] = second % 2 == 0;  // makes the second half odd
  return bits;
}

// 26-bit (H10301): facility code 8 bits, card number 16 bits.
inline std::vector<bool> wiegand26(std::uint8_t facility, std::uint16_t card) {
  return wiegand_bits(26, (std::uint64_t{facility} << 16) | card);
}

// 34-bit: facility code 16 bits, card number 16 bits.
inline std::vector<bool> wiegand34(std::uint16_t facility, std::uint16_t card) {
  return wiegand_bits(34, (std::uint64_t{facility} << 16) | card);
}

// One edge on a data line, `at` after the frame's first pulse began. Active = the line
// pulled low by the reader (the board file marks Wiegand lines active-low).
struct wiegand_edge {
  wiegand_wire wire;
  bool active;
  std::chrono::microseconds at;
};

// The edges a reader sends for `bits`: each bit a pulse of `width` on its line, a new
// pulse every `interval` (typical readers: 50 us pulses, 1-2 ms apart).
inline std::vector<wiegand_edge> wiegand_pulses(
    const std::vector<bool>& bits, std::chrono::microseconds width = std::chrono::microseconds{50},
    std::chrono::microseconds interval = std::chrono::microseconds{2000}) {
  std::vector<wiegand_edge> edges;
  edges.reserve(bits.size() * 2);
  for (std::size_t i = 0; i < bits.size(); ++i) {
    const auto wire = bits[i] ? wiegand_wire::d1 : wiegand_wire::d0;
    const auto start = interval * static_cast<std::int64_t>(i);
    edges.push_back({wire, true, start});
    edges.push_back({wire, false, start + width});
  }
  return edges;
}

}  // namespace locker::drivers::input
