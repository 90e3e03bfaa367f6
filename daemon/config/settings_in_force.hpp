// SPDX-License-Identifier: Apache-2.0
// The settings the locker runs with now: the configuration file's values with the remote
// settings kept in the store (cfg/desired) laid over them once, at start, and every version
// applied since. One object, owned by the composition root (daemon/app): the controller, the
// keypad session, the hardware and the reporter read it when they act, and what keeps state
// derived from a value (budgets, a door's limits, a pulse length, a timer's period) is told
// after each change, on the loop, so the next action uses the new value.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <utility>
#include <vector>

#include "daemon/config/config.hpp"
#include "protocol/settings.hpp"

namespace locker::config {

class settings_in_force {
 public:
  using listener = std::function<void(const settings_in_force&)>;

  // cfg: the file's values, with the stored remote settings already laid over (once).
  explicit settings_in_force(locker_config cfg) : cfg_(std::move(cfg)) {}
  settings_in_force(const settings_in_force&) = delete;
  settings_in_force& operator=(const settings_in_force&) = delete;

  [[nodiscard]] const locker_config& config() const { return cfg_; }
  [[nodiscard]] const config::timings& timings() const { return cfg_.timings; }
  [[nodiscard]] const config::policy& policy() const { return cfg_.policy; }
  [[nodiscard]] std::chrono::seconds telemetry() const { return cfg_.telemetry; }

  // Lays an applied cfg/desired version's values over the settings in force (the caller has
  // checked them: protocol's ranges, commands::check_settings) and tells every listener, in
  // the order they were added.
  void apply(const protocol::settings_patch& p);
  // How many times apply() changed them (not the start's overlay): for the tests that show
  // the stored settings are laid over once.
  [[nodiscard]] std::size_t changes() const { return changes_; }

  // fn is called after every apply(). Returns a handle for forget(); a reader that may be
  // destroyed before this object forgets its listener then.
  std::size_t on_change(listener fn);
  void forget(std::size_t handle);

 private:
  locker_config cfg_;
  std::vector<listener> listeners_;  // forgotten ones are empty
  std::size_t changes_ = 0;
};

}  // namespace locker::config
