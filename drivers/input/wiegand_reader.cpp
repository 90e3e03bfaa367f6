// SPDX-License-Identifier: Apache-2.0
#include "drivers/input/wiegand_reader.hpp"

#include <algorithm>

namespace locker::drivers::input {

wiegand_reader::wiegand_reader(input_line& d0, input_line& d1, clock& c, wiegand_options options)
    : d0_(d0), d1_(d1), decoder_(options), gap_timer_(c) {
  pending_.reserve(max_pending);
  d0_.on_change([this](line_event e) { edge(wiegand_wire::d0, e); });
  d1_.on_change([this](line_event e) { edge(wiegand_wire::d1, e); });
  d0_.on_fault([this](std::error_code ec) { fault(0, ec); });
  d1_.on_fault([this](std::error_code ec) { fault(1, ec); });
}

wiegand_reader::~wiegand_reader() {
  if (destroyed_ != nullptr) *destroyed_ = true;
  for (input_line* l : {&d0_, &d1_}) {
    l->on_change({});
    l->on_fault({});
  }
}

void wiegand_reader::edge(wiegand_wire wire, line_event e) {
  if (!e.active) return;
  pending_.push_back({wire, e});
  // Every edge restarts the wait: the frame ends a gap after its last edge.
  gap_timer_.start(decoder_.options().frame_gap, [this] { decode(true); });
  if (pending_.size() >= max_pending) decode(false);  // last: a handler may destroy this
}

void wiegand_reader::decode(bool frame_over) {
  std::stable_sort(
      pending_.begin(), pending_.end(),
      [](const pending_edge& a, const pending_edge& b) { return a.event.at < b.event.at; });
  std::vector<wiegand_frame> ended;
  for (const auto& p : pending_) {
    if (auto f = decoder_.pulse(p.wire, p.event.at)) ended.push_back(*f);
  }
  pending_.clear();
  if (frame_over) {
    if (auto f = decoder_.finish()) ended.push_back(*f);
  }
  bool destroyed = false;
  destroyed_ = &destroyed;
  for (const auto& f : ended) {
    report(f);
    if (destroyed) return;
  }
  destroyed_ = nullptr;
}

void wiegand_reader::fault(unsigned line, std::error_code ec) {
  const bool was_working = faulty_ == 0;
  if (ec) {
    faulty_ |= 1U << line;
  } else {
    faulty_ &= ~(1U << line);
  }
  const bool working = faulty_ == 0;
  if (was_working == working || !fault_handler_) return;
  // A line that broke mid-frame lost its pulses: the frame ends garbled at its gap.
  fault_handler_(working ? std::error_code{} : ec);
}

void wiegand_reader::report(const wiegand_frame& frame) {
  if (frame.ok()) {
    if (read_handler_) read_handler_(frame.badge_id());
  } else if (garbled_handler_) {
    garbled_handler_(frame);
  }
}

}  // namespace locker::drivers::input
