// SPDX-License-Identifier: Apache-2.0
#include "daemon/controller/controller.hpp"

#include <algorithm>
#include <exception>
#include <utility>

#include "daemon/log/log.hpp"
#include "daemon/parcels/parcels.hpp"
#include "daemon/security/random.hpp"

namespace locker::controller {

using compartment::alarm_type;
using compartment::open_cause;
using compartment::open_outcome;
using compartment::open_status;
using nlohmann::json;

namespace {

// The settings row that keeps the power alarm across restarts: when it was raised, or "".
constexpr std::string_view power_alarm_key = "power_alarm_since";
// The longest lockout: the back-off doubles up to here.
constexpr std::chrono::seconds max_lockout{24 * 3600};
// Wall-clock deadlines are re-checked at least this often, in case the clock was set.
constexpr std::chrono::milliseconds max_timer_wait{3600 * 1000};

std::string join_alarms(const compartment::alarm_set& alarms) {
  std::string out;
  for (auto a : compartment::all_alarm_types) {
    if (!alarms.has(a)) continue;
    if (!out.empty()) out += ',';
    out += compartment::to_string(a);
  }
  return out;
}

compartment::alarm_set split_alarms(std::string_view text) {
  compartment::alarm_set alarms;
  while (!text.empty()) {
    const auto comma = text.find(',');
    if (auto a = compartment::alarm_type_from_string(text.substr(0, comma))) alarms.set(*a, true);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
  }
  return alarms;
}

store::service_state to_store(compartment::service_state s) {
  switch (s) {
    case compartment::service_state::in_service:
      return store::service_state::in_service;
    case compartment::service_state::out_of_service:
      return store::service_state::out_of_service;
    case compartment::service_state::faulty:
      return store::service_state::faulty;
  }
  return store::service_state::faulty;
}

compartment::settings compartment_settings(const config::timings& t, std::size_t compartments) {
  compartment::settings s;
  s.open_detect = t.open_detect;
  s.door_left_open = t.door_left_open;
  // The worst queue on the shared coil supply: every compartment's longest pulse and gap.
  s.pulse_wait = static_cast<std::int64_t>(std::max<std::size_t>(compartments, 1)) *
                 (t.lock_pulse_max + t.coil_gap);
  return s;
}

}  // namespace

// One compartment: the state machine, and what its door is open for (persisted with it).
struct controller::slot {
  hardware::compartment_hardware& hw;
  std::unique_ptr<compartment::compartment> machine;
  int rank = 0;
  operation op;  // what the door is open for; saved with the compartment (encode())
  std::function<void(open_outcome)> operator_done;  // not persisted: the reply is in memory
};

controller::controller(store::store& db, const security::secret_key& key, drivers::clock& clock,
                       hardware::cabinet_hardware& hardware, const config::locker_config& cfg)
    : db_(db),
      key_(key),
      clock_(clock),
      hardware_(hardware),
      cfg_(cfg),
      expiry_timer_(clock),
      lockout_timer_(clock),
      notify_timer_(clock) {
  const auto settings = compartment_settings(cfg.timings, hardware_.compartments().size());
  for (auto& hw : hardware_.compartments()) {
    auto s =
        std::make_unique<slot>(slot{hw, nullptr, cfg.board.size_rank(hw.config->size), {}, {}});
    s->machine = std::make_unique<compartment::compartment>(hw.config->id, hw.config->size,
                                                            *hw.lock, *hw.door, hw.presence.get(),
                                                            clock_, settings, *this);
    slots_.push_back(std::move(s));
  }
}

controller::~controller() {
  // The hardware outlives us: leave it no handler pointing at a dead object.
  if (auto* sensor = hardware_.power()) {
    sensor->on_change({});
    sensor->on_fault({});
  }
}

// --- start-up --------------------------------------------------------------------------

void controller::start() {
  const auto now = clock_.wall_now();
  // New compartments from the board file get a row; known ones keep their state.
  {
    store::transaction tx(db_.db());
    for (auto& s : slots_) db_.upsert_compartment(tx, s->machine->id(), s->machine->size(), now);
    tx.commit();
  }
  for (const auto& rec : db_.compartments()) {
    if (!find_slot(rec.id))
      log::warning("controller", "compartment ", rec.id,
                   " is in the database but not on the board: its records are kept, unused");
  }
  for (auto& s : slots_) {
    const auto rec = db_.compartment(s->machine->id());
    if (!rec) continue;
    compartment::saved_state saved;
    saved.door = rec->door == store::door_state::open ? compartment::door_state::open
                                                      : compartment::door_state::closed;
    saved.cause = compartment::open_cause_from_string(rec->cause).value_or(open_cause::none);
    saved.open_pending = rec->open_pending;
    saved.out_of_service = rec->out_of_service;
    saved.service_reason = rec->service_reason;
    saved.alarms = split_alarms(rec->alarms);
    s->machine->restore(saved);
    s->op = decode(rec->operation, s->machine->id());
  }
  // Each difference between the database and the sensors is reported as it is found.
  for (auto& s : slots_) {
    reconciling_ = true;
    s->machine->reconcile();
    reconciling_ = false;
    // A parcel on file that the presence sensor does not see went missing while down: tamper,
    // once (it is kept with the compartment's alarms until the parcel is accounted for).
    if (auto occupied = s->machine->occupied();
        occupied && !*occupied && s->machine->door() == compartment::door_state::closed &&
        !s->machine->alarms().has(alarm_type::tamper)) {
      if (auto p = db_.live_parcel_in(s->machine->id())) {
        log::warning("controller", "compartment ", s->machine->id(),
                     " should hold a parcel but its presence sensor sees none");
        commit_together([&](store::transaction& tx) {
          s->machine->set_tamper(true);
          db_.audit(tx, clock_.wall_now(), "lockerd", "parcel_missing_at_start",
                    {{"compartment", s->machine->id()}, {"tracking_number", p->tracking_number}});
        });
      }
    }
    // A tamper alarm from before whose parcel is seen again, or has left the books.
    if (s->machine->alarms().has(alarm_type::tamper)) {
      commit_together([&](store::transaction& tx) { account_for_contents(tx, *s); });
    }
    // Still-saved operations whose door is shut and unlock gone are over.
    if (!is_none(s->op) && s->machine->door() == compartment::door_state::closed &&
        s->machine->lock() == compartment::lock_state::locked) {
      s->op = no_operation{};
      commit([&](store::transaction& tx) { save(tx, *s); });
    }
  }
  carry_out_in_service_requests();
  start_power_watch();
  expire_due_parcels();
  arm_lockout_timer();
  update_alarm_indicator();
  log::info("controller", slots_.size(), " compartments ready, journal backlog ",
            db_.journal_backlog());
}

// --- persistence ---------------------------------------------------------------------

bool controller::commit(const std::function<void(store::transaction&)>& fn) {
  if (together_ != nullptr) {
    // Part of commit_together()'s transaction, which commits (or fails) as a whole.
    fn(*together_);
    return true;
  }
  journaled_ = false;
  try {
    store::transaction tx(db_.db());
    fn(tx);
    tx.commit();
  } catch (const std::exception& e) {
    // Nothing of it happened: nobody is told it worked.
    log::error("controller", "database refused a change: ", e.what());
    journaled_ = false;
    return false;
  }
  journal_due_ = journal_due_ || journaled_;
  journaled_ = false;
  change_due_ = true;
  // After this turn of the loop: the caller takes the action first (the coil, the reply).
  if (!notify_timer_.armed())
    notify_timer_.start(drivers::millis(0), [this] { notify_observers(); });
  return true;
}

void controller::notify_observers() {
  const bool journal = std::exchange(journal_due_, false);
  const bool change = std::exchange(change_due_, false);
  if (journal && on_journal_) on_journal_();
  if (change && on_change_) on_change_();
}

bool controller::commit_together(const std::function<void(store::transaction&)>& fn) {
  return commit([&](store::transaction& tx) {
    together_ = &tx;
    struct leave {
      store::transaction*& together;
      ~leave() { together = nullptr; }
    } leave_on_exit{together_};
    fn(tx);
  });
}

void controller::save(store::transaction& tx, slot& s, std::optional<open_cause> opening) {
  auto saved = s.machine->saved();
  if (opening) {
    saved.open_pending = true;
    saved.cause = *opening;
  }
  store::compartment_record rec;
  rec.id = s.machine->id();
  rec.size = s.machine->size();
  rec.service = to_store(s.machine->service());
  rec.service_reason = std::string(s.machine->service_reason());
  rec.door = saved.door == compartment::door_state::open ? store::door_state::open
                                                         : store::door_state::closed;
  rec.cause = std::string(compartment::to_string(saved.cause));
  rec.open_pending = saved.open_pending;
  rec.out_of_service = saved.out_of_service;
  rec.alarms = join_alarms(saved.alarms);
  rec.operation = encode(s.op);
  db_.save_compartment(tx, rec, clock_.wall_now());
}

store::event controller::journal(store::transaction& tx, store::journal_topic topic,
                                 std::string_view type, const json& fields,
                                 std::optional<std::int64_t> code_of_parcel) {
  journaled_ = true;
  auto e = db_.journal_append(tx, topic, type, fields, clock_.wall_now(), code_of_parcel);
  log::info("event", e.seq, " ", type, " ", fields.value("compartment", std::string{}));
  return e;
}

controller::slot* controller::find_slot(std::string_view id) {
  for (auto& s : slots_)
    if (s->machine->id() == id) return s.get();
  return nullptr;
}

const compartment::compartment* controller::find(std::string_view id) const {
  for (const auto& s : slots_)
    if (s->machine->id() == id) return s->machine.get();
  return nullptr;
}

std::vector<const compartment::compartment*> controller::compartments() const {
  std::vector<const compartment::compartment*> out;
  out.reserve(slots_.size());
  for (const auto& s : slots_) out.push_back(s->machine.get());
  return out;
}

// --- opening -------------------------------------------------------------------------

bool controller::open_for(slot& s, open_cause cause, operation op,
                          const std::function<void(store::transaction&)>& also) {
  auto& m = *s.machine;
  if (m.service() != compartment::service_state::in_service ||
      m.door() != compartment::door_state::closed || m.lock() != compartment::lock_state::locked)
    return false;
  // The intent is on disk before the coil moves: a crash in between is answered at start
  // by reconcile() (an unlock that never completed), never by a lost deposit.
  s.op = std::move(op);
  if (!commit([&](store::transaction& tx) {
        save(tx, s, cause);
        if (also) also(tx);
      })) {
    s.op = no_operation{};
    return false;
  }
  if (m.open(cause) != open_status::accepted) {
    // Cannot happen after the checks above; undo the intent all the same.
    s.op = no_operation{};
    commit([&](store::transaction& tx) { save(tx, s); });
    return false;
  }
  return true;
}

compartment::open_status controller::open_by_operator(
    std::string_view id, std::string_view by, std::string_view reason,
    std::function<void(open_outcome)> done,
    const std::function<void(store::transaction&)>& with_intent) {
  slot* s = find_slot(id);
  if (!s) return open_status::not_in_service;
  auto& m = *s->machine;
  if (m.door() == compartment::door_state::open) return open_status::door_already_open;
  if (m.lock() == compartment::lock_state::unlocking || !is_none(s->op)) return open_status::busy;
  if (m.service() != compartment::service_state::in_service) return open_status::not_in_service;
  operator_opening op{std::string(by), std::string(reason)};
  const bool opened = open_for(*s, open_cause::by_operator, op, [&](store::transaction& tx) {
    db_.audit(tx, clock_.wall_now(), std::string(by), "compartment_open",
              {{"compartment", m.id()}, {"reason", std::string(reason)}});
    if (with_intent) with_intent(tx);
  });
  if (!opened) return open_status::busy;
  s->operator_done = std::move(done);
  return open_status::accepted;
}

// --- compartment_observer ---------------------------------------------------------------

void controller::door_opened(std::string_view id, open_cause cause) {
  slot* s = find_slot(id);
  if (!s) return;
  commit([&](store::transaction& tx) {
    save(tx, *s);
    journal(tx, store::journal_topic::door, "opened",
            {{"compartment", std::string(id)}, {"cause", compartment::to_string(cause)}});
  });
}

void controller::door_closed(std::string_view id, open_cause cause) {
  slot* s = find_slot(id);
  if (!s) return;
  const operation op = std::exchange(s->op, no_operation{});
  // A presence sensor that sees nothing behind a closed deposit door: nothing was stored.
  const auto occupied = s->machine->occupied();
  const bool nothing_put_in =
      std::holds_alternative<deposit_operation>(op) && occupied && !*occupied;
  const auto now = clock_.wall_now();

  // Together: clearing a tamper alarm (account_for_contents) reports through the observer.
  const bool ok = commit_together([&](store::transaction& tx) {
    save(tx, *s);
    journal(tx, store::journal_topic::door, "closed",
            {{"compartment", std::string(id)}, {"cause", compartment::to_string(cause)}});
    std::visit(
        overloaded{
            [&](const deposit_operation& d) {
              if (nothing_put_in) {
                journal(tx, store::journal_topic::parcel, "deposit_failed",
                        {{"tracking_number", d.tracking_number}, {"reason", "cancelled"}});
                return;
              }
              store::new_parcel p;
              p.tracking_number = d.tracking_number;
              p.compartment_id = std::string(id);
              if (auto r = d.reservation_id.value_or(""); !r.empty()) p.reservation_id = r;
              p.courier_id = d.courier_id;
              p.stored_at = now;
              const auto window =
                  std::chrono::hours(d.pickup_window_h.value_or(cfg_.policy.pickup_window_h));
              p.expires_at = now + window;
              p.pickup_code_hash = d.pickup_code_hash.value_or("");
              if (p.pickup_code_hash.empty()) {
                // Drawn inside the transaction: no other writer can take the same code in
                // between.
                if (auto code = new_pickup_code()) {
                  p.pickup_code_hash = security::pickup_code_hash(key_, *code);
                  p.pickup_code_plain = std::move(*code);
                } else {
                  // The parcel is in the compartment and is stored, but with no code that opens
                  // it (an empty hash matches nothing typed): a code shared with another parcel
                  // would open the wrong door. It waits for expiry (or a cancel) and a
                  // courier's removal.
                  log::error("controller",
                             "no unused pickup code could be drawn for the parcel in ", id,
                             ": it is stored without a working code");
                  db_.audit(
                      tx, now, "lockerd", "pickup_code_unavailable",
                      {{"compartment", std::string(id)}, {"tracking_number", p.tracking_number}});
                }
              }
              const auto parcel_id = db_.store_parcel(tx, p);
              if (p.reservation_id)
                db_.set_reservation_state(tx, *p.reservation_id,
                                          store::reservation_state::deposited);
              json fields = {{"tracking_number", p.tracking_number},
                             {"compartment", std::string(id)},
                             {"size", s->machine->size()},
                             {"courier_id", p.courier_id},
                             {"expires_at", protocol::format_timestamp(p.expires_at)}};
              if (p.reservation_id) fields["reservation_id"] = *p.reservation_id;
              std::optional<std::int64_t> code_of_parcel;
              if (p.pickup_code_plain) {
                fields["pickup_code"] = *p.pickup_code_plain;
                code_of_parcel = parcel_id;
              }
              journal(tx, store::journal_topic::parcel, "stored", fields, code_of_parcel);
              db_.audit(tx, now, "courier:" + p.courier_id, "deposit",
                        {{"compartment", std::string(id)}, {"tracking_number", p.tracking_number}});
            },
            [&](const pickup_operation& o) {
              const auto parcel = db_.parcel(o.parcel_id);
              if (!parcel) return;
              db_.mark_parcel(tx, parcel->id, store::parcel_state::collected, now);
              const auto dwell =
                  std::chrono::duration_cast<std::chrono::seconds>(now - parcel->stored_at).count();
              journal(tx, store::journal_topic::parcel, "collected",
                      {{"tracking_number", parcel->tracking_number},
                       {"compartment", std::string(id)},
                       {"dwell_s", std::max<std::int64_t>(0, dwell)},
                       {"failed_attempts", parcel->failed_attempts}});
              // Who did what, as for deposits and removals; the code itself is never written.
              db_.audit(
                  tx, now, "recipient", "pickup",
                  {{"compartment", std::string(id)}, {"tracking_number", parcel->tracking_number}});
            },
            [&](const removal_operation& o) {
              const auto parcel = db_.parcel(o.parcel_id);
              if (!parcel) return;
              db_.mark_parcel(tx, parcel->id, store::parcel_state::removed, now);
              journal(tx, store::journal_topic::parcel, "removed",
                      {{"tracking_number", parcel->tracking_number},
                       {"compartment", std::string(id)},
                       {"courier_id", o.courier_id},
                       {"reason", o.reason}});
              db_.audit(
                  tx, now, "courier:" + o.courier_id, "removal",
                  {{"compartment", std::string(id)}, {"tracking_number", parcel->tracking_number}});
            },
            // Nothing to book: the door was open for no parcel.
            [](const operator_opening&) {}, [](const given_up_deposit&) {},
            [](const no_operation&) {}},
        op);
    account_for_contents(tx, *s);
  });
  if (!ok) {
    s->op = op;  // still owed: a later close or restart tries again
    return;
  }
  if (std::holds_alternative<deposit_operation>(op) && !nothing_put_in) arm_expiry_timer();
  if (!session_) return;
  std::visit(overloaded{[&](const deposit_operation&) {
                          if (nothing_put_in)
                            session_->closed_empty(id);
                          else
                            session_->stored(id);
                        },
                        [&](const pickup_operation&) { session_->collected(id); },
                        [&](const removal_operation&) { session_->removed(id); },
                        [&](const given_up_deposit&) { session_->closed_empty(id); },
                        [](const operator_opening&) {}, [](const no_operation&) {}},
             op);
}
void controller::alarm(std::string_view id, alarm_type type, compartment::alarm_severity severity,
                       bool active) {
  slot* s = find_slot(id);
  if (!s) return;
  commit([&](store::transaction& tx) {
    save(tx, *s);
    journal(tx, store::journal_topic::alarm, compartment::to_string(type),
            {{"compartment", std::string(id)},
             {"severity", compartment::to_string(severity)},
             {"active", active}});
  });
  update_alarm_indicator();
}

void controller::service_changed(std::string_view id, compartment::service_state service,
                                 std::string_view reason) {
  slot* s = find_slot(id);
  if (!s) return;
  log::info("controller", "compartment ", id, " is ", compartment::to_string(service),
            reason.empty() ? "" : " (", reason, reason.empty() ? "" : ")");
  commit([&](store::transaction& tx) { save(tx, *s); });
}

void controller::open_result(std::string_view id, open_outcome outcome) {
  slot* s = find_slot(id);
  if (!s) return;
  if (outcome == open_outcome::opened) {
    const auto tell_session = [&] {
      if (session_) session_->door_opened(id);
    };
    std::visit(overloaded{[&](const operator_opening&) {
                            if (s->operator_done) std::exchange(s->operator_done, {})(outcome);
                          },
                          [&](const deposit_operation&) { tell_session(); },
                          [&](const pickup_operation&) { tell_session(); },
                          [&](const removal_operation&) { tell_session(); },
                          [](const given_up_deposit&) {}, [](const no_operation&) {}},
               s->op);
    return;
  }
  if (reconciling_ || outcome == open_outcome::abandoned) {
    // An unlock the old process started. Its session is gone: moving a deposit elsewhere
    // would pop open a compartment nobody stands at. If the door did open before the
    // crash, a person may be at it: keep the operation, so closing the door still stores,
    // collects or removes (reconcile reports the open door right after this).
    if (s->hw.door->open()) return;
    // Shut again. The old process may have died just before it committed the door opening,
    // and the person went on: the presence sensor tells whether the business was done (a
    // parcel now in a deposit compartment, gone from a pickup or removal one). Then the door
    // did open and close: report both, which completes the operation as the close would have.
    if (const auto cause = done_while_down(*s, s->op)) {
      log::warning("controller", "compartment ", id, ": its ", kind_of(s->op),
                   " was done while the locker was down");
      door_opened(id, *cause);
      door_closed(id, *cause);
      return;
    }
    // No sign of it yet: the latch may have let go just before the restart. The door gets
    // open_detect to spring; if it does, closing it completes the operation as usual.
    if (reconciling_ && s->machine->resume_unlock()) {
      log::info("controller", "compartment ", id, ": waiting for the door of the ", kind_of(s->op),
                " unlocked before the restart");
      return;
    }
    const operation op = std::exchange(s->op, no_operation{});
    commit([&](store::transaction& tx) {
      save(tx, *s);
      if (const auto* d = std::get_if<deposit_operation>(&op))
        journal(tx, store::journal_topic::parcel, "deposit_failed",
                {{"tracking_number", d->tracking_number}, {"reason", "cancelled"}});
    });
    return;
  }
  // The door did not open: the compartment is faulty now, and what it was opened for
  // has to go elsewhere or fail.
  const operation op = std::exchange(s->op, no_operation{});
  commit([&](store::transaction& tx) { save(tx, *s); });
  std::visit(overloaded{[&](const operator_opening&) {
                          if (s->operator_done) std::exchange(s->operator_done, {})(outcome);
                        },
                        [&](const deposit_operation& d) {
                          slot* other = choose_compartment(d.rank, id);
                          if (other) {
                            const auto answer = start_deposit_in(*other, d);
                            if (answer.error == keypad::deposit_error::none) {
                              if (session_) session_->deposit_moved(id, other->machine->id());
                              return;
                            }
                          }
                          report_deposit_failed(d.tracking_number, "lock_fault");
                          if (session_) session_->deposit_failed(id);
                        },
                        [&](const pickup_operation&) {
                          if (session_) session_->open_failed(id);
                        },
                        [&](const removal_operation&) {
                          if (session_) session_->open_failed(id);
                        },
                        [](const given_up_deposit&) {}, [](const no_operation&) {}},
             op);
}

// --- contents and power --------------------------------------------------------------------

std::optional<open_cause> controller::done_while_down(const slot& s, const operation& op) {
  const auto occupied = s.machine->occupied();
  if (!occupied) return std::nullopt;  // without a presence sensor there is no telling
  const bool on_file = db_.live_parcel_in(s.machine->id()).has_value();
  const auto when = [](bool done, open_cause cause) {
    return done ? std::optional<open_cause>(cause) : std::nullopt;
  };
  return std::visit(overloaded{[&](const deposit_operation&) {
                                 return when(*occupied && !on_file, open_cause::deposit);
                               },
                               [&](const pickup_operation&) {
                                 return when(!*occupied && on_file, open_cause::pickup);
                               },
                               [&](const removal_operation&) {
                                 return when(!*occupied && on_file, open_cause::courier_removal);
                               },
                               [](const operator_opening&) { return std::optional<open_cause>(); },
                               [](const given_up_deposit&) { return std::optional<open_cause>(); },
                               [](const no_operation&) { return std::optional<open_cause>(); }},
                    op);
}

void controller::account_for_contents(store::transaction& tx, slot& s) {
  if (!s.machine->alarms().has(alarm_type::tamper)) return;
  // The missing parcel is accounted for when it has left the books (collected, or removed by
  // a courier after the operator cancelled it or it expired), or when the presence sensor
  // sees it again (looked at behind the closed door, or at a start).
  const auto parcel = db_.live_parcel_in(s.machine->id());
  const auto occupied = s.machine->occupied();
  const bool seen =
      occupied.value_or(false) && s.machine->door() == compartment::door_state::closed;
  if (parcel && !seen) return;
  s.machine->set_tamper(false);
  db_.audit(tx, clock_.wall_now(), "lockerd", "tamper_cleared",
            {{"compartment", s.machine->id()},
             {"because", parcel ? "the parcel is seen again" : "the parcel left the books"}});
}

void controller::carry_out_in_service_requests() {
  for (auto& s : slots_) {
    const std::string id = s->machine->id();
    std::optional<std::string> reason;
    try {
      reason = db_.in_service_request(id);
    } catch (const std::exception& e) {
      log::error("controller", "reading the in-service request of ", id, ": ", e.what());
    }
    if (!reason) continue;
    // The same rules as the operator's compartment_set_service: a fault is cleared only if
    // the sensors back it.
    const auto result = set_service_by_operator(id, true, "lockeradm", *reason);
    if (result.answer == service_answer::failed) continue;  // the request waits for next time
    const bool done = result.answer == service_answer::done;
    std::string why = result.detail;
    if (result.answer == service_answer::busy) why = "in use";
    commit([&](store::transaction& tx) {
      db_.drop_in_service_request(tx, id);
      if (!done)
        db_.audit(tx, clock_.wall_now(), "lockerd", "in_service_request_refused",
                  {{"compartment", id}, {"why", why}});
    });
    if (done)
      log::info("controller", "compartment ", id, " back in service as lockeradm asked");
    else
      log::warning("controller", "compartment ", id,
                   " not back in service as lockeradm asked: ", why);
  }
}

void controller::start_power_watch() {
  const auto since = db_.setting(power_alarm_key).value_or("");
  power_since_ = since.empty() ? std::nullopt : protocol::parse_timestamp(since);
  auto* sensor = hardware_.power();
  if (sensor == nullptr) {
    // The board file no longer names a power line: nothing could ever clear the alarm.
    if (power_since_) power_changed(false);
    return;
  }
  sensor->on_change([this](bool on_backup) { power_changed(on_backup); });
  sensor->on_fault([](std::error_code ec) {
    if (ec)
      log::error("controller", "the backup_power line failed (", ec.message(),
                 "): the power alarm shows its last reading");
    else
      log::info("controller", "the backup_power line answers again");
  });
  // What happened while the locker was off.
  power_changed(sensor->on_backup());
}

void controller::power_changed(bool on_backup) {
  if (on_backup == power_since_.has_value()) return;
  const auto now = clock_.wall_now();
  const bool ok = commit([&](store::transaction& tx) {
    journal(tx, store::journal_topic::alarm, "power",
            {{"severity", "warning"}, {"active", on_backup}});
    db_.set_setting(tx, power_alarm_key, on_backup ? protocol::format_timestamp(now) : "");
  });
  if (!ok) return;  // tried again at the next change or start
  power_since_ = on_backup ? std::optional<drivers::wall_time>(now) : std::nullopt;
  if (on_backup)
    log::warning("controller", "mains power lost: running on the backup supply");
  else
    log::info("controller", "mains power is back");
}

// --- deposits ---------------------------------------------------------------------------

std::vector<std::string> controller::sizes() const { return cfg_.board.sizes; }

bool controller::free_for_deposit(const slot& s) {
  const auto& m = *s.machine;
  if (m.service() != compartment::service_state::in_service) return false;
  if (m.door() != compartment::door_state::closed || m.lock() != compartment::lock_state::locked)
    return false;
  if (!is_none(s.op)) return false;
  if (auto occupied = m.occupied(); occupied && *occupied) return false;
  return !db_.live_parcel_in(m.id()).has_value();
}

controller::slot* controller::choose_compartment(int min_rank, std::string_view except) {
  slot* best = nullptr;
  for (auto& s : slots_) {
    if (s->rank < min_rank || s->machine->id() == except) continue;
    if (best && s->rank >= best->rank) continue;  // board order among equals
    if (free_for_deposit(*s)) best = s.get();
  }
  return best;
}

std::optional<std::string> controller::announced_size(std::string_view tracking) {
  try {
    if (auto r = db_.find_announced_reservation(tracking)) return r->size;
  } catch (const std::exception& e) {
    log::error("controller", "reading reservations: ", e.what());
  }
  return std::nullopt;
}

void controller::report_deposit_failed(const std::string& tracking_number,
                                       std::string_view reason) {
  commit([&](store::transaction& tx) {
    journal(tx, store::journal_topic::parcel, "deposit_failed",
            {{"tracking_number", tracking_number}, {"reason", std::string(reason)}});
  });
}

keypad::deposit_answer controller::start_deposit_in(slot& s, const deposit_operation& deposit) {
  if (!open_for(s, open_cause::deposit, deposit))
    return {keypad::deposit_error::no_free_compartment, {}, {}};
  return {keypad::deposit_error::none, s.machine->id(), s.machine->size()};
}

keypad::deposit_answer controller::begin_deposit(const keypad::courier_identity& courier,
                                                 std::string_view tracking_number,
                                                 std::string_view size) {
  const int rank = cfg_.board.size_rank(std::string(size));
  if (rank < 0) return {keypad::deposit_error::unknown_size, {}, {}};
  try {
    if (parcels::live_parcel_with_tracking(db_, tracking_number))
      return {keypad::deposit_error::already_in_locker, {}, {}};
    deposit_operation deposit;
    deposit.courier_id = courier.courier_id;
    deposit.tracking_number = std::string(tracking_number);
    deposit.rank = rank;
    if (auto r = db_.find_announced_reservation(tracking_number)) {
      deposit.reservation_id = r->reservation_id;
      deposit.pickup_code_hash = r->pickup_code_hash;
      deposit.pickup_window_h = r->pickup_window_h;
    }
    slot* s = choose_compartment(rank);
    if (!s) {
      report_deposit_failed(std::string(tracking_number), "no_free_compartment");
      return {keypad::deposit_error::no_free_compartment, {}, {}};
    }
    return start_deposit_in(*s, deposit);
  } catch (const std::exception& e) {
    log::error("controller", "starting a deposit: ", e.what());
    return {keypad::deposit_error::no_free_compartment, {}, {}};
  }
}

keypad::deposit_answer controller::deposit_bigger(std::string_view compartment) {
  slot* s = find_slot(compartment);
  const auto* current = s != nullptr ? std::get_if<deposit_operation>(&s->op) : nullptr;
  if (current == nullptr) return {keypad::deposit_error::no_free_compartment, {}, {}};
  deposit_operation deposit = *current;
  // Closing this door now stores nothing.
  s->op = given_up_deposit{};
  commit([&](store::transaction& tx) { save(tx, *s); });
  deposit.rank = s->rank + 1;
  slot* bigger = choose_compartment(s->rank + 1);
  if (!bigger) {
    report_deposit_failed(deposit.tracking_number, "no_free_compartment");
    return {keypad::deposit_error::no_free_compartment, {}, {}};
  }
  return start_deposit_in(*bigger, deposit);
}

void controller::abandon_deposit(std::string_view compartment, keypad::abandon_reason why) {
  slot* s = find_slot(compartment);
  const auto* current = s != nullptr ? std::get_if<deposit_operation>(&s->op) : nullptr;
  if (current == nullptr) return;
  const std::string tracking = current->tracking_number;
  s->op = given_up_deposit{};
  commit([&](store::transaction& tx) {
    save(tx, *s);
    journal(tx, store::journal_topic::parcel, "deposit_failed",
            {{"tracking_number", tracking},
             {"reason", why == keypad::abandon_reason::timeout ? "timeout" : "cancelled"}});
  });
  // A door that never opened (or is already shut) has nothing left to wait for.
  if (s->machine->door() == compartment::door_state::closed &&
      s->machine->lock() == compartment::lock_state::locked) {
    s->op = no_operation{};
    commit([&](store::transaction& tx) { save(tx, *s); });
  }
}

// --- removals ---------------------------------------------------------------------------

std::vector<keypad::removal_item> controller::removals() {
  std::vector<keypad::removal_item> out;
  try {
    for (auto state : {store::parcel_state::expired, store::parcel_state::cancelled})
      for (const auto& p : db_.parcels(state))
        out.push_back({p.id, p.tracking_number, p.compartment_id,
                       state == store::parcel_state::expired ? "expired" : "cancelled"});
  } catch (const std::exception& e) {
    log::error("controller", "listing removals: ", e.what());
  }
  return out;
}

bool controller::begin_removal(const keypad::courier_identity& courier, std::int64_t parcel_id) {
  try {
    const auto p = db_.parcel(parcel_id);
    if (!p ||
        (p->state != store::parcel_state::expired && p->state != store::parcel_state::cancelled))
      return false;
    slot* s = find_slot(p->compartment_id);
    if (s != nullptr) s->machine->abandon_resumed_unlock();  // the courier is here now
    if (!s || !is_none(s->op)) return false;
    return open_for(
        *s, open_cause::courier_removal,
        removal_operation{p->id, courier.courier_id,
                          p->state == store::parcel_state::expired ? "expired" : "cancelled"});
  } catch (const std::exception& e) {
    log::error("controller", "starting a removal: ", e.what());
    return false;
  }
}

// --- codes, PINs and the keypad lockout ----------------------------------------------------

std::chrono::seconds controller::lockout_remaining() {
  try {
    const auto l = db_.lockout();
    if (!l.locked_until) return std::chrono::seconds{0};
    const auto left = *l.locked_until - clock_.wall_now();
    if (left <= std::chrono::seconds{0}) return std::chrono::seconds{0};
    // Rounded up: "wait 0 s" while still locked would be a lie.
    return std::chrono::ceil<std::chrono::seconds>(left);
  } catch (const std::exception& e) {
    log::error("controller", "reading the lockout: ", e.what());
    return std::chrono::seconds{60};
  }
}

void controller::count_wrong_attempt() {
  bool locked = false;
  commit([&](store::transaction& tx) {
    auto l = db_.lockout();
    db_.count_failed_attempt(tx);
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
      db_.audit(tx, clock_.wall_now(), "keypad", "lockout", {{"lockout_s", wait.count()}});
      db_.set_setting(tx, "keypad_lockout_alarm", "1");
    }
    db_.set_lockout(tx, l);
  });
  if (locked) {
    log::warning("controller", "keypad locked out after ", cfg_.policy.max_code_attempts,
                 " wrong codes");
    arm_lockout_timer();
  }
}

