// SPDX-License-Identifier: Apache-2.0
// The controller's error boundary (see controller.hpp): what happens when the database refuses
// work that came in from the loop. It is logged with what was being done, the storage_fault
// alarm is raised once (journaled if the journal still takes it, always in memory, on the LED
// and in the state), and it clears at the next commit that succeeds. One place, so that no
// use case turns a database error into a business answer of its own.
#include "daemon/controller/controller.hpp"
#include "daemon/controller/controller_internal.hpp"
#include "daemon/log/log.hpp"

namespace locker::controller {

namespace {

constexpr std::string_view storage_fault_type = "storage_fault";
// The settings row that says a journaled storage_fault is still raised ("1"), so that a
// restart clears what a process that died with the alarm raised had journaled.
constexpr std::string_view storage_fault_key = "storage_fault_alarm";

}  // namespace

void controller::must_commit(const std::function<void(store::transaction&)>& fn) {
  if (!commit(fn)) throw storage_unavailable{};
}

void controller::storage_failed(std::string_view what, std::string_view compartment,
                                const char* error, bool storage) {
  const bool in_compartment = !compartment.empty();
  log::error("controller", what, in_compartment ? " (compartment " : "", compartment,
             in_compartment ? ")" : "", storage ? ": the database refused: " : ": ", error);
  if (!storage || storage_fault_since_) return;
  storage_fault_since_ = clock_.wall_now();
  storage_fault_journaled_ = false;
  log::error("controller",
             "storage_fault raised: the keypad answers \"out of order\" until the database "
             "works again");
  // A database that refuses one write (a full disk, a locked table) may still take the alarm;
  // one that refuses all of them leaves it in memory, in the state and on the LED.
  if (tx_depth_ == 0) {
    try {
      store::transaction tx(db_.db());
      journal(tx, store::journal_topic::alarm, storage_fault_type,
              {{"severity", "critical"}, {"active", true}});
      db_.settings().set(tx, storage_fault_key, "1");
      tx.commit();
      storage_fault_journaled_ = true;
      journal_due_ = true;
    } catch (const std::exception& e) {
      log::error("controller", "the storage_fault alarm is kept in memory only: ", e.what());
    }
    journaled_ = false;
  }
  update_alarm_indicator();
  // The state shows the alarm even when the journal could not take it.
  change_due_ = true;
  if (!notify_timer_.armed())
    notify_timer_.start(drivers::millis(0), [this] { notify_observers(); });
}

void controller::storage_error_outside(std::string_view what, const char* error) {
  storage_failed(what, {}, error, true);
}

void controller::storage_recovered() {
  const bool journaled = std::exchange(storage_fault_journaled_, false);
  storage_fault_since_.reset();
  log::info("controller", "the database works again: storage_fault cleared");
  update_alarm_indicator();
  // If its raising never reached the journal, it goes there now: the history stays whole.
  commit([&](store::transaction& tx) {
    if (!journaled)
      journal(tx, store::journal_topic::alarm, storage_fault_type,
              {{"severity", "critical"}, {"active", true}});
    journal(tx, store::journal_topic::alarm, storage_fault_type,
            {{"severity", "critical"}, {"active", false}});
    db_.settings().set(tx, storage_fault_key, "0");
  });
}

void controller::clear_storage_fault_of_last_run() {
  if (db_.settings().get(storage_fault_key).value_or("0") != "1") return;
  storage_fault_since_ = clock_.wall_now();
  storage_fault_journaled_ = true;
  storage_recovered();
}

}  // namespace locker::controller
