// SPDX-License-Identifier: Apache-2.0
#include "protocol/settings.hpp"

#include <array>

#include <nlohmann/json.hpp>

#include "protocol/input_rules.hpp"
#include "protocol/json_util.hpp"

namespace locker::protocol {

namespace {

using nlohmann::json;

struct setting_rule {
  std::string_view key;
  int min;
  int max;
  std::optional<int> settings_patch::*field;
};

// One row per remotely settable key. Bounds keep a typo from bricking a locker remotely.
constexpr std::array<setting_rule, 11> setting_rules{{
    {"lock_pulse_ms", 50, 5000, &settings_patch::lock_pulse_ms},
    {"coil_gap_ms", 0, 5000, &settings_patch::coil_gap_ms},
    {"open_detect_s", 1, 60, &settings_patch::open_detect_s},
    {"door_left_open_s", 10, 3600, &settings_patch::door_left_open_s},
    {"debounce_ms", 1, 1000, &settings_patch::debounce_ms},
    {"session_idle_s", 10, 600, &settings_patch::session_idle_s},
    {"max_code_attempts", 1, 20, &settings_patch::max_code_attempts},
    {"pickup_code_digits", static_cast<int>(rules::pickup_code_min_digits),
     static_cast<int>(rules::pickup_code_max_digits), &settings_patch::pickup_code_digits},
    {"pickup_window_h", 1, 720, &settings_patch::pickup_window_h},
    {"lockout_base_s", 1, 3600, &settings_patch::lockout_base_s},
    {"telemetry_s", 10, 86400, &settings_patch::telemetry_s},
}};

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

result<desired_config, config_rejection> decode_cfg_desired(std::string_view payload) {
  config_rejection rejection;
  if (payload.size() > std::size_t{64} * 1024) {
    rejection.errors.push_back({"", "payload larger than 65536 bytes"});
    return fail(std::move(rejection));
  }
  const auto parsed = detail::parse_json(payload);
  if (!parsed.value) {
    rejection.errors.push_back({"", parsed.message});
    return fail(std::move(rejection));
  }
  const json& obj = *parsed.value;
  if (!obj.is_object()) {
    rejection.errors.push_back({"", "payload: must be a JSON object"});
    return fail(std::move(rejection));
  }

  desired_config cfg;
  if (const auto it = obj.find("version"); it == obj.end()) {
    rejection.errors.push_back({"version", "required"});
  } else if (const auto v = detail::as_integer(*it); !v || *v < 1) {
    rejection.errors.push_back({"version", "must be an integer >= 1"});
  } else {
    cfg.version = static_cast<std::uint64_t>(*v);
    rejection.version = cfg.version;
  }

  bool known = false;
  for (const auto& [key, value] : obj.items()) {
    if (key == "version") continue;
    const setting_rule* rule = nullptr;
    for (const auto& r : setting_rules) {
      if (r.key == key) rule = &r;
    }
    if (rule == nullptr) {
      cfg.ignored_keys.push_back(key);
      continue;
    }
    known = true;
    const auto v = detail::as_integer(value);
    if (!v) {
      rejection.errors.push_back({key, "must be an integer"});
    } else if (*v < rule->min || *v > rule->max) {
      rejection.errors.push_back({key, "must be between " + std::to_string(rule->min) + " and " +
                                           std::to_string(rule->max)});
    } else {
      cfg.settings.*(rule->field) = static_cast<int>(*v);
    }
  }
  // Unknown keys beside known ones are ignored (the contract's rule for unknown fields, so a
  // newer tracking system can send settings an older locker lacks). A version of unknown
  // keys only changes nothing and is almost surely a misspelling: applied would be a lie.
  if (!known && !cfg.ignored_keys.empty()) {
    std::string names;
    for (const auto& r : setting_rules) names += (names.empty() ? "" : ", ") + std::string(r.key);
    for (const auto& key : cfg.ignored_keys) {
      // The key is echoed cut short: a 64 KiB key is not repeated back whole.
      const auto shown = key.size() > 64 ? key.substr(0, 64) + "..." : key;
      rejection.errors.push_back({shown,
                                  "unknown setting, and no known one in this version: "
                                  "nothing would change (known: " +
                                      names + ")"});
    }
  }
  if (!rejection.errors.empty()) return fail(std::move(rejection));
  return cfg;
}

std::string encode_cfg_applied(std::uint64_t version) {
  return dump({{"version", version}, {"status", "applied"}, {"errors", json::array()}});
}

std::string encode_cfg_rejected(const config_rejection& r) {
  json errors = json::array();
  for (const auto& e : r.errors) errors.push_back({{"key", e.key}, {"message", e.message}});
  return dump({{"version", r.version ? json(*r.version) : json(nullptr)},
               {"status", "rejected"},
               {"errors", std::move(errors)}});
}

}  // namespace locker::protocol
