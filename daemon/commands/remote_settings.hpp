// SPDX-License-Identifier: Apache-2.0
// Settings the tracking system sets remotely (cfg/desired): checked against this locker,
// kept in the store's settings table so they survive a restart, and laid over the
// configuration file's values.
//
// Every key takes effect when its version is applied, without a restart, from the next
// operation that uses it on (what is already running keeps the value it started with): the
// version goes to the settings in force (config::settings_in_force), whose readers read it when
// they act or are told at once: max_code_attempts, pickup_code_digits, pickup_window_h and
// lockout_base_s from the next code, deposit or lockout (controller); lock_pulse_ms, coil_gap_ms
// and debounce_ms from the next pulse, gap or contact edge, open_detect_s from the next unlock,
// door_left_open_s from the next door opening (controller, hardware); session_idle_s from the
// next key press (keypad session) and telemetry_s at once: the next report one new period later
// (reporter). At start, lockerd lays them over the configuration once, with
// apply_stored_settings(), before building anything.
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/config/config.hpp"
#include "daemon/config/settings_table.hpp"
#include "daemon/store/store.hpp"
#include "protocol/settings.hpp"

namespace locker::commands {

// The last applied cfg/desired version and every setting applied so far (a version only
// names what it changes; the rest keeps its earlier value).
struct applied_settings {
  std::uint64_t version = 0;  // 0: none applied yet
  protocol::settings_patch settings;
};

// Throws store::store_error. A stored value that no longer decodes is logged and skipped.
[[nodiscard]] applied_settings load_applied_settings(store::store& db);
void save_applied_settings(store::transaction& tx, store::store& db, const applied_settings& s);

// `over`'s values where set, else `base`'s.
[[nodiscard]] protocol::settings_patch merge(const protocol::settings_patch& base,
                                             const protocol::settings_patch& over);
// The keys a patch sets, as a JSON object {"key": value}.
[[nodiscard]] nlohmann::json to_json(const protocol::settings_patch& p);

// Laying a patch over a configuration is the table's: config::overlay (settings_table.hpp).

// What protocol/ cannot check alone: the values against this locker's own limits
// (lock_pulse_ms against the board's lock_pulse_max_ms). Empty when all fit.
[[nodiscard]] std::vector<protocol::setting_error> check_settings(const protocol::settings_patch& p,
                                                                  const config::locker_config& cfg);

// At start, before the hardware, controller and keypad are built: lays the stored settings
// over cfg. Returns the applied version (0: none). Throws store::store_error.
std::uint64_t apply_stored_settings(store::store& db, config::locker_config& cfg);

}  // namespace locker::commands
