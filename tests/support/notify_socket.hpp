// SPDX-License-Identifier: Apache-2.0
// Test support: the receiving end of $NOTIFY_SOCKET, as systemd holds it: a Unix datagram
// socket bound to a path or to an abstract name ("@..."). Each datagram is one notification.
#pragma once

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "tests/support/failure.hpp"

namespace locker::test {

class notify_socket {
 public:
  // name: an absolute path or "@abstract-name". Fails naming it when it cannot be bound.
  explicit notify_socket(std::string name) : name_(std::move(name)) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (name_.empty() || name_.size() > sizeof(addr.sun_path))
      fail("notify socket name '", name_, "': empty or longer than ", sizeof(addr.sun_path));
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) fail("cannot make a datagram socket for ", name_, ": ", std::strerror(errno));
    std::memcpy(addr.sun_path, name_.data(), name_.size());
    if (name_.front() == '@') addr.sun_path[0] = '\0';
    const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name_.size());
    if (::bind(fd_, reinterpret_cast<const sockaddr*>(&addr), len) != 0) {
      const int err = errno;
      ::close(fd_);
      fail("cannot bind the notify socket ", name_, ": ", std::strerror(err));
    }
  }
  notify_socket(const notify_socket&) = delete;
  notify_socket& operator=(const notify_socket&) = delete;
  ~notify_socket() {
    ::close(fd_);
    if (name_.front() == '/') ::unlink(name_.c_str());
  }

  // What a child's NOTIFY_SOCKET is set to.
  [[nodiscard]] const std::string& name() const { return name_; }

  // The next datagram, waiting at most timeout (real time: only process-level tests wait).
  std::optional<std::string> receive(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0) return std::nullopt;
    return std::string(buf, static_cast<std::size_t>(n));
  }

  // Every datagram already queued, without waiting.
  std::vector<std::string> drain() {
    std::vector<std::string> out;
    while (auto m = receive(std::chrono::milliseconds{0})) out.push_back(*m);
    return out;
  }

  // Waits up to deadline for a datagram with the line `assignment` ("READY=1"), passing over
  // the others; when it arrived, or nullopt at the deadline.
  std::optional<std::chrono::steady_clock::time_point> wait_for(
      std::string_view assignment, std::chrono::milliseconds deadline) {
    const auto end = std::chrono::steady_clock::now() + deadline;
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now());
      if (left.count() < 0) return std::nullopt;
      const auto m = receive(left);
      if (!m) return std::nullopt;
      const auto at = std::chrono::steady_clock::now();
      for (std::string_view rest = *m; !rest.empty();) {
        const auto nl = rest.find('\n');
        if (rest.substr(0, nl) == assignment) return at;
        rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
      }
    }
  }

 private:
  std::string name_;
  int fd_ = -1;
};

}  // namespace locker::test
