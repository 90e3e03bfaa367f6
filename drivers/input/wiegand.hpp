// SPDX-License-Identifier: Apache-2.0
// Decodes Wiegand frames from the pulses of a badge reader's D0 and D1 lines. Pure: the
// start of each pulse with its timestamp in, frames out; the reader on real lines
// (wiegand_reader) only adds the timer that ends a frame when no pulse follows. Only starts
// count, because that is all a kernel reports reliably for a 50 us pulse (see
// board::pulse_input): a frame is judged by its length and parity, not by pulse widths.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "drivers/clock.hpp"
#include "drivers/input/wiegand_frame.hpp"

namespace locker::drivers::input {

// Why a frame was not a badge.
enum class wiegand_error : std::uint8_t {
  none,
  wrong_length,  // neither 26 nor 34 bits
  parity,        // a parity bit does not match
};

[[nodiscard]] const char* describe(wiegand_error e);

// A frame as it ended. The badge id of a good frame is "facility:card" in decimal
// ("123:45678"): the two numbers printed on H10301 cards, and the same text for a card
// whether a 26- or a 34-bit reader reads it, as long as its facility code fits in 8 bits.
struct wiegand_frame {
  unsigned bits = 0;
  wiegand_error error = wiegand_error::none;
  std::uint32_t facility = 0;
  std::uint32_t card = 0;

  [[nodiscard]] bool ok() const { return error == wiegand_error::none; }
  // "facility:card"; empty unless ok().
  [[nodiscard]] std::string badge_id() const;
};

struct wiegand_options {
  // A frame ends when no pulse has begun for this long (readers send a bit every 1-2 ms and
  // leave far more than this between frames).
  millis frame_gap{25};
};

struct wiegand_counters {
  std::uint64_t badges = 0;   // good frames
  std::uint64_t garbled = 0;  // every frame that was not a badge, whatever the reason
  std::uint64_t wrong_length = 0;
  std::uint64_t parity = 0;
};

class wiegand_decoder {
 public:
  explicit wiegand_decoder(wiegand_options options = {}) : options_(options) {}

  // A pulse began on `wire` at `at`, its own timestamp: one bit, 0 on D0 and 1 on D1. A
  // pulse that begins a frame gap or more after the last one starts a new frame: the one
  // before it ends first and is returned, so a late timer cannot join two frames.
  std::optional<wiegand_frame> pulse(wiegand_wire wire, steady_time at);
  // Ends the frame in progress (the frame gap has passed with no pulse). Nothing when no
  // bit came since the last frame ended.
  std::optional<wiegand_frame> finish();

  [[nodiscard]] bool in_frame() const { return bits_ > 0; }
  [[nodiscard]] const wiegand_counters& counters() const { return counters_; }
  [[nodiscard]] const wiegand_options& options() const { return options_; }

 private:
  static constexpr unsigned max_kept_bits = 64;  // longer frames are wrong anyway

  wiegand_options options_;
  std::uint64_t value_ = 0;  // the first max_kept_bits bits, first one most significant
  unsigned bits_ = 0;
  steady_time last_pulse_{};
  wiegand_counters counters_;
};

}  // namespace locker::drivers::input
