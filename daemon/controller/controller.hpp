// SPDX-License-Identifier: Apache-2.0
// The locker's controller: owns the compartments' state machines, answers the keypad
// flows, and commits every state change together with the event that reports it, in one
// SQLite transaction, before anyone is told it worked. Runs on the event loop's thread.
//
// Errors on the event loop (the one convention, used by every entry point below): each call
// from the loop (the keypad's locker_services, the compartments' observer calls, the expiry,
// lockout and power handlers) runs its work through guarded(). A database error there is
// logged with what was being done and for which compartment, raises the storage_fault alarm
// (once, until a commit succeeds again), and gets the caller its "cannot do this now" answer
// (the keypad's `unavailable`), never a business answer such as "no free compartment" or a
// counted wrong code. Nothing escapes onto the loop.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/access/attempt_limiter.hpp"
#include "daemon/compartment/compartment.hpp"
#include "daemon/config/config.hpp"
#include "daemon/config/settings_in_force.hpp"
#include "daemon/controller/operation.hpp"
#include "daemon/hardware/cabinet_hardware.hpp"
#include "daemon/keypad/locker_services.hpp"
#include "daemon/security/secret_key.hpp"
#include "daemon/store/lockout_repository.hpp"
#include "daemon/store/store.hpp"
#include "daemon/tokens/verifier.hpp"
#include "drivers/clock.hpp"

namespace locker::controller {

class controller final : public compartment::compartment_observer, public keypad::locker_services {
 public:
  // Everything referenced must outlive the controller. It reads the settings in force when it
  // acts and is told of each change (the lockout budgets, the doors' limits, the hardware's
  // pulse, gap and debounce follow from the next use on).
  controller(store::store& db, const security::secret_key& key, drivers::clock& clock,
             hardware::cabinet_hardware& hardware, config::settings_in_force& settings);
  controller(const controller&) = delete;
  controller& operator=(const controller&) = delete;
  ~controller() override;

  // Brings every compartment back from the database, reconciles it with its sensors
  // (reporting what differs), expires parcels whose window ended while the locker was
  // down, and arms the expiry and lockout timers. Call once, after the locks are safe.
  void start();

  // The keypad session to tell about doors; may be null.
  void set_session(keypad::session_events* session) { session_ = session; }
  // The observers are told after the action a commit was for, never inside it: posted onto
  // the loop (a 0 ms timer on the clock), so nothing that builds or publishes the state runs
  // between a person's intent on disk and the coil. The commits of one turn of the loop are
  // told once: on_journal first (if any of them journaled events), then on_change.
  // Called after commits that journaled events (the MQTT relay wakes up on it).
  void on_journal(std::function<void()> fn) { on_journal_ = std::move(fn); }
  // Called after successful commits (the MQTT reporter republishes the state on it).
  void on_change(std::function<void()> fn) { on_change_ = std::move(fn); }

  // --- locker_services (the keypad flows) ---------------------------------------------
  [[nodiscard]] std::vector<std::string> sizes() const override;
  // The recipients' pickup codes' lockout (the keypad's idle screen).
  [[nodiscard]] std::chrono::seconds lockout_remaining() override;
  // The couriers' PINs' (and badges') lockout: its own budget, which no wrong pickup code
  // touches, so that a vandal at the keypad cannot keep couriers out (issue 12).
  [[nodiscard]] std::chrono::seconds courier_lockout_remaining() override;
  keypad::pickup_answer pickup(std::string_view code) override;
  // A scanned signed token (token_pickup.cpp, protocol/tokens.md).
  keypad::token_answer token_pickup(std::string_view token) override;
  std::optional<keypad::courier_identity> courier_login(std::string_view pin) override;
  keypad::badge_answer courier_badge(std::string_view badge) override;
  std::optional<keypad::courier_identity> courier_badge_pin(std::string_view courier_id,
                                                            std::string_view pin) override;
  [[nodiscard]] std::optional<std::string> announced_size(std::string_view tracking) override;
  keypad::deposit_answer begin_deposit(const keypad::courier_identity& courier,
                                       std::string_view tracking_number,
                                       std::string_view size) override;
  keypad::deposit_answer deposit_bigger(std::string_view compartment) override;
  void abandon_deposit(std::string_view compartment, keypad::abandon_reason why) override;
  [[nodiscard]] std::vector<keypad::removal_item> removals() override;
  // With the courier's carrier (dropoffs.cpp): expired, cancelled, then outbound parcels.
  [[nodiscard]] std::vector<keypad::removal_item> removals_for(
      const keypad::courier_identity& courier) override;
  bool begin_removal(const keypad::courier_identity& courier, std::int64_t parcel_id) override;
  // While storage_fault is raised: it clears at the first commit that succeeds, so after a
  // call it says whether that call failed on the database.
  [[nodiscard]] bool out_of_order() override { return storage_fault_since_.has_value(); }
  void set_extended_time(bool on) override { extended_time_ = on; }

