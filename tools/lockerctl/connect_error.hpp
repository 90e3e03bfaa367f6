// SPDX-License-Identifier: Apache-2.0
// lockerctl's words for a refused connect, from daemon/mqtt/connect_failure (the same as
// lockerd's). A header of its own because that module's namespace, locker::mqtt, would hide
// Paho's ::mqtt inside broker_link.cpp.
#pragma once

#include <chrono>
#include <string>

#include "tools/lockerctl/cli.hpp"

namespace locker::ctl {

// Why connecting to options.broker failed: the broker's refusal (CONNACK reason), else what a
// probe of the name, the port and the TLS handshake finds, else Paho's words. Blocks up to
// timeout.
[[nodiscard]] std::string describe_connect_error(const connection_options& options, int return_code,
                                                 int reason_code, const std::string& paho_message,
                                                 const std::string& openssl_text,
                                                 std::chrono::milliseconds timeout);

}  // namespace locker::ctl
