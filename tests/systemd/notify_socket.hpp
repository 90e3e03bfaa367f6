// SPDX-License-Identifier: Apache-2.0
// The receiving end of $NOTIFY_SOCKET, as systemd holds it: a Unix datagram socket bound to a
// path or to an abstract name ("@..."). Each datagram is one notification.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace locker::service::test {

class notify_socket {
 public:
  // name: an absolute path or "@abstract-name".
  explicit notify_socket(std::string name) : name_(std::move(name)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (fd_ < 0 || name_.size() > sizeof(addr.sun_path)) throw std::runtime_error("socket");
    std::memcpy(addr.sun_path, name_.data(), name_.size());
    if (name_.front() == '@') addr.sun_path[0] = '\0';
    const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name_.size());
    if (::bind(fd_, reinterpret_cast<const sockaddr*>(&addr), len) != 0) {
      ::close(fd_);
      throw std::runtime_error("cannot bind " + name_ + ": " + std::strerror(errno));
    }
  }
  notify_socket(const notify_socket&) = delete;
  notify_socket& operator=(const notify_socket&) = delete;
  ~notify_socket() {
    ::close(fd_);
    if (name_.front() == '/') ::unlink(name_.c_str());
  }

  [[nodiscard]] const std::string& name() const { return name_; }

  // The next datagram, waiting at most timeout (real time: only the process-level test waits).
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

 private:
  std::string name_;
  int fd_ = -1;
};

}  // namespace locker::service::test
