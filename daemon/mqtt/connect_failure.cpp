// SPDX-License-Identifier: Apache-2.0
#include "daemon/mqtt/connect_failure.hpp"

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <utility>
#include <variant>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/c_handle.hpp"
#include "base/unique_fd.hpp"
#include "protocol/broker_url.hpp"

namespace locker::mqtt {
namespace {

using clock = std::chrono::steady_clock;

struct reason_name {
  int code;
  std::string_view name;
};

// MQTT 5.0, 3.2.2.2 (CONNACK reason codes).
constexpr std::array<reason_name, 21> connack_reasons{{
    {0x80, "unspecified error"},
    {0x81, "malformed packet"},
    {0x82, "protocol error"},
    {0x83, "implementation specific error"},
    {0x84, "unsupported protocol version"},
    {0x85, "client identifier not valid"},
    {0x86, "bad user name or password"},
    {0x87, "not authorized"},
    {0x88, "server unavailable"},
    {0x89, "server busy"},
    {0x8a, "banned"},
    {0x8c, "bad authentication method"},
    {0x90, "topic name invalid"},
    {0x95, "packet too large"},
    {0x97, "quota exceeded"},
    {0x99, "payload format invalid"},
    {0x9a, "retain not supported"},
    {0x9b, "QoS not supported"},
    {0x9c, "use another server"},
    {0x9d, "server moved"},
    {0x9f, "connection rate exceeded"},
}};

std::string hex_code(int code) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", code & 0xff);
  return buf;
}

// The reason of one OpenSSL error line ("<thread>:error:<code>:<library>:<function>:<reason>:
// <file>:<line>:"), or the line as it is.
std::string openssl_reason(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  std::size_t pos = 0;
  for (int field = 0; field < 5; ++field) {
    pos = line.find(':', pos);
    if (pos == std::string_view::npos) return std::string(line);
    ++pos;
  }
  const auto end = line.find(':', pos);
  return std::string(line.substr(pos, end == std::string_view::npos ? end : end - pos));
}

// The oldest error on OpenSSL's queue as its reason text, and the queue cleared.
std::string take_openssl_error() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return {};
  const char* reason = ERR_reason_error_string(e);
  if (reason != nullptr) return reason;
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

std::string endpoint(const connect_target& t) { return t.host + ":" + std::to_string(t.port); }

std::string seconds_text(std::chrono::milliseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

std::chrono::milliseconds left_until(clock::time_point deadline) {
  return std::max(std::chrono::milliseconds(0),
                  std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()));
}

// Waits for events on fd until deadline; false on timeout.
bool wait_fd(int fd, short events, clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left_until(deadline).count()));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return false;
  }
}

using ssl_ctx_handle = base::c_handle<SSL_CTX, SSL_CTX_free>;
using ssl_handle = base::c_handle<SSL, SSL_free>;
using bio_handle = base::c_handle<BIO, BIO_free>;
using addrinfo_handle = base::c_handle<addrinfo, freeaddrinfo>;

// A TCP connection to one of the target's addresses, or why there is none.
std::variant<base::unique_fd, connect_failure> tcp_connect(const connect_target& t,
                                                           clock::time_point deadline,
                                                           std::chrono::milliseconds timeout) {
  std::string host = t.host;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int gai = ::getaddrinfo(host.c_str(), std::to_string(t.port).c_str(), &hints, &found);
  if (gai != 0) {
    std::string why = gai == EAI_SYSTEM ? std::strerror(errno) : ::gai_strerror(gai);
    return connect_failure{failure_kind::unknown_host,
                           "cannot resolve the host name '" + host + "': " + why +
                               " (check the broker address and the DNS settings)"};
  }
  const addrinfo_handle list(found);
  std::optional<connect_failure> first;
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    base::unique_fd sock(
        ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol));
    const int fd = sock.get();
    if (fd < 0) continue;
    int err = 0;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      err = errno;
      if (err == EINPROGRESS) {
        if (!wait_fd(fd, POLLOUT, deadline)) {
          if (!first) {
            first = connect_failure{failure_kind::timeout,
                                    "no answer from " + endpoint(t) + " within " +
                                        seconds_text(timeout) +
                                        " (the host is down, or a firewall drops the packets)"};
          }
          continue;
        }
        socklen_t len = sizeof err;
        if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
      }
    }
    if (err == 0) return sock;
    if (first) continue;
    if (err == ECONNREFUSED) {
      first = connect_failure{failure_kind::refused,
                              "connection refused by " + endpoint(t) +
                                  " (no broker listens on that port, or a firewall rejects it)"};
    } else if (err == ETIMEDOUT) {
      first = connect_failure{failure_kind::timeout,
                              "no answer from " + endpoint(t) + ": " + std::strerror(err)};
    } else {
      first = connect_failure{failure_kind::unreachable,
                              endpoint(t) + " is unreachable: " + std::strerror(err)};
    }
  }
  if (first) return *first;
  return connect_failure{failure_kind::unreachable, "no usable address for " + endpoint(t)};
}

