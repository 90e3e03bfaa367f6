// SPDX-License-Identifier: Apache-2.0
// The controller's operator actions behind the MQTT commands. Kept apart from controller.cpp
// so the keypad flows and the remote operator's actions can change independently; they
// share the controller's state only through its members (commit, save, find_slot).
#include <exception>

#include "daemon/controller/controller.hpp"
#include "daemon/log/log.hpp"

namespace locker::controller {

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
  try {
    const auto rec = db_.compartment(id);
    if (!rec || rec->operation.empty()) return {};
    const auto op = nlohmann::json::parse(rec->operation, nullptr, false);
    if (!op.is_object()) return "unknown";
    const auto it = op.find("kind");
    return it != op.end() && it->is_string() ? it->get<std::string>() : std::string("unknown");
  } catch (const std::exception& e) {
    log::error("controller", "reading compartment ", id, ": ", e.what());
    return "unknown";  // cannot tell: treat it as in use rather than interleave
  }
}

bool controller::in_use(std::string_view id) {
  const auto* c = find(id);
  if (c == nullptr) return false;
  return c->lock() == compartment::lock_state::unlocking || !operation_kind(id).empty();
}

controller::service_answer controller::set_service_by_operator(std::string_view id, bool in_service,
                                                               std::string_view by,
                                                               std::string_view reason) {
  const auto* c = find(id);
  if (c == nullptr) return service_answer::not_found;
  if (in_use(id)) return service_answer::busy;
  if (in_service && c->service() == compartment::service_state::faulty)
    return service_answer::faulty;
  slot* s = find_slot(id);
  // service_changed() persists a change of service() on its own; the operator's wish alone
  // (e.g. out of service while faulty) changes nothing visible, so it is saved here too,
  // with the audit entry.
  mutable_machine(c)->set_service(in_service, in_service ? std::string_view{} : reason);
  const bool saved = commit([&](store::transaction& tx) {
    save(tx, *s);
    db_.audit(tx, clock_.wall_now(), by,
              in_service ? "compartment_in_service" : "compartment_out_of_service",
              {{"compartment", std::string(id)}, {"reason", std::string(reason)}});
  });
  return saved ? service_answer::done : service_answer::failed;
}

void controller::apply_settings(const config::policy& policy) {
  cfg_.policy = policy;
  log::info("controller", "policy: max_code_attempts ", policy.max_code_attempts,
            ", pickup_code_digits ", policy.pickup_code_digits, ", pickup_window_h ",
            policy.pickup_window_h, ", lockout_base_s ", policy.lockout_base.count());
}

}  // namespace locker::controller
