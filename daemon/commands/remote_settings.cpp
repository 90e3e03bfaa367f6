// SPDX-License-Identifier: Apache-2.0
#include "daemon/commands/remote_settings.hpp"

#include <string>
#include <string_view>

#include "daemon/config/settings_table.hpp"
#include "daemon/log/log.hpp"

namespace locker::commands {

namespace {

using nlohmann::json;

// Keys in the settings table.
constexpr std::string_view version_key = "cfg.version";
constexpr std::string_view settings_key = "cfg.settings";

}  // namespace

protocol::settings_patch merge(const protocol::settings_patch& base,
                               const protocol::settings_patch& over) {
  protocol::settings_patch out = base;
  for (const auto& r : config::remote_rules())
    if (over.*r.field) out.*r.field = over.*r.field;
  return out;
}

json to_json(const protocol::settings_patch& p) {
  json out = json::object();
  for (const auto& r : config::remote_rules())
    if (p.*r.field) out[std::string(r.key)] = *(p.*r.field);
  return out;
}

applied_settings load_applied_settings(store::store& db) {
  applied_settings out;
  const auto version = db.settings().get(version_key);
  if (!version) return out;
  try {
    out.version = std::stoull(*version);
  } catch (const std::exception&) {
    log::error("settings", "stored cfg version is unreadable; treating it as none");
    return out;
  }
  // Stored in cfg/desired's own shape, so the protocol's decoder checks it again: a value
  // outside today's ranges (an older build's rules) is not applied blindly.
  json j = json::parse(db.settings().get(settings_key).value_or("{}"), nullptr, false);
  if (!j.is_object()) j = json::object();
  j["version"] = out.version;
  auto decoded = protocol::decode_cfg_desired(j.dump(), config::remote_rules());
  if (!decoded) {
    log::error("settings", "stored settings of version ", out.version,
               " no longer pass the checks; using the configuration file's values");
    return out;
  }
  out.settings = decoded->settings;
  return out;
}

void save_applied_settings(store::transaction& tx, store::store& db, const applied_settings& s) {
  db.settings().set(tx, version_key, std::to_string(s.version));
  db.settings().set(tx, settings_key, to_json(s.settings).dump());
}

std::vector<protocol::setting_error> check_settings(const protocol::settings_patch& p,
                                                    const config::locker_config& cfg) {
  std::vector<protocol::setting_error> errors;
  // The coil's limit is the board's (lockerd.toml), never remotely settable.
  if (p.lock_pulse_ms && std::chrono::milliseconds(*p.lock_pulse_ms) > cfg.timings.lock_pulse_max)
    errors.push_back({"lock_pulse_ms", "must not exceed this locker's lock_pulse_max_ms (" +
                                           std::to_string(cfg.timings.lock_pulse_max.count()) +
                                           ")"});
  // As in the configuration file: the door is watched from the pulse's start.
  const auto pulse =
      p.lock_pulse_ms ? std::chrono::milliseconds(*p.lock_pulse_ms) : cfg.timings.lock_pulse;
  const auto detect =
      p.open_detect_s ? std::chrono::seconds(*p.open_detect_s) : cfg.timings.open_detect;
  // The policy as a whole, as it would be in force: the same check as the file's.
  if (p.max_code_attempts || p.pickup_code_digits || p.pickup_window_h || p.lockout_base_s) {
    auto in_force = cfg;
    config::overlay(p, in_force);
    if (auto why = config::guess_bound_problem(in_force.policy, cfg.board.compartments.size())) {
      const char* key = p.max_code_attempts    ? "max_code_attempts"
                        : p.pickup_code_digits ? "pickup_code_digits"
                        : p.lockout_base_s     ? "lockout_base_s"
                                               : "pickup_window_h";
      errors.push_back({key, *why});
    }
  }
  if ((p.open_detect_s || p.lock_pulse_ms) && detect <= pulse)
    errors.push_back({p.open_detect_s ? "open_detect_s" : "lock_pulse_ms",
                      "open_detect_s must be longer than the lock pulse (" +
                          std::to_string(pulse.count()) + " ms)"});
  return errors;
}

std::uint64_t apply_stored_settings(store::store& db, config::locker_config& cfg) {
  const auto applied = load_applied_settings(db);
  if (applied.version == 0) return 0;
  if (auto errors = check_settings(applied.settings, cfg); !errors.empty()) {
    log::error("settings", "stored settings of version ", applied.version, " do not fit ",
               "this locker any more (", errors.front().key, ": ", errors.front().message,
               "); using the configuration file's values");
    return applied.version;
  }
  config::overlay(applied.settings, cfg);
  return applied.version;
}

}  // namespace locker::commands
