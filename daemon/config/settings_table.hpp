// SPDX-License-Identifier: Apache-2.0
// The one table of the main file's settings: each key's TOML name, type, range, default,
// whether cfg/desired may change it, and what it does, written once. The loader reads integers
// and choices through it (range, default and the message naming the key come from here), knows
// no key it lacks, and takes the other keys' defaults from it; cfg/desired's decoder and
// lockerctl push-config take the remote rows (remote_rules()); config/README.md's settings
// reference is generated from it (reference_markdown(), kept equal by a test).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/config/config.hpp"
#include "protocol/settings.hpp"

namespace locker::config {

enum class setting_type {
  integer,   // min..max, default_integer
  choice,    // one of words; set() takes the word's index
  string,    // free text checked by the loader (a URL, an id)
  path,      // a file or folder; relative: from the main file's folder
  key_list,  // [tokens] keys: an array of tables, read by the loader
};

struct setting {
  std::string_view section = {};  // "" for the top level
  std::string_view key = {};
  setting_type type = setting_type::integer;
  std::int64_t min = 0;  // integer only
  std::int64_t max = 0;
  std::int64_t default_integer = 0;
  std::string_view default_text = {};  // as documented; "" for none; also the strings' default
  std::span<const std::string_view> words = {};  // choice only, in the enum's order
  bool required = false;
  // Remote (cfg/desired, same key without section): the patch's field. A remote floor above
  // min only where the contract keeps it deliberately (telemetry_s).
  std::optional<int> protocol::settings_patch::*patch = nullptr;
  std::optional<std::int64_t> remote_min = std::nullopt;
  // integer and choice: into and out of the configuration.
  void (*set)(locker_config&, std::int64_t) = nullptr;
  std::int64_t (*get)(const locker_config&) = nullptr;
  std::string_view doc = {};

  [[nodiscard]] bool remote() const { return patch != nullptr; }
  [[nodiscard]] std::int64_t lowest_remote() const { return remote_min.value_or(min); }
  // "timings.lock_pulse_ms"
  [[nodiscard]] std::string dotted() const;
};

// Every key of the main file, in the order the loader reads them.
[[nodiscard]] std::span<const setting> settings_table();

// The row of section.key, or nullptr.
[[nodiscard]] const setting* find_setting(std::string_view section, std::string_view key);

// The keys of one section ("" : the top level, its sub-tables included), for the loader's
// unknown-key check.
[[nodiscard]] std::vector<std::string_view> keys_of(std::string_view section);

// The cfg/desired rows as protocol's decoder takes them.
[[nodiscard]] std::span<const protocol::setting_rule> remote_rules();

// Lays a cfg/desired patch over a configuration: each remote key into the field its row names.
void overlay(const protocol::settings_patch& p, locker_config& cfg);

// The settings reference (a Markdown table) in config/README.md, between these markers.
inline constexpr std::string_view reference_begin = "<!-- settings-table:begin -->";
inline constexpr std::string_view reference_end = "<!-- settings-table:end -->";
[[nodiscard]] std::string reference_markdown();

}  // namespace locker::config
