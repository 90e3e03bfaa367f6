// SPDX-License-Identifier: Apache-2.0
#include "drivers/debounced_input.hpp"

namespace locker::drivers {

debounced_input::debounced_input(input_line& line, clock& c, millis settle)
    : line_(line), settle_(settle), settle_timer_(c), stable_(line.get()), pending_(stable_) {
  line_.on_change([this](line_event e) { edge(e); });
}

debounced_input::~debounced_input() { line_.on_change({}); }

void debounced_input::edge(line_event e) {
  pending_ = e.active;
  // Every edge restarts the wait: the level must hold for settle_ with no edge at all.
  settle_timer_.start(settle_, [this] {
    if (pending_ == stable_) return;  // bounced back to where it was: nothing happened
    stable_ = pending_;
    if (handler_) handler_(stable_);
  });
}

}  // namespace locker::drivers
