// SPDX-License-Identifier: Apache-2.0
#include "daemon/compartment/compartment.hpp"

#include <algorithm>
#include <utility>

#include "daemon/log/log.hpp"

namespace locker::compartment {

std::string_view to_string(lock_state s) {
  switch (s) {
    case lock_state::locked:
      return "locked";
    case lock_state::unlocking:
      return "unlocking";
  }
  return "unknown";
}

std::string_view to_string(door_state s) {
  switch (s) {
    case door_state::closed:
      return "closed";
    case door_state::open:
      return "open";
  }
  return "unknown";
}

std::string_view to_string(service_state s) {
  switch (s) {
    case service_state::in_service:
      return "in_service";
    case service_state::out_of_service:
      return "out_of_service";
    case service_state::faulty:
      return "faulty";
  }
  return "unknown";
}

std::string_view to_string(open_cause c) {
  switch (c) {
    case open_cause::deposit:
      return "deposit";
    case open_cause::pickup:
      return "pickup";
    case open_cause::courier_removal:
      return "courier_removal";
    case open_cause::by_operator:
      return "operator";
    case open_cause::none:
      return "none";
  }
  return "unknown";
}

std::string_view to_string(alarm_type a) {
  switch (a) {
    case alarm_type::door_forced:
      return "door_forced";
    case alarm_type::door_left_open:
      return "door_left_open";
    case alarm_type::lock_fault:
      return "lock_fault";
    case alarm_type::sensor_fault:
      return "sensor_fault";
    case alarm_type::tamper:
      return "tamper";
    case alarm_type::parcel_left_inside:
      return "parcel_left_inside";
    case alarm_type::unexpected_contents:
      return "unexpected_contents";
  }
  return "unknown";
}

std::string_view to_string(alarm_severity s) {
  switch (s) {
    case alarm_severity::warning:
      return "warning";
    case alarm_severity::critical:
      return "critical";
  }
  return "unknown";
}

std::string_view to_string(open_outcome o) {
  switch (o) {
    case open_outcome::opened:
      return "opened";
    case open_outcome::not_detected:
      return "not_detected";
    case open_outcome::abandoned:
      return "abandoned";
  }
  return "unknown";
}

std::string_view to_string(open_status s) {
  switch (s) {
    case open_status::accepted:
      return "accepted";
    case open_status::not_in_service:
      return "not_in_service";
    case open_status::busy:
      return "busy";
    case open_status::door_already_open:
      return "door_already_open";
    case open_status::invalid_cause:
      return "invalid_cause";
    case open_status::storage_error:
      return "storage_error";
  }
  return "unknown";
}

std::string_view to_string(clear_check c) {
  switch (c) {
    case clear_check::ok:
      return "";
    case clear_check::door_open:
      return "the door sensor reads open: close the door, then try again";
    case clear_check::sensor_unsettled:
      return "a sensor is still changing: wait until it is steady, then try again";
    case clear_check::sensor_line_down:
      return "a sensor's line does not answer: have the wiring checked";
  }
  return "unknown";
}

std::optional<open_cause> open_cause_from_string(std::string_view s) {
  for (auto c : {open_cause::deposit, open_cause::pickup, open_cause::courier_removal,
                 open_cause::by_operator, open_cause::none}) {
    if (to_string(c) == s) return c;
  }
  return std::nullopt;
}

std::optional<alarm_type> alarm_type_from_string(std::string_view s) {
  for (auto a : all_alarm_types) {
    if (to_string(a) == s) return a;
  }
  return std::nullopt;
}

alarm_severity severity_of(alarm_type a) {
  return a == alarm_type::door_left_open || a == alarm_type::parcel_left_inside
             ? alarm_severity::warning
             : alarm_severity::critical;
}

compartment::compartment(std::string id, std::string size, drivers::lock& lock_device,
                         drivers::door_sensor& door_sensor, drivers::presence_sensor* presence,
                         drivers::clock& time, const settings& limits,
                         compartment_observer& observer)
    : id_(std::move(id)),
      size_(std::move(size)),
      lock_dev_(lock_device),
      door_sensor_(door_sensor),
      presence_(presence),
      clock_(time),
      settings_(limits),
      observer_(observer),
      door_(door_sensor.open() ? door_state::open : door_state::closed),
      open_detect_timer_(time),
      left_open_timer_(time),
      door_steady_timer_(time) {
  door_sensor_.on_change([this](bool open) { door_changed(open); });
  door_sensor_.on_fault([this](std::error_code ec) {
    door_line_down_ = static_cast<bool>(ec);
    sensor_line_failed("door sensor", ec);
  });
  door_sensor_.on_chatter([this] { chatter_found("door sensor"); });
  if (presence_ != nullptr) {
    presence_->on_change([this](bool occupied) { presence_changed(occupied); });
    presence_->on_fault([this](std::error_code ec) {
      presence_line_down_ = static_cast<bool>(ec);
      sensor_line_failed("presence sensor", ec);
    });
    presence_->on_chatter([this] { chatter_found("presence sensor"); });
  }
  lock_dev_.on_pulse([this] { pulse_started(); });
  lock_dev_.on_fault([this](std::error_code ec) { lock_line_failed(ec); });
}

compartment::~compartment() {
  // The devices outlive us: leave them no handler pointing at a dead object.
  door_sensor_.on_change({});
  door_sensor_.on_fault({});
  door_sensor_.on_chatter({});
  if (presence_ != nullptr) {
    presence_->on_change({});
    presence_->on_fault({});
    presence_->on_chatter({});
  }
  lock_dev_.on_pulse({});
  lock_dev_.on_fault({});
}

service_state compartment::service() const {
  if (alarms_.has(alarm_type::lock_fault) || alarms_.has(alarm_type::sensor_fault)) {
    return service_state::faulty;
  }
  return out_of_service_ ? service_state::out_of_service : service_state::in_service;
}

std::string_view compartment::service_reason() const {
  switch (service()) {
    case service_state::faulty:
      return to_string(alarms_.has(alarm_type::lock_fault) ? alarm_type::lock_fault
                                                           : alarm_type::sensor_fault);
    case service_state::out_of_service:
      return service_reason_;
    case service_state::in_service:
      return {};
  }
  return {};
}

std::optional<bool> compartment::occupied() const {
  if (presence_ == nullptr) return std::nullopt;
  return presence_->occupied();
}

saved_state compartment::saved() const {
  saved_state s;
  s.door = door_;
  s.open_pending = lock_ == lock_state::unlocking;
  s.cause = s.open_pending ? pending_cause_ : cause_;
  s.out_of_service = out_of_service_;
  s.service_reason = service_reason_;
  s.alarms = alarms_;
  return s;
}

open_status compartment::open(open_cause cause, int left_open_factor) {
  if (cause == open_cause::none) return open_status::invalid_cause;
  if (service() != service_state::in_service) return open_status::not_in_service;
  if (lock_ == lock_state::unlocking) return open_status::busy;
  if (door_ == door_state::open || door_sensor_.open()) return open_status::door_already_open;

  lock_ = lock_state::unlocking;
  pending_cause_ = cause;
  pending_left_open_factor_ = std::max(1, left_open_factor);
  // open_detect counts from the pulse (pulse_started), which may wait behind other coils on
  // the shared supply; counted from here, a long queue would end the wait before the pulse
  // fired, and the late pulse would then pop a door open that looked forced. Until then,
  // the wait for the supply itself is bounded.
  open_detect_timer_.start(settings_.pulse_wait, [this] { open_detect_expired(); });
  lock_dev_.unlock();
  return open_status::accepted;
}

void compartment::pulse_started() {
  if (lock_ != lock_state::unlocking) return;
  open_detect_timer_.start(settings_.open_detect, [this] { open_detect_expired(); });
}

void compartment::give_up_unlock() {
  resumed_ = false;
  open_detect_timer_.cancel();
  lock_ = lock_state::locked;
  pending_cause_ = open_cause::none;
  pending_left_open_factor_ = 1;
  // A pulse still queued on the coil supply must never fire now: the door it opened would
  // be reported as forced.
  lock_dev_.release();
}

void compartment::open_detect_expired() {
  give_up_unlock();
  set_alarm(alarm_type::lock_fault, true);
  observer_.open_result(id_, open_outcome::not_detected);
}

void compartment::resumed_unlock_expired() {
  give_up_unlock();
  observer_.open_result(id_, open_outcome::abandoned);
}

void compartment::lock_line_failed(std::error_code ec) {
  log::error({log::message::compartment_fault, id_}, "compartment", id_,
             ": the lock's coil line failed (", ec.message(), "): lock_fault");
  const bool was_unlocking = lock_ == lock_state::unlocking;
  if (was_unlocking) give_up_unlock();
  set_alarm(alarm_type::lock_fault, true);
  if (was_unlocking) observer_.open_result(id_, open_outcome::not_detected);
}

void compartment::sensor_line_failed(std::string_view sensor, std::error_code ec) {
  if (!ec) {
    // Its readings are trusted again only when someone clears the fault (clear_fault), who
    // then also sees the door as it is now.
    log::info("compartment", id_, ": the ", sensor, " line answers again");
    return;
  }
  log::error({log::message::compartment_fault, id_}, "compartment", id_, ": the ", sensor,
             " line failed (", ec.message(), "): sensor_fault");
  raise_sensor_fault();
}

void compartment::set_service(bool in_service, std::string_view reason) {
  const service_state before = service();
  out_of_service_ = !in_service;
  service_reason_ = in_service ? std::string{} : std::string{reason};
  report_service_if_changed(before);
}

clear_check compartment::sensors_agree() const {
  if (door_line_down_ || presence_line_down_) return clear_check::sensor_line_down;
  const auto recent = [&](const sensor_history& h) {
    return h.last_change && *h.last_change + settings_.chatter_window > clock_.now();
  };
  if (recent(door_changes_) || recent(presence_changes_)) return clear_check::sensor_unsettled;
  if (door_sensor_.open()) return clear_check::door_open;
  return clear_check::ok;
}

bool compartment::clear_fault() {
  if (!alarms_.has(alarm_type::lock_fault) && !alarms_.has(alarm_type::sensor_fault)) {
    return false;
  }
  door_changes_ = {};
  presence_changes_ = {};
  door_steady_timer_.cancel();
  set_alarm(alarm_type::lock_fault, false);
  set_alarm(alarm_type::sensor_fault, false);
  // No unlock was possible while faulty, so a door found open now was not opened by us.
  sync_door(/*unlocked_by_us=*/false);
  return true;
}

void compartment::restore(const saved_state& saved) {
  open_detect_timer_.cancel();
  left_open_timer_.cancel();
  lock_ = lock_state::locked;  // all lock outputs are safe (locked) at start
  resumed_ = false;
  door_ = saved.door;
  cause_ = saved.door == door_state::open ? saved.cause : open_cause::none;
  pending_cause_ = open_cause::none;
  open_pending_at_start_ = saved.open_pending;
  resumable_cause_ = saved.open_pending ? saved.cause : open_cause::none;
  out_of_service_ = saved.out_of_service;
  service_reason_ = saved.service_reason;
  alarms_ = saved.alarms;
  door_changes_ = {};
  presence_changes_ = {};
  door_steady_timer_.cancel();
}

void compartment::reconcile() {
  const bool pending = std::exchange(open_pending_at_start_, false);
  // The session or command that asked is gone with the old process: it did not complete.
  // The observer may resume it (resume_unlock) while this call lasts.
  if (pending) observer_.open_result(id_, open_outcome::not_detected);
  resumable_cause_ = open_cause::none;
  // An untrusted sensor is no reason to change anything; clear_fault() syncs later.
  if (alarms_.has(alarm_type::sensor_fault)) return;
  sync_door(pending);
}

bool compartment::resume_unlock() {
  const open_cause cause = std::exchange(resumable_cause_, open_cause::none);
  if (cause == open_cause::none || alarms_.has(alarm_type::sensor_fault) ||
      door_ != door_state::closed || door_sensor_.open())
    return false;
  lock_ = lock_state::unlocking;
  pending_cause_ = cause;
  resumed_ = true;
  open_detect_timer_.start(settings_.open_detect, [this] { resumed_unlock_expired(); });
  return true;
}

void compartment::abandon_resumed_unlock() {
  if (resumed_) resumed_unlock_expired();
}

void compartment::sync_door(bool unlocked_by_us) {
  const bool sensor_open = door_sensor_.open();
  if (sensor_open && door_ == door_state::closed) {
    door_ = door_state::open;
    cause_ = open_cause::none;
    left_open_timer_.start(settings_.door_left_open, [this] { door_left_open_expired(); });
    observer_.door_opened(id_, open_cause::none);
    if (!unlocked_by_us) set_alarm(alarm_type::door_forced, true);
    return;
  }
  if (sensor_open) {
    // Open before and still open: when it opened is unknown, so the full wait starts now.
    if (!alarms_.has(alarm_type::door_left_open) && !left_open_timer_.armed()) {
      left_open_timer_.start(settings_.door_left_open, [this] { door_left_open_expired(); });
    }
    return;
  }
  left_open_timer_.cancel();
  if (door_ == door_state::open) {
    const open_cause cause = std::exchange(cause_, open_cause::none);
    door_ = door_state::closed;
    observer_.door_closed(id_, cause);
  }
  // Door alarms cannot outlive a closed door, even if the saved state says otherwise.
  set_alarm(alarm_type::door_left_open, false);
  set_alarm(alarm_type::door_forced, false);
}

void compartment::door_changed(bool open) {
  if (chatters(door_changes_)) {
    log::error("compartment", id_,
               ": the door sensor changes faster than a door moves: sensor_fault");
    raise_sensor_fault();
  }
  // While the sensor is not trusted, a change may be an edge of the chatter: it is reported
  // once the sensor holds it as long as a person holds a door (never hidden for good).
  if (alarms_.has(alarm_type::sensor_fault)) {
    door_steady_timer_.start(settings_.person_hold, [this] { door_steady_while_faulty(); });
    return;
  }
  const door_state now = open ? door_state::open : door_state::closed;
  if (now == door_) return;

  if (open) {
    door_ = door_state::open;
    // Our own unlock's door gets the time its opener asked for (extended time); any other
    // door the plain wait.
    const int factor =
        lock_ == lock_state::unlocking ? std::exchange(pending_left_open_factor_, 1) : 1;
    left_open_timer_.start(settings_.door_left_open * factor, [this] { door_left_open_expired(); });
    if (lock_ == lock_state::unlocking) {
      open_detect_timer_.cancel();
      lock_dev_.release();
      lock_ = lock_state::locked;
      resumed_ = false;
      cause_ = std::exchange(pending_cause_, open_cause::none);
      observer_.door_opened(id_, cause_);
      observer_.open_result(id_, open_outcome::opened);
    } else {
      cause_ = open_cause::none;
      observer_.door_opened(id_, open_cause::none);
      set_alarm(alarm_type::door_forced, true);
    }
    return;
  }

  left_open_timer_.cancel();
  const open_cause cause = std::exchange(cause_, open_cause::none);
  door_ = door_state::closed;
  observer_.door_closed(id_, cause);
  set_alarm(alarm_type::door_left_open, false);
  set_alarm(alarm_type::door_forced, false);
}

void compartment::presence_changed(bool /*occupied*/) {
  if (chatters(presence_changes_)) {
    raise_sensor_fault();
    return;
  }
  // A parcel cannot appear or disappear through a closed, locked door.
  if (door_ == door_state::closed && lock_ == lock_state::locked) raise_sensor_fault();
}

void compartment::door_left_open_expired() {
  if (door_ == door_state::open) set_alarm(alarm_type::door_left_open, true);
}

bool compartment::chatters(sensor_history& history) {
  const drivers::steady_time now = clock_.now();
  // Only a level held shorter than a hand can hold a door counts; the first change ends a
  // level held since before anyone looked.
  const bool short_level =
      history.last_change && now - *history.last_change < settings_.person_hold;
  history.last_change = now;
  auto& changes = history.short_changes;
  if (short_level) changes.push_back(now);
  while (!changes.empty() && changes.front() + settings_.chatter_window <= now) {
    changes.pop_front();
  }
  return short_level && std::cmp_greater_equal(changes.size(), settings_.chatter_limit);
}

void compartment::chatter_found(std::string_view sensor) {
  if (sensor == "door sensor")
    door_changes_.last_change = clock_.now();
  else
    presence_changes_.last_change = clock_.now();
  if (alarms_.has(alarm_type::sensor_fault)) return;
  log::error({log::message::compartment_fault, id_}, "compartment", id_, ": the ", sensor,
             " chatters: sensor_fault");
  raise_sensor_fault();
}

void compartment::door_steady_while_faulty() {
  if (!alarms_.has(alarm_type::sensor_fault) || door_line_down_) return;
  // Its sampled level may hold a while by chance: only a settled contact says where the door is.
  if (door_sensor_.chattering()) {
    door_steady_timer_.start(settings_.person_hold, [this] { door_steady_while_faulty(); });
    return;
  }
  // No unlock can be under way while faulty: a door found open was not opened by us.
  sync_door(/*unlocked_by_us=*/false);
}

void compartment::raise_sensor_fault() {
  const bool was_unlocking = lock_ == lock_state::unlocking;
  if (was_unlocking) give_up_unlock();
  set_alarm(alarm_type::sensor_fault, true);
  // The sensor cannot tell whether the door opened: the request did not succeed.
  if (was_unlocking) observer_.open_result(id_, open_outcome::not_detected);
}

void compartment::set_alarm(alarm_type a, bool active) {
  if (alarms_.has(a) == active) return;
  const service_state before = service();
  alarms_.set(a, active);
  observer_.alarm(id_, a, severity_of(a), active);
  report_service_if_changed(before);
}

void compartment::report_service_if_changed(service_state before) {
  const service_state after = service();
  if (after != before) observer_.service_changed(id_, after, service_reason());
}

}  // namespace locker::compartment
