// SPDX-License-Identifier: Apache-2.0
// Fuzz entry for the simulator's board protocol (drivers/sim/sim_protocol): the bytes are a
// stream split into lines as the sim backend and locker-sim split them; every line is parsed
// both ways, and what parses formats back to a line that parses to the same message (the two
// processes must agree on every message either sends). The scan and display escaping must
// round-trip too. Any crash, sanitizer report or broken invariant is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "drivers/sim/sim_protocol.hpp"

namespace {

template <typename Parse>
void round_trip(std::string_view line, Parse parse) {
  const auto p = parse(line);
  if (!p.message) {
    if (p.error.empty()) std::abort();  // a refusal always says why
    return;
  }
  const auto again = parse(locker::drivers::sim::format(*p.message));
  if (!again.message || !(*again.message == *p.message)) std::abort();
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace sim = locker::drivers::sim;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  sim::line_splitter lines(256);
  lines.feed(bytes);
  while (auto line = lines.next()) {
    round_trip(*line, [](std::string_view l) { return sim::parse_to_board(l); });
    round_trip(*line, [](std::string_view l) { return sim::parse_from_board(l); });
    if (auto text = sim::unescape_text(*line)) {
      if (sim::unescape_text(sim::escape_text(*text)) != text) std::abort();
    }
  }
  return 0;
}
