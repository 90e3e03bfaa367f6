// SPDX-License-Identifier: Apache-2.0
// locker-sim: the simulated cabinet on a Unix socket, with a terminal view for people.
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

#include "base/cli/cli.hpp"
#include "drivers/asio_clock.hpp"
#include "drivers/board_file/board_file.hpp"
#include "simulator/cabinet_model.hpp"
#include "simulator/sim_server.hpp"
#include "simulator/terminal_view.hpp"
#include "simulator/tracking/tracking_subscriber.hpp"
#include "simulator/tracking/tracking_view.hpp"
#include "simulator/web_panel/web_panel.hpp"

namespace {

struct options {
  std::string board;
  std::string socket;
  std::optional<int> bounce_ms;
  bool tui = true;
  std::optional<std::uint16_t> http_port;  // the browser front panel
  std::string http_bind = "127.0.0.1";
  // The tracking system's view beside the cabinet (simulator/tracking), from this broker.
  std::string broker;
  std::string locker_id;
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
  int http_port = 0;
  auto* http = app.add_option("--http", http_port,
                              "serve the browser front panel on this port (0: any free one)")
                   ->check(CLI::Range(0, 65535))
                   ->type_name("PORT");
  app.add_option("--http-bind", o.http_bind,
                 "the address the front panel listens on (default 127.0.0.1: this machine only)")
      ->type_name("ADDR")
      ->needs(http);
  auto* broker = app.add_option("--broker", o.broker,
                                "show beside the cabinet what a tracking system sees of the "
                                "locker on this MQTT broker (with --http)")
                     ->type_name("URL")
                     ->needs(http);
  app.add_option("--locker-id", o.locker_id, "the locker whose topics --broker reads")
      ->type_name("ID")
      ->needs(broker);
  broker->needs(app.get_option("--locker-id"));
  // No arguments at all: the usage, not an error about the first missing option.
  auto status = locker::cli::parse(app, std::vector<std::string>(argv + 1, argv + argc), std::cout,
                                   std::cerr, true);
  o.tui = !no_tui;
  if (bounce->count() > 0) o.bounce_ms = bounce_ms;
  if (http->count() > 0) o.http_port = static_cast<std::uint16_t>(http_port);
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
    std::unique_ptr<sim::web::web_panel> panel;
    if (opts->http_port) {
      panel = std::make_unique<sim::web::web_panel>(io, model, board, opts->http_bind,
                                                    *opts->http_port);
    }
    // Built only from what arrives over MQTT, as a tracking system would see it.
    std::optional<locker::tracking::tracking_view> tracking;
    std::unique_ptr<locker::tracking::tracking_subscriber> tracking_link;
    if (panel && !opts->broker.empty()) {
      tracking.emplace(opts->locker_id);
      locker::tracking::subscriber_settings ts;
      ts.broker_url = opts->broker;
      ts.locker_id = opts->locker_id;
      panel->add_view("tracking", [&tracking] { return tracking->snapshot(); });
      tracking_link = std::make_unique<locker::tracking::tracking_subscriber>(
          io, ts, *tracking, [&panel] { panel->view_changed("tracking"); });
      tracking_link->start();
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
    tracking_link.reset();  // before the view it feeds
    panel.reset();
    std::cerr << "locker-sim: stopped\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "locker-sim: " << e.what() << '\n';
    return 1;
  }
}