void controller::reset_attempts(store::transaction& tx) {
  auto l = db_.lockout();
  if (l.failed_attempts == 0 && l.lockout_count == 0) return;
  l.failed_attempts = 0;
  l.lockout_count = 0;
  db_.set_lockout(tx, l);
}

void controller::arm_lockout_timer() {
  lockout_timer_.cancel();
  const auto l = db_.lockout();
  const bool alarm_on = db_.setting("keypad_lockout_alarm").value_or("0") == "1";
  if (!alarm_on) return;
  const auto left =
      l.locked_until ? *l.locked_until - clock_.wall_now() : drivers::wall_time::duration{0};
  if (left <= drivers::wall_time::duration{0}) {
    lockout_ended();
    return;
  }
  const auto wait = std::min(std::chrono::ceil<std::chrono::milliseconds>(left), max_timer_wait);
  lockout_timer_.start(wait, [this] { arm_lockout_timer(); });
}

void controller::lockout_ended() {
  commit([&](store::transaction& tx) {
    journal(tx, store::journal_topic::alarm, "keypad_lockout",
            {{"severity", "warning"}, {"active", false}});
    db_.set_setting(tx, "keypad_lockout_alarm", "0");
  });
}

keypad::pickup_answer controller::pickup(std::string_view code) {
  keypad::pickup_answer answer;
  if (auto left = lockout_remaining(); left.count() > 0) {
    answer.outcome = keypad::code_outcome::locked_out;
    answer.retry_after = left;
    return answer;
  }
  try {
    const auto hash = security::pickup_code_hash(key_, code);
    const auto found = db_.find_stored_parcels_by_code_hash(hash);
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
  } catch (const std::exception& e) {
    log::error("controller", "checking a pickup code: ", e.what());
  }
  count_wrong_attempt();
  if (auto left = lockout_remaining(); left.count() > 0) {
    answer.outcome = keypad::code_outcome::locked_out;
    answer.retry_after = left;
    return answer;
  }
  answer.outcome = keypad::code_outcome::wrong;
  answer.attempts_left =
      static_cast<int>(cfg_.policy.max_code_attempts - db_.lockout().failed_attempts);
  return answer;
}

