// SPDX-License-Identifier: Apache-2.0
#include "tools/lockerctl/connect_error.hpp"

#include "daemon/mqtt/connect_failure.hpp"

namespace locker::ctl {

std::string describe_connect_error(const connection_options& options, int return_code,
                                   int reason_code, const std::string& paho_message,
                                   const std::string& openssl_text,
                                   std::chrono::milliseconds timeout) {
  auto target = mqtt::target_of(options.broker);
  if (!target) return mqtt::from_paho(return_code, reason_code, paho_message, openssl_text).text;
  target->ca_file = options.ca_file.value_or("");
  target->cert_file = options.cert_file.value_or("");
  target->key_file = options.key_file.value_or("");
  return mqtt::describe(*target, return_code, reason_code, paho_message, openssl_text, timeout)
      .text;
}

}  // namespace locker::ctl
