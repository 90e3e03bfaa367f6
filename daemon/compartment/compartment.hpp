// SPDX-License-Identifier: Apache-2.0
// One compartment's state machine. It trusts the door sensor, not the lock command, and
// owns no persistence: every fact goes to a compartment_observer, which (in the controller)
// commits the fact and its event in one transaction.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "drivers/clock.hpp"
#include "drivers/hardware.hpp"

namespace locker::compartment {

enum class lock_state : std::uint8_t { locked, unlocking };
enum class door_state : std::uint8_t { closed, open };
enum class service_state : std::uint8_t { in_service, out_of_service, faulty };

// Why the door is open (protocol/README.md evt/door `cause`). `operator` is a C++ keyword, so that
// value is by_operator; to_string gives "operator".
enum class open_cause : std::uint8_t { deposit, pickup, courier_removal, by_operator, none };

// The contents alarms contradict or question the books, from the presence sensor: tamper (a
// parcel on file that the sensor does not see), parcel_left_inside (a pickup closed on its
// parcel and not reopened in the session), unexpected_contents (something inside that no parcel
// on file accounts for). The controller raises and clears them (set_contents_alarm); the
// compartment only keeps them.
enum class alarm_type : std::uint8_t {
  door_forced,
  door_left_open,
  lock_fault,
  sensor_fault,
  tamper,
  parcel_left_inside,
  unexpected_contents
};
inline constexpr std::array<alarm_type, 7> all_alarm_types{
    alarm_type::door_forced,        alarm_type::door_left_open, alarm_type::lock_fault,
    alarm_type::sensor_fault,       alarm_type::tamper,         alarm_type::parcel_left_inside,
    alarm_type::unexpected_contents};
enum class alarm_severity : std::uint8_t { warning, critical };

// How an accepted open() ended (compartment_open reply `door`). abandoned: an unlock that
// the process before a restart had started, whose door did not open after all (no fault is
// known: its pulse may never have fired).
enum class open_outcome : std::uint8_t { opened, not_detected, abandoned };

// The answer of open() itself: accepted, or why nothing was done.
enum class open_status : std::uint8_t {
  accepted,
  not_in_service,     // out of service or faulty
  busy,               // an unlock is already waiting for the door
  door_already_open,  // nothing to unlock
  invalid_cause,      // open_cause::none is not a reason to open
  storage_error,      // the database refused the intent: nothing unlocked (logged, alarmed)
};

// Whether the sensors allow a fault to be cleared now (compartment::sensors_agree).
enum class clear_check : std::uint8_t {
  ok,
  door_open,         // the door sensor reads open
  sensor_unsettled,  // a sensor changed within the chatter window (it may still chatter)
  sensor_line_down,  // a sensor's line stopped answering and has not come back
};

// Exactly the strings of the contract (protocol/README.md, `…/state`).
[[nodiscard]] std::string_view to_string(lock_state s);
[[nodiscard]] std::string_view to_string(door_state s);
[[nodiscard]] std::string_view to_string(service_state s);
[[nodiscard]] std::string_view to_string(open_cause c);
[[nodiscard]] std::string_view to_string(alarm_type a);
[[nodiscard]] std::string_view to_string(alarm_severity s);
[[nodiscard]] std::string_view to_string(open_outcome o);
[[nodiscard]] std::string_view to_string(open_status s);
// A sentence for the operator: why the fault cannot be cleared yet ("" for ok).
[[nodiscard]] std::string_view to_string(clear_check c);
// The inverse, for reading back what the controller stored; nullopt for an unknown string.
[[nodiscard]] std::optional<open_cause> open_cause_from_string(std::string_view s);
[[nodiscard]] std::optional<alarm_type> alarm_type_from_string(std::string_view s);

// door_forced, lock_fault, sensor_fault, tamper and unexpected_contents are critical (someone
// must go to the cabinet); door_left_open and parcel_left_inside are warnings.
[[nodiscard]] alarm_severity severity_of(alarm_type a);

// The set of active alarms of one compartment.
class alarm_set {
 public:
  [[nodiscard]] bool has(alarm_type a) const { return (bits_ & bit(a)) != 0; }
  void set(alarm_type a, bool active) { bits_ = active ? (bits_ | bit(a)) : (bits_ & ~bit(a)); }
  [[nodiscard]] bool empty() const { return bits_ == 0; }
  friend bool operator==(alarm_set, alarm_set) = default;

