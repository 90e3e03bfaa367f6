// SPDX-License-Identifier: Apache-2.0
// Who may open what at the keypad: pickup codes (checking and drawing them), courier
// login, and the two attempt budgets (daemon/access: recipients' codes, couriers' PINs) with
// their persistence, lockout timer and clearing. One file because the attempt counting and
// the lockout policy change together, and with nothing else.
#include <algorithm>
#include <array>
#include <vector>

#include "daemon/controller/controller.hpp"
#include "daemon/controller/controller_internal.hpp"
#include "daemon/log/log.hpp"
#include "daemon/security/random.hpp"

namespace locker::controller {

using compartment::open_cause;
using nlohmann::json;

namespace {

using std::chrono::milliseconds;

// While a lockout runs, what remains is saved this often: a power cut lengthens it by at most
// this (the time served since the last save is served again).
constexpr milliseconds checkpoint_every{5 * 60 * 1000};
// The wall clock moved this much against the steady one: someone (NTP, a person) set it.

constexpr std::string_view alarm_setting = "keypad_lockout_alarm";

access::budget_policy budget_policy_of(const config::policy& p) {
  return {p.max_code_attempts, std::chrono::duration_cast<milliseconds>(p.lockout_base)};
}

std::chrono::seconds whole_seconds(milliseconds left) {
  // Rounded up: "wait 0 s" while still locked would be a lie.
  return std::chrono::ceil<std::chrono::seconds>(left);
}

constexpr std::array<controller::access_budget, 2> all_budgets{
    controller::access_budget::pickup_code, controller::access_budget::courier};

}  // namespace

std::string_view controller::budget_name(access_budget b) {
  return b == access_budget::pickup_code ? "pickup_code" : "courier";
}

access::attempt_limiter& controller::limiter(access_budget b) {
  return b == access_budget::pickup_code ? codes_ : couriers_;
}

milliseconds controller::steady_ms() const {
  return std::chrono::duration_cast<milliseconds>(clock_.now().time_since_epoch());
}

void controller::load_budgets() {
  const auto now = steady_ms();
  const auto boot = clock_.boot_id();
  for (const auto b : all_budgets) {
    auto& l = limiter(b);
    l.set_policy(budget_policy_of(cfg_.policy));
    const auto saved = db_.lockouts().load(budget_name(b));
    if (!saved) continue;
    if (!boot.empty() && saved->boot_id == boot && saved->as_of <= now) {
      // The same boot: the steady clock went on while lockerd was down, and that time passed.
      l.restore(saved->remains, saved->as_of);
    } else {
      // Another boot: what remains is taken as stored (the time the power was off is not
      // known on any clock that can be trusted, and the keypad was dead meanwhile anyway).
      l.restore(saved->remains, now);
    }
  }
  wall_offset_.reset();
  note_wall_clock();
}

void controller::save_budget(store::transaction& tx, access_budget b,
                             const access::attempt_limiter& l, milliseconds now) {
  db_.lockouts().save(tx, budget_name(b), store::saved_budget{l.save(now), clock_.boot_id(), now});
}

std::chrono::seconds controller::lockout_left(access_budget b) {
  note_wall_clock();
  return whole_seconds(limiter(b).locked_for(steady_ms()));
}

std::chrono::seconds controller::lockout_remaining() {
  return lockout_left(access_budget::pickup_code);
}

std::chrono::seconds controller::courier_lockout_remaining() {
  return lockout_left(access_budget::courier);
}

void controller::count_wrong_attempt(access_budget b) {
  const auto now = steady_ms();
  // Counted on a copy, which replaces the budget once it is on disk.
  auto counted = limiter(b);
  const auto wait = counted.wrong(now);
  must_commit([&](store::transaction& tx) {
    // A wrong pickup code is a guess against every stored parcel (collected's failed_attempts).
    if (b == access_budget::pickup_code) db_.parcels().count_failed_attempt(tx);
    save_budget(tx, b, counted, now);
    if (wait > milliseconds{0}) {
      // The contract's alarm fields only; which budget and how long go to the audit log. One
      // alarm for the keypad: raised by the first budget to lock out.
      if (db_.settings().get(alarm_setting).value_or("0") != "1") {
        journal(tx, store::journal_topic::alarm, "keypad_lockout",
                {{"severity", "warning"}, {"active", true}});
        db_.settings().set(tx, alarm_setting, "1");
      }
      db_.audit().record(tx, clock_.wall_now(), "keypad", "lockout",
                         {{"budget", budget_name(b)}, {"lockout_s", whole_seconds(wait).count()}});
    }
  });
  limiter(b) = counted;
  if (wait > milliseconds{0}) {
    log::warning("controller", "keypad ", budget_name(b), " attempts locked out for ",
                 whole_seconds(wait).count(), " s after ", counted.policy().attempts,
                 " wrong ones");
    arm_lockout_timer();
  }
}

void controller::checkpoint_budgets() {
  const auto now = steady_ms();
  commit_unshown([&](store::transaction& tx) {
    for (const auto b : all_budgets)
      if (limiter(b).locked_for(now) > milliseconds{0}) save_budget(tx, b, limiter(b), now);
  });
}

void controller::arm_lockout_timer() {
  lockout_timer_.cancel();
  note_wall_clock();
  const auto now = steady_ms();
  const auto left = std::max(codes_.locked_for(now), couriers_.locked_for(now));
  if (left > milliseconds{0}) {
    // On the steady clock: setting the wall clock neither ends nor lengthens it.
    lockout_timer_.start(std::min(left, checkpoint_every), [this] {
      checkpoint_budgets();
      arm_lockout_timer();
    });
    return;
  }
  const bool armed = guarded("ending the keypad lockout", {}, [&] {
    if (db_.settings().get(alarm_setting).value_or("0") == "1") lockout_ended();
  });
  // The keypad_lockout alarm still has to end: try again later.
  if (!armed) lockout_timer_.start(storage_retry, [this] { arm_lockout_timer(); });
}

void controller::lockout_ended() {
  must_commit([&](store::transaction& tx) {
    journal(tx, store::journal_topic::alarm, "keypad_lockout",
            {{"severity", "warning"}, {"active", false}});
    db_.settings().set(tx, alarm_setting, "0");
  });
}

controller::lockout_clear_result controller::clear_lockout(std::optional<access_budget> which,
                                                           std::string_view by) {
  lockout_clear_result r;
  const auto now = steady_ms();
  std::vector<access_budget> targets;
  for (const auto b : all_budgets)
    if (!which || *which == b) targets.push_back(b);
  nlohmann::json names = nlohmann::json::array();
  bool still_locked = false;
  for (const auto b : all_budgets) {
    const bool target = std::find(targets.begin(), targets.end(), b) != targets.end();
    if (!target) {
      still_locked = still_locked || limiter(b).locked_for(now) > milliseconds{0};
      continue;
    }
    names.push_back(budget_name(b));
    if (!limiter(b).idle(now)) r.cleared.emplace_back(budget_name(b));
    if (limiter(b).locked_for(now) > milliseconds{0}) r.unlocked.emplace_back(budget_name(b));
  }
  r.done = commit([&](store::transaction& tx) {
    for (const auto b : targets) db_.lockouts().clear(tx, budget_name(b));
    db_.audit().record(tx, clock_.wall_now(), by, "lockout_clear",
                       {{"budgets", names}, {"cleared", r.cleared}, {"unlocked", r.unlocked}});
    if (!still_locked && db_.settings().get(alarm_setting).value_or("0") == "1") {
      journal(tx, store::journal_topic::alarm, "keypad_lockout",
              {{"severity", "warning"}, {"active", false}});
      db_.settings().set(tx, alarm_setting, "0");
    }
  });
  if (!r.done) return r;
  for (const auto b : targets) limiter(b).clear();
  log::info("controller", "keypad lockout cleared by ", by, " (",
            which ? budget_name(*which) : "all budgets", ")");
  arm_lockout_timer();
  if (session_) session_->lockout_changed();
  return r;
}

keypad::pickup_answer controller::pickup(std::string_view code) {
  keypad::pickup_answer unavailable;
  unavailable.outcome = keypad::code_outcome::unavailable;
  return guarded("checking a pickup code", {}, unavailable, [&] {
    keypad::pickup_answer answer;
    if (auto left = lockout_left(access_budget::pickup_code); left.count() > 0) {
      answer.outcome = keypad::code_outcome::locked_out;
      answer.retry_after = left;
      return answer;
    }
    const auto hash = security::pickup_code_hash(key_, code);
    const auto found = db_.parcels().find_stored_by_code_hash(hash);
    // Drop-off flow (dropoffs.cpp): a sender's drop-off code. One code opens one thing: a code
    // is refused at announcement if it is in use as the other kind (parcels.cpp), so the order
    // only decides which lookup comes first. The pickup's, the common case: it goes on to its
    // coil without the drop-off's (a second keyed hash and query, 70 us of a pickup here).
    if (found.empty()) {
      if (auto dropoff = dropoff_by_code(code)) return *dropoff;
    }
    // Several parcels, one code (multi): the compartments this code opens, in board order.
    for (slot* s : pickup_slots(found)) {
      s->machine->abandon_resumed_unlock();  // the recipient is here now
      // A compartment already being collected is not opened twice.
      if (!is_none(s->op)) continue;
      const std::string id = s->machine->id();
      const auto* p = &*std::find_if(found.begin(), found.end(),
                                     [&](const auto& f) { return f.compartment_id == id; });
      // The right code refills nothing: what a guesser gets does not depend on others (issue
      // 12), so it is not counted either way.
      // A compartment that cannot open (faulty) is told to the session as not opened; the
      // others open all the same.
      try {
        answer.extended_time = open_for_pickup(*s, *p).extended_time || answer.extended_time;
      } catch (const storage_unavailable&) {
        // The first one's intent could not be saved: the locker cannot serve (guarded()). A
        // later one's: those already unlocked go on; this and the rest stay shut (logged and
        // alarmed by commit()), and the code opens them again later.
        if (answer.compartments.empty()) throw;
        break;
      }
      answer.compartments.push_back(id);
    }
    if (!answer.compartments.empty()) {
      answer.outcome = keypad::code_outcome::opening;
      answer.compartment = answer.compartments.front();
      return answer;
    }
    // Throws, counting nothing, when the count cannot be kept.
    count_wrong_attempt(access_budget::pickup_code);
    if (auto left = lockout_left(access_budget::pickup_code); left.count() > 0) {
      answer.outcome = keypad::code_outcome::locked_out;
      answer.retry_after = left;
      return answer;
    }
    answer.outcome = keypad::code_outcome::wrong;
    answer.attempts_left = codes_.attempts_left(steady_ms());
    return answer;
  });
}

keypad::pickup_answer controller::open_for_pickup(
    slot& s, const store::parcel_record& p, const std::function<void(store::transaction&)>& also) {
  // Accessibility (issue 13): the reservation may ask for extended time at its pickup.
  bool extended = false;
  if (p.reservation_id) {
    if (const auto r = db_.reservations().find(*p.reservation_id)) extended = r->extended_time;
  }
  if (!open_for(s, open_cause::pickup, pickup_operation{p.id}, also,
                keypad_left_open_factor(extended))) {
    // The right code, but the compartment cannot open (faulty): tell the person so, on the
    // loop, as if the door had not opened.
    std::string id = p.compartment_id;
    clock_.call_after(std::chrono::milliseconds{0}, [this, id] {
      if (session_) session_->open_failed(id);
    });
  }
  keypad::pickup_answer answer;
  answer.outcome = keypad::code_outcome::opening;
  answer.compartment = p.compartment_id;
  answer.extended_time = extended;
  return answer;
}

std::vector<controller::slot*> controller::pickup_slots(
    const std::vector<store::parcel_record>& found) {
  if (found.empty()) return {};
  if (found.size() > 1) {
    // One code for several parcels opens them only when they all have the same recipient key
    // (reservation_create's `recipient`). Otherwise (a database from before codes were kept
    // unique, or keys that differ or are missing) opening any could hand a parcel to the wrong
    // person: open none, and say where (never the code).
    const auto first = db_.recipients().of_parcel(found.front());
    bool one_recipient = first.has_value();
    for (std::size_t i = 1; one_recipient && i < found.size(); ++i)
      one_recipient = db_.recipients().of_parcel(found[i]) == first;
    if (!one_recipient) {
      std::string where;
      for (const auto& p : found) where += (where.empty() ? "" : ", ") + p.compartment_id;
      log::error("controller", "a typed pickup code belongs to ", found.size(),
                 " parcels of different or unknown recipients (compartments ", where,
                 "); none was opened: cancel them and give new codes");
      return {};
    }
  }
  std::vector<slot*> out;
  for (const auto& s : slots_) {
    const bool holds = std::any_of(found.begin(), found.end(), [&](const auto& p) {
      return p.compartment_id == s->machine->id();
    });
    if (holds) out.push_back(s.get());
  }
  return out;
}

std::optional<keypad::courier_identity> controller::courier_login(std::string_view pin) {
  // A database error answers nullopt without counting an attempt (logged and alarmed).
  return guarded("checking a courier PIN", {}, std::optional<keypad::courier_identity>{},
                 [&]() -> std::optional<keypad::courier_identity> {
                   if (lockout_left(access_budget::courier).count() > 0) return std::nullopt;
                   const auto hash = security::courier_pin_hash(key_, pin);
                   if (auto c = db_.couriers().find_by_pin_hash(hash); c && c->enabled) {
                     // The right PIN refills nothing (as a right pickup code does not).
                     must_commit([&](store::transaction& tx) {
                       db_.audit().record(tx, clock_.wall_now(), "courier:" + c->courier_id,
                                          "login", json::object());
                     });
                     return keypad::courier_identity{c->courier_id, c->name};
                   }
                   count_wrong_attempt(access_budget::courier);
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
    if (security::matching_hashes(in_use, security::pickup_code_hash(key_, code)).empty() &&
        !db_.outbound().dropoff_code_in_use(security::dropoff_code_hash(key_, code)))  // drop-off
      return code;
  }
  return std::nullopt;
}

}  // namespace locker::controller
