// SPDX-License-Identifier: Apache-2.0
// The controller's core: the compartments' slots, the transaction that commits each state
// change with its events (commit, save, journal), opening a compartment for a purpose
// (open_for), and the compartments' observer calls, which book what a closing door ends.
// The use cases live beside it, one file per reason to change (see controller_internal.hpp).
#include "daemon/controller/controller.hpp"

#include <algorithm>
#include <exception>
#include <utility>

#include "daemon/controller/controller_internal.hpp"
#include "daemon/log/log.hpp"
#include "daemon/parcels/parcels.hpp"
#include "protocol/timestamp.hpp"

namespace locker::controller {

using compartment::alarm_type;
using compartment::open_cause;
using compartment::open_outcome;
using compartment::open_status;
using nlohmann::json;

namespace {

std::string join_alarms(const compartment::alarm_set& alarms) {
  std::string out;
  for (auto a : compartment::all_alarm_types) {
    if (!alarms.has(a)) continue;
    if (!out.empty()) out += ',';
    out += compartment::to_string(a);
  }
  return out;
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

controller::controller(store::store& db, const security::secret_key& key, drivers::clock& clock,
                       hardware::cabinet_hardware& hardware, config::settings_in_force& settings)
    : db_(db),
      key_(key),
      clock_(clock),
      hardware_(hardware),
      settings_(settings),
      cfg_(settings.config()),
      tokens_(settings.config().tokens.keys, settings.config().locker_id),
      expiry_timer_(clock),
      lockout_timer_(clock),
      notify_timer_(clock),
      reservation_timer_(clock),
      clock_step_timer_(clock) {
  const auto& cfg = cfg_;
  const auto limits = compartment_settings(cfg.timings, hardware_.compartments().size());
  for (auto& hw : hardware_.compartments()) {
    auto s = std::make_unique<slot>(slot{hw,
                                         nullptr,
                                         cfg.board.size_rank(hw.config->size),
                                         {},
                                         {},
                                         std::make_unique<drivers::timer>(clock_)});
    s->machine = std::make_unique<compartment::compartment>(hw.config->id, hw.config->size,
                                                            *hw.lock, *hw.door, hw.presence.get(),
                                                            clock_, limits, *this);
    slots_.push_back(std::move(s));
  }
  // Here, not in start(): the keypad session asks for the lockout when it is built.
  load_budgets();
  settings_listener_ =
      settings_.on_change([this](const config::settings_in_force&) { settings_changed(); });
}

controller::~controller() {
  settings_.forget(settings_listener_);
  // The hardware outlives us: leave it no handler pointing at a dead object.
  if (auto* sensor = hardware_.power()) {
    sensor->on_change({});
    sensor->on_fault({});
  }
}

// --- persistence ---------------------------------------------------------------------

bool controller::commit(const std::function<void(store::transaction&)>& fn) {
  return commit(fn, true);
}

bool controller::commit_unshown(const std::function<void(store::transaction&)>& fn) {
  return commit(fn, false);
}

bool controller::commit(const std::function<void(store::transaction&)>& fn, bool shown) {
  struct in_transaction {
    int& depth;
    explicit in_transaction(int& d) : depth(d) { ++depth; }
    in_transaction(const in_transaction&) = delete;
    in_transaction& operator=(const in_transaction&) = delete;
    ~in_transaction() { --depth; }
  };
  if (together_ != nullptr) {
    // Part of commit_together()'s transaction, which commits (or fails) as a whole.
    const in_transaction inside{tx_depth_};
    fn(*together_);
    return true;
  }
  journaled_ = false;
  try {
    store::transaction tx(db_.db());
    {
      const in_transaction inside{tx_depth_};
      fn(tx);
    }
    tx.commit();
  } catch (const store::store_error& e) {
    // Nothing of it happened: nobody is told it worked.
    journaled_ = false;
    storage_failed(doing_.what.empty() ? "committing a change" : doing_.what, doing_.compartment,
                   e.what(), true);
    return false;
  } catch (const std::exception& e) {
    journaled_ = false;
    storage_failed(doing_.what.empty() ? "committing a change" : doing_.what, doing_.compartment,
                   e.what(), false);
    return false;
  }
  journal_due_ = journal_due_ || journaled_;
  // An event journaled is a change of the state's seq.
  change_due_ = change_due_ || shown || journaled_;
  journaled_ = false;
  // After this turn of the loop: the caller takes the action first (the coil, the reply).
  if (!notify_timer_.armed())
    notify_timer_.start(drivers::millis(0), [this] { notify_observers(); });
  if (storage_fault_since_) storage_recovered();
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
  db_.compartments().save(tx, rec, clock_.wall_now());
}

store::event controller::journal(store::transaction& tx, store::journal_topic topic,
                                 std::string_view type, const json& fields,
                                 std::optional<std::int64_t> code_of_parcel) {
  journaled_ = true;
  auto e = db_.journal().append(tx, topic, type, fields, clock_.wall_now(), code_of_parcel);
  const auto compartment = fields.value("compartment", std::string{});
  log::info({log::message::event_journaled, compartment, e.seq}, "event", e.seq, " ", type, " ",
            compartment);
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
                          const std::function<void(store::transaction&)>& also,
                          int left_open_factor) {
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
    throw storage_unavailable{};  // not a refusal: guarded() answers for it
  }
  if (m.open(cause, left_open_factor) != open_status::accepted) {
    // Cannot happen after the checks above; undo the intent all the same.
    s.op = no_operation{};
    commit([&](store::transaction& tx) { save(tx, s); });
    return false;
  }
  return true;
}

// --- compartment_observer ---------------------------------------------------------------

void controller::door_opened(std::string_view id, open_cause cause) {
  guarded("booking a door opening", id, [&] {
    slot* s = find_slot(id);
    if (!s) return;
    commit([&](store::transaction& tx) {
      save(tx, *s);
      journal(tx, store::journal_topic::door, "opened",
              {{"compartment", std::string(id)}, {"cause", compartment::to_string(cause)}});
    });
  });
}

void controller::door_closed(std::string_view id, open_cause cause) {
  slot* s = find_slot(id);
  if (!s) return;
  const operation op = std::exchange(s->op, no_operation{});
  const bool booked =
      guarded("booking a door closing", id, [&] { book_door_closed(*s, op, cause); });
  if (booked) return;
  s->op = op;  // still owed: a later close or restart tries again
  if (session_) session_->out_of_order(id);
}

void controller::book_door_closed(slot& slot_closed, const operation& op, open_cause cause) {
  slot* s = &slot_closed;
  const std::string id = s->machine->id();
  // A presence sensor that sees nothing behind a closed deposit door: nothing was stored.
  const auto occupied = s->machine->occupied();
  const bool nothing_put_in =
      std::holds_alternative<deposit_operation>(op) && occupied && !*occupied;
  // One that still sees it behind a closed pickup door: the parcel was not taken.
  const bool left_inside = std::holds_alternative<pickup_operation>(op) && occupied && *occupied;
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
              if (d.outbound) {
                book_dropoff(tx, *s, d, now);  // drop-off flow (dropoffs.cpp)
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
                  db_.audit().record(
                      tx, now, "lockerd", "pickup_code_unavailable",
                      {{"compartment", std::string(id)}, {"tracking_number", p.tracking_number}});
                }
              }
              const auto parcel_id = db_.parcels().store(tx, p);
              if (p.reservation_id) {
                db_.reservations().set_state(tx, *p.reservation_id,
                                             store::reservation_state::deposited);
                db_.holds().end(tx, *p.reservation_id);  // flow "hold": the hold ends here
              }
              json fields = {{"tracking_number", p.tracking_number},
                             {"compartment", std::string(id)},
                             {"size", s->machine->size()},
                             {"courier_id", p.courier_id},
                             {"expires_at", protocol::format_timestamp(p.expires_at)}};
              if (p.reservation_id) fields["reservation_id"] = *p.reservation_id;
              // Accessibility (issue 13): whether the asked-for low compartment was had.
              if (d.accessible) fields["accessible"] = s->hw.config->low();
              std::optional<std::int64_t> code_of_parcel;
              if (p.pickup_code_plain) {
                fields["pickup_code"] = *p.pickup_code_plain;
                code_of_parcel = parcel_id;
              }
              journal(tx, store::journal_topic::parcel, "stored", fields, code_of_parcel);
              db_.audit().record(
                  tx, now, "courier:" + p.courier_id, "deposit",
                  {{"compartment", std::string(id)}, {"tracking_number", p.tracking_number}});
            },
            [&](const pickup_operation& o) {
              const auto parcel = db_.parcels().find(o.parcel_id);
              if (!parcel) return;
              if (left_inside) {
                // Stays stored: the same code opens it again (start_left_inside_window).
                db_.audit().record(tx, now, "recipient", "pickup_left_inside",
                                   {{"compartment", std::string(id)},
                                    {"tracking_number", parcel->tracking_number}});
                return;
              }
              db_.parcels().mark(tx, parcel->id, store::parcel_state::collected, now);
              const auto dwell =
                  std::chrono::duration_cast<std::chrono::seconds>(now - parcel->stored_at).count();
              journal(tx, store::journal_topic::parcel, "collected",
                      {{"tracking_number", parcel->tracking_number},
                       {"compartment", std::string(id)},
                       {"dwell_s", std::max<std::int64_t>(0, dwell)},
                       {"failed_attempts", parcel->failed_attempts}});
              // Who did what, as for deposits and removals; the code itself is never written.
              db_.audit().record(
                  tx, now, "recipient", "pickup",
                  {{"compartment", std::string(id)}, {"tracking_number", parcel->tracking_number}});
            },
            [&](const removal_operation& o) {
              const auto parcel = db_.parcels().find(o.parcel_id);
              if (!parcel) return;
              db_.parcels().mark(tx, parcel->id, store::parcel_state::removed, now);
              journal(tx, store::journal_topic::parcel, "removed",
                      {{"tracking_number", parcel->tracking_number},
                       {"compartment", std::string(id)},
                       {"courier_id", o.courier_id},
                       {"reason", o.reason}});
              db_.audit().record(
                  tx, now, "courier:" + o.courier_id, "removal",
                  {{"compartment", std::string(id)}, {"tracking_number", parcel->tracking_number}});
            },
            // Nothing to book: the door was open for no parcel.
            [](const operator_opening&) {}, [](const given_up_deposit&) {},
            [](const no_operation&) {}},
        op);
    if (left_inside)
      start_left_inside_window(tx, *s);
    else
      end_left_inside_window(tx, *s);
    check_contents(tx, *s,
                   std::holds_alternative<operator_opening>(op) ? looked::by_operator : looked::no);
  });
  if (!ok) throw storage_unavailable{};
  if (std::holds_alternative<deposit_operation>(op) && !nothing_put_in) arm_expiry_timer();
  if (!session_) return;
  std::visit(overloaded{[&](const deposit_operation&) {
                          if (nothing_put_in)
                            session_->nothing_stored(id);
                          else
                            session_->stored(id);
                        },
                        [&](const pickup_operation&) {
                          if (left_inside)
                            session_->left_inside(id);
                          else
                            session_->collected(id);
                        },
                        [&](const removal_operation&) { session_->removed(id); },
                        [&](const given_up_deposit&) { session_->closed_empty(id); },
                        [](const operator_opening&) {}, [](const no_operation&) {}},
             op);
}
void controller::alarm(std::string_view id, alarm_type type, compartment::alarm_severity severity,
                       bool active) {
  slot* s = find_slot(id);
  if (!s) return;
  guarded("booking an alarm", id, [&] {
    commit([&](store::transaction& tx) {
      save(tx, *s);
      journal(tx, store::journal_topic::alarm, compartment::to_string(type),
              {{"compartment", std::string(id)},
               {"severity", compartment::to_string(severity)},
               {"active", active}});
    });
  });
  // Whoever stands at the cabinet hears which sound means "close the door" (issue 13).
  if (type == alarm_type::door_left_open && active)
    hardware_.board().indicator().beep(drivers::sound::door_left_open);
  update_alarm_indicator();
}