  // --- operator actions (MQTT, admin) ---------------------------------------------------
  // Unlocks one compartment for an operator; done(outcome) follows when the door opened or
  // did not (never for a refusal). with_intent (optional) runs in the transaction that
  // records the unlock before the coil moves, with the audit entry: what must be on disk
  // exactly when the unlock is (the command's req_id, so a redelivery never unlocks twice).
  compartment::open_status open_by_operator(
      std::string_view id, std::string_view by, std::string_view reason,
      std::function<void(compartment::open_outcome)> done,
      const std::function<void(store::transaction&)>& with_intent = {});
  // nullopt for an unknown compartment.
  [[nodiscard]] const compartment::compartment* find(std::string_view id) const;
  [[nodiscard]] std::vector<const compartment::compartment*> compartments() const;

  // --- operator actions (MQTT commands) ---
  // Defined in operator_actions.cpp.
  // A deposit, pickup, removal or operator opening is under way there, or its lock is
  // moving: an operator must not interleave with it. false for an unknown compartment.
  [[nodiscard]] bool in_use(std::string_view id);
  // What the operator asked for ("operation" saved with the compartment): "deposit",
  // "pickup", "removal", "operator", "given_up" (kind_of()); empty when none; "unknown" when
  // what is saved cannot be read (it counts as in use).
  [[nodiscard]] std::string operation_kind(std::string_view id);
  // The compartment where a courier's deposit for this reservation is under way (the
  // door is open or about to be; closing it stores the parcel), or nullopt.
  [[nodiscard]] std::optional<std::string> deposit_under_way(std::string_view reservation_id);
  // failed: the database refused; sensors_disagree: see service_result::why.
  enum class service_answer { done, not_found, busy, sensors_disagree, failed };
  struct service_result {
    service_answer answer = service_answer::failed;
    // sensors_disagree: why the fault cannot be cleared yet (a sentence for the operator).
    // done: the faults that were cleared, comma-separated ("" if none).
    std::string detail;
  };
  // Takes a compartment out of service or back in; persisted and audited (actor `by`).
  // Back into service also clears lock_fault and sensor_fault: the operator says the
  // compartment was checked. Only when its sensors back that (compartment::sensors_agree);
  // otherwise nothing changes. The alarms' `active: false` events, the service change and
  // the audit entry commit in one transaction. Out of service always succeeds.
  service_result set_service_by_operator(std::string_view id, bool in_service, std::string_view by,
                                         std::string_view reason);
  // The keypad's attempt budgets (access_and_lockout.cpp).
  enum class access_budget { pickup_code, courier };
  [[nodiscard]] static std::string_view budget_name(access_budget b);
  struct lockout_clear_result {
    bool done = false;                  // false: the database refused; nothing changed
    std::vector<std::string> cleared;   // the budgets that had anything counted
    std::vector<std::string> unlocked;  // of those, the ones that were locked out
  };
  // The operator's clearing (lockout_clear, lockeradm lockout clear): the budget (nullopt:
  // both) forgets its wrong attempts, back-off and lockout; persisted and audited (actor by),
  // with the keypad_lockout alarm's end when no budget stays locked out, in one transaction.
  lockout_clear_result clear_lockout(std::optional<access_budget> which, std::string_view by);

