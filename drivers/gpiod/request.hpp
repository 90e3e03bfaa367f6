// SPDX-License-Identifier: Apache-2.0
// Pure translations between the board file's words and libgpiod's: what to ask the
// kernel for, and what its answers mean. No system calls here.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <gpiod.hpp>

#include "drivers/gpiod/line_port.hpp"
#include "drivers/line.hpp"

namespace locker::drivers::gpiod_backend {

// The request for a line: outputs as DIRECTION_OUTPUT, inputs as EVENT_BOTH_EDGES, pulse
// inputs as EVENT_RISING_EDGE (the logical active edge), with FLAG_ACTIVE_LOW and the bias
// flag the spec asks for.
[[nodiscard]] ::gpiod::line_request request_for(const line_spec& spec, direction dir,
                                                const std::string& consumer);

// The value an output is requested with: always inactive (logical 0), the locks' safe
// state, so a coil is never energized between the request and the first set().
[[nodiscard]] constexpr int initial_value(direction /*dir*/) { return 0; }

// A kernel edge as a line_event: rising = became active (the kernel has already applied
// active-low). The kernel stamp is used when it is a plausible CLOCK_MONOTONIC reading
// not after `now` and at most a second before it (kernels before 5.7 stamp with
// CLOCK_REALTIME; a virtual clock has its own epoch); otherwise `now`.
// nullopt for an unknown event type.
[[nodiscard]] std::optional<line_event> decode_event(const raw_event& e, steady_time now);

// "gpio line LOCK_07: <reason>": the one format of every request error.
[[nodiscard]] std::string describe_failure(const line_spec& spec, std::string_view reason);

}  // namespace locker::drivers::gpiod_backend
