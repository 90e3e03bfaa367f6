// SPDX-License-Identifier: Apache-2.0
// Runs one parsed lockerctl invocation against the broker and returns the exit status.
#pragma once

#include <atomic>
#include <iosfwd>

#include "tools/lockerctl/cli.hpp"

namespace locker::ctl {

// in: secrets (pickup code, PIN); out: results; err: errors and diagnostics. interrupted is set
// by SIGINT/SIGTERM: "events --follow" then ends normally, anything else stops waiting.
[[nodiscard]] int run(const invocation& inv, std::istream& in, std::ostream& out, std::ostream& err,
                      const std::atomic<bool>& interrupted);

}  // namespace locker::ctl
