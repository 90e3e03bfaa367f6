// SPDX-License-Identifier: Apache-2.0
// lockerctl's command line: pure parsing into a typed invocation, no I/O, so every usage rule is
// testable without a broker.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace locker::ctl {

// Process exit codes, as documented in usage().
inline constexpr int exit_ok = 0;  // ok or accepted
inline constexpr int exit_error_reply =
    1;                                // the locker answered with an error (or rejected a config)
inline constexpr int exit_usage = 2;  // bad arguments, found before anything was sent
inline constexpr int exit_no_answer = 3;    // nothing within --timeout
inline constexpr int exit_unreachable = 4;  // the broker could not be reached (or was lost)

inline constexpr std::string_view default_broker = "mqtt://127.0.0.1:1883";
inline constexpr std::chrono::milliseconds default_timeout{10'000};

struct connection_options {
  std::string broker{default_broker};  // mqtt://, mqtts://, tcp:// or ssl://
  std::optional<std::string> ca_file;
  std::optional<std::string> cert_file;
  std::optional<std::string> key_file;
  std::optional<std::string> username;
  std::optional<std::string> password_file;  // the password never goes on the command line
};

// ---- one struct per lockerctl command ---------------------------------------------------------

struct announce_args {
  std::string reservation_id;
  std::string tracking_number;
  std::string size;
  bool code_stdin = false;  // the pickup code is read from stdin, never from argv
  std::optional<int> window_h;
  // Accessibility (issue 13): a low compartment; extended time at the pickup.
  bool accessible = false;
  bool extended_time = false;
  // Flow "hold" (issue 13): hold a compartment until then (--hold-until, RFC 3339) or for
  // this many hours from the request (--hold-h); at most one of the two.
  std::optional<std::string> hold_until;
  std::optional<int> hold_h;
  // Drop-off flow: --kind dropoff|return (then --code-stdin reads the drop-off code, and
  // without it the locker draws one and the reply says it), --carrier.
  std::optional<std::string> kind;
  std::optional<std::string> carrier;
  std::optional<std::string> recipient;  // multi: the tracking system's recipient key
};
struct cancel_args {
  std::string reservation_id;
};
struct open_args {
  std::string compartment;
  std::string reason;
  std::string operator_name;
};
struct service_args {
  std::string compartment;
  bool in_service = true;
  std::string reason;
};
struct courier_upsert_args {  // "courier add" and "courier set"; a PIN comes from stdin
  std::string courier_id;
  std::optional<std::string> name;
  bool enabled = true;
  bool new_pin = true;  // "add" always; "set" only with --pin (else the PIN stays as it is)
  // Drop-off flow: --carrier C limits the courier to C's parcels; --no-carrier clears it ("").
  std::optional<std::string> carrier;
};
struct courier_remove_args {
  std::string courier_id;
};
struct state_args {};
struct events_args {
  bool follow = false;
  bool show_codes = false;  // print pickup codes instead of *** (the demo, a test bench)
  std::optional<std::uint64_t> since_seq;  // show only events with a greater seq
};
struct push_config_args {
  std::string file;
};
struct rebirth_args {};
struct reboot_args {
  std::string reason;
};
struct fw_update_args {  // follows …/job/<job_id> until done or failed
  std::string job_id;
  std::string url;
  std::string sha256;
};
struct lockout_clear_args {  // "lockout clear [--budget pickup_code|courier]"
  std::optional<std::string> budget;
};
struct raw_args {
  std::string name;     // sent as is, even when it is not a known command
  std::string payload;  // sent as is; lockerctl only fills in nothing
};

using command_args =
    std::variant<announce_args, cancel_args, open_args, service_args, courier_upsert_args,
                 courier_remove_args, state_args, events_args, push_config_args, rebirth_args,
                 reboot_args, fw_update_args, raw_args, lockout_clear_args>;

struct invocation {
  connection_options connection;
  std::string locker_id;
  bool json = false;
  std::chrono::milliseconds timeout = default_timeout;
  command_args command;
};

// --help, or COMMAND --help: text is what to print (the command's own help for a command).
struct help_request {
  std::string text;
};
// --version: "lockerctl VERSION".
struct version_request {};

struct usage_error {
  usage_error(std::string m, std::string c = {}) : message(std::move(m)), command(std::move(c)) {}
  std::string message;
  std::string command;
};

// usage_error::command names the command whose --help the error line points at ("" none).
using parse_outcome = std::variant<invocation, help_request, usage_error, version_request>;

// A refusal of the arguments. The parsers (here and in token_tool.cpp) throw it from deep inside
// and catch it at their entry points, which turn it into exit_usage.
struct usage_failure {
  std::string message;
};
[[noreturn]] void usage_fail(std::string message);

// Reads the environment (LOCKERCTL_BROKER, LOCKERCTL_LOCKER): injected so parsing stays pure.
using env_lookup = std::function<std::optional<std::string>(std::string_view name)>;

// args excludes argv[0]. Global options may come before or after the command. Values are checked
// against the contract (ids, lengths, compartment syntax) so that nothing invalid is ever sent,
// except by "raw". Messages name the option and the rule, never a value.
[[nodiscard]] parse_outcome parse_arguments(std::span<const std::string> args,
                                            const env_lookup& env);

// The wire name of the command a lockerctl command sends ("" for events and push-config, which
// send none).
[[nodiscard]] std::string command_wire_name(const command_args& c);

[[nodiscard]] std::string usage();

// One command's help ("open", "courier", ...): its lines of usage() under "Usage:".
[[nodiscard]] std::string command_usage(std::string_view command);

// The commands --help lists (for completion and its test).
[[nodiscard]] std::vector<std::string> command_names();

}  // namespace locker::ctl
