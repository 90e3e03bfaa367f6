// SPDX-License-Identifier: Apache-2.0
#include "simulator/sim_server.hpp"

#include <array>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <iostream>
#include <stdexcept>

#include <boost/asio/write.hpp>
#include <sys/stat.h>

#include "drivers/sim/sim_protocol.hpp"
#include "simulator/control.hpp"

namespace locker::simulator {

namespace sim = drivers::sim;
using boost::asio::local::stream_protocol;

// One client connection: control commands until it attaches as the board.
class sim_session : public std::enable_shared_from_this<sim_session> {
 public:
  sim_session(sim_server& server, stream_protocol::socket socket)
      : server_(server), model_(server.model_), socket_(std::move(socket)) {}

  sim_session(const sim_session&) = delete;
  sim_session& operator=(const sim_session&) = delete;
  ~sim_session() { close(); }

  void start() { read(); }

  // Idempotent. Stops every subscription at once, so nothing is queued after this.
  void close() {
    if (closed_) return;
    closed_ = true;
    for (auto id : subs_) model_.unsubscribe(id);
    subs_.clear();
    if (board_) server_.release_board(this);
    board_ = false;
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

 private:
  // A reader that falls this far behind is gone in all but name.
  static constexpr std::size_t max_queued_bytes = std::size_t{4} * 1024 * 1024;

  void read() {
    socket_.async_read_some(
        boost::asio::buffer(buf_),
        [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
          if (self->closed_) return;
          if (ec) {
            self->close();
            return;
          }
          self->splitter_.feed(std::string_view(self->buf_.data(), n));
          while (auto line = self->splitter_.next()) {
            self->handle(*line);
            if (self->closed_ || self->close_after_write_) return;
          }
          if (self->splitter_.broken()) {
            self->send("error line too long");
            self->close_after_write_ = true;
            return;
          }
          self->read();
        });
  }

  void handle(const std::string& line) {
    if (board_) {
      handle_board(line);
      return;
    }
    control_reply r = run_control(model_, line);
    switch (r.action) {
      case control_action::attach_board:
        attach();
        return;
      case control_action::watch:
        if (!watching_) {
          watching_ = true;
          subs_.push_back(model_.on_event([this](const cabinet_event& e) {
            send("event " + e.kind + (e.details.empty() ? "" : " " + e.details));
          }));
        }
        break;
      case control_action::quit:
        close_after_write_ = true;
        break;
      case control_action::none:
        break;
    }
    for (const auto& l : r.lines) send(l);
  }

  void attach() {
    if (!server_.claim_board(this)) {
      send("error board already attached");
      return;
    }
    board_ = true;
    send("ok");
    for (const auto& [line, level] : model_.inputs()) {
      send(sim::format(sim::to_board{sim::input_msg{{line, level}}}));
    }
    for (const auto& [line, level] : model_.outputs()) {
      send(sim::format(sim::to_board{sim::output_msg{{line, level}}}));
    }
    send("ready");
    subs_.push_back(model_.on_input([this](const std::string& line, bool level) {
      send(sim::format(sim::to_board{sim::input_msg{{line, level}}}));
    }));
    subs_.push_back(
        model_.on_key([this](char k) { send(sim::format(sim::to_board{sim::key_msg{k}})); }));
    subs_.push_back(model_.on_scan(
        [this](const std::string& t) { send(sim::format(sim::to_board{sim::scan_msg{t}})); }));
    model_.announce("board", "attached");
  }

  void handle_board(const std::string& line) {
    auto p = sim::parse_from_board(line);
    if (!p.message) {
      send("error " + p.error);
      return;
    }
    std::visit(
        [this](const auto& m) {
          using T = std::decay_t<decltype(m)>;
          if constexpr (std::is_same_v<T, sim::attach_msg>) {
            send("error already attached");
          } else if constexpr (std::is_same_v<T, sim::set_output_msg>) {
            if (!model_.set_output(m.line, m.active)) send("error unknown output line " + m.line);
          } else if constexpr (std::is_same_v<T, sim::display_msg>) {
            model_.show(m.text);
          } else if constexpr (std::is_same_v<T, sim::beep_msg>) {
            model_.beep(m.what);
          } else if constexpr (std::is_same_v<T, sim::alarm_msg>) {
            model_.set_alarm(m.on);
          }
        },
        *p.message);
  }

  void send(const std::string& line) {
    if (closed_) return;
    queued_bytes_ += line.size() + 1;
    if (queued_bytes_ > max_queued_bytes) {
      std::cerr << "locker-sim: dropping a client that stopped reading\n";
      close();
      return;
    }
    queue_ += line;
    queue_ += '\n';
    if (!writing_) write();
  }

  void write() {
    writing_ = true;
    out_ = std::move(queue_);
    queue_.clear();
    boost::asio::async_write(
        socket_, boost::asio::buffer(out_),
        [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
          self->writing_ = false;
          if (self->closed_) return;
          self->queued_bytes_ -= n;
          if (!ec && !self->queue_.empty()) {
            self->write();
          } else if (ec || self->close_after_write_) {
            self->close();
          }
        });
  }

  sim_server& server_;
  cabinet_model& model_;
  stream_protocol::socket socket_;
  std::array<char, 4096> buf_{};
  sim::line_splitter splitter_;
  std::string queue_;  // lines waiting for the write in flight
  std::string out_;    // the write in flight
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool closed_ = false;
  bool close_after_write_ = false;
  bool board_ = false;
  bool watching_ = false;
  std::vector<cabinet_model::subscription> subs_;
};

sim_server::sim_server(boost::asio::io_context& io, cabinet_model& model, std::string path)
    : io_(io), model_(model), path_(std::move(path)), acceptor_(io) {
  namespace fs = std::filesystem;
  std::error_code ec;
  // A file left by a simulator that died: ours to replace, but nothing else is.
  if (fs::is_socket(path_, ec)) {
    fs::remove(path_, ec);
  } else if (fs::exists(path_, ec)) {
    throw std::runtime_error(path_ + ": exists and is not a socket");
  }
  // Bound and listening under a temporary name, then renamed: once the path exists, a
  // client can connect (no "connection refused" between bind and listen).
  const std::string staging = path_ + ".new";
  fs::remove(staging, ec);
  try {
    acceptor_.open(stream_protocol());
    acceptor_.bind(stream_protocol::endpoint(staging));
    acceptor_.listen();
  } catch (const boost::system::system_error& e) {
    fs::remove(staging, ec);
    throw std::runtime_error(path_ + ": cannot listen: " + e.code().message());
  }
  if (::chmod(staging.c_str(), 0660) != 0 || ::rename(staging.c_str(), path_.c_str()) != 0) {
    fs::remove(staging, ec);
    throw std::runtime_error(path_ + ": cannot set mode 0660 and move into place");
  }
  accept();
}

sim_server::~sim_server() { stop(); }

void sim_server::stop() {
  if (stopped_) return;
  stopped_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  for (auto& w : sessions_) {
    if (auto s = w.lock()) s->close();
  }
  sessions_.clear();
  std::error_code ec;
  std::filesystem::remove(path_, ec);
}

void sim_server::accept() {
  acceptor_.async_accept(
      [this, alive = alive_.token()](boost::system::error_code ec, stream_protocol::socket socket) {
        if (!alive || stopped_) return;
        if (!ec) {
          auto s = std::make_shared<sim_session>(*this, std::move(socket));
          std::erase_if(sessions_, [](const auto& w) { return w.expired(); });
          sessions_.push_back(s);
          s->start();
        } else if (ec == boost::asio::error::operation_aborted) {
          return;
        }
        accept();
      });
}

bool sim_server::claim_board(sim_session* s) {
  if (board_ != nullptr) return false;
  board_ = s;
  return true;
}

void sim_server::release_board(sim_session* s) {
  if (board_ != s) return;
  board_ = nullptr;
  // What a real board does when the controller dies: its outputs fall back to off.
  model_.release_all_outputs();
  model_.announce("board", "detached");
}

}  // namespace locker::simulator
