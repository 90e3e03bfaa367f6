// SPDX-License-Identifier: Apache-2.0
// Held compartments (issue 13, "held compartments and capacity"): an announced reservation can
// hold one free compartment of its size until a deadline, so the slot promised to the tracking
// system is there when the courier arrives. One row per hold; a compartment is held for at
// most one reservation, a reservation holds at most one compartment. The row goes when the
// hold ends (deposit, cancel, deadline, expiry of the reservation, or the compartment leaving
// service with no other one to move to).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/store/database.hpp"
#include "daemon/store/states.hpp"

namespace locker::store {

struct hold_record {
  std::string reservation_id;
  std::string compartment_id;
  wall_time until{};  // the hold ends then (hold_expired)
  wall_time created_at{};
};

class hold_repository {
 public:
  explicit hold_repository(database& db) : db_(db) {}

  // store_error with is_constraint() if the reservation or the compartment is held already.
  void create(transaction& tx, const hold_record& h);
  [[nodiscard]] std::optional<hold_record> for_reservation(std::string_view reservation_id);
  [[nodiscard]] std::optional<hold_record> on_compartment(std::string_view compartment_id);
  // Every hold, soonest deadline first.
  [[nodiscard]] std::vector<hold_record> all();
  // The compartments held now (few rows: one per held reservation).
  [[nodiscard]] std::vector<std::string> held_compartments();
  // The holds whose deadline is at or before now.
  [[nodiscard]] std::vector<hold_record> due(wall_time now);
  [[nodiscard]] std::optional<wall_time> next_deadline();
  // The reservation's hold moves to another compartment; false if it has none.
  bool move(transaction& tx, std::string_view reservation_id, std::string_view compartment_id);
  // The reservation's hold ends; false if it had none.
  bool end(transaction& tx, std::string_view reservation_id);

 private:
  database& db_;
};

}  // namespace locker::store
