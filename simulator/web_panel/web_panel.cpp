// SPDX-License-Identifier: Apache-2.0
#include "simulator/web_panel/web_panel.hpp"

#include <chrono>
#include <iostream>
#include <stdexcept>

#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "simulator/web_panel/web_assets.hpp"
#include "simulator/web_panel/web_messages.hpp"

namespace locker::simulator::web {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using boost::asio::ip::tcp;

std::string_view content_type(std::string_view name) {
  const auto dot = name.rfind('.');
  const auto ext = dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "json") return "application/json";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "ico") return "image/x-icon";
  return "application/octet-stream";
}

// One page's WebSocket: the greeting, then everything the panel broadcasts; its messages are
// actions, each answered by a reply.
class panel_client : public std::enable_shared_from_this<panel_client> {
 public:
  panel_client(web_panel& panel, tcp::socket socket)
      : panel_(panel), ws_(beast::tcp_stream(std::move(socket))) {}

  void start(const http::request<http::string_body>& req) {
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.async_accept(req, [self = shared_from_this()](beast::error_code ec) {
      if (self->closed_) return;
      if (ec) {
        self->close();
        return;
      }
      // The greeting goes before whatever was broadcast during the handshake.
      auto greeting = self->panel_.greeting();
      for (const auto& m : greeting) self->queued_bytes_ += m.size();
      self->queue_.insert(self->queue_.begin(), std::make_move_iterator(greeting.begin()),
                          std::make_move_iterator(greeting.end()));
      self->accepted_ = true;
      self->write();
      self->read();
    });
  }

  void send(std::string text) {
    if (closed_) return;
    queued_bytes_ += text.size();
    if (queued_bytes_ > max_queued_bytes) {
      std::cerr << "locker-sim: dropping a panel page that stopped reading\n";
      close();
      return;
    }
    queue_.push_back(std::move(text));
    if (accepted_ && !writing_) write();
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    queue_.clear();
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

 private:
  static constexpr std::size_t max_queued_bytes = std::size_t{4} * 1024 * 1024;
  static constexpr std::size_t max_message_bytes = std::size_t{64} * 1024;

  void read() {
    ws_.read_message_max(max_message_bytes);
    ws_.async_read(in_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (self->closed_) return;
      if (ec) {
        self->close();
        return;
      }
      const std::string text = beast::buffers_to_string(self->in_.data());
      self->in_.consume(self->in_.size());
      // The events the action caused went out as they happened; then its reply.
      self->send(handle_message(self->panel_.model_, text).dump());
      self->read();
    });
  }

  void write() {
    if (queue_.empty()) return;
    writing_ = true;
    ws_.text(true);
    ws_.async_write(boost::asio::buffer(queue_.front()),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      self->writing_ = false;
                      if (self->closed_) return;
                      if (ec) {
                        self->close();
                        return;
                      }
                      self->queued_bytes_ -= self->queue_.front().size();
                      self->queue_.pop_front();
                      if (!self->queue_.empty()) self->write();
                    });
  }

  web_panel& panel_;
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer in_;
  std::deque<std::string> queue_;
  std::size_t queued_bytes_ = 0;
  bool accepted_ = false;  // the handshake is done: messages may go out
  bool writing_ = false;
  bool closed_ = false;
};

namespace {

// One HTTP connection: the page's files by name (keep-alive), until it asks for the WebSocket.
class http_connection : public std::enable_shared_from_this<http_connection> {
 public:
  http_connection(tcp::socket socket,
                  std::function<void(tcp::socket, const http::request<http::string_body>&)> upgrade)
      : stream_(std::move(socket)), upgrade_(std::move(upgrade)) {}

  void read() {
    req_ = {};
    stream_.expires_after(std::chrono::seconds(60));
    http::async_read(stream_, buf_, req_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return;  // closed, timed out or not HTTP: the socket goes
                       self->handle();
                     });
  }

