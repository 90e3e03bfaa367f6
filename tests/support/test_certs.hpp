// SPDX-License-Identifier: Apache-2.0
// Certificates for the TLS tests, made in the test's folder with the openssl command: CAs, and
// the certificates they sign for a broker (the names it answers to) or a client. P-256 keys:
// quick to make, and what a locker's broker is likely to be given.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/child_process.hpp"

namespace locker::test {

// What a signed certificate is for (openssl's -extfile): a broker on loopback, or a client.
inline const std::string loopback_broker_cert = "subjectAltName=IP:127.0.0.1,DNS:localhost";
inline const std::string client_cert = "extendedKeyUsage=clientAuth";

namespace detail {
inline bool run_openssl(const std::string& args) { return run_quietly("openssl " + args); }
inline const std::string new_key = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
}  // namespace detail

// A self-signed CA: <dir>/<name>.key and <dir>/<name>.crt, valid for two days. False when
// openssl failed.
inline bool make_ca(const std::filesystem::path& dir, const std::string& name) {
  const auto d = dir.string() + "/";
  return detail::run_openssl("req -x509" + detail::new_key + " -subj /CN=" + name +
                             " -days 2 -keyout " + d + name + ".key -out " + d + name + ".crt");
}

// <dir>/<name>.key and <dir>/<name>.crt signed by the CA <ca> in the same folder, with the given
// extensions, valid for days (negative: already expired), its CN cn (empty: the name).
inline bool make_cert(const std::filesystem::path& dir, const std::string& name,
                      const std::string& ca, const std::string& extensions = loopback_broker_cert,
                      int days = 2, const std::string& cn = "") {
  const auto d = dir.string() + "/";
  std::ofstream(dir / (name + ".ext")) << extensions << "\n";
  return detail::run_openssl("req" + detail::new_key + " -subj /CN=" + (cn.empty() ? name : cn) +
                             " -keyout " + d + name + ".key -out " + d + name + ".csr") &&
         detail::run_openssl("x509 -req -days " + std::to_string(days) + " -in " + d + name +
                             ".csr -CA " + d + ca + ".crt -CAkey " + d + ca +
                             ".key -CAcreateserial -extfile " + d + name + ".ext -out " + d + name +
                             ".crt");
}

}  // namespace locker::test
