// SPDX-License-Identifier: Apache-2.0
// lockeradm's side of the admin socket (server.hpp): one request line, one reply line.
// Blocking, with a deadline: lockeradm is a command-line tool, not on the event loop.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace locker::admin_socket {

// The socket could be reached but the exchange failed (cut off, timed out, refused).
class client_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Whether a lockerd listens on path now (something accepts a connection there).
[[nodiscard]] bool lockerd_listens(const std::filesystem::path& path);

// Sends request (one JSON object, no newline) and returns the reply line without its newline.
// nullopt when no lockerd listens there (no socket file, or nobody accepts: lockerd is not
// running), so the caller may work on the store itself. Throws client_error when lockerd
// listens but the reply does not arrive within timeout or the connection breaks.
std::optional<std::string> call(const std::filesystem::path& path, std::string_view request,
                                std::chrono::milliseconds timeout);

}  // namespace locker::admin_socket
