// SPDX-License-Identifier: Apache-2.0
// The error codes of contract v1 and the error a decoder gives back.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace locker::protocol {

enum class error_code {
  bad_request,
  unknown_command,
  expired,
  not_found,
  conflict,
  no_free_compartment,
  door_open,
  lock_fault,
  busy,
  internal,
};

[[nodiscard]] std::string_view to_string(error_code code);

// Why a request was refused. The message names the field and the rule, never the value
// (so a PIN or pickup code can never leak into a reply or a log).
struct error {
  error_code code = error_code::internal;
  std::string message;
  std::optional<std::string> req_id;  // set when the request's req_id could be read
};

}  // namespace locker::protocol