 private:
  void handle() {
    if (websocket::is_upgrade(req_)) {
      // A page from another site may not drive the cabinet: its Origin must be this server.
      const auto origin = req_[http::field::origin];
      const std::string own = "http://" + std::string(req_[http::field::host]);
      if (req_.target() != "/ws" || (!origin.empty() && origin != own)) {
        respond(http::status::forbidden, "text/plain; charset=utf-8",
                "the panel's WebSocket is /ws, from the panel's own page\n");
        return;
      }
      stream_.expires_never();
      upgrade_(stream_.release_socket(), req_);
      return;
    }
    if (req_.method() != http::verb::get && req_.method() != http::verb::head) {
      respond(http::status::method_not_allowed, "text/plain; charset=utf-8", "GET only\n");
      return;
    }
    std::string_view target(req_.target().data(), req_.target().size());
    if (const auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
    const std::string_view name = target == "/" ? "index.html" : target.substr(1);
    for (const auto& a : embedded_assets()) {
      if (a.name == name) {
        respond(http::status::ok, content_type(a.name), a.body);
        return;
      }
    }
    respond(http::status::not_found, "text/plain; charset=utf-8",
            "no such file: " + std::string(target) + "\n");
  }

  void respond(http::status status, std::string_view type, std::string_view body) {
    auto res = std::make_shared<http::response<http::string_body>>(status, req_.version());
    res->set(http::field::server, "locker-sim");
    res->set(http::field::content_type, beast::string_view(type.data(), type.size()));
    // The page is the binary's: a new build must not meet an old cached script.
    res->set(http::field::cache_control, "no-store");
    res->keep_alive(req_.keep_alive());
    if (req_.method() != http::verb::head) res->body() = std::string(body);
    res->prepare_payload();
    if (req_.method() == http::verb::head) res->content_length(body.size());
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
                        if (ec || !res->keep_alive()) {
                          beast::error_code ignored;
                          self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                          return;
                        }
                        self->read();
                      });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buf_;
  http::request<http::string_body> req_;
  std::function<void(tcp::socket, const http::request<http::string_body>&)> upgrade_;
};

}  // namespace

web_panel::web_panel(boost::asio::io_context& io, cabinet_model& model,
                     const drivers::board_config& board, const std::string& address,
                     std::uint16_t port)
    : io_(io), model_(model), board_(board), acceptor_(io), address_(address) {
  try {
    const tcp::endpoint ep(boost::asio::ip::make_address(address), port);
    acceptor_.open(ep.protocol());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error("web panel on " + address + ":" + std::to_string(port) +
                             ": cannot listen: " + e.code().message());
  }
  subs_.push_back(model_.on_event([this](const cabinet_event& e) {
    events_.push_back(e);
    if (events_.size() > kept_events) events_.pop_front();
    broadcast(event_message(e).dump());
    schedule_state();
  }));
  // A door line's bounces and chatter change the state without an event.
  subs_.push_back(model_.on_input([this](const std::string&, bool) { schedule_state(); }));
  accept();
}

web_panel::~web_panel() { stop(); }

void web_panel::stop() {
  if (stopped_) return;
  stopped_ = true;
  for (auto id : subs_) model_.unsubscribe(id);
  subs_.clear();
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  for (auto& w : clients_) {
    if (auto c = w.lock()) c->close();
  }
  clients_.clear();
}

std::string web_panel::url() const {
  const bool v6 = address_.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + address_ + "]" : address_) + ":" + std::to_string(port_) + "/";
}

void web_panel::add_view(std::string name, std::function<nlohmann::json()> snapshot) {
  const std::string n = name;
  views_[std::move(name)] = std::move(snapshot);
  view_changed(n);
}

void web_panel::view_changed(const std::string& name) {
  const auto it = views_.find(name);
  if (it == views_.end()) return;
  broadcast(view_message(it->first, it->second()).dump());
}

void web_panel::accept() {
  acceptor_.async_accept(
      [this, alive = alive_.token()](boost::system::error_code ec, tcp::socket socket) {
        if (!alive || stopped_) return;
        if (ec == boost::asio::error::operation_aborted) return;
        if (!ec) {
          auto upgrade = [this, alive](tcp::socket s, const http::request<http::string_body>& req) {
            if (!alive || stopped_) return;
            auto c = std::make_shared<panel_client>(*this, std::move(s));
            std::erase_if(clients_, [](const auto& w) { return w.expired(); });
            clients_.push_back(c);
            c->start(req);
          };
          std::make_shared<http_connection>(std::move(socket), std::move(upgrade))->read();
        }
        accept();
      });
}

void web_panel::broadcast(const std::string& text) {
  for (auto& w : clients_) {
    if (auto c = w.lock()) c->send(text);
  }
}

void web_panel::schedule_state() {
  // One state message for a burst of changes made in one turn of the loop.
  if (state_pending_ || stopped_) return;
  state_pending_ = true;
  boost::asio::post(io_, [this, alive = alive_.token()] {
    if (!alive) return;
    state_pending_ = false;
    if (!stopped_) broadcast(state_message(model_).dump());
  });
}

std::vector<std::string> web_panel::greeting() const {
  std::vector<std::string> out{hello_message(board_, model_).dump(), state_message(model_).dump(),
                               events_message(events_).dump()};
  for (const auto& [name, snapshot] : views_) out.push_back(view_message(name, snapshot()).dump());
  return out;
}

}  // namespace locker::simulator::web
