// SPDX-License-Identifier: Apache-2.0
// Whole keypad flows on the rig, for scenario tests that need a parcel in the locker before
// what they test. (Older scenario files still carry their own copies of these; new ones use
// this header.)
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "protocol/schema_check.hpp"
#include "tests/scenario/locker_rig.hpp"

namespace locker::scenario {

// A courier logs in with pin, deposits `tracking` in the smallest size (menu key 1), puts the
// parcel in, closes the door and logs out. Returns {compartment, pickup code}; empty (and a
// test failure) when no compartment was offered.
inline std::pair<std::string, std::string> courier_deposit(locker_rig& rig, const std::string& pin,
                                                           const std::string& tracking) {
  rig.press("*" + pin + "#");
  rig.press("1");
  rig.press(tracking + "#");
  rig.press("1");
  rig.advance(move_time);
  const std::string shown = rig.display();
  const std::string head = "Put in box ";
  if (!shown.starts_with(head)) {
    ADD_FAILURE() << "no compartment offered: " << shown;
    return {};
  }
  const std::string id = shown.substr(head.size(), shown.find(',') - head.size());
  rig.person_opens(id);
  rig.person_puts(id);
  rig.person_closes(id);
  rig.press("#");
  const auto stored = rig.events_of("stored");
  if (stored.empty()) {
    ADD_FAILURE() << "no stored event for " << tracking;
    return {id, ""};
  }
  return {id, stored.back().value("pickup_code", std::string{})};
}

// What is wrong with payload against protocol/schemas/<schema>, one line each; "" when valid.
inline std::string schema_errors(const std::string& schema, const nlohmann::json& payload) {
  static const protocol::schema_set set = [] {
    auto r = protocol::schema_set::load(std::string(LOCKER_SOURCE_DIR) + "/protocol/schemas");
    if (!r.ok()) throw std::runtime_error(r.error());
    return std::move(r).value();
  }();
  std::string out;
  for (const auto& e : set.validate(schema, payload)) out += e + "\n";
  return out;
}

}  // namespace locker::scenario
