// SPDX-License-Identifier: Apache-2.0
#include "drivers/debounced_input.hpp"

namespace locker::drivers {

debounced_input::debounced_input(input_line& line, clock& c, millis settle)
    : line_(line),
      clock_(c),
      settle_(settle),
      settle_timer_(c),
      stable_(line.get()),
      pending_(stable_) {
  line_.on_change([this](line_event e) { edge(e); });
}

debounced_input::~debounced_input() {
  line_.on_change({});
  line_.on_fault({});
}

void debounced_input::edge(line_event e) {
  // A busy loop may hand an edge over after the settle timer was due but before it ran: the
  // level before it did hold for settle_ (a person's door, not chatter).
  const auto now = clock_.now();
  if (settling_ && settle_ > millis{0} && now - last_edge_ >= settle_) {
    settle_timer_.cancel();
    settling_ = false;
    chattering_ = false;
    report(pending_);
  }
  last_edge_ = now;
  pending_ = e.active;
  if (!settling_) {
    settling_ = true;
    unsettled_since_ = now;
    last_sample_ = now;
  } else if (now - unsettled_since_ >= unsettled_limit * settle_ && now - last_sample_ >= settle_) {
    // Still bouncing long after any real contact would have settled: chatter. Said first, so
    // that the sample below is not taken for a move; then sample it.
    last_sample_ = now;
    if (!chattering_) {
      chattering_ = true;
      if (chatter_handler_) chatter_handler_();
    }
    report(pending_);
  }
  // Every edge restarts the wait: the level must hold for settle_ with no edge at all.
  settle_timer_.start(settle_, [this] {
    settling_ = false;
    chattering_ = false;
    report(pending_);
  });
}

void debounced_input::report(bool level) {
  if (level == stable_) return;  // bounced back to where it was: nothing happened
  stable_ = level;
  if (handler_) handler_(stable_);
}

}  // namespace locker::drivers