 private:
  static constexpr unsigned bit(alarm_type a) { return 1U << static_cast<unsigned>(a); }
  unsigned bits_ = 0;
};

// Called on the event loop, after the compartment's own state is updated, so an observer may
// read it (and call back into it). The controller persists each call with its event.
class compartment_observer {
 public:
  virtual ~compartment_observer() = default;
  virtual void door_opened(std::string_view id, open_cause cause) = 0;
  virtual void door_closed(std::string_view id, open_cause cause) = 0;
  virtual void alarm(std::string_view id, alarm_type type, alarm_severity severity,
                     bool active) = 0;
  // Completes an accepted open(); exactly one per accepted open().
  virtual void open_result(std::string_view id, open_outcome outcome) = 0;
  // reason: the operator's reason for out_of_service, the fault alarm's name for faulty,
  // empty for in_service.
  virtual void service_changed(std::string_view id, service_state service,
                               std::string_view reason) = 0;
};

struct settings {
  // From the moment the coil is energized (the lock's on_pulse), not from the request: a
  // pulse may wait for the shared coil supply, and the door cannot open before it fires.
  std::chrono::milliseconds open_detect{5000};
  // How long an unlock may wait for its pulse to start at all: longer than the worst queue
  // on the coil supply (the controller sets every other compartment's longest pulse plus
  // the gap). Reached only when the supply is held by a coil that cannot be switched off.
  std::chrono::milliseconds pulse_wait{60'000};
  std::chrono::milliseconds door_left_open{120'000};
  // Chatter is a sensor_fault: the sensor says so itself (edges inside its debounce window
  // that never settle, on_chatter), or its debounced changes come faster than a hand moves a
  // door or a parcel: chatter_limit changes within chatter_window, each ending a level held
  // shorter than person_hold. A person opening and shutting a door quickly holds each level
  // longer, so none of that counts, however many.
  std::chrono::milliseconds chatter_window{2000};
  int chatter_limit = 10;
  std::chrono::milliseconds person_hold{100};
};

// What the database says about a compartment: the sum of the facts reported so far.
struct saved_state {
  door_state door = door_state::closed;
  open_cause cause = open_cause::none;  // why the door is open (or was being opened)
  bool open_pending = false;            // an accepted open() had not completed at the crash
  bool out_of_service = false;          // the operator's choice; faults are in alarms
  std::string service_reason;
  alarm_set alarms;  // lock_fault or sensor_fault here means faulty
};

// Persisting: saved() is already up to date when an observer call arrives, so the controller
// can store it with the call's event; after an accepted open() it stores saved() too
// (open_pending), so that a crash before the result is answered by reconcile().
class compartment {
 public:
  // Everything referenced must outlive the compartment. presence may be null.
  compartment(std::string id, std::string size, drivers::lock& lock_device,
              drivers::door_sensor& door_sensor, drivers::presence_sensor* presence,
              drivers::clock& time, const settings& limits, compartment_observer& observer);
  compartment(const compartment&) = delete;
  compartment& operator=(const compartment&) = delete;
  ~compartment();

  // Unlocks (one pulse) and waits up to open_detect, from the moment the pulse fires, for the
  // door sensor. Accepted: exactly one open_result() follows, `opened` after
  // door_opened(id, cause), or `not_detected` after the compartment turned faulty with a
  // lock_fault alarm (and the lock was released: a pulse still waiting is dropped, so it can
  // never open the door later). Refused: nothing changes.
  // left_open_factor (accessibility: extended time, issue 13) multiplies door_left_open for
  // the opening this unlock leads to, and for no other.
  [[nodiscard]] open_status open(open_cause cause, int left_open_factor = 1);

  // New limits, from the next unlock (open_detect) or door opening (door_left_open) on; a
  // wait already running keeps its length.
  void set_limits(const settings& limits) { settings_ = limits; }
  [[nodiscard]] const settings& limits() const { return settings_; }

  // Takes the compartment out of service or back in. A fault stays until clear_fault():
  // putting a faulty compartment in service records the wish and reports nothing.
  void set_service(bool in_service, std::string_view reason);

  // Whether the sensors now back a claim that the compartment is fine: the door reads
  // closed, no sensor line is down, and no sensor changed within chatter_window.
  [[nodiscard]] clear_check sensors_agree() const;

  // A person's word that the lock and sensors are fine (the operator, after having them
  // checked; callers check sensors_agree() first): clears lock_fault and sensor_fault, then
  // reports whatever the door did while its sensor was not trusted. Returns false when
  // there was no fault to clear.
  bool clear_fault();

  // The controller's finding about the contents: a parcel on file is missing (true), or is
  // accounted for again (false). Reported like any alarm; not a fault (service is unchanged).
  void set_tamper(bool active) { set_alarm(alarm_type::tamper, active); }
  // The same for the other contents alarms (tamper, parcel_left_inside, unexpected_contents);
  // any other type is ignored: faults and door alarms are the compartment's own findings.
  void set_contents_alarm(alarm_type a, bool active) {
    if (a == alarm_type::tamper || a == alarm_type::parcel_left_inside ||
        a == alarm_type::unexpected_contents)
      set_alarm(a, active);
  }

  // At start, before reconcile(): takes what the database said, reporting nothing.
  void restore(const saved_state& saved);
  // At start, after restore(): compares the saved state with the sensors now and reports
  // every difference through the observer. Never touches the lock. An unlock the old process
  // had started is answered with open_result(`not_detected`) first.
  void reconcile();
  // Only from that open_result: the unlock is not over yet if the door still reads shut. Its
  // latch may have let go just before the restart (the door springs a moment later), or its
  // contact may still be bouncing. It is resumed without a new pulse: the door opening within
  // open_detect is that unlock's (door_opened with the saved cause, then `opened`); else
  // open_result(`abandoned`), with no lock_fault. False (nothing changed) if the door reads
  // open, the sensor is not trusted, or there is no such unlock.
  bool resume_unlock();
  // Whether a resumed unlock is waiting for its door.
  [[nodiscard]] bool resumed() const { return resumed_; }
  // Ends a resumed unlock now, as if its wait had run out (open_result `abandoned`): the
  // person now at the keypad for this compartment goes before one who may have left.
  void abandon_resumed_unlock();

  [[nodiscard]] const std::string& id() const { return id_; }
  [[nodiscard]] const std::string& size() const { return size_; }
  [[nodiscard]] lock_state lock() const { return lock_; }
  // The door as last reported. While sensor_fault is active a change is reported only once
  // the sensor has held it for person_hold (a move, not an edge of the chatter).
  [[nodiscard]] door_state door() const { return door_; }
  [[nodiscard]] service_state service() const;
  [[nodiscard]] std::string_view service_reason() const;
  [[nodiscard]] open_cause cause() const { return cause_; }
  [[nodiscard]] const alarm_set& alarms() const { return alarms_; }
  // nullopt without a presence sensor.
  [[nodiscard]] std::optional<bool> occupied() const;
  // The state to persist; restore(saved()) gives the same compartment back.
  [[nodiscard]] saved_state saved() const;

 private:
  void door_changed(bool open);
  void presence_changed(bool occupied);
  void pulse_started();
  void open_detect_expired();
  void resumed_unlock_expired();
  // The unlock under way did not succeed: back to locked, the lock released.
  void give_up_unlock();
  // A line the compartment depends on stopped working (or works again).
  void lock_line_failed(std::error_code ec);
  void sensor_line_failed(std::string_view sensor, std::error_code ec);
  void door_left_open_expired();
  // One sensor's recent changes, for telling chatter from a person.
  struct sensor_history {
    std::optional<drivers::steady_time> last_change;
    std::deque<drivers::steady_time> short_changes;  // within chatter_window
  };
  // Records a change of one sensor; true when that sensor now chatters.
  bool chatters(sensor_history& history);
  // The sensor itself found its contact chattering.
  void chatter_found(std::string_view sensor);
  // Under sensor_fault: the door sensor held its level for person_hold; reported if it differs.
  void door_steady_while_faulty();
  // Sets or clears one alarm and reports it, if it changes; reports service when that changes.
  void set_alarm(alarm_type a, bool active);
  void raise_sensor_fault();
  // Brings door_ in line with the sensor, reporting the difference (reconcile, clear_fault).
  // A door found open is door_forced unless our own unlock may explain it.
  void sync_door(bool unlocked_by_us);
  void report_service_if_changed(service_state before);

  std::string id_;
  std::string size_;
  drivers::lock& lock_dev_;
  drivers::door_sensor& door_sensor_;
  drivers::presence_sensor* presence_;
  drivers::clock& clock_;
  settings settings_;
  compartment_observer& observer_;

  lock_state lock_ = lock_state::locked;
  door_state door_ = door_state::closed;
  open_cause cause_ = open_cause::none;
  open_cause pending_cause_ = open_cause::none;
  int pending_left_open_factor_ = 1;               // open()'s, for the door it opens
  bool open_pending_at_start_ = false;             // from restore(), answered by reconcile()
  open_cause resumable_cause_ = open_cause::none;  // what that unlock was for
  bool resumed_ = false;                           // resume_unlock() is waiting
  bool out_of_service_ = false;
  std::string service_reason_;
  alarm_set alarms_;
  sensor_history door_changes_;
  sensor_history presence_changes_;
  bool door_line_down_ = false;
  bool presence_line_down_ = false;
  drivers::timer open_detect_timer_;
  drivers::timer left_open_timer_;
  drivers::timer door_steady_timer_;  // under sensor_fault: door_steady_while_faulty()
};

}  // namespace locker::compartment