std::optional<keypad::courier_identity> controller::courier_login(std::string_view pin) {
  if (lockout_remaining().count() > 0) return std::nullopt;
  try {
    const auto hash = security::courier_pin_hash(key_, pin);
    if (auto c = db_.find_courier_by_pin_hash(hash); c && c->enabled) {
      commit([&](store::transaction& tx) {
        reset_attempts(tx);
        db_.audit(tx, clock_.wall_now(), "courier:" + c->courier_id, "login", json::object());
      });
      return keypad::courier_identity{c->courier_id, c->name};
    }
  } catch (const std::exception& e) {
    log::error("controller", "checking a courier PIN: ", e.what());
  }
  count_wrong_attempt();
  return std::nullopt;
}

std::optional<std::string> controller::new_pickup_code() {
  // Unique among the codes that open something now or will (stored parcels, announced
  // reservations), so that a code opens one compartment. With 10^digits codes and at most a
  // few thousand in use, 100 draws all taken means the space is practically full: then no
  // code rather than a shared one.
  const auto in_use = db_.live_code_hashes();
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto code = security::random_digits(cfg_.policy.pickup_code_digits);
    if (security::matching_hashes(in_use, security::pickup_code_hash(key_, code)).empty())
      return code;
  }
  return std::nullopt;
}

