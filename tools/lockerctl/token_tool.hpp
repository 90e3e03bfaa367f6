// SPDX-License-Identifier: Apache-2.0
// `lockerctl token ...`: making signed offline tokens as a tracking system would, for tests and
// demos (protocol/tokens.md). Offline: no broker, no locker. `keygen` writes an Ed25519 key pair
// and prints the public key for the locker's config; `make` prints a token signed with it.
#pragma once

#include <chrono>
#include <ostream>
#include <span>
#include <string>

namespace locker::ctl {

// args: what follows "token" on the command line. Returns the exit status (0 ok, 1 failed, 2
// usage error); messages go to err, the key or the token to out.
int run_token_command(std::span<const std::string> args, std::ostream& out, std::ostream& err,
                      std::chrono::system_clock::time_point now);

[[nodiscard]] std::string token_usage();

}  // namespace locker::ctl
