// SPDX-License-Identifier: Apache-2.0
// The compartments as the store keeps them: what exists (from the config) and the last saved
// state of each (service, door, alarms, the controller's business with it), so a restart
// carries on where the last run stopped.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/store/database.hpp"
#include "daemon/store/states.hpp"

namespace locker::store {

struct compartment_record {
  std::string id;
  std::string size;
  service_state service = service_state::in_service;
  std::string service_reason;
  door_state door = door_state::closed;  // last known; the sensor is the truth
  std::string cause = "none";            // why the door is open, or was being opened
  bool open_pending = false;             // an unlock was waiting for the door
  bool out_of_service = false;           // the operator's choice (faults are in alarms)
  std::string alarms;                    // active alarms, comma-separated
  std::string operation;                 // the controller's business with the door (JSON)
  wall_time updated_at{};
};

class compartment_repository {
 public:
  explicit compartment_repository(database& db) : db_(db) {}

  // By id.
  [[nodiscard]] std::vector<compartment_record> all();
  [[nodiscard]] std::optional<compartment_record> find(std::string_view id);
  // Inserts, or updates the size of an existing one (service and door state are kept:
  // they are history, the config only says what exists).
  void upsert(transaction& tx, std::string_view id, std::string_view size, wall_time now);
  void upsert(std::string_view id, std::string_view size, wall_time now);
  // false if there is no such compartment.
  bool set_service(transaction& tx, std::string_view id, service_state s, std::string_view reason,
                   wall_time now);
  bool set_service(std::string_view id, service_state s, std::string_view reason, wall_time now);
  bool set_door(transaction& tx, std::string_view id, door_state d, wall_time now);
  // Saves the whole state of one compartment (everything but id and size).
  bool save(transaction& tx, const compartment_record& c, wall_time now);

 private:
  database& db_;
};

}  // namespace locker::store
