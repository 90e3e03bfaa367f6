// SPDX-License-Identifier: Apache-2.0
// The admin socket: a Unix stream socket on which the running lockerd takes lockeradm's
// requests, so that lockerd stays the one writer of its store and a technician's change
// (a courier added, a compartment back in service) takes effect at once, journaled and audited
// like the same MQTT command.
//
// The protocol is line-based: each request is one line holding one JSON object, and each gets
// exactly one reply line holding one JSON object, in order (a connection may send several
// requests; the next is read only after the reply to the previous one went out). What the
// objects say is the handler's business (daemon/app: the MQTT commands' bodies and replies).
// Who may connect: the socket file is 0600 in lockerd's 0700 state folder, and each peer's
// credentials (SO_PEERCRED) are checked against the allowed uids before a byte is read.
//
// Runs on the event loop; never throws once started.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <sys/types.h>

namespace locker::admin_socket {

// The longest request line; a longer one is answered with an error and the connection closed.
constexpr std::size_t max_request_bytes = std::size_t{64} * 1024;
// Connections served at once; more wait in the listen backlog.
constexpr std::size_t max_connections = 8;

// Who sent a request, from the socket's peer credentials.
struct peer {
  uid_t uid = 0;
  pid_t pid = 0;
};

// Sends the reply to one request: a JSON object, without the newline. Call it exactly once;
// it may be called later (a compartment's door takes time), from the loop.
using reply_fn = std::function<void(std::string reply)>;
// Handles one request line (not yet parsed: it may be anything).
using request_handler = std::function<void(const peer& from, std::string_view request, reply_fn)>;

class server {
 public:
  // allowed_uids: the peers served; everyone else gets an error reply and is disconnected.
  server(boost::asio::io_context& io, std::filesystem::path path, std::set<uid_t> allowed_uids,
         request_handler handler);
  server(const server&) = delete;
  server& operator=(const server&) = delete;
  // Stops listening, closes every connection and removes the socket file.
  ~server();

  // Binds and listens. A socket file left by a lockerd that is gone is replaced; one that a
  // live process still answers is not (throws std::runtime_error: another lockerd runs on this
  // state folder), nor is a file that is not a socket.
  void start();

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  class connection;
  void accept_next();

  boost::asio::io_context& io_;
  std::filesystem::path path_;
  std::set<uid_t> allowed_;
  struct state;
  std::shared_ptr<state> state_;
};

}  // namespace locker::admin_socket