  // The settings in force (cfg/desired changes them through it), and their configuration.
  [[nodiscard]] config::settings_in_force& settings() { return settings_; }
  [[nodiscard]] const config::locker_config& current_config() const { return cfg_; }
  // Since when the cabinet runs on its backup supply (the `power` alarm); nullopt on mains.
  [[nodiscard]] std::optional<drivers::wall_time> power_alarm_since() const { return power_since_; }
  // A database error met outside the controller's own work, by a module that reports on it
  // (the state report's reads): logged with `what`, and the storage_fault alarm raised as
  // guarded() does (it clears at the next commit that succeeds).
  void storage_error_outside(std::string_view what, const char* error);
  // Since when the database refuses reads or writes (the `storage_fault` alarm, kept in
  // memory: it may not be writable); nullopt once a commit succeeded again.
  // Since when the clock_step alarm is raised (the wall clock was set); nullopt when not.
  [[nodiscard]] std::optional<drivers::wall_time> clock_step_since() const {
    return clock_step_since_;
  }
  [[nodiscard]] std::optional<drivers::wall_time> storage_fault_since() const {
    return storage_fault_since_;
  }
  // Since when the books_lost alarm is raised (books_lost.cpp): this start replaced a damaged
  // database; nullopt when not, or once every compartment was checked.
  [[nodiscard]] std::optional<drivers::wall_time> books_lost_since() const {
    return books_lost_since_;
  }

  // --- held compartments and expiring reservations (holds.cpp; issue 13, flow "hold") ---
  // The compartment a new hold of this size would get: the smallest free one that fits and
  // that no other hold has; nullopt if there is none (or the size is unknown). Reads only.
  [[nodiscard]] std::optional<std::string> compartment_to_hold(std::string_view size);
  // After a reservation or a hold was written outside the controller (reservation_create,
  // reservation_cancel): the timer of the holds' deadlines and the reservations' expiry is
  // armed for the next one.
  void holds_changed();

  // --- compartment_observer ---------------------------------------------------------------
  void door_opened(std::string_view id, compartment::open_cause cause) override;
  void door_closed(std::string_view id, compartment::open_cause cause) override;
  void alarm(std::string_view id, compartment::alarm_type type,
             compartment::alarm_severity severity, bool active) override;
  void open_result(std::string_view id, compartment::open_outcome outcome) override;
  void service_changed(std::string_view id, compartment::service_state service,
                       std::string_view reason) override;

 private:
  struct slot;  // one compartment: its state machine and what it is open for

  slot* find_slot(std::string_view id);
  // A compartment that may take a parcel: in service, closed, locked, empty, not busy.
  [[nodiscard]] bool free_for_deposit(const slot& s);
  // The smallest free compartment of rank >= min_rank, skipping `except`. accessible: a low
  // one (its handle at most 1220 mm high) first, when one of those is free.
  slot* choose_compartment(int min_rank, std::string_view except = {}, bool accessible = false);
  // Commits the operation on s (and `also`, in the same transaction) and unlocks it; false
  // (nothing changed) if refused.
  // left_open_factor: for the door's door_left_open (extended time, keypad_left_open_factor()).
  bool open_for(slot& s, compartment::open_cause cause, operation op,
                const std::function<void(store::transaction&)>& also = {},
                int left_open_factor = 1);
  // Extended time (issue 13): what door_left_open is multiplied by for a door the keypad opens.
  [[nodiscard]] int keypad_left_open_factor(bool for_this_parcel = false) const {
    return extended_time_ || for_this_parcel ? cfg_.policy.extended_time_factor : 1;
  }
  // A recipient's pickup of the stored parcel p in s, whose op is none: commits the intent (and
  // `also`, in its transaction) and unlocks, or tells the session on the loop that it cannot
  // open (faulty). `opening` either way; throws storage_unavailable when the database refused.
  // Shared by every way a recipient is let in (a typed code, a scanned token).
  keypad::pickup_answer open_for_pickup(slot& s, const store::parcel_record& p,
                                        const std::function<void(store::transaction&)>& also = {});
  // What token_pickup() answers for a refused token: counted as a wrong code (throws, counting
  // nothing, when the count cannot be kept).
  keypad::token_answer refuse_token(tokens::refusal why, const tokens::token_claims* claims);
  keypad::deposit_answer start_deposit_in(slot& s, const deposit_operation& deposit);
  void report_deposit_failed(const std::string& tracking_number, std::string_view reason);
  // The work of door_closed() and open_result(), inside their guarded(); they throw when the
  // database refused.
  void book_door_closed(slot& s, const operation& op, compartment::open_cause cause);
  void book_open_result(slot& s, compartment::open_outcome outcome);

