// SPDX-License-Identifier: Apache-2.0
// The locker's state as contract v1 reports it: the body of …/state, which get_state also
// answers (plus the reservations still announced). The reporter and the command handler
// both build it here, so what is published and what get_state answers never differ.
//
// What it says where the locker's own view is not plain:
// - door: "unknown" while the compartment has a sensor_fault (its last report is frozen and
//   not the truth); else what the door sensor last reported.
// - lock: "unlocked" from the unlock request until the door opened or open_detect_s ran out.
// - occupied: the presence sensor where the board has one, else whether a parcel is on file.
// - hold and capacity (flow "hold", issue 13): the reservation a compartment is held for, and
//   per board size how many compartments are free, held, occupied, out of service (faulty
//   included) or busy (protocol::size_capacity says which counts where).
// - alarms: the compartments' active alarms, and keypad_lockout while the controller has it
//   raised (from its evt/alarm active:true to its active:false). `since` is when this locker
//   first saw the alarm active; it is saved, so it survives a restart.
//
// Built from what the locker holds in memory: the compartments' machines and alarms from the
// controller, the live parcels from the store's live_view() (kept by its writes), so that a
// state published after every change reads no parcel, however long the history. What it
// still reads (the journal's last seq, the holds, the keypad_lockout marker: one row each, or
// one per held compartment) is behind the controller's error boundary: a database error is
// logged and raises storage_fault, and the report says what it knew last instead of failing.
//
// Runs on the event loop's thread.
#pragma once

#include <cstdint>
#include <exception>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/controller/controller.hpp"
#include "daemon/store/store.hpp"
#include "drivers/clock.hpp"
#include "protocol/events.hpp"

namespace locker::state {

class state_report {
 public:
  // Everything referenced must outlive the report. Reads the alarm times saved before and
  // the live parcels; logs and goes on (with none) if it cannot.
  state_report(controller::controller& locker, store::store& db, drivers::clock& clock);
  state_report(const state_report&) = delete;
  state_report& operator=(const state_report&) = delete;

  // Notes the alarms raised and cleared since the last call, at the time now, and saves
  // the raise times when they changed. Call after every change the controller commits (its
  // on_change); current() calls it too. Never throws: a failure is logged.
  void observe();

  // The body of …/state as it is now. Never throws a database error: what it cannot read is
  // what it read last (storage_fault is raised, and listed).
  [[nodiscard]] protocol::locker_state current();
  // get_state's reply data: current() plus the reservations still waiting for their
  // parcel. Throws store::store_error.
  [[nodiscard]] nlohmann::json get_state_data();

 private:
  using alarm_key = std::pair<protocol::alarm_type, std::string>;  // compartment "" for none
  [[nodiscard]] std::set<alarm_key> active_alarms();
  void load_since();
  void save_since();
  // A database error while doing `what`: to the controller's error boundary.
  void failed(std::string_view what, const std::exception& e);

  controller::controller& locker_;
  store::store& db_;
  drivers::clock& clock_;
  std::vector<std::string> sizes_;  // the board's, for the capacity (every size listed)
  std::map<alarm_key, drivers::wall_time> since_;
  // What the last successful reads said, for a report while the database refuses.
  std::uint64_t last_seq_ = 0;
  std::vector<store::hold_record> holds_;
  bool keypad_lockout_ = false;
};

}  // namespace locker::state
