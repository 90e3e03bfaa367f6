// SPDX-License-Identifier: Apache-2.0
// Test support: the real programs, as the process-level tests and the benchmark run them: a
// locker-sim (the cabinet) with its control socket, and a lockerd on the sim backend attached
// to it, each with its output in a log file. Real time, so every wait has a deadline and a
// failure says what did not happen, with the log's tail.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <signal.h>

#include "tests/support/child_process.hpp"
#include "tests/support/failure.hpp"
#include "tests/support/sim_control.hpp"

namespace locker::test {

// The last `lines` lines of a log file, each indented, for a failure message.
inline std::string log_tail(const std::filesystem::path& file, std::size_t lines = 40) {
  std::ifstream in(file);
  std::deque<std::string> last;
  for (std::string l; std::getline(in, l);) {
    last.push_back(l);
    if (last.size() > lines) last.pop_front();
  }
  std::string out;
  for (const auto& l : last) out += "  " + l + "\n";
  return out;
}

// Makes a state folder as lockerd wants it: its owner's alone.
inline void make_state_dir(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace);
}

// What a test's lockerd configuration has besides the sim backend's essentials.
struct config_extras {
  std::string log_level = "info";  // lockerd_process::start() reads "ready" at info
  std::string top_level;           // more top-level keys, a "key = value\n" each
  std::string tables;              // more tables after [hardware]: "[broker]\n..."
};

// Where a test's lockerd and locker-sim keep their files: all in one folder.
struct locker_files {
  explicit locker_files(std::filesystem::path folder) : dir(std::move(folder)) {}
  std::filesystem::path dir;
  std::filesystem::path state_dir = dir / "state";
  std::filesystem::path config_file = dir / "lockerd.toml";
  std::filesystem::path lockerd_log = dir / "lockerd.log";
  std::string sim_socket = (dir / "sim.sock").string();
  std::filesystem::path sim_log = dir / "locker-sim.log";
};

// Writes files.config_file: this locker on the sim backend with its state in files.state_dir,
// the board file, and the locker-sim at files.sim_socket.
inline void write_config(const locker_files& files, std::string_view locker_id,
                         const std::filesystem::path& board, const config_extras& more = {}) {
  std::ofstream out(files.config_file, std::ios::trunc);
  out << "locker_id = \"" << locker_id << "\"\n"
      << "state_dir = \"" << files.state_dir.string() << "\"\n"
      << "board = \"" << board.string() << "\"\n"
      << "log_level = \"" << more.log_level << "\"\n"
      << more.top_level << "[hardware]\nbackend = \"sim\"\n"
      << "sim_socket = \"" << files.sim_socket << "\"\n"
      << more.tables;
  if (!out.flush()) fail("cannot write ", files.config_file);
}

// A locker-sim process, stopped (SIGTERM) however the test ends.
class locker_sim_process {
 public:
  // Starts `program` on board, without its terminal view, with its control socket at socket and
  // its output appended to log (inherited when empty), and waits until the socket is there.
  // deadline bounds that wait and every reply on the control connection. extra_args go after
  // the others (e.g. {"--http", "0"}).
  locker_sim_process(const std::string& program, const std::filesystem::path& board,
                     std::string socket, std::filesystem::path log,
                     std::chrono::milliseconds deadline,
                     const std::vector<std::string>& extra_args = {})
      : socket_(std::move(socket)), log_(std::move(log)), deadline_(deadline) {
    std::vector<std::string> args{program,    "--board", board.string(),
                                  "--socket", socket_,   "--no-tui"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    process_.start(args, log_);
    const auto end = std::chrono::steady_clock::now() + deadline_;
    while (!std::filesystem::exists(socket_)) {
      if (auto status = process_.ended())
        fail("locker-sim ended at start (wait status ", *status, ")",
             log_.empty() ? std::string() : ":\n" + log_tail(log_));
      if (std::chrono::steady_clock::now() > end)
        fail("locker-sim made no socket at ", socket_, " within ", deadline_.count(), " ms");
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  locker_sim_process(const locker_sim_process&) = delete;
  locker_sim_process& operator=(const locker_sim_process&) = delete;
  ~locker_sim_process() { stop(SIGTERM); }

  // One control connection with the change stream on, made at the first call.
  control_client& control() {
    if (!control_) {
      control_ = std::make_unique<control_client>(socket_, deadline_);
      control_->watch();
    }
    return *control_;
  }

  // Closes the control connection and stops the simulator; its wait status (-1 if stopped).
  int stop(int sig = SIGTERM) {
    control_.reset();
    return process_.stop(sig);
  }

  [[nodiscard]] const std::string& socket() const { return socket_; }
  [[nodiscard]] child_process& process() { return process_; }

 private:
  std::string socket_;
  std::filesystem::path log_;
  std::chrono::milliseconds deadline_;
  child_process process_;
  std::unique_ptr<control_client> control_;
};

// A lockerd process on the sim backend, killed however the test ends. Started again and again
// on the same configuration and log (the crash test's kills, the process tests' restarts).
class lockerd_process {
 public:
  lockerd_process(std::string program, std::filesystem::path config_file,
                  std::filesystem::path log_file)
      : program_(std::move(program)),
        config_file_(std::move(config_file)),
        log_file_(std::move(log_file)) {}

  // Starts lockerd once locker-sim has seen the previous one detach (it takes one board
  // client), and waits until lockerd's log says it is ready and locker-sim has seen it attach,
  // reading `sim` meanwhile. Fails with the log's tail if lockerd ends first or the control
  // connection's deadline passes.
  void start(control_client& sim, const std::vector<std::string>& extra_env = {}) {
    sim.wait_until([&] { return !sim.board_attached(); },
                   [] { return std::string("locker-sim never saw the previous lockerd detach"); });
    const auto log_start = std::filesystem::exists(log_file_)
                               ? std::filesystem::file_size(log_file_)
                               : std::uintmax_t{0};
    process_.start({program_, "-c", config_file_.string()}, log_file_, extra_env);
    sim.wait_until(
        [&] {
          if (auto status = process_.ended())
            fail("lockerd ended during start (wait status ", *status, "):\n", log_tail());
          return log_since(log_start).find("lockerd: ready") != std::string::npos;
        },
        [&] { return "lockerd never said ready:\n" + log_tail(); });
    // Seen attached, so that the next start() can tell when it has detached.
    sim.wait_until([&] { return sim.board_attached(); },
                   [&] { return "locker-sim never saw lockerd attach:\n" + log_tail(); });
  }

  // The wait status if lockerd ended on its own (reaped), else nullopt.
  std::optional<int> ended() { return process_.ended(); }
  // Signals and reaps (see child_process::stop); the wait status, or -1 if none was running.
  int stop(int sig) { return process_.stop(sig); }
  [[nodiscard]] bool running() const { return process_.running(); }
  [[nodiscard]] pid_t pid() const { return process_.pid(); }

  [[nodiscard]] std::string log_tail(std::size_t lines = 40) const {
    return test::log_tail(log_file_, lines);
  }
  [[nodiscard]] std::string log_since(std::uintmax_t offset) const {
    std::ifstream in(log_file_, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(offset));
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  [[nodiscard]] const std::filesystem::path& log_file() const { return log_file_; }

 private:
  std::string program_;
  std::filesystem::path config_file_;
  std::filesystem::path log_file_;
  child_process process_;
};

}  // namespace locker::test
