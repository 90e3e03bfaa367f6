// SPDX-License-Identifier: Apache-2.0
// Who may open what at the keypad: pickup codes (checking and drawing them), courier
// login, and the keypad-wide lockout with its back-off and timer. One file because the
// attempt counting and the lockout policy change together, and with nothing else.
#include <algorithm>

#include "daemon/controller/controller.hpp"
#include "daemon/controller/controller_internal.hpp"
#include "daemon/log/log.hpp"
#include "daemon/security/random.hpp"

namespace locker::controller {

using compartment::open_cause;
using nlohmann::json;

namespace {

// The longest lockout: the back-off doubles up to here.
constexpr std::chrono::seconds max_lockout{24 * 3600};

}  // namespace

std::chrono::seconds controller::lockout_remaining() {
  // Unknown is not "locked out": the code or PIN that follows gets `unavailable` itself.
  return guarded("reading the keypad lockout", {}, std::chrono::seconds{0},
                 [&] { return lockout_left(); });
}

std::chrono::seconds controller::lockout_left() {
  const auto l = db_.keypad_lockout().state();
  if (!l.locked_until) return std::chrono::seconds{0};
  const auto left = *l.locked_until - clock_.wall_now();
  if (left <= std::chrono::seconds{0}) return std::chrono::seconds{0};
  // Rounded up: "wait 0 s" while still locked would be a lie.
  return std::chrono::ceil<std::chrono::seconds>(left);
}

void controller::count_wrong_attempt() {
  bool locked = false;
  must_commit([&](store::transaction& tx) {
    auto l = db_.keypad_lockout().state();
    db_.parcels().count_failed_attempt(tx);
    l.failed_attempts += 1;
    if (l.failed_attempts >= cfg_.policy.max_code_attempts) {
      l.lockout_count += 1;
      auto wait = cfg_.policy.lockout_base;
      for (std::int64_t i = 1; i < l.lockout_count && wait < max_lockout; ++i) wait *= 2;
      wait = std::min(wait, max_lockout);
      l.locked_until = clock_.wall_now() + wait;
      l.failed_attempts = 0;
      locked = true;
      // The contract's alarm fields only; how long it lasts goes to the audit log.
      journal(tx, store::journal_topic::alarm, "keypad_lockout",
              {{"severity", "warning"}, {"active", true}});
      db_.audit().record(tx, clock_.wall_now(), "keypad", "lockout", {{"lockout_s", wait.count()}});
      db_.settings().set(tx, "keypad_lockout_alarm", "1");
    }
    db_.keypad_lockout().set(tx, l);
  });
  if (locked) {
    log::warning("controller", "keypad locked out after ", cfg_.policy.max_code_attempts,
                 " wrong codes");
    arm_lockout_timer();
  }
}

void controller::reset_attempts(store::transaction& tx) {
  auto l = db_.keypad_lockout().state();
  if (l.failed_attempts == 0 && l.lockout_count == 0) return;
  l.failed_attempts = 0;
  l.lockout_count = 0;
  db_.keypad_lockout().set(tx, l);
}

void controller::arm_lockout_timer() {
  lockout_timer_.cancel();
  const bool armed = guarded("arming the lockout timer", {}, [&] {
    const auto l = db_.keypad_lockout().state();
    const bool alarm_on = db_.settings().get("keypad_lockout_alarm").value_or("0") == "1";
    if (!alarm_on) return;
    const auto left =
        l.locked_until ? *l.locked_until - clock_.wall_now() : drivers::wall_time::duration{0};
    if (left <= drivers::wall_time::duration{0}) {
      lockout_ended();
      return;
    }
    const auto wait = std::min(std::chrono::ceil<std::chrono::milliseconds>(left), max_timer_wait);
    lockout_timer_.start(wait, [this] { arm_lockout_timer(); });
  });
  // The keypad_lockout alarm still has to end: try again later.
  if (!armed) lockout_timer_.start(storage_retry, [this] { arm_lockout_timer(); });
}

void controller::lockout_ended() {
  must_commit([&](store::transaction& tx) {
    journal(tx, store::journal_topic::alarm, "keypad_lockout",
            {{"severity", "warning"}, {"active", false}});
    db_.settings().set(tx, "keypad_lockout_alarm", "0");
  });
}

keypad::pickup_answer controller::pickup(std::string_view code) {
  keypad::pickup_answer unavailable;
  unavailable.outcome = keypad::code_outcome::unavailable;
  return guarded("checking a pickup code", {}, unavailable, [&] {
    keypad::pickup_answer answer;
    if (auto left = lockout_left(); left.count() > 0) {
      answer.outcome = keypad::code_outcome::locked_out;
      answer.retry_after = left;
      return answer;
    }
    const auto hash = security::pickup_code_hash(key_, code);
    const auto found = db_.parcels().find_stored_by_code_hash(hash);
    if (found.size() > 1) {
      // Only a database from before codes were kept unique can hold this. Opening one of them
      // could hand a parcel to the wrong person: open none, and say where (never the code).
      std::string where;
      for (const auto& p : found) where += (where.empty() ? "" : ", ") + p.compartment_id;
      log::error("controller", "a typed pickup code belongs to ", found.size(),
                 " parcels (compartments ", where,
                 "); none was opened: cancel them and give new codes");
    }
    slot* s = found.size() == 1 ? find_slot(found.front().compartment_id) : nullptr;
    if (s != nullptr) s->machine->abandon_resumed_unlock();  // the recipient is here now
    // A compartment already being collected is not opened twice.
    if (s != nullptr && is_none(s->op)) {
      const auto& p = found.front();
      // The right code ends the run of wrong ones, in the intent's own commit: one fsync
      // before the coil, not two.
      const auto right_code = [&](store::transaction& tx) { reset_attempts(tx); };
      if (!open_for(*s, open_cause::pickup, pickup_operation{p.id}, right_code)) {
        commit(right_code);
        // The right code, but the compartment cannot open (faulty): tell the person so,
        // on the loop, as if the door had not opened.
        std::string id = p.compartment_id;
        clock_.call_after(std::chrono::milliseconds{0}, [this, id] {
          if (session_) session_->open_failed(id);
        });
      }
      answer.outcome = keypad::code_outcome::opening;
      answer.compartment = p.compartment_id;
      return answer;
    }
    // Throws, counting nothing, when the count cannot be kept.
    count_wrong_attempt();
    if (auto left = lockout_left(); left.count() > 0) {
      answer.outcome = keypad::code_outcome::locked_out;
      answer.retry_after = left;
      return answer;
    }
    answer.outcome = keypad::code_outcome::wrong;
    answer.attempts_left = static_cast<int>(cfg_.policy.max_code_attempts -
                                            db_.keypad_lockout().state().failed_attempts);
    return answer;
  });
}

std::optional<keypad::courier_identity> controller::courier_login(std::string_view pin) {
  // A database error answers nullopt without counting an attempt (logged and alarmed).
  return guarded("checking a courier PIN", {}, std::optional<keypad::courier_identity>{},
                 [&]() -> std::optional<keypad::courier_identity> {
                   if (lockout_left().count() > 0) return std::nullopt;
                   const auto hash = security::courier_pin_hash(key_, pin);
                   if (auto c = db_.couriers().find_by_pin_hash(hash); c && c->enabled) {
                     must_commit([&](store::transaction& tx) {
                       reset_attempts(tx);
                       db_.audit().record(tx, clock_.wall_now(), "courier:" + c->courier_id,
                                          "login", json::object());
                     });
                     return keypad::courier_identity{c->courier_id, c->name};
                   }
                   count_wrong_attempt();
                   return std::nullopt;
                 });
}

std::optional<std::string> controller::new_pickup_code() {
  // Unique among the codes that open something now or will (stored parcels, announced
  // reservations), so that a code opens one compartment. With 10^digits codes and at most a
  // few thousand in use, 100 draws all taken means the space is practically full: then no
  // code rather than a shared one.
  const auto in_use = db_.parcels().live_code_hashes();
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto code = security::random_digits(cfg_.policy.pickup_code_digits);
    if (security::matching_hashes(in_use, security::pickup_code_hash(key_, code)).empty())
      return code;
  }
  return std::nullopt;
}

}  // namespace locker::controller