std::string certificate_summary(const X509* cert) {
  if (cert == nullptr) return {};
  const bio_handle bio(BIO_new(BIO_s_mem()));
  if (!bio) return {};
  BIO_puts(bio.get(), "subject ");
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0,
                     XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
  BIO_puts(bio.get(), ", valid from ");
  ASN1_TIME_print(bio.get(), X509_get0_notBefore(cert));
  BIO_puts(bio.get(), " until ");
  ASN1_TIME_print(bio.get(), X509_get0_notAfter(cert));
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

std::optional<connect_failure> tls_check(const connect_target& t, int fd,
                                         clock::time_point deadline,
                                         std::chrono::milliseconds timeout) {
  ERR_clear_error();
  const ssl_ctx_handle ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return connect_failure{failure_kind::other, "OpenSSL: " + take_openssl_error()};
  if (!t.ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx.get(), t.ca_file.c_str(), nullptr) != 1) {
      return connect_failure{failure_kind::tls_local_files,
                             "cannot use the CA file " + t.ca_file + ": " + take_openssl_error()};
    }
  } else {
    SSL_CTX_set_default_verify_paths(ctx.get());
  }
  if (!t.cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx.get(), t.cert_file.c_str()) != 1) {
      return connect_failure{
          failure_kind::tls_local_files,
          "cannot use the client certificate " + t.cert_file + ": " + take_openssl_error()};
    }
    const std::string& key = t.key_file.empty() ? t.cert_file : t.key_file;
    if (SSL_CTX_use_PrivateKey_file(ctx.get(), key.c_str(), SSL_FILETYPE_PEM) != 1) {
      return connect_failure{failure_kind::tls_local_files,
                             "cannot use the private key " + key + ": " + take_openssl_error()};
    }
    if (SSL_CTX_check_private_key(ctx.get()) != 1) {
      return connect_failure{failure_kind::tls_local_files,
                             "the private key " + key + " does not belong to " + t.cert_file};
    }
  }
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  const ssl_handle ssl(SSL_new(ctx.get()));
  if (!ssl) return connect_failure{failure_kind::other, "OpenSSL: " + take_openssl_error()};
  std::string host = t.host;
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  in6_addr probe_addr{};
  const bool is_ip = ::inet_pton(AF_INET, host.c_str(), &probe_addr) == 1 ||
                     ::inet_pton(AF_INET6, host.c_str(), &probe_addr) == 1;
  // The certificate must be made out to the host, as both links check (Paho's verify).
  if (is_ip) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl.get()), host.c_str());
  } else {
    SSL_set1_host(ssl.get(), host.c_str());
    SSL_set_tlsext_host_name(ssl.get(), host.c_str());  // SNI is for names only
  }
  SSL_set_fd(ssl.get(), fd);

  const auto step = [&](auto&& op) -> std::optional<int> {
    // Runs a non-blocking OpenSSL call until it finishes: its result, or nullopt on timeout.
    for (;;) {
      const int r = op();
      if (r > 0) return r;
      const int e = SSL_get_error(ssl.get(), r);
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        if (!wait_fd(fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline)) {
          return std::nullopt;
        }
        continue;
      }
      return -e;
    }
  };

  const auto done = step([&] { return SSL_connect(ssl.get()); });
  if (!done) {
    return connect_failure{failure_kind::timeout, "no TLS answer from " + endpoint(t) + " within " +
                                                      seconds_text(timeout)};
  }
  if (*done < 0) {
    const long verify = SSL_get_verify_result(ssl.get());
    if (verify != X509_V_OK) {
      std::string text = "the broker's certificate is not accepted: ";
      text += X509_verify_cert_error_string(verify);
      if (verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH) {
        text += " (it is not made out to " + host + ")";
      } else if (verify == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
                 verify == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
                 verify == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT ||
                 verify == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE) {
        text += " (the CA that signed it is not in " +
                (t.ca_file.empty() ? std::string("the system's CAs") : t.ca_file) + ")";
      } else {
        text += " (checked against " +
                (t.ca_file.empty() ? std::string("the system's CAs") : t.ca_file) + ")";
      }
      const X509* peer = SSL_get0_peer_certificate(ssl.get());
      if (const auto summary = certificate_summary(peer); !summary.empty()) {
        text += "; its " + summary;
      }
      ERR_clear_error();
      return connect_failure{failure_kind::tls_server_certificate, text};
    }
    std::string why = take_openssl_error();
    if (why.empty() || -*done == SSL_ERROR_SYSCALL || -*done == SSL_ERROR_ZERO_RETURN) {
      return connect_failure{failure_kind::tls_handshake,
                             "the broker closed the connection during the TLS handshake" +
                                 (why.empty() ? std::string() : ": " + why)};
    }
    if (why == "wrong version number" || why == "packet length too long" ||
        why == "record layer failure") {
      why += " (is " + std::to_string(t.port) + " a TLS port?)";
    }
    if (why.find("alert") != std::string::npos) {
      return connect_failure{failure_kind::tls_handshake,
                             "the broker refused the TLS handshake: " + why};
    }
    return connect_failure{failure_kind::tls_handshake, "TLS handshake failed: " + why};
  }
  // With TLS 1.3 the broker checks our certificate after the client's side of the handshake is
  // done; a refusal arrives as an alert on the first read. A broker waits for CONNECT, so a short
  // wait that ends in a timeout means the handshake was accepted.
  const auto short_deadline = std::min(deadline, clock::now() + std::chrono::milliseconds(300));
  char byte = 0;
  for (;;) {
    const int r = SSL_read(ssl.get(), &byte, 1);
    if (r > 0) break;
    const int e = SSL_get_error(ssl.get(), r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      if (!wait_fd(fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, short_deadline)) break;
      continue;
    }
    const std::string why = take_openssl_error();
    if (!why.empty()) {
      return connect_failure{failure_kind::tls_handshake,
                             "the broker refused our client certificate: " + why};
    }
    return connect_failure{failure_kind::tls_handshake,
                           "the broker closed the connection right after the TLS handshake"};
  }
  ERR_clear_error();
  return std::nullopt;
}

}  // namespace

