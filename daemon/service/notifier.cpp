// SPDX-License-Identifier: Apache-2.0
#include "daemon/service/notifier.hpp"

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <utility>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace locker::service {

namespace {

std::error_code last_error() { return {errno, std::system_category()}; }

}  // namespace

notifier::notifier(std::string socket_name) : socket_name_(std::move(socket_name)) {}

notifier notifier::from_environment() {
  const char* name = std::getenv("NOTIFY_SOCKET");
  return notifier(name != nullptr ? std::string(name) : std::string());
}

notifier::notifier(notifier&& other) noexcept
    : socket_name_(std::move(other.socket_name_)), fd_(std::exchange(other.fd_, -1)) {
  other.socket_name_.clear();
}

notifier& notifier::operator=(notifier&& other) noexcept {
  if (this != &other) {
    close_socket();
    socket_name_ = std::move(other.socket_name_);
    other.socket_name_.clear();
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

notifier::~notifier() { close_socket(); }

void notifier::close_socket() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::error_code notifier::send(std::string_view message) {
  if (!enabled()) return {};

  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  // Only absolute paths and abstract names, as sd_notify accepts: a relative path would
  // depend on the working directory.
  const bool abstract = socket_name_.front() == '@';
  if ((!abstract && socket_name_.front() != '/') || socket_name_.size() < 2 ||
      socket_name_.size() > sizeof(addr.sun_path)) {
    return std::make_error_code(std::errc::invalid_argument);
  }
  std::memcpy(addr.sun_path, socket_name_.data(), socket_name_.size());
  if (abstract) addr.sun_path[0] = '\0';
  // An abstract name is exactly its bytes (no terminating NUL counts); a path may fill
  // sun_path completely, so its length is given the same way.
  const auto addr_len =
      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_name_.size());

  if (fd_ < 0) {
    // Non-blocking: if systemd's queue is full the ping is dropped, never the event loop.
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd_ < 0) return last_error();
  }
  const ssize_t sent = ::sendto(fd_, message.data(), message.size(), MSG_NOSIGNAL,
                                reinterpret_cast<const sockaddr*>(&addr), addr_len);
  if (sent < 0) return last_error();
  if (static_cast<std::size_t>(sent) != message.size()) {
    return std::make_error_code(std::errc::message_size);
  }
  return {};
}

std::error_code notifier::notify_status(std::string_view text) {
  std::string message = "STATUS=";
  for (const char c : text) message.push_back(c == '\n' || c == '\r' ? ' ' : c);
  return send(message);
}

}  // namespace locker::service
