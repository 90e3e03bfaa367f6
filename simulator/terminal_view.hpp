// SPDX-License-Identifier: Apache-2.0
// The simulator's face for people: the cabinet drawn with ANSI escapes, redrawn on every
// change, and a prompt on stdin taking the same commands as the control socket.
#pragma once

#include <deque>
#include <functional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/streambuf.hpp>

#include "base/liveness.hpp"
#include "drivers/clock.hpp"
#include "simulator/cabinet_model.hpp"

namespace locker::simulator {

// The whole screen as text (no cursor control): a grid of compartments, the display,
// the last events and the last reply. `width` is the terminal's column count.
[[nodiscard]] std::string render_cabinet(const cabinet_model& model,
                                         const std::deque<std::string>& events,
                                         const std::string& reply, int width);

class terminal_view {
 public:
  // on_quit runs when the person types "quit" or closes stdin.
  terminal_view(boost::asio::io_context& io, cabinet_model& model, drivers::clock& clock,
                std::function<void()> on_quit);
  terminal_view(const terminal_view&) = delete;
  terminal_view& operator=(const terminal_view&) = delete;
  ~terminal_view();

 private:
  static constexpr std::size_t max_events = 10;

  void read_line();
  void schedule_draw();
  void draw();

  cabinet_model& model_;
  boost::asio::posix::stream_descriptor in_;
  boost::asio::streambuf buf_;
  drivers::timer redraw_;
  std::function<void()> on_quit_;
  std::deque<std::string> events_;
  std::string reply_;
  cabinet_model::subscription sub_;
  base::liveness alive_;
};

}  // namespace locker::simulator
