// SPDX-License-Identifier: Apache-2.0
#include "daemon/update/fetch.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <sys/stat.h>

#include "daemon/update/worker.hpp"

namespace locker::update {

namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace http = boost::beast::http;
namespace fs = std::filesystem;
using asio::ip::tcp;
using protocol::fail;

constexpr std::string_view user_agent = "lockerd-update";

bool is_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-';
}

std::string mb(std::uint64_t bytes) {
  return std::to_string(bytes / (std::uint64_t{1024} * 1024)) + " MiB";
}

// ---- a file on the locker ---------------------------------------------------------------

class local_fetch final : public fetch {
 public:
  local_fetch(asio::io_context& io, fs::path from, fs::path to, std::uint64_t max_bytes,
              done_fn done)
      : worker_(io) {
    worker_.run([from = std::move(from), to = std::move(to), max_bytes,
                 done = std::move(done)](const std::atomic<bool>& stop) -> worker::then_fn {
      auto result = copy(from, to, max_bytes, stop);
      if (!result) {
        std::error_code ec;
        fs::remove(to, ec);
      }
      return [done, result = std::move(result)] { done(result); };
    });
  }

 private:
  static outcome<std::uint64_t> copy(const fs::path& from, const fs::path& to,
                                     std::uint64_t max_bytes, const std::atomic<bool>& stop) {
    std::error_code ec;
    const auto status = fs::status(from, ec);
    if (ec || !fs::exists(status)) return fail("no such file: " + from.string());
    if (!fs::is_regular_file(status)) return fail("not a regular file: " + from.string());
    const auto size = fs::file_size(from, ec);
    if (ec) return fail("cannot read " + from.string() + ": " + ec.message());
    if (size > max_bytes)
      return fail("the bundle is " + mb(size) + ", above max_bundle_mb (" + mb(max_bytes) + ")");
    std::ifstream in(from, std::ios::binary);
    if (!in) return fail("cannot open " + from.string() + ": " + std::strerror(errno));
    std::ofstream out(to, std::ios::binary | std::ios::trunc);
    if (!out) return fail("cannot write " + to.string() + ": " + std::strerror(errno));
    std::vector<char> buf(1 << 20);
    std::uint64_t copied = 0;
    while (in) {
      if (stop) return fail(std::string("stopped"));
      in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
      const auto n = static_cast<std::uint64_t>(in.gcount());
      copied += n;
      // The file may grow while it is copied: the limit holds for what is written.
      if (copied > max_bytes)
        return fail("the bundle is above max_bundle_mb (" + mb(max_bytes) + ")");
      out.write(buf.data(), static_cast<std::streamsize>(n));
    }
    if (in.bad()) return fail("cannot read " + from.string() + ": I/O error");
    out.flush();
    if (!out) return fail("cannot write " + to.string() + ": " + std::strerror(errno));
    return copied;
  }

  worker worker_;
};

// ---- https --------------------------------------------------------------------------------

// Owned by its pending operations (shared_from_this): an SSL stream must outlive every
// operation started on it, so dropping the fetch only closes the socket and the session goes
// once the aborted operations have returned.
class https_session : public std::enable_shared_from_this<https_session> {
 public:
  https_session(asio::io_context& io, drivers::clock& clock, bundle_source source, fs::path to,
                fetch_settings settings, fetch::done_fn done)
      : io_(io),
        source_(std::move(source)),
        to_(std::move(to)),
        settings_(std::move(settings)),
        done_(std::move(done)),
        tls_(ssl::context::tls_client),
        resolver_(io),
        deadline_(clock) {}

