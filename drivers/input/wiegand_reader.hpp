// SPDX-License-Identifier: Apache-2.0
// A Wiegand badge reader on two input lines (D0, D1), on the event loop: the start of each
// pulse (its active edge, not debounced: a pulse is 50 us) goes to a wiegand_decoder with its
// own timestamp, and a timer on the injected clock ends a frame when no pulse follows.
// Releases are ignored, so the lines are best asked for as pulse inputs
// (board::pulse_input): a kernel asked for both edges labels each by the level it reads
// after the fact, and a 50 us pulse has often ended by then. So a frame is checked by its
// length and parity only, not by its pulses' widths or overlap.
// Each line's edges arrive in order, but the order between the two lines does not: with
// gpiod every line has its own kernel queue, and a loop that is late (a loaded board)
// reads one queue whole and then the other. So the edges wait here and are decoded in the
// order of their timestamps when the frame ends.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <system_error>
#include <vector>

#include "drivers/clock.hpp"
#include "drivers/input/code_reader.hpp"
#include "drivers/input/wiegand.hpp"
#include "drivers/line.hpp"

namespace locker::drivers::input {

// Lines are logical: active = pulled low by the reader, so the board file marks both
// active-low for the usual wiring (idle high, open-collector pulses).
class wiegand_reader final : public code_reader {
 public:
  wiegand_reader(input_line& d0, input_line& d1, clock& c, wiegand_options options = {});
  wiegand_reader(const wiegand_reader&) = delete;
  wiegand_reader& operator=(const wiegand_reader&) = delete;
  // Detaches from both lines, which may outlive it.
  ~wiegand_reader() override;

  // Each good frame's badge id ("facility:card").
  void on_read(std::function<void(const std::string&)> handler) override {
    read_handler_ = std::move(handler);
  }
  // A fault of either line (the first), and the empty error_code once both work again.
  void on_fault(std::function<void(std::error_code)> handler) override {
    fault_handler_ = std::move(handler);
  }
  // Each garbled frame, after it was counted: for a log line with its reason.
  void on_garbled(std::function<void(const wiegand_frame&)> handler) {
    garbled_handler_ = std::move(handler);
  }
  [[nodiscard]] std::uint64_t garbled() const override { return decoder_.counters().garbled; }
  [[nodiscard]] const wiegand_counters& counters() const { return decoder_.counters(); }

 private:
  struct pending_edge {
    wiegand_wire wire;
    line_event event;
  };
  // Room for the longest frame the decoder keeps, twice over; more is noise, decoded as
  // it comes rather than kept.
  static constexpr std::size_t max_pending = 256;

  void edge(wiegand_wire wire, line_event e);  // a release is ignored
  // Decodes the waiting edges in time order and, when `frame_over`, ends the frame; then
  // reports what ended (a handler may destroy this reader).
  void decode(bool frame_over);
  void fault(unsigned line, std::error_code ec);
  void report(const wiegand_frame& frame);

  input_line& d0_;
  input_line& d1_;
  wiegand_decoder decoder_;
  timer gap_timer_;
  std::vector<pending_edge> pending_;
  bool* destroyed_ = nullptr;  // set while handlers run, so a handler may destroy this
  unsigned faulty_ = 0;        // bit per line
  std::function<void(const std::string&)> read_handler_;
  std::function<void(std::error_code)> fault_handler_;
  std::function<void(const wiegand_frame&)> garbled_handler_;
};

}  // namespace locker::drivers::input
