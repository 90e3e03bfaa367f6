// SPDX-License-Identifier: Apache-2.0
// A courier's badge at the keypad: the badge names the courier (kept only as its keyed hash,
// courier_badges_repository), and policy.badge_login says whether that is enough or the PIN
// must follow. Wrong answers take the same path as a wrong PIN (count_wrong_attempt on the
// couriers' budget, access_and_lockout.cpp: a recipients' lockout never blocks a badge, and a
// right badge refills nothing); a badge id is never logged.
#include "daemon/controller/controller.hpp"
#include "daemon/controller/controller_internal.hpp"
#include "daemon/store/courier_badges_repository.hpp"

namespace locker::controller {

using nlohmann::json;

keypad::badge_answer controller::courier_badge(std::string_view badge) {
  keypad::badge_answer unavailable{keypad::badge_outcome::unavailable, {}};
  // A database error answers unavailable without counting an attempt (logged and alarmed).
  return guarded("checking a courier badge", {}, unavailable, [&]() -> keypad::badge_answer {
    if (lockout_left(access_budget::courier).count() > 0)
      return {keypad::badge_outcome::locked_out, {}};
    const auto hash = security::courier_badge_hash(key_, badge);
    const auto id = db_.courier_badges().find_courier(hash);
    const auto c = id ? db_.couriers().find(*id) : std::nullopt;
    if (!c || !c->enabled) {
      count_wrong_attempt(access_budget::courier);
      if (lockout_left(access_budget::courier).count() > 0)
        return {keypad::badge_outcome::locked_out, {}};
      return {keypad::badge_outcome::unknown, {}};
    }
    keypad::courier_identity who{c->courier_id, c->name};
    if (cfg_.policy.badge_login == config::badge_login::badge_and_pin)
      return {keypad::badge_outcome::pin_needed, std::move(who)};
    must_commit([&](store::transaction& tx) {
      db_.audit().record(tx, clock_.wall_now(), "courier:" + c->courier_id, "login",
                         {{"with", "badge"}});
    });
    return {keypad::badge_outcome::logged_in, std::move(who)};
  });
}

std::optional<keypad::courier_identity> controller::courier_badge_pin(std::string_view courier_id,
                                                                      std::string_view pin) {
  return guarded("checking a courier PIN", {}, std::optional<keypad::courier_identity>{},
                 [&]() -> std::optional<keypad::courier_identity> {
                   if (lockout_left(access_budget::courier).count() > 0) return std::nullopt;
                   const auto c = db_.couriers().find(courier_id);
                   if (c && c->enabled &&
                       security::same_hash(c->pin_hash, security::courier_pin_hash(key_, pin))) {
                     must_commit([&](store::transaction& tx) {
                       db_.audit().record(tx, clock_.wall_now(), "courier:" + c->courier_id,
                                          "login", {{"with", "badge_and_pin"}});
                     });
                     return keypad::courier_identity{c->courier_id, c->name};
                   }
                   count_wrong_attempt(access_budget::courier);
                   return std::nullopt;
                 });
}

}  // namespace locker::controller
