// SPDX-License-Identifier: Apache-2.0
#include "daemon/config/settings_in_force.hpp"

#include "daemon/config/settings_table.hpp"

namespace locker::config {

void settings_in_force::apply(const protocol::settings_patch& p) {
  overlay(p, cfg_);
  ++changes_;
  // By index: a listener may add another (it is told from the next change on).
  for (std::size_t i = 0, n = listeners_.size(); i < n; ++i)
    if (listeners_[i]) listeners_[i](*this);
}

std::size_t settings_in_force::on_change(listener fn) {
  listeners_.push_back(std::move(fn));
  return listeners_.size() - 1;
}

void settings_in_force::forget(std::size_t handle) {
  if (handle < listeners_.size()) listeners_[handle] = nullptr;
}

}  // namespace locker::config
