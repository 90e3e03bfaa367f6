// SPDX-License-Identifier: Apache-2.0
// Fuzz entry for the front panel's input decoders (drivers/input): the first byte picks the
// Wiegand decoder or the scanner's key-event decoder, the rest is a stream of events. Each
// Wiegand event is 3 bytes: the line in the low bit (the other bits once carried the level;
// they are ignored, as the decoder reads only pulse starts), then a 16-bit gap in
// microseconds before the pulse begins. Each key event is 5 bytes (type, code, value as in
// linux/input.h). Invariants: a good Wiegand frame is 26 or 34 bits and names a badge, a bad
// one names none; a scan is never empty, never longer than the decoder's bound and holds no
// control character. Any crash, sanitizer report or broken invariant is a bug.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "drivers/input/scan_decoder.hpp"
#include "drivers/input/wiegand.hpp"

namespace {

using namespace locker::drivers::input;

void check(const std::optional<wiegand_frame>& f) {
  if (!f) return;
  if (f->ok() && ((f->bits != 26 && f->bits != 34) || f->badge_id().empty())) std::abort();
  if (!f->ok() && !f->badge_id().empty()) std::abort();
}

void wiegand(const std::uint8_t* data, std::size_t size) {
  wiegand_decoder decoder;
  locker::drivers::steady_time at{};
  for (std::size_t i = 0; i + 3 <= size; i += 3) {
    at += std::chrono::microseconds(data[i + 1] | (data[i + 2] << 8));
    const auto wire = (data[i] & 1) != 0 ? wiegand_wire::d1 : wiegand_wire::d0;
    check(decoder.pulse(wire, at));
  }
  check(decoder.finish());
}

void scanner(const std::uint8_t* data, std::size_t size) {
  constexpr std::size_t bound = 64;
  scan_decoder decoder(bound);
  for (std::size_t i = 0; i + 5 <= size; i += 5) {
    const auto type = static_cast<std::uint16_t>(data[i] % 4);  // EV_SYN, EV_KEY, EV_REL, EV_ABS
    const auto code = static_cast<std::uint16_t>(data[i + 1] | (data[i + 2] << 8));
    const std::int32_t value =
        data[i + 3] < 128 ? data[i + 3] : data[i + 3] - 256;  // 0, 1, 2, -1...
    (void)data[i + 4];
    if (auto scan = decoder.feed(type, code, value)) {
      if (scan->empty() || scan->size() > bound) std::abort();
      for (const char c : *scan) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) std::abort();
      }
    }
  }
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  if ((data[0] & 1) == 0) {
    wiegand(data + 1, size - 1);
  } else {
    scanner(data + 1, size - 1);
  }
  return 0;
}
