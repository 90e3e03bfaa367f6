// SPDX-License-Identifier: Apache-2.0
// Turns a lockerctl command into the command payload of contract v1, checked locally with the
// same decoder the locker runs, so a bad argument is caught before anything is sent.
#pragma once

#include <chrono>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "protocol/timestamp.hpp"
#include "tools/lockerctl/cli.hpp"

namespace locker::ctl {

struct request_plan {
  std::string name;     // "…/cmd/<name>"
  std::string payload;  // JSON text
};

// Does the command need a secret (pickup code, PIN) read from stdin?
enum class secret_kind { none, pickup_code, pin };
[[nodiscard]] secret_kind secret_needed(const command_args& c);

// The first line of in, without its line end; nullopt at end of input.
[[nodiscard]] std::optional<std::string> read_secret_line(std::istream& in);

// expires_at = now + timeout on every request. secret: the pickup code or PIN, when
// secret_needed says so. Errors name the option (or "the PIN"), never a value. "raw" is sent
// verbatim and never refused here; events and push-config send no command (a usage_error).
[[nodiscard]] std::variant<request_plan, usage_error> build_request(
    const command_args& c, std::string_view req_id, protocol::wall_time now,
    std::chrono::milliseconds timeout, const std::optional<std::string>& secret);

}  // namespace locker::ctl
