// SPDX-License-Identifier: Apache-2.0
#include "daemon/config/config.hpp"

namespace locker::config {

config_error::config_error(std::string file, std::string key, std::string reason)
    : std::runtime_error(file + ": " + key + ": " + reason),
      file_(std::move(file)),
      key_(std::move(key)),
      reason_(std::move(reason)) {}

}  // namespace locker::config
