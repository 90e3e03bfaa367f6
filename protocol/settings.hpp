// SPDX-License-Identifier: Apache-2.0
// cfg/desired → a typed settings patch, and the cfg/reported answer.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/result.hpp"

namespace locker::protocol {

// The settings a tracking system may change remotely. Absent: keep the current value.
// Their keys and ranges are the daemon's one table of settings (daemon/config/settings_table,
// given to the decoder as rules; cfg_desired.schema.json is checked against it); the daemon
// still checks lock_pulse_ms against the board's lock_pulse_max_ms, which is not remotely
// settable.
struct settings_patch {
  std::optional<int> lock_pulse_ms;
  std::optional<int> coil_gap_ms;
  std::optional<int> open_detect_s;
  std::optional<int> door_left_open_s;
  std::optional<int> debounce_ms;
  std::optional<int> session_idle_s;
  std::optional<int> max_code_attempts;
  std::optional<int> pickup_code_digits;
  std::optional<int> pickup_window_h;
  std::optional<int> lockout_base_s;
  std::optional<int> telemetry_s;
};

// One remotely settable key: an integer in min..max, stored in field.
struct setting_rule {
  std::string_view key;
  std::int64_t min;
  std::int64_t max;
  std::optional<int> settings_patch::*field;
};

struct desired_config {
  std::uint64_t version = 0;
  settings_patch settings;
  std::vector<std::string> ignored_keys;  // unknown keys (ignored per the contract; worth a log)
};

struct setting_error {
  std::string key;  // "" for the payload as a whole
  std::string message;
};

// The whole version is rejected when any key is bad; every problem is listed.
struct config_rejection {
  std::optional<std::uint64_t> version;  // when it could be read
  std::vector<setting_error> errors;
};

// Pure; never throws. "version" is required: an integer >= 1. rules: the settable keys
// (config::remote_rules()); an unknown key beside known ones is ignored (listed in
// ignored_keys), a version of unknown keys only is rejected, each named.
[[nodiscard]] result<desired_config, config_rejection> decode_cfg_desired(
    std::string_view payload, std::span<const setting_rule> rules);

// cfg/reported payloads. version null only when a rejected payload had no readable version.
[[nodiscard]] std::string encode_cfg_applied(std::uint64_t version);
[[nodiscard]] std::string encode_cfg_rejected(const config_rejection& r);

}  // namespace locker::protocol