  // --- the error boundary (error_boundary.cpp, controller_internal.hpp) ---
  // Runs fn, the work of one entry point from the loop. A store_error (or any other
  // std::exception) is logged with `what` and `compartment`, a store_error raises the
  // storage_fault alarm, and `failed` is returned. Inside a commit's transaction it lets the
  // error through, so that the commit undoes all of it.
  template <class R, class F>
  R guarded(std::string_view what, std::string_view compartment, R failed, F&& fn);
  // As above for work with no answer: false when it failed.
  template <class F>
  bool guarded(std::string_view what, std::string_view compartment, F&& fn);
  // As commit(), for work that cannot go on without it: throws storage_unavailable (already
  // logged and alarmed by commit()) when the database refused, for guarded() to answer.
  void must_commit(const std::function<void(store::transaction&)>& fn);
  // An error while doing `what`: logged; from the database (`storage`), it raises
  // storage_fault if that is not raised yet.
  void storage_failed(std::string_view what, std::string_view compartment, const char* error,
                      bool storage);
  // A commit succeeded while storage_fault is raised: clears it (journaled).
  void storage_recovered();
  // At start: the database works again, so a storage_fault the last run journaled ends.
  void clear_storage_fault_of_last_run();
  // What guarded() is doing now, for the log of a commit that fails inside it.
  struct doing {
    std::string_view what;
    std::string_view compartment;
  };

  // Runs fn in one transaction and commits; saves each slot in `changed`. Wakes the
  // journal listener when events were added. Returns false (after logging) if the
  // database refused: nothing of it happened. Inside commit_together(), fn runs in that
  // transaction instead.
  bool commit(const std::function<void(store::transaction&)>& fn);
  // As commit(), for a change that nothing in the state report shows (the budgets' checkpoint
  // while a lockout lasts): unless it journaled events, on_change is not told, so the tracking
  // system is not sent the same state again (every 5 minutes of a 72 h lockout).
  bool commit_unshown(const std::function<void(store::transaction&)>& fn);
  bool commit(const std::function<void(store::transaction&)>& fn, bool shown);
  // As commit(), and every commit() made while fn runs (the compartments' observer calls)
  // joins this one transaction: all of it happens, or none.
  bool commit_together(const std::function<void(store::transaction&)>& fn);
  // Tells on_journal and on_change what the commits since the last call did.
  void notify_observers();
  // opening: save it as an unlock in progress for that cause (before the coil moves).
  void save(store::transaction& tx, slot& s, std::optional<compartment::open_cause> opening = {});
  store::event journal(store::transaction& tx, store::journal_topic topic, std::string_view type,
                       const nlohmann::json& fields,
                       std::optional<std::int64_t> code_of_parcel = std::nullopt);

