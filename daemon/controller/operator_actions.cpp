// SPDX-License-Identifier: Apache-2.0
// The controller's operator actions behind the MQTT commands. Kept apart from controller.cpp
// so the keypad flows and the remote operator's actions can change independently; they
// share the controller's state only through its members (commit, save, find_slot).
#include "daemon/controller/controller.hpp"
#include "daemon/controller/controller_internal.hpp"
#include "daemon/log/log.hpp"

namespace locker::controller {

using compartment::open_cause;
using compartment::open_outcome;
using compartment::open_status;

namespace {

// The compartments are owned (non-const) by the controller; find() only hands them out
// const because everyone else must go through the controller to change one.
compartment::compartment* mutable_machine(const compartment::compartment* c) {
  return const_cast<compartment::compartment*>(c);  // NOLINT(cppcoreguidelines-pro-type-const-cast)
}

}  // namespace

std::string controller::operation_kind(std::string_view id) {
  // The slot's operation is saved with the compartment on every change (save()), so the
  // database holds what is under way without reaching into the slot here.
  // Cannot tell: "unknown" counts as in use, rather than interleave.
  return guarded("reading a compartment's operation", id, std::string("unknown"), [&] {
    const auto rec = db_.compartments().find(id);
    if (!rec || rec->operation.empty()) return std::string();
    const auto op = decode(rec->operation, id);
    // Something is saved that cannot be read: treat it as in use rather than interleave.
    if (is_none(op)) return std::string("unknown");
    return std::string(kind_of(op));
  });
}

std::optional<std::string> controller::deposit_under_way(std::string_view reservation_id) {
  // From the slots: each holds the operation its compartment saved last (save() on every
  // change), so the answer needs no read and has no database error to turn into a business
  // answer.
  for (const auto& s : slots_) {
    const auto* deposit = std::get_if<deposit_operation>(&s->op);
    if (deposit != nullptr && deposit->reservation_id.value_or("") == reservation_id)
      return s->machine->id();
  }
  return std::nullopt;
}

bool controller::in_use(std::string_view id) {
  const auto* c = find(id);
  if (c == nullptr) return false;
  return c->lock() == compartment::lock_state::unlocking || !operation_kind(id).empty();
}

controller::service_result controller::set_service_by_operator(std::string_view id, bool in_service,
                                                               std::string_view by,
                                                               std::string_view reason) {
  const auto* c = find(id);
  if (c == nullptr) return {service_answer::not_found, {}};
  if (in_use(id)) return {service_answer::busy, {}};
  auto* machine = mutable_machine(c);
  std::string cleared;
  if (in_service) {
    for (auto a : {compartment::alarm_type::lock_fault, compartment::alarm_type::sensor_fault}) {
      if (c->alarms().has(a)) cleared += (cleared.empty() ? "" : ",") + std::string(to_string(a));
    }
    // The operator's word that it was checked, but the sensors must not contradict it.
    if (const auto check = machine->sensors_agree();
        !cleared.empty() && check != compartment::clear_check::ok)
      return {service_answer::sensors_disagree, std::string(to_string(check))};
    // Someone looked at what the books did not account for; it must be gone, though.
    if (c->alarms().has(compartment::alarm_type::unexpected_contents)) {
      if (c->occupied().value_or(false))
        return {service_answer::sensors_disagree,
                "the presence sensor still sees something inside: take it out, then try again"};
      cleared += (cleared.empty() ? "" : ",") +
                 std::string(to_string(compartment::alarm_type::unexpected_contents));
    }
  }
  slot* s = find_slot(id);
  const auto before = machine->saved();
  // clear_fault() and set_service() report through the observer (alarm events, the door
  // as it is now, the service change); commit_together() puts all of it, the saved wish
  // (a change service() does not show, e.g. out of service while faulty) and the audit
  // entry in one transaction.
  bool books_checked = false;
  const bool saved = commit_together([&](store::transaction& tx) {
    if (!cleared.empty()) machine->clear_fault();
    if (in_service)
      machine->set_contents_alarm(compartment::alarm_type::unexpected_contents, false);
    machine->set_service(in_service, in_service ? std::string_view{} : reason);
    save(tx, *s);
    if (in_service) books_checked = end_lost_books_if_checked(tx);
    nlohmann::json detail = {{"compartment", std::string(id)}, {"reason", std::string(reason)}};
    if (!cleared.empty()) detail["cleared"] = cleared;
    db_.audit().record(tx, clock_.wall_now(), by,
                       in_service ? "compartment_in_service" : "compartment_out_of_service",
                       detail);
  });
  if (!saved) {
    // Nothing was stored: the compartment goes back to what the database still says.
    machine->restore(before);
    return {service_answer::failed, {}};
  }
  if (books_checked) lost_books_checked();
  if (!cleared.empty())
    log::info("controller", "compartment ", id, ": ", cleared, " cleared by ", by);
  update_alarm_indicator();
  return {service_answer::done, cleared};
}

void controller::settings_changed() {
  const auto& policy = cfg_.policy;
  const access::budget_policy budget{policy.max_code_attempts,
                                     std::chrono::milliseconds(policy.lockout_base)};
  codes_.set_policy(budget);
  couriers_.set_policy(budget);
  const auto& timings = cfg_.timings;
  for (const auto* c : compartments()) {
    auto limits = c->limits();
    limits.open_detect = timings.open_detect;
    limits.door_left_open = timings.door_left_open;
    mutable_machine(c)->set_limits(limits);
  }
  hardware_.apply_timings(timings);
  log::info("controller", "policy: max_code_attempts ", policy.max_code_attempts,
            ", pickup_code_digits ", policy.pickup_code_digits, ", pickup_window_h ",
            policy.pickup_window_h, ", lockout_base_s ", policy.lockout_base.count());
  log::info("controller", "timings: lock_pulse_ms ", timings.lock_pulse.count(), ", coil_gap_ms ",
            timings.coil_gap.count(), ", open_detect_s ", timings.open_detect.count(),
            ", door_left_open_s ", timings.door_left_open.count(), ", debounce_ms ",
            timings.debounce.count());
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
  // A database error is an error (logged and alarmed by the boundary), not "busy".
  const auto opened =
      guarded("opening for the operator", id, std::optional<bool>{}, [&]() -> std::optional<bool> {
        return open_for(*s, open_cause::by_operator, op, [&](store::transaction& tx) {
          db_.audit().record(tx, clock_.wall_now(), std::string(by), "compartment_open",
                             {{"compartment", m.id()}, {"reason", std::string(reason)}});
          if (with_intent) with_intent(tx);
        });
      });
  if (!opened) return open_status::storage_error;
  if (!*opened) return open_status::busy;
  s->operator_done = std::move(done);
  return open_status::accepted;
}

}  // namespace locker::controller
