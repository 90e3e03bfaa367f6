// SPDX-License-Identifier: Apache-2.0
// locker-sim's Unix socket: control connections (people, scripts, tests) and the one
// board connection (lockerd's sim backend), both line-oriented text.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include "base/liveness.hpp"
#include "simulator/cabinet_model.hpp"

namespace locker::simulator {

class sim_session;

class sim_server {
 public:
  // Removes a stale socket file, binds (mode 0660) and starts accepting. Throws
  // std::runtime_error naming the path if it cannot.
  sim_server(boost::asio::io_context& io, cabinet_model& model, std::string path);
  sim_server(const sim_server&) = delete;
  sim_server& operator=(const sim_server&) = delete;
  // Closes every connection and removes the socket file.
  ~sim_server();

  void stop();
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  friend class sim_session;
  void accept();
  // The board slot: only one board connection at a time.
  bool claim_board(sim_session* s);
  void release_board(sim_session* s);

  boost::asio::io_context& io_;
  cabinet_model& model_;
  std::string path_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
  base::liveness alive_;
  sim_session* board_ = nullptr;
  std::vector<std::weak_ptr<sim_session>> sessions_;
  bool stopped_ = false;
};

}  // namespace locker::simulator
