// SPDX-License-Identifier: Apache-2.0
// Why a connection to the broker failed, in words a technician can act on and search for.
//
// Paho says little: a refused TLS handshake, a closed port, an unknown host and a timeout all
// come back as return code -1 ("TCP/TLS connect failure", or nothing), and OpenSSL's text through
// Paho's SSL error callback says only "certificate verify failed". What the broker itself
// answered (an MQTT 5 CONNACK reason code) is exact and used as it is. For the rest, probe()
// repeats the connection's first steps itself with the same files: name lookup (getaddrinfo's
// error), TCP connect (refused, unreachable, no answer in time), then the TLS handshake with
// OpenSSL, whose verify result names the certificate problem (expired, unknown CA, name
// mismatch) and whose alert says when the broker refused our client certificate.
// Used by lockerd's link (daemon/mqtt) and by lockerctl. Blocking: call it off the event loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace locker::mqtt {

enum class failure_kind {
  unknown_host,            // the name does not resolve
  refused,                 // nothing listens on the port
  unreachable,             // no route, network down
  timeout,                 // no answer in time
  tls_local_files,         // our CA file, certificate or key cannot be used
  tls_server_certificate,  // the broker's certificate is not accepted (expired, unknown CA...)
  tls_handshake,           // the TLS handshake failed otherwise (e.g. our certificate refused)
  bad_credentials,         // CONNACK: bad user name or password
  not_authorized,          // CONNACK: not authorized
  broker_refused,          // CONNACK with another reason code
  other,                   // whatever Paho said
};

struct connect_failure {
  failure_kind kind = failure_kind::other;
  std::string text;  // one line, no trailing period: "the broker's certificate ...: certificate
                     // has expired"
  bool operator==(const connect_failure&) const = default;
};

// Where the connection goes and with which TLS files (empty: not used).
struct connect_target {
  std::string host;  // a name, an IPv4 address or a [v6] literal
  std::uint16_t port = 0;
  bool tls = false;
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
};

// The target of a broker URL as lockerd and lockerctl take it (mqtt://, mqtts://, tcp://, ssl://);
// nullopt for a URL that does not parse.
[[nodiscard]] std::optional<connect_target> target_of(std::string_view url);

// MQTT 5's name of a CONNACK reason code (0x86 "bad user name or password"), or "reason 0xNN".
[[nodiscard]] std::string connack_reason_text(int reason_code);

// From Paho's codes alone: return_code and reason_code as Paho's token or exception carry them
// (MQTT 5 puts the CONNACK reason code in the return code), Paho's message, and OpenSSL's text as
// Paho's SSL error callback gave it (may be empty). Pure.
[[nodiscard]] connect_failure from_paho(int return_code, int reason_code,
                                        std::string_view paho_message,
                                        std::string_view openssl_text);

// Connects to the target itself (name lookup, TCP, and with tls the handshake, all within
// timeout) and says what stopped it; nullopt when every step worked. Blocks.
[[nodiscard]] std::optional<connect_failure> probe(const connect_target& target,
                                                   std::chrono::milliseconds timeout);

// The best description: the broker's own answer when it gave one, else what probe() found, else
// Paho's words. Blocks (for the probe) only when the broker did not answer.
[[nodiscard]] connect_failure describe(const connect_target& target, int return_code,
                                       int reason_code, std::string_view paho_message,
                                       std::string_view openssl_text,
                                       std::chrono::milliseconds probe_timeout);

}  // namespace locker::mqtt