  // Wrong code (pickup_code) or PIN (courier): counts it in that budget and locks it out
  // after max_code_attempts. Throws (for guarded()) when it could not be counted.
  void count_wrong_attempt(access_budget b);
  // What remains of the budget's lockout, rounded up to whole seconds.
  [[nodiscard]] std::chrono::seconds lockout_left(access_budget b);
  access::attempt_limiter& limiter(access_budget b);
  // The steady clock, as the limiters take it.
  [[nodiscard]] std::chrono::milliseconds steady_ms() const;
  // In the constructor: the budgets as saved (lockout_repository.hpp says how time counts).
  void load_budgets();
  void save_budget(store::transaction& tx, access_budget b, const access::attempt_limiter& l,
                   std::chrono::milliseconds now);
  // While a lockout runs: saves what remains, so that a power cut lengthens it by at most
  // one checkpoint's time.
  void checkpoint_budgets();
  // Logs a step of the wall clock against the steady one; nothing else follows from it.
  // Clock trust (clock_trust.cpp): compares the wall clock with the steady one; a step is
  // logged, reported as the clock_step alarm, and the wall-clock deadlines are looked at anew.
  void note_wall_clock();
  void report_clock_step(std::chrono::milliseconds step);
  void arm_lockout_timer();
  void lockout_ended();

  // At start, for an unlock of the old process whose door is shut again: the cause to report
  // its opening and closing with, if the presence sensor shows the operation `op` was done.
  std::optional<compartment::open_cause> done_while_down(const slot& s, const operation& op);
  // Clears the compartment's tamper alarm if its missing parcel is accounted for now.
  // Inside commit_together().
  void account_for_contents(store::transaction& tx, slot& s);
  // --- the books against the presence sensor (contents.cpp) ---
  // Who closed the door that check_contents() looks behind: an operator's opening clears
  // unexpected_contents when the books and the sensor agree again.
  enum class looked : bool { no, by_operator };
  // Behind a closed door with a trusted presence sensor: a parcel on file that is not seen is
  // tamper, something seen that no parcel on file accounts for is unexpected_contents, and
  // parcel_left_inside ends once its parcel left the compartment or the books. Without a
  // presence sensor only account_for_contents(). Inside commit_together().
  void check_contents(store::transaction& tx, slot& s, looked who);
  // A pickup's door closed on its parcel: the session has session_idle to reopen it (the
  // compartment is remembered on disk, so a restart in between still reports it).
  void start_left_inside_window(store::transaction& tx, slot& s);
  // The compartment's door closed otherwise: no window runs for it any more.
  void end_left_inside_window(store::transaction& tx, slot& s);
  void left_inside_window_ended(slot& s);
  // At start, after reconciling: the windows of the last run are over (their parcels, still
  // inside, are parcel_left_inside), and something seen that no parcel on file accounts for is
  // unexpected_contents. Commits only where something changes.
  void check_contents_at_start();
  // --- a start in place of a damaged database (books_lost.cpp) ---
  // At start, if state_folder set a damaged database aside: the books_lost alarm (journaled
  // once), and every compartment whose presence sensor cannot tell what is inside out of
  // service (reason books_lost) until an operator had it checked.
  void take_up_lost_books();
  // A compartment went back in service (inside its commit): the alarm's end is journaled with
  // the last one (true); call lost_books_checked() once that commit succeeded.
  bool end_lost_books_if_checked(store::transaction& tx);
  void lost_books_checked();
  // At start: what lockeradm in-service asked while lockerd ran (store::in_service_requests::add).
  void carry_out_in_service_requests();
  // The backup_power line: its reading at start, then every change, as the power alarm.
  void start_power_watch();
  void power_changed(bool on_backup);

  // --- drop-off, returns, outbound collection (dropoffs.cpp) ---
  // The answer to a typed drop-off code (it opened a compartment, or none was free), or
  // nullopt when the code is no announced drop-off's: then it is a pickup code, or wrong.
  std::optional<keypad::pickup_answer> dropoff_by_code(std::string_view code);
  // A drop-off's door closed with the parcel inside: stores it outbound (dropped_off).
  void book_dropoff(store::transaction& tx, slot& s, const deposit_operation& d,
                    drivers::wall_time now);
  // Whether a courier of this carrier (none: every carrier) may take the parcel out.
  bool carrier_may_take(const std::optional<std::string>& courier_carrier, std::int64_t parcel_id);
  // "dropoff" or "return" for an outbound parcel (a courier may take it out), else nullopt.
  std::optional<std::string> outbound_removal_reason(const store::parcel_record& p);