// --- expiry -------------------------------------------------------------------------------

void controller::expire_due_parcels() {
  try {
    for (const auto& p : db_.parcels_due_to_expire(clock_.wall_now())) {
      commit([&](store::transaction& tx) {
        db_.mark_parcel(tx, p.id, store::parcel_state::expired, clock_.wall_now());
        journal(tx, store::journal_topic::parcel, "expired",
                {{"tracking_number", p.tracking_number}, {"compartment", p.compartment_id}});
      });
    }
  } catch (const std::exception& e) {
    log::error("controller", "expiring parcels: ", e.what());
  }
  arm_expiry_timer();
}

void controller::arm_expiry_timer() {
  const std::optional<drivers::wall_time> next = db_.next_expiry();
  if (!next) {
    expiry_timer_.cancel();
    return;
  }
  auto wait = std::chrono::ceil<std::chrono::milliseconds>(*next - clock_.wall_now());
  wait = std::clamp(wait, std::chrono::milliseconds{0}, max_timer_wait);
  expiry_timer_.start(wait, [this] { expire_due_parcels(); });
}

void controller::update_alarm_indicator() {
  bool critical = false;
  for (const auto& s : slots_) {
    const auto& a = s->machine->alarms();
    for (auto type : compartment::all_alarm_types)
      critical = critical || (a.has(type) && compartment::severity_of(type) ==
                                                 compartment::alarm_severity::critical);
  }
  hardware_.board().indicator().set_alarm(critical);
}

}  // namespace locker::controller
