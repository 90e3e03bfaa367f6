// SPDX-License-Identifier: Apache-2.0
// lockerd: the locker controller. Parses the command line, loads the config and runs the
// locker (daemon/app: everything it is made of) on one event loop until SIGTERM/SIGINT.
#include <cstdlib>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "base/cli/cli.hpp"
#include "daemon/app/locker_app.hpp"
#include "daemon/config/check_files.hpp"
#include "daemon/config/config.hpp"
#include "daemon/log/log.hpp"
#include "drivers/asio_clock.hpp"
#if LOCKER_WITH_GPIOD
#include "drivers/gpiod/probe.hpp"
#endif
#include "protocol/events.hpp"

#ifndef LOCKER_VERSION
#define LOCKER_VERSION "0.0.0"
#endif

namespace {

using namespace locker;

constexpr int exit_ok = app::exit_ok;
constexpr int exit_failure = app::exit_failure;
constexpr int exit_usage = cli::exit_usage;  // bad command line or bad config: nothing was started

constexpr std::string_view description =
    "The parcel locker controller: drives the compartment locks, reads the door sensors,\n"
    "runs the keypad flows and reports to the parcel tracking system.";

constexpr std::string_view exit_status_text =
    R"(Exit status: 0 after a clean stop, 1 on a runtime failure, 2 for a bad command line or
configuration (the message names the file, the key and the reason), 3 when the state folder
needs a person: its key missing or another, its database missing, emptied or damaged (the
message says what to do).)";

struct options {
  std::string config = "/etc/lockerd/lockerd.toml";
  bool check_only = false;
  bool probe = false;
  bool verbose = false;
};

// Returns an exit status when the program should stop right away.
std::optional<int> parse_args(const std::vector<std::string>& args, options& o) {
  CLI::App app{std::string(description), "lockerd"};
  cli::conventions(app);
  app.footer(std::string(exit_status_text));
  app.add_option("-c,--config", o.config, "configuration file (default /etc/lockerd/lockerd.toml)")
      ->type_name("FILE");
  // "--check-config FILE" is accepted as well as "--check-config -c FILE".
  std::string check_file;
  auto* check = app.add_option("--check-config", check_file,
                               "load and validate the configuration and its board file, then exit")
                    ->type_name("[FILE]")
                    ->expected(0, 1);
  app.add_flag("--probe", o.probe,
               "with --check-config: also check that every board line exists on the gpiochips "
               "and is free");
  app.add_flag("-v,--verbose", o.verbose, "log debug messages");
  if (auto status = cli::parse(app, args, std::cout, std::cerr)) return status;
  o.check_only = check->count() > 0 || o.probe;
  if (!check_file.empty()) o.config = check_file;
  return std::nullopt;
}

log::level to_log_level(config::log_level l) {
  switch (l) {
    case config::log_level::debug:
      return log::level::debug;
    case config::log_level::info:
      return log::level::info;
    case config::log_level::warning:
      return log::level::warning;
    case config::log_level::error:
      return log::level::error;
  }
  return log::level::info;
}

// --probe: the board's lines on this kernel's gpiochips; prints one line per problem.
std::size_t probe_lines(const config::locker_config& cfg) {
  if (cfg.backend != config::backend_kind::gpiod) {
    std::cout << "lockerd: --probe: the sim backend has no gpiochips to probe\n";
    return 0;
  }
#if LOCKER_WITH_GPIOD
  const auto inspector = drivers::gpiod_backend::make_libgpiod_inspector();
  const auto problems = drivers::gpiod_backend::probe_board(cfg.board, *inspector);
  for (const auto& p : problems)
    std::cerr << "lockerd: " << cfg.board.file << ": " << p.text() << '\n';
  return problems.size();
#else
  std::cerr << "lockerd: --probe: built without the gpiod backend (LOCKER_WITH_GPIOD=OFF)\n";
  return 1;
#endif
}

int run(const options& o) {
  config::locker_config cfg;
  try {
    cfg = config::load_config(o.config);
  } catch (const config::config_error& e) {
    std::cerr << "lockerd: bad configuration: " << e.what() << '\n';
    return exit_usage;
  }
  if (o.check_only) {
    // The files it names too: one line per problem.
    const auto problems = config::check_files(cfg);
    for (const auto& p : problems) std::cerr << "lockerd: " << p.line() << '\n';
    const std::size_t line_problems = o.probe ? probe_lines(cfg) : 0;
    if (!problems.empty()) {
      std::cerr << "lockerd: " << cfg.file << ": " << problems.size()
                << (problems.size() == 1 ? " problem" : " problems")
                << " with the files it names\n";
    }
    if (!problems.empty() || line_problems > 0) return exit_usage;
    std::cout << "lockerd: " << cfg.file << " is valid (" << cfg.board.compartments.size()
              << " compartments on " << cfg.board.file << ")\n";
    return exit_ok;
  }
  log::set_level(o.verbose ? log::level::debug : to_log_level(cfg.log));
  log::use_process_output();  // journald fields under systemd, timestamped lines elsewhere
  log::set_locker_id(cfg.locker_id);
  log::info({log::message::started}, "lockerd", "version ", LOCKER_VERSION, ", locker ",
            cfg.locker_id, ", ", cfg.board.compartments.size(), " compartments");

  boost::asio::io_context io;
  drivers::asio_clock clock(io);
  std::optional<app::locker_app> locker;
  try {
    locker.emplace(std::move(cfg), app::production_platform(io, clock));
  } catch (const app::state_folder_refused& e) {
    log::error({log::message::start_refused}, "lockerd", "refusing to start: ", e.what());
    return app::exit_state_refused;
  } catch (const app::start_error& e) {
    log::error("lockerd", e.what());
    return exit_failure;
  }
  locker->ready();
  const int status = locker->run();
  log::info({log::message::stopped}, "lockerd", "stopped");
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (auto status = parse_args(args, o)) return *status;
  try {
    return run(o);
  } catch (const std::exception& e) {
    locker::log::error("lockerd", "fatal: ", e.what());
    return exit_failure;
  }
}
