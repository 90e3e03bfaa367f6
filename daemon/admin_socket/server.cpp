// SPDX-License-Identifier: Apache-2.0
#include "daemon/admin_socket/server.hpp"

#include <deque>
#include <istream>
#include <list>
#include <stdexcept>
#include <system_error>
#include <utility>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <sys/socket.h>
#include <sys/stat.h>

#include "daemon/log/log.hpp"

namespace locker::admin_socket {

namespace {

using boost::asio::local::stream_protocol;
namespace fs = std::filesystem;

constexpr std::string_view component = "admin-socket";

std::string error_reply(std::string_view code, std::string_view message) {
  // Hand-written so that this module needs no JSON library: code and message are ours.
  std::string out = R"({"status":"error","code":")";
  out += code;
  out += R"(","message":")";
  out += message;
  out += "\"}";
  return out;
}

// Whether a process answers on the socket at p (a live lockerd).
bool answers(boost::asio::io_context& io, const fs::path& p) {
  stream_protocol::socket probe(io);
  boost::system::error_code ec;
  probe.connect(stream_protocol::endpoint(p.string()), ec);
  return !ec;
}

}  // namespace

struct server::state {
  state(boost::asio::io_context& io, request_handler h) : acceptor(io), handler(std::move(h)) {}
  stream_protocol::acceptor acceptor;
  request_handler handler;
  std::list<std::weak_ptr<connection>> connections;
  bool stopped = false;
};

class server::connection : public std::enable_shared_from_this<connection> {
 public:
  connection(stream_protocol::socket socket, peer from, std::weak_ptr<server::state> owner)
      : socket_(std::move(socket)),
        from_(from),
        owner_(std::move(owner)),
        in_(max_request_bytes + 1) {}

  void close() {
    boost::system::error_code ignored;
    socket_.shutdown(stream_protocol::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  void read_next() {
    boost::asio::async_read_until(
        socket_, in_, '\n',
        [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
          self->on_line(ec, n);
        });
  }

  // Sends a reply that ends the connection.
  void refuse(std::string reply) {
    closing_ = true;
    send(std::move(reply));
  }

 private:
  void on_line(const boost::system::error_code& ec, std::size_t n) {
    if (ec == boost::asio::error::not_found || (!ec && n > max_request_bytes + 1)) {
      log::warning(component, "request from uid ", from_.uid, " over ", max_request_bytes,
                   " bytes: refused");
      refuse(error_reply("bad_request", "request line too long"));
      return;
    }
    if (ec) return;  // closed by the peer, or by us
    std::string line(n - 1, '\0');
    std::istream is(&in_);
    is.read(line.data(), static_cast<std::streamsize>(n - 1));
    is.ignore(1);  // the newline
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto owner = owner_.lock();
    if (!owner || owner->stopped) return close();  // the server is gone: nobody to ask
    // The reply keeps the connection alive until it is sent (or dropped unsent).
    owner->handler(from_, line, [self = shared_from_this()](std::string reply) {
      self->send(std::move(reply));
    });
  }

  void send(std::string reply) {
    reply += '\n';
    out_.push_back(std::move(reply));
    if (out_.size() == 1) write_front();
  }

  void write_front() {
    boost::asio::async_write(
        socket_, boost::asio::buffer(out_.front()),
        [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
          self->out_.pop_front();
          if (ec) return self->close();
          if (!self->out_.empty()) return self->write_front();
          if (self->closing_) return self->close();
          self->read_next();  // one request at a time: the next after this reply
        });
  }

  stream_protocol::socket socket_;
  peer from_;
  std::weak_ptr<server::state> owner_;
  boost::asio::streambuf in_;
  std::deque<std::string> out_;
  bool closing_ = false;
};

server::server(boost::asio::io_context& io, std::filesystem::path path,
               std::set<uid_t> allowed_uids, request_handler handler)
    : io_(io),
      path_(std::move(path)),
      allowed_(std::move(allowed_uids)),
      state_(std::make_shared<state>(io, std::move(handler))) {}

server::~server() {
  state_->stopped = true;
  boost::system::error_code ignored;
  if (state_->acceptor.is_open()) {
    state_->acceptor.close(ignored);
    std::error_code fs_ignored;
    fs::remove(path_, fs_ignored);
  }
  for (auto& weak : state_->connections) {
    if (auto c = weak.lock()) c->close();
  }
}

void server::start() {
  struct stat st {};
  if (::lstat(path_.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode))
      throw std::runtime_error(path_.string() + " exists and is not a socket");
    if (answers(io_, path_))
      throw std::runtime_error("another lockerd answers on " + path_.string() +
                               " (two daemons on one state folder)");
    fs::remove(path_);  // left by a lockerd that is gone
  }
  const stream_protocol::endpoint endpoint(path_.string());
  state_->acceptor.open(endpoint.protocol());
  state_->acceptor.bind(endpoint);
  if (::chmod(path_.c_str(), 0600) != 0)
    throw std::system_error(errno, std::generic_category(), "chmod " + path_.string());
  state_->acceptor.listen();
  accept_next();
}

void server::accept_next() {
  state_->acceptor.async_accept(
      [this, st = std::weak_ptr<state>(state_)](const boost::system::error_code& ec,
                                                stream_protocol::socket socket) {
        const auto alive = st.lock();
        if (!alive || alive->stopped || ec == boost::asio::error::operation_aborted) return;
        if (ec) {
          log::warning(component, "accept: ", ec.message());
          return accept_next();
        }
        ucred cred{};
        socklen_t len = sizeof cred;
        peer from;
        if (::getsockopt(socket.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
          from.uid = cred.uid;
          from.pid = cred.pid;
        } else {
          from.uid = static_cast<uid_t>(-1);
        }
        alive->connections.remove_if([](const auto& w) { return w.expired(); });
        auto c = std::make_shared<connection>(std::move(socket), from, alive);
        if (!allowed_.contains(from.uid)) {
          log::warning(component, "uid ", from.uid, " (pid ", from.pid,
                       ") may not ask lockerd: refused");
          c->refuse(error_reply("forbidden", "this user may not administer the locker"));
        } else if (alive->connections.size() >= max_connections) {
          c->refuse(error_reply("busy", "too many admin connections"));
        } else {
          alive->connections.push_back(c);
          c->read_next();
        }
        accept_next();
      });
}

}  // namespace locker::admin_socket
