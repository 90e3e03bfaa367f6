// SPDX-License-Identifier: Apache-2.0
// Test support: the tests' hands on the simulated cabinet, locker-sim's control socket
// (simulator/README.md): one blocking connection that sends a command and reads its one reply
// line, and, once watching, keeps what the change stream says about the display and the board
// client. Real time, so every wait has a deadline and fails saying what it waited for.
#pragma once

#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "drivers/sim/sim_protocol.hpp"
#include "tests/support/failure.hpp"

namespace locker::test {

// Matches a display text against a keypad::screen_texts pattern; the "{}" parts are returned.
// Each value runs up to the next fixed part (the patterns have no ambiguity).
inline std::optional<std::vector<std::string>> match(std::string_view pattern,
                                                     std::string_view text) {
  std::vector<std::string> out;
  while (true) {
    const auto hole = pattern.find("{}");
    const auto fixed = pattern.substr(0, hole);
    if (!text.starts_with(fixed)) return std::nullopt;
    text.remove_prefix(fixed.size());
    if (hole == std::string_view::npos) {
      if (!text.empty()) return std::nullopt;
      return out;
    }
    pattern.remove_prefix(hole + 2);
    const auto next_fixed = pattern.substr(0, pattern.find("{}"));
    const auto end = next_fixed.empty() ? text.size() : text.find(next_fixed);
    if (end == std::string_view::npos) return std::nullopt;
    out.emplace_back(text.substr(0, end));
    text.remove_prefix(end);
  }
}

class control_client {
 public:
  // Every change-stream line ("event <kind> <details>") as it is read, after the client has
  // noted what it keeps (display, board); for what else a test wants to see or time.
  std::function<void(std::string_view kind, std::string_view details)> on_event;

  // Connects to the control socket at path; deadline bounds every later wait for a reply.
  control_client(const std::string& path, std::chrono::milliseconds deadline)
      : deadline_(deadline) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof(addr.sun_path)) fail("control socket path too long: ", path);
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) fail("cannot make a socket for ", path, ": ", std::strerror(errno));
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
      const int err = errno;
      ::close(fd_);
      fail("cannot connect to locker-sim at ", path, ": ", std::strerror(err));
    }
  }
  control_client(const control_client&) = delete;
  control_client& operator=(const control_client&) = delete;
  ~control_client() { ::close(fd_); }

  // Turns the change stream on and reads what the display shows now.
  void watch() {
    if (const auto r = request("watch"); r != "ok watching") fail("watch refused: ", r);
    const auto r = request("display");
    if (!r.starts_with("ok")) fail("display refused: ", r);
    display_ = decode_display(r.size() > 3 ? std::string_view(r).substr(3) : "");
  }

  // Sends one command and returns its reply line; fails if none comes within the deadline.
  std::string request(const std::string& command) {
    const std::string line = command + "\n";
    std::size_t sent = 0;
    while (sent < line.size()) {
      const ssize_t n = ::send(fd_, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) fail("locker-sim went away while sending '", command, "'");
      sent += static_cast<std::size_t>(n);
    }
    const auto end = std::chrono::steady_clock::now() + deadline_;
    while (replies_.empty()) {
      if (std::chrono::steady_clock::now() > end) fail("locker-sim did not answer '", command, "'");
      pump(std::chrono::milliseconds(10));
    }
    std::string reply = std::move(replies_.front());
    replies_.pop_front();
    return reply;
  }
  // A command that must succeed: its reply is "ok", else the test fails with the reply.
  void command(const std::string& command) {
    if (const auto r = request(command); r != "ok") fail(command, ": ", r);
  }

  // Reads whatever has arrived, waiting at most `wait` for the first bytes; queues replies
  // and hands change-stream lines on.
  void pump(std::chrono::milliseconds wait) {
    pollfd p{fd_, POLLIN, 0};
    int timeout = static_cast<int>(wait.count());
    while (::poll(&p, 1, timeout) > 0) {
      char buf[16384];
      const ssize_t n = ::read(fd_, buf, sizeof(buf));
      if (n <= 0) fail("locker-sim closed the control connection");
      splitter_.feed(std::string_view(buf, static_cast<std::size_t>(n)));
      timeout = 0;
    }
    if (splitter_.broken()) fail("locker-sim sent an overlong line");
    while (auto l = splitter_.next()) {
      if (!l->starts_with("event ")) {
        replies_.push_back(std::move(*l));
        continue;
      }
      const std::string_view rest = std::string_view(*l).substr(6);
      const auto space = rest.find(' ');
      const auto kind = rest.substr(0, space);
      const auto details =
          space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
      if (kind == "board") {
        board_attached_ = details == "attached";
      } else if (kind == "display") {
        display_ = decode_display(details);
      }
      if (on_event) on_event(kind, details);
    }
  }

  // Pumps until pred holds; fails with what() once the deadline has passed.
  void wait_until(const std::function<bool()>& pred, const std::function<std::string()>& what) {
    const auto end = std::chrono::steady_clock::now() + deadline_;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > end) fail(what());
      pump(std::chrono::milliseconds(2));
    }
  }

  // The whole cabinet as `state` reports it (simulator/README.md).
  nlohmann::json state() {
    const auto reply = request("state");
    auto j = nlohmann::json::parse(reply, nullptr, false);
    if (!j.is_object() || !j.contains("compartments")) fail("bad state reply: ", reply);
    return j;
  }
  // One compartment of state(); fails when the cabinet has no such compartment.
  nlohmann::json compartment(const std::string& id) {
    const auto all = state();
    for (const auto& c : all["compartments"])
      if (c["id"] == id) return c;
    fail("no compartment ", id, " in the simulator");
  }

  // The display text, as of the last change-stream line read (watch() first).
  [[nodiscard]] const std::string& display() const { return display_; }
  // Whether a board client (lockerd) is attached, as of the last change-stream line read.
  [[nodiscard]] bool board_attached() const { return board_attached_; }
  [[nodiscard]] std::chrono::milliseconds deadline() const { return deadline_; }

 private:
  static std::string decode_display(std::string_view escaped) {
    auto text = drivers::sim::unescape_text(escaped);
    if (!text) fail("locker-sim sent an undecodable display text: ", escaped);
    return std::move(*text);
  }

  int fd_ = -1;
  std::chrono::milliseconds deadline_;
  drivers::sim::line_splitter splitter_{1 << 20};
  std::deque<std::string> replies_;
  std::string display_;
  bool board_attached_ = false;
};

}  // namespace locker::test
