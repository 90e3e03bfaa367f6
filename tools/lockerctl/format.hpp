// SPDX-License-Identifier: Apache-2.0
// What lockerctl prints: pure functions from received JSON to text, tested without a broker.
// Each tolerates missing or mistyped fields (the locker may be newer or broken) by printing "?".
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "tools/lockerctl/cli.hpp"

namespace locker::ctl {

// "10", "1.5": a duration in seconds, as the operator typed it.
[[nodiscard]] std::string format_seconds(std::chrono::milliseconds d);

// One line for an ok or accepted reply to c, e.g. "compartment A3: door opened".
[[nodiscard]] std::string describe_success(const command_args& c, const nlohmann::json& reply);

// "<code>: <message>" of an error reply.
[[nodiscard]] std::string describe_error(const nlohmann::json& reply);

// A retained …/status payload in words; nullopt: none was retained.
[[nodiscard]] std::string describe_status(const std::optional<nlohmann::json>& status);

// "the locker did not answer within N s: is it online? (last status: …)"
[[nodiscard]] std::string no_answer_message(std::chrono::milliseconds timeout,
                                            const std::optional<nlohmann::json>& status);

// get_state's reply data (or …/state) as a table: one row per compartment, then the alarms
// that belong to no compartment and the open reservations. Ends with a newline.
[[nodiscard]] std::string format_state_table(const nlohmann::json& data);

// One event as "seq ts type compartment details", type as "<category>.<type>" (category: the
// last topic level, parcel|door|alarm). The pickup code is masked unless show_codes: a
// terminal is not the place for it, but for a demo or a test bench.
[[nodiscard]] std::string format_event_line(std::string_view category, const nlohmann::json& event,
                                            bool show_codes = false);

// One …/job/<job_id> message: "job J: installing 40%: Copying image".
[[nodiscard]] std::string format_job_line(const nlohmann::json& job);

// A cfg/reported payload for the version that was pushed.
struct cfg_verdict {
  bool applied = false;
  std::string text;  // "config version 7 applied" or "… rejected:" plus one line per error
};
[[nodiscard]] cfg_verdict describe_cfg_reported(const nlohmann::json& reported);

}  // namespace locker::ctl