std::optional<connect_target> target_of(std::string_view url) {
  const auto parsed = protocol::parse_broker_url(url);
  if (!parsed) return std::nullopt;
  connect_target t;
  t.host = parsed->host;
  t.port = parsed->port_given
               ? parsed->port
               : (parsed->tls ? protocol::default_mqtts_port : protocol::default_mqtt_port);
  t.tls = parsed->tls;
  return t;
}

std::string connack_reason_text(int reason_code) {
  for (const auto& r : connack_reasons)
    if (r.code == reason_code) return std::string(r.name);
  return "reason " + hex_code(reason_code);
}

connect_failure from_paho(int return_code, int reason_code, std::string_view paho_message,
                          std::string_view openssl_text) {
  int code = 0;
  if (return_code >= 0x80 && return_code <= 0xff) code = return_code;
  if (reason_code >= 0x80 && reason_code <= 0xff) code = reason_code;
  // MQTT 3.1.1's CONNACK return codes, should a broker answer in that version.
  if (code == 0 && return_code == 4) code = 0x86;
  if (code == 0 && return_code == 5) code = 0x87;
  if (code == 0x86) {
    return {failure_kind::bad_credentials,
            "the broker refused the user name or password (MQTT reason 0x86: bad user name or "
            "password)"};
  }
  if (code == 0x87) {
    return {failure_kind::not_authorized,
            "the broker refused the login (MQTT reason 0x87: not authorized): a wrong user name "
            "or password, or a user the broker does not let connect"};
  }
  if (code != 0) {
    return {failure_kind::broker_refused, "the broker refused the connection (MQTT reason " +
                                              hex_code(code) + ": " + connack_reason_text(code) +
                                              ")"};
  }
  if (!openssl_text.empty()) {
    const auto reason = openssl_reason(openssl_text);
    if (reason == "certificate verify failed") {
      return {failure_kind::tls_server_certificate,
              "the broker's certificate is not accepted (OpenSSL: certificate verify failed)"};
    }
    return {failure_kind::tls_handshake, "TLS handshake failed (OpenSSL: " + reason + ")"};
  }
  std::string text = "Paho: ";
  text += paho_message.empty() ? std::string_view("connect failed") : paho_message;
  text += " (rc " + std::to_string(return_code) + ")";
  return {failure_kind::other, text};
}

std::optional<connect_failure> probe(const connect_target& target,
                                     std::chrono::milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  auto tcp = tcp_connect(target, deadline, timeout);
  if (auto* failed = std::get_if<connect_failure>(&tcp)) return *failed;
  const auto& sock = std::get<base::unique_fd>(tcp);
  if (!target.tls) return std::nullopt;
  return tls_check(target, sock.get(), deadline, timeout);
}

connect_failure describe(const connect_target& target, int return_code, int reason_code,
                         std::string_view paho_message, std::string_view openssl_text,
                         std::chrono::milliseconds probe_timeout) {
  auto from_codes = from_paho(return_code, reason_code, paho_message, openssl_text);
  switch (from_codes.kind) {
    case failure_kind::bad_credentials:
    case failure_kind::not_authorized:
    case failure_kind::broker_refused:
      return from_codes;  // the broker's own answer
    default:
      break;
  }
  if (auto found = probe(target, probe_timeout)) return *found;
  return from_codes;
}

}  // namespace locker::mqtt