  void begin() {
    boost::system::error_code ec;
    if (settings_.ca_file.empty()) {
      tls_.set_default_verify_paths(ec);
    } else {
      tls_.load_verify_file(settings_.ca_file.string(), ec);
    }
    if (ec)
      return finish_later("cannot load the download CA " + settings_.ca_file.string() + ": " +
                          ec.message());
    tls_.set_verify_mode(ssl::verify_peer);
    SSL_CTX_set_min_proto_version(tls_.native_handle(), TLS1_2_VERSION);
    stream_.emplace(io_, tls_);
    SSL* s = stream_->native_handle();
    boost::system::error_code addr_ec;
    const auto literal = asio::ip::make_address(source_.host, addr_ec);
    // The certificate must name this host: a DNS name, or an IP address in its SAN.
    X509_VERIFY_PARAM* param = SSL_get0_param(s);
    if (!addr_ec) {
      X509_VERIFY_PARAM_set1_ip_asc(param, literal.to_string().c_str());
    } else {
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      SSL_set1_host(s, source_.host.c_str());
      SSL_set_tlsext_host_name(s, source_.host.c_str());
    }
    parser_.body_limit(settings_.max_bytes);
    parser_.get().body().open(to_.c_str(), boost::beast::file_mode::write, ec);
    if (ec) return finish_later("cannot write " + to_.string() + ": " + ec.message());

    deadline_.start(settings_.deadline, [this] {
      timed_out_ = true;
      close();
    });
    resolver_.async_resolve(source_.host, source_.port,
                            [self = shared_from_this()](const boost::system::error_code& e,
                                                        const tcp::resolver::results_type& r) {
                              if (self->abandoned_) return;
                              if (e) return self->failed("cannot resolve " + self->source_.host, e);
                              self->connect(r);
                            });
  }

  // The owner is gone: nothing more is reported.
  void abandon() {
    abandoned_ = true;
    done_ = nullptr;
    deadline_.cancel();
    close();
  }

 private:
  void connect(const tcp::resolver::results_type& endpoints) {
    asio::async_connect(
        stream_->next_layer(), endpoints,
        [self = shared_from_this()](const boost::system::error_code& e, const tcp::endpoint&) {
          if (self->abandoned_) return;
          if (e) return self->failed("cannot connect to " + self->source_.host, e);
          self->stream_->async_handshake(
              ssl::stream_base::client, [self](const boost::system::error_code& h) {
                if (self->abandoned_) return;
                if (h) return self->failed("TLS handshake with " + self->source_.host, h);
                self->request();
              });
        });
  }

  void request() {
    request_.method(http::verb::get);
    request_.target(source_.target);
    request_.version(11);
    request_.set(http::field::host, source_.host);
    request_.set(http::field::user_agent, std::string(user_agent));
    request_.set(http::field::connection, "close");
    http::async_write(*stream_, request_,
                      [self = shared_from_this()](const boost::system::error_code& e, std::size_t) {
                        if (self->abandoned_) return;
                        if (e) return self->failed("sending the request", e);
                        http::async_read(*self->stream_, self->buffer_, self->parser_,
                                         [self](const boost::system::error_code& r, std::size_t) {
                                           if (self->abandoned_) return;
                                           self->received(r);
                                         });
                      });
  }

  void received(const boost::system::error_code& e) {
    if (e == http::error::body_limit)
      return finish("the bundle is above max_bundle_mb (" + mb(settings_.max_bytes) + ")");
    // A server that closes without close_notify after the whole body is common and harmless:
    // the parser has checked the length.
    if (e && !(e == ssl::error::stream_truncated && parser_.is_done()))
      return failed("downloading", e);
    const auto status = parser_.get().result_int();
    if (status != 200) {
      std::string why = "the server answered HTTP " + std::to_string(status);
      if (status >= 300 && status < 400) why += " (redirects are not followed)";
      return finish(why);
    }
    parser_.get().body().close();
    std::error_code ec;
    const auto size = fs::file_size(to_, ec);
    if (ec) return finish("cannot read back " + to_.string() + ": " + ec.message());
    finish(outcome<std::uint64_t>(size));
  }

  void failed(const std::string& what, const boost::system::error_code& e) {
    if (timed_out_)
      return finish("the download did not finish within download_timeout_s (" +
                    std::to_string(settings_.deadline.count() / 1000) + " s)");
    std::string why = what + ": " + e.message();
    if (stream_) {
      const long v = SSL_get_verify_result(stream_->native_handle());
      if (v != X509_V_OK) why += " (" + std::string(X509_verify_cert_error_string(v)) + ")";
    }
    finish(why);
  }

