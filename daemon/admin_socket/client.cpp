// SPDX-License-Identifier: Apache-2.0
#include "daemon/admin_socket/client.hpp"

#include <cerrno>
#include <cstring>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/unique_fd.hpp"
#include "daemon/admin_socket/server.hpp"

namespace locker::admin_socket {

namespace {

using clock_type = std::chrono::steady_clock;

base::unique_fd new_socket() {
  base::unique_fd s(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!s.valid()) throw client_error(std::string("socket: ") + std::strerror(errno));
  return s;
}

// false when nobody listens at path (no file, not a socket, or connection refused).
bool connect_to(const base::unique_fd& s, const std::filesystem::path& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const auto& p = path.native();
  if (p.size() >= sizeof addr.sun_path) throw client_error("socket path too long: " + p);
  std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);
  if (::connect(s.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) return true;
  if (errno == ENOENT || errno == ECONNREFUSED || errno == ENOTSOCK) return false;
  throw client_error("cannot connect to " + p + ": " + std::strerror(errno));
}

// Waits for events on fd until deadline; false on timeout.
bool wait_for(int fd, short events, clock_type::time_point deadline) {
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) throw client_error(std::string("poll: ") + std::strerror(errno));
  }
}

}  // namespace

bool lockerd_listens(const std::filesystem::path& path) {
  const auto s = new_socket();
  return connect_to(s, path);
}

std::optional<std::string> call(const std::filesystem::path& path, std::string_view request,
                                std::chrono::milliseconds timeout) {
  const auto s = new_socket();
  if (!connect_to(s, path)) return std::nullopt;
  const auto deadline = clock_type::now() + timeout;
  std::string out(request);
  out += '\n';
  for (std::size_t sent = 0; sent < out.size();) {
    if (!wait_for(s.get(), POLLOUT, deadline))
      throw client_error("lockerd did not take the request");
    const auto n = ::send(s.get(), out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      // lockerd may have answered and hung up before taking it all (a refusal): read that.
      if (errno == EPIPE || errno == ECONNRESET) break;
      throw client_error(std::string("sending to lockerd: ") + std::strerror(errno));
    }
    sent += static_cast<std::size_t>(n);
  }
  std::string reply;
  char buf[4096];
  for (;;) {
    if (!wait_for(s.get(), POLLIN, deadline))
      throw client_error("lockerd did not answer within " + std::to_string(timeout.count()) +
                         " ms");
    const auto n = ::recv(s.get(), buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      throw client_error(std::string("reading lockerd's answer: ") + std::strerror(errno));
    }
    if (n == 0) throw client_error("lockerd closed the connection without an answer");
    reply.append(buf, static_cast<std::size_t>(n));
    if (const auto nl = reply.find('\n'); nl != std::string::npos) {
      reply.resize(nl);
      return reply;
    }
    if (reply.size() > max_request_bytes * 16) throw client_error("lockerd's answer is too long");
  }
}

}  // namespace locker::admin_socket
