// SPDX-License-Identifier: Apache-2.0
// `lockerd --check-config`'s second half: that every file the configuration names can be used
// as lockerd will use it, before a start fails on it at 3 a.m. The TLS CA, certificate and key
// and the broker's password file are read; the state folder is written (or created); the board
// file, the update keyring and its download CA are read. One problem per file, with the key.
#pragma once

#include <string>
#include <vector>

#include "daemon/config/config.hpp"

namespace locker::config {

struct file_problem {
  std::string key;     // "broker.ca_file"
  std::string path;    // as lockerd would open it (relative paths already taken from the file)
  std::string reason;  // "does not exist", "is a directory, not a file", ...
  // "broker.ca_file /etc/lockerd/tls/ca.pem: does not exist"
  [[nodiscard]] std::string line() const { return key + " " + path + ": " + reason; }
};

// Every problem found, in the order of the keys in lockerd.example.toml; empty when all is well.
[[nodiscard]] std::vector<file_problem> check_files(const locker_config& cfg);

}  // namespace locker::config