  void finish(outcome<std::uint64_t> result) {
    deadline_.cancel();
    close();
    if (!result) {
      parser_.get().body().close();
      std::error_code ec;
      fs::remove(to_, ec);
    }
    if (auto done = std::move(done_)) done(std::move(result));
  }
  void finish(const std::string& why) { finish(outcome<std::uint64_t>(fail(why))); }

  void finish_later(std::string why) {
    asio::post(io_, [self = shared_from_this(), why = std::move(why)] {
      if (!self->abandoned_) self->finish(why);
    });
  }

  void close() {
    resolver_.cancel();
    if (stream_) {
      boost::system::error_code ignored;
      stream_->lowest_layer().close(ignored);
    }
  }

  asio::io_context& io_;
  bundle_source source_;
  fs::path to_;
  fetch_settings settings_;
  fetch::done_fn done_;
  ssl::context tls_;
  tcp::resolver resolver_;
  std::optional<ssl::stream<tcp::socket>> stream_;
  boost::beast::flat_buffer buffer_;
  http::request<http::empty_body> request_;
  http::response_parser<http::file_body> parser_;
  drivers::timer deadline_;
  bool timed_out_ = false;
  bool abandoned_ = false;
};

class https_fetch final : public fetch {
 public:
  explicit https_fetch(std::shared_ptr<https_session> s) : session_(std::move(s)) {
    session_->begin();
  }
  ~https_fetch() override { session_->abandon(); }

 private:
  std::shared_ptr<https_session> session_;
};

}  // namespace

outcome<bundle_source> parse_bundle_url(std::string_view url) {
  bundle_source s;
  if (url.starts_with("/")) {
    s.path = std::string(url);
    return s;
  }
  if (url.starts_with("file://")) {
    auto rest = url.substr(7);
    if (rest.starts_with("localhost/")) rest.remove_prefix(9);
    if (!rest.starts_with("/"))
      return fail(std::string("url: a file URL must name an absolute path (file:///path)"));
    s.path = std::string(rest);
    return s;
  }
  if (url.starts_with("http://"))
    return fail(std::string("url: plain http is not accepted; use https"));
  if (!url.starts_with("https://"))
    return fail(std::string("url: must be https://host/path, file:///path or /path"));
  s.type = bundle_source::kind::https;
  auto rest = url.substr(8);
  if (const auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  const auto slash = rest.find_first_of("/?");
  auto authority = rest.substr(0, slash);
  s.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (s.target.starts_with('?')) s.target.insert(0, "/");
  if (authority.find('@') != std::string_view::npos)
    return fail(std::string("url: user information (user@host) is not accepted"));
  std::optional<std::string_view> port;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return fail(std::string("url: unclosed [ in the host"));
    s.host = std::string(authority.substr(1, close - 1));
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(':')) return fail(std::string("url: junk after the host"));
      port = after.substr(1);
    }
    boost::system::error_code ec;
    (void)asio::ip::make_address_v6(s.host, ec);
    if (ec) return fail(std::string("url: invalid IPv6 address"));
  } else {
    const auto colon = authority.find(':');
    s.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    if (s.host.empty() || !std::all_of(s.host.begin(), s.host.end(), is_host_char))
      return fail(std::string("url: invalid host"));
  }
  if (port) {
    if (port->empty() || port->size() > 5 ||
        !std::all_of(port->begin(), port->end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        std::stoi(std::string(*port)) < 1 || std::stoi(std::string(*port)) > 65535)
      return fail(std::string("url: invalid port"));
    s.port = std::string(*port);
  }
  return s;
}

std::unique_ptr<fetch> fetch::start(asio::io_context& io, drivers::clock& clock,
                                    bundle_source source, fs::path destination,
                                    fetch_settings settings, done_fn done) {
  if (source.type == bundle_source::kind::local)
    return std::make_unique<local_fetch>(io, source.path, std::move(destination),
                                         settings.max_bytes, std::move(done));
  return std::make_unique<https_fetch>(std::make_shared<https_session>(
      io, clock, std::move(source), std::move(destination), std::move(settings), std::move(done)));
}

}  // namespace locker::update
