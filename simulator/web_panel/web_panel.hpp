// SPDX-License-Identifier: Apache-2.0
// locker-sim's browser front panel: an HTTP server (Boost.Beast) on the simulator's own
// io_context that serves the page compiled into the binary (web_assets.hpp) and, at /ws, a
// WebSocket that pushes the cabinet's state and change stream on every change and takes a
// person's actions (web_messages.hpp). Other views (the tracking view) register a snapshot and
// say when it changed; every client gets it.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <nlohmann/json.hpp>

#include "base/liveness.hpp"
#include "drivers/board_file/board_file.hpp"
#include "simulator/cabinet_model.hpp"

namespace locker::simulator::web {

class panel_client;

class web_panel {
 public:
  // The last events a newly connected page gets.
  static constexpr std::size_t kept_events = 50;

  // Binds address:port (port 0: a free one, see port()) and starts accepting. Throws
  // std::runtime_error naming the address if it cannot. board must outlive the panel.
  web_panel(boost::asio::io_context& io, cabinet_model& model, const drivers::board_config& board,
            const std::string& address, std::uint16_t port);
  web_panel(const web_panel&) = delete;
  web_panel& operator=(const web_panel&) = delete;
  // Closes every connection.
  ~web_panel();

  void stop();
  [[nodiscard]] std::uint16_t port() const { return port_; }
  // "http://127.0.0.1:8080/"
  [[nodiscard]] std::string url() const;

  // A view beside the cabinet: snapshot() is sent as {"type":"view","name","data"} to every
  // client now, to each new client on connect, and again on each view_changed(name).
  void add_view(std::string name, std::function<nlohmann::json()> snapshot);
  void view_changed(const std::string& name);

 private:
  friend class panel_client;
  void accept();
  void broadcast(const std::string& text);
  void schedule_state();
  // What a page gets first: hello, state, the last events, every view.
  [[nodiscard]] std::vector<std::string> greeting() const;

  boost::asio::io_context& io_;
  cabinet_model& model_;
  const drivers::board_config& board_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::string address_;
  std::uint16_t port_ = 0;
  std::deque<cabinet_event> events_;
  std::map<std::string, std::function<nlohmann::json()>> views_;
  std::vector<std::weak_ptr<panel_client>> clients_;
  std::vector<cabinet_model::subscription> subs_;
  bool state_pending_ = false;
  bool stopped_ = false;
  base::liveness alive_;
};

}  // namespace locker::simulator::web
