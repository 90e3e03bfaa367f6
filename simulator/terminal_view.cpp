// SPDX-License-Identifier: Apache-2.0
#include "simulator/terminal_view.hpp"

#include <cstdio>
#include <istream>

#include <boost/asio/read_until.hpp>
#include <sys/ioctl.h>
#include <unistd.h>

#include "drivers/sim/sim_protocol.hpp"
#include "simulator/control.hpp"

namespace locker::simulator {

namespace {

std::string pad(std::string s, std::size_t n) {
  if (s.size() < n) s.append(n - s.size(), ' ');
  return s;
}

std::string cell(const compartment_status& s) {
  std::string door = s.forced ? "FORCED" : std::string(door_name(s.door));
  if (s.door == door_state::open && !s.forced) door = "OPEN";
  std::string faults;
  if (s.jammed) faults += "jam ";
  if (s.stuck) faults += *s.stuck ? "stuck:1 " : "stuck:0 ";
  if (s.chattering) faults += "chatter ";
  // 38 columns: two cells side by side on an 80-column terminal.
  return pad(s.id, 3) + " " + pad(s.size, 2) + " " + pad(door, 6) + " " +
         (s.coil ? "COIL " : "     ") + (s.occupied ? "PARCEL " : "       ") +
         pad(faults.substr(0, 12), 12);
}

int terminal_width() {
  winsize w{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_col > 0) return w.ws_col;
  return 80;
}

}  // namespace

std::string render_cabinet(const cabinet_model& model, const std::deque<std::string>& events,
                           const std::string& reply, int width) {
  const auto all = model.status();
  constexpr int cell_width = 38;
  constexpr int gap = 2;
  const int per_row = std::max(1, (width + gap) / (cell_width + gap));
  const std::string power = model.on_battery() ? "BATTERY" : model.powered() ? "on" : "OFF";
  std::string out = "locker-sim   power " + power + "   alarm " + (model.alarm() ? "ON" : "off") +
                    "   buzzer " + (model.buzzer() ? "ON" : "off") + "   last beep " +
                    (model.last_beep().empty() ? "-" : describe_sound(model.last_beep())) + "\n\n";
  for (std::size_t i = 0; i < all.size(); ++i) {
    out += cell(all[i]);
    out += (static_cast<int>(i % static_cast<std::size_t>(per_row)) == per_row - 1) ? "\n" : "  ";
  }
  if (all.size() % static_cast<std::size_t>(per_row) != 0) out += "\n";
  out += "\n+------------------------------------------+\n";
  const std::string& text = model.display_text();
  std::size_t start = 0;
  for (int line = 0; line < 2; ++line) {
    const std::size_t nl = text.find('\n', start);
    std::string part =
        start <= text.size()
            ? text.substr(start, nl == std::string::npos ? std::string::npos : nl - start)
            : "";
    out += "| " + pad(part.substr(0, 40), 40) + " |\n";
    start = nl == std::string::npos ? text.size() + 1 : nl + 1;
  }
  out += "+------------------------------------------+\n\nlast events:\n";
  for (const auto& e : events) {
    // A person who cannot hear the buzzer here reads what it played: "beep: accepted (.-)".
    if (e.rfind("beep ", 0) == 0) {
      out += "  beep: " + describe_sound(std::string_view(e).substr(5)) + "\n";
    } else {
      out += "  " + e + "\n";
    }
  }
  out += "\n" + reply + "\n";
  return out;
}

terminal_view::terminal_view(boost::asio::io_context& io, cabinet_model& model,
                             drivers::clock& clock, std::function<void()> on_quit)
    : model_(model), in_(io, ::dup(STDIN_FILENO)), redraw_(clock), on_quit_(std::move(on_quit)) {
  sub_ = model_.on_event([this](const cabinet_event& e) {
    events_.push_back(e.kind + " " + e.details);
    while (events_.size() > max_events) events_.pop_front();
    schedule_draw();
  });
  reply_ = "type 'help' for commands";
  draw();
  read_line();
}

terminal_view::~terminal_view() {
  model_.unsubscribe(sub_);
  boost::system::error_code ignored;
  in_.close(ignored);
}

void terminal_view::read_line() {
  boost::asio::async_read_until(
      in_, buf_, '\n', [this, alive = alive_.token()](boost::system::error_code ec, std::size_t) {
        if (!alive) return;
        if (ec) {
          on_quit_();  // stdin closed: nobody is left at the keyboard
          return;
        }
        std::istream is(&buf_);
        std::string line;
        std::getline(is, line);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) {
          draw();
          read_line();
          return;
        }
        const control_reply r = run_control(model_, line);
        if (r.action == control_action::quit) {
          on_quit_();
          return;
        }
        if (r.action == control_action::attach_board) {
          reply_ = "> " + line + "\nerror only a socket client can attach as the board";
        } else if (r.action == control_action::watch) {
          reply_ = "> " + line + "\nok (this view always watches)";
        } else {
          reply_ = "> " + line;
          // help is long; the rest are one line.
          for (const auto& l : r.lines) reply_ += "\n" + l;
        }
        draw();
        read_line();
      });
}

void terminal_view::schedule_draw() {
  // Bounces come in bursts: one redraw per burst is enough for eyes.
  if (!redraw_.armed()) redraw_.start(drivers::millis{50}, [this] { draw(); });
}

void terminal_view::draw() {
  const std::string screen =
      "\x1b[H\x1b[2J" + render_cabinet(model_, events_, reply_, terminal_width()) + "> ";
  std::fwrite(screen.data(), 1, screen.size(), stdout);
  std::fflush(stdout);
}

}  // namespace locker::simulator
