// SPDX-License-Identifier: Apache-2.0
// locker-sim: the simulated cabinet on a Unix socket, with a terminal view for people.
#include <charconv>
#include <csignal>
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <unistd.h>

#include "drivers/asio_clock.hpp"
#include "drivers/board_file/board_file.hpp"
#include "simulator/cabinet_model.hpp"
#include "simulator/sim_server.hpp"
#include "simulator/terminal_view.hpp"
#include "simulator/web_panel/web_panel.hpp"

namespace {

constexpr std::string_view usage =
    "usage: locker-sim --board FILE --socket PATH [--bounce-ms N] [--no-tui]\n"
    "                  [--http PORT [--http-bind ADDR]]\n";

struct options {
  std::string board;
  std::string socket;
  std::optional<int> bounce_ms;
  bool tui = true;
  std::optional<std::uint16_t> http_port;  // the browser front panel
  std::string http_bind = "127.0.0.1";
};

std::optional<options> parse_args(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--board" && has_value) {
      o.board = argv[++i];
    } else if (a == "--socket" && has_value) {
      o.socket = argv[++i];
    } else if (a == "--bounce-ms" && has_value) {
      const std::string_view v = argv[++i];
      int ms = -1;
      const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), ms);
      if (ec != std::errc{} || p != v.data() + v.size() || ms < 0 || ms > 1000) {
        std::cerr << "locker-sim: --bounce-ms needs 0-1000\n";
        return std::nullopt;
      }
      o.bounce_ms = ms;
    } else if (a == "--http" && has_value) {
      const std::string_view v = argv[++i];
      unsigned port = 0;
      const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), port);
      if (ec != std::errc{} || p != v.data() + v.size() || port > 65535) {
        std::cerr << "locker-sim: --http needs a port 0-65535 (0: any free one)\n";
        return std::nullopt;
      }
      o.http_port = static_cast<std::uint16_t>(port);
    } else if (a == "--http-bind" && has_value) {
      o.http_bind = argv[++i];
    } else if (a == "--no-tui") {
      o.tui = false;
    } else {
      std::cerr << "locker-sim: unexpected argument '" << a << "'\n";
      return std::nullopt;
    }
  }
  if (o.board.empty() || o.socket.empty()) return std::nullopt;
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  namespace sim = locker::simulator;
  const auto opts = parse_args(argc, argv);
  if (!opts) {
    std::cerr << usage;
    return 2;
  }
  // A board client that vanishes mid-write must not kill the simulator.
  std::signal(SIGPIPE, SIG_IGN);

  try {
    const auto board = locker::drivers::load_board(opts->board);
    sim::bounce_settings bounce;
    if (opts->bounce_ms) {
      bounce.span = locker::drivers::millis{*opts->bounce_ms};
      if (*opts->bounce_ms == 0) bounce.count = 0;
    }

    boost::asio::io_context io;
    locker::drivers::asio_clock clock(io);
    sim::cabinet_model model(board, clock, bounce);
    sim::sim_server server(io, model, opts->socket);
    std::unique_ptr<sim::terminal_view> view;
    std::unique_ptr<sim::web::web_panel> panel;
    if (opts->http_port) {
      panel = std::make_unique<sim::web::web_panel>(io, model, board, opts->http_bind,
                                                    *opts->http_port);
    }

    auto shut_down = [&] {
      server.stop();
      if (panel) panel->stop();
      io.stop();
    };
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](boost::system::error_code ec, int) {
      if (!ec) shut_down();
    });

    if (!opts->tui || ::isatty(STDIN_FILENO) == 0) {
      // Without a view, changes go to stderr: a log for people reading CI output.
      model.on_event([](const sim::cabinet_event& e) {
        std::cerr << "locker-sim: " << e.kind << ' ' << e.details << '\n';
      });
    } else {
      view = std::make_unique<sim::terminal_view>(io, model, clock, shut_down);
    }
    std::cerr << "locker-sim: " << board.compartments.size() << " compartments from " << opts->board
              << ", listening on " << opts->socket << '\n';
    if (panel) std::cerr << "locker-sim: front panel at " << panel->url() << '\n';
    io.run();
    view.reset();
    panel.reset();
    std::cerr << "locker-sim: stopped\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "locker-sim: " << e.what() << '\n';
    return 1;
  }
}
