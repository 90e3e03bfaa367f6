// SPDX-License-Identifier: Apache-2.0
// locker-gpio-bridge: the simulated cabinet attached to the kernel's gpio-sim lines instead of
// a board socket, so lockerd runs its real gpiod backend against the same physics. It keeps
// locker-sim's control socket, so scenarios are scripted exactly as with locker-sim.
#include <charconv>
#include <csignal>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "drivers/asio_clock.hpp"
#include "drivers/board_file/board_file.hpp"
#include "simulator/cabinet_model.hpp"
#include "simulator/gpio_sim_bridge.hpp"
#include "simulator/sim_server.hpp"

namespace {

constexpr std::string_view usage =
    "usage: locker-gpio-bridge --board FILE --socket PATH [--configfs DIR] [--bounce-ms N]\n"
    "                          [--display-file PATH] [--poll-ms N] [--lock-pull locked|unlocked]\n"
    "  --lock-pull unlocked: every lock line floats at its unlock level until driven (the\n"
    "                        real-kernel test's safe-start probe); default: locked\n";

struct options {
  std::string board;
  std::string socket;
  std::string configfs = "/sys/kernel/config/gpio-sim";
  std::string display_file;
  std::optional<int> bounce_ms;
  int poll_ms = 1;
  bool locks_float_unlocked = false;
};

bool parse_int(std::string_view v, int min, int max, int& out) {
  const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  return ec == std::errc{} && p == v.data() + v.size() && out >= min && out <= max;
}

std::optional<options> parse_args(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--board" && has_value) {
      o.board = argv[++i];
    } else if (a == "--socket" && has_value) {
      o.socket = argv[++i];
    } else if (a == "--configfs" && has_value) {
      o.configfs = argv[++i];
    } else if (a == "--display-file" && has_value) {
      o.display_file = argv[++i];
    } else if (a == "--bounce-ms" && has_value) {
      int ms = 0;
      if (!parse_int(argv[++i], 0, 1000, ms)) {
        std::cerr << "locker-gpio-bridge: --bounce-ms needs 0-1000\n";
        return std::nullopt;
      }
      o.bounce_ms = ms;
    } else if (a == "--poll-ms" && has_value) {
      if (!parse_int(argv[++i], 1, 100, o.poll_ms)) {
        std::cerr << "locker-gpio-bridge: --poll-ms needs 1-100\n";
        return std::nullopt;
      }
    } else if (a == "--lock-pull" && has_value) {
      const std::string_view v = argv[++i];
      if (v != "locked" && v != "unlocked") {
        std::cerr << "locker-gpio-bridge: --lock-pull needs locked or unlocked\n";
        return std::nullopt;
      }
      o.locks_float_unlocked = v == "unlocked";
    } else {
      std::cerr << "locker-gpio-bridge: unexpected argument '" << a << "'\n";
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
  std::signal(SIGPIPE, SIG_IGN);  // a control client that vanishes must not kill us

  try {
    const auto board = locker::drivers::load_board(opts->board);
    sim::bounce_settings bounce;
    if (opts->bounce_ms) {
      bounce.span = locker::drivers::millis{*opts->bounce_ms};
      if (*opts->bounce_ms == 0) bounce.count = 0;
    }
    boost::asio::io_context io;
    locker::drivers::asio_clock clock(io);
    // A Wiegand frame at a tenth of a real reader's pace: a pulse of 3 ms every 10 ms. The
    // guest is emulated and often stalled; gpiolib drops an edge that comes while the line's
    // irq thread has not yet run for the last one, and this leaves that thread 10 ms a bit
    // while a frame still stays one frame to lockerd (25 ms between pulses).
    const sim::wiegand_pace pace{.pulse_width = locker::drivers::millis{3},
                                 .bit_interval = locker::drivers::millis{10}};
    sim::cabinet_model model(board, clock, bounce, pace);
    model.on_event([](const sim::cabinet_event& e) {
      std::cerr << "locker-gpio-bridge: " << e.kind << ' ' << e.details << '\n';
    });
    const auto lines = sim::find_gpio_sim_lines(opts->configfs);
    sim::gpio_sim_bridge_settings settings;
    settings.poll = locker::drivers::millis{opts->poll_ms};
    settings.display_file = opts->display_file;
    settings.locks_float_unlocked = opts->locks_float_unlocked;
    sim::gpio_sim_bridge bridge(io, model, board, lines, settings);
    sim::sim_server server(io, model, opts->socket);

    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](boost::system::error_code ec, int) {
      if (ec) return;
      bridge.stop();
      server.stop();
      io.stop();
    });
    std::cerr << "locker-gpio-bridge: " << board.compartments.size() << " compartments from "
              << opts->board << " on " << lines.size() << " gpio-sim lines, listening on "
              << opts->socket << '\n';
    io.run();
    std::cerr << "locker-gpio-bridge: stopped\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "locker-gpio-bridge: " << e.what() << '\n';
    return 1;
  }
}