void controller::service_changed(std::string_view id, compartment::service_state service,
                                 std::string_view reason) {
  slot* s = find_slot(id);
  if (!s) return;
  log::info("controller", "compartment ", id, " is ", compartment::to_string(service),
            reason.empty() ? "" : " (", reason, reason.empty() ? "" : ")");
  guarded("saving a service change", id, [&] {
    commit([&](store::transaction& tx) {
      save(tx, *s);
      // Flow "hold": a held compartment that leaves service hands its hold on.
      if (service != compartment::service_state::in_service) move_hold_off(tx, *s);
    });
  });
}

void controller::open_result(std::string_view id, open_outcome outcome) {
  slot* s = find_slot(id);
  if (!s) return;
  const bool booked =
      guarded("booking an unlock's outcome", id, [&] { book_open_result(*s, outcome); });
  if (!booked && session_) session_->out_of_order(id);
}

void controller::book_open_result(slot& slot_opened, open_outcome outcome) {
  slot* s = &slot_opened;
  const std::string id = s->machine->id();
  if (outcome == open_outcome::opened) {
    const auto tell_session = [&] {
      // The person at the keypad hears that the door is open (issue 13: without the display).
      hardware_.board().indicator().beep(drivers::sound::door_open);
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
                          // Flow "hold": its hold has just moved off this box (if it had one).
                          slot* other = d.reservation_id && !d.reservation_id->empty()
                                            ? held_for(*d.reservation_id, d.rank)
                                            : nullptr;
                          if (other == s) other = nullptr;
                          if (!other) other = choose_compartment(d.rank, id, d.accessible);
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

// --- contents ------------------------------------------------------------------------------

void controller::account_for_contents(store::transaction& tx, slot& s) {
  if (!s.machine->alarms().has(alarm_type::tamper)) return;
  // The missing parcel is accounted for when it has left the books (collected, or removed by
  // a courier after the operator cancelled it or it expired), or when the presence sensor
  // sees it again (looked at behind the closed door, or at a start).
  const auto parcel = db_.parcels().live_in(s.machine->id());
  const auto occupied = s.machine->occupied();
  const bool seen =
      occupied.value_or(false) && s.machine->door() == compartment::door_state::closed;
  if (parcel && !seen) return;
  s.machine->set_tamper(false);
  db_.audit().record(
      tx, clock_.wall_now(), "lockerd", "tamper_cleared",
      {{"compartment", s.machine->id()},
       {"because", parcel ? "the parcel is seen again" : "the parcel left the books"}});
}

}  // namespace locker::controller
