// SPDX-License-Identifier: Apache-2.0
// locker-sim: the simulated cabinet on a Unix socket, with a terminal view for people.
#include <csignal>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <unistd.h>

#include "base/cli/cli.hpp"
#include "drivers/asio_clock.hpp"
#include "drivers/board_file/board_file.hpp"
#include "simulator/cabinet_model.hpp"
#include "simulator/sim_server.hpp"
#include "simulator/terminal_view.hpp"

namespace {

struct options {
  std::string board;
  std::string socket;
  std::optional<int> bounce_ms;
  bool tui = true;
};

// Returns an exit status when the program should stop right away.
std::optional<int> parse_args(int argc, char** argv, options& o) {
  CLI::App app{
      "A simulated parcel locker cabinet (doors, locks, sensors, keypad, display, faults) for\n"
      "lockerd's sim backend, on a Unix socket, with a terminal view for people.",
      "locker-sim"};
  locker::cli::conventions(app);
  app.add_option("-b,--board", o.board, "the board file that describes the cabinet")
      ->type_name("FILE")
      ->required();
  app.add_option("-s,--socket", o.socket, "the Unix socket lockerd's sim backend connects to")
      ->type_name("PATH")
      ->required();
  int bounce_ms = 0;
  auto* bounce =
      app.add_option("--bounce-ms", bounce_ms, "how long a door sensor bounces (0-1000; 0: none)")
          ->check(CLI::Range(0, 1000))
          ->type_name("N");
  bool no_tui = false;
  app.add_flag("--no-tui", no_tui, "no terminal view: cabinet events go to stderr");
  // No arguments at all: the usage, not an error about the first missing option.
  auto status = locker::cli::parse(app, std::vector<std::string>(argv + 1, argv + argc), std::cout,
                                   std::cerr, true);
  o.tui = !no_tui;
  if (bounce->count() > 0) o.bounce_ms = bounce_ms;
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  namespace sim = locker::simulator;
  options parsed;
  if (const auto status = parse_args(argc, argv, parsed)) return *status;
  const options* opts = &parsed;
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

    auto shut_down = [&] {
      server.stop();
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
    io.run();
    view.reset();
    std::cerr << "locker-sim: stopped\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "locker-sim: " << e.what() << '\n';
    return 1;
  }
}