  void expire_due_parcels();
  void arm_expiry_timer();
  // --- flow "hold" (holds.cpp) ---
  // The reservation's held compartment if it is free for its deposit (and of rank >= min_rank).
  slot* held_for(std::string_view reservation_id, int min_rank);
  // s left service: its hold (if any) moves to another free compartment of at least its rank
  // (hold_moved), else ends (hold_lost). Inside the commit that saves s.
  void move_hold_off(store::transaction& tx, slot& s);
  // Holds past their deadline end (hold_expired); announced reservations older than
  // reservation_expiry_h expire (reservation_expired). Then arms the timer for the next.
  void end_due_holds_and_reservations();
  void arm_reservation_timer(bool retry_soon = false);
  // Several parcels, one code (multi): the compartments of the stored parcels a typed code
  // matched (found), in board order; none when they are several and do not all have the same
  // non-empty recipient key (the code is ambiguous: it opens nothing).
  std::vector<slot*> pickup_slots(const std::vector<store::parcel_record>& found);
  // A pickup code no live code shares; nullopt if none could be drawn. Call inside the
  // transaction that stores it.
  std::optional<std::string> new_pickup_code();
  void update_alarm_indicator();
  // What follows from a change of the settings in force: the budgets' policy (code attempts,
  // lockout base; code digits and the pickup window are read when used), the compartments'
  // open_detect and door_left_open, the hardware's lock_pulse, coil_gap and debounce; from the
  // next code, lockout, unlock, door opening, pulse or edge on, what is running keeps its length.
  void settings_changed();

  store::store& db_;
  const security::secret_key& key_;
  drivers::clock& clock_;
  hardware::cabinet_hardware& hardware_;
  config::settings_in_force& settings_;
  const config::locker_config& cfg_;  // settings_.config(): always the values in force
  std::size_t settings_listener_ = 0;
  tokens::verifier tokens_;  // the tracking system's keys (cfg_.tokens)
  std::vector<std::unique_ptr<slot>> slots_;
  keypad::session_events* session_ = nullptr;
  std::function<void()> on_journal_;
  std::function<void()> on_change_;
  bool journaled_ = false;                  // the current transaction added events
  bool journal_due_ = false;                // on_journal is owed (notify_timer_ is armed)
  bool change_due_ = false;                 // on_change is owed (notify_timer_ is armed)
  store::transaction* together_ = nullptr;  // the transaction of commit_together(), if any
  // While start() reconciles: an open_result then answers an unlock of the old process.
  bool reconciling_ = false;
  drivers::timer expiry_timer_;
  drivers::timer lockout_timer_;
  access::attempt_limiter codes_;                         // recipients' pickup codes
  access::attempt_limiter couriers_;                      // couriers' PINs (and badges)
  std::optional<std::chrono::milliseconds> wall_offset_;  // wall minus steady, last seen
  drivers::timer notify_timer_;
  drivers::timer reservation_timer_;  // holds' deadlines and reservations' expiry (holds.cpp)
  std::optional<drivers::wall_time> power_since_;
  // The clock_step alarm: raised at a step of the wall clock, cleared after clock_step_shown.
  std::optional<drivers::wall_time> clock_step_since_;
  drivers::timer clock_step_timer_;
  // The storage_fault alarm: since when, and whether its raising reached the journal.
  std::optional<drivers::wall_time> storage_fault_since_;
  bool storage_fault_journaled_ = false;
  // The books_lost alarm: since when (as state_folder recorded it), and what was set aside.
  std::optional<drivers::wall_time> books_lost_since_;
  std::string books_lost_moved_to_;
  int tx_depth_ = 0;  // > 0 while a commit's work runs (guarded() lets errors through then)
  doing doing_;       // the innermost guarded() work
  // The compartments whose left-inside window runs (kept on disk too: contents.cpp).
  std::set<std::string> left_inside_;
  bool extended_time_ = false;  // the keypad session's extended-time mode (issue 13)
};

}  // namespace locker::controller
