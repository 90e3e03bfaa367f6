// SPDX-License-Identifier: Apache-2.0
// A recipient's signed token (a QR code, protocol/tokens.md) scanned at the keypad: checked
// offline (daemon/tokens: form, signature, key, locker, window), then against the books (its
// nonce not used before, its parcel stored here), and opened as the parcel's code would open it
// (open_for_pickup: the same intent, door events and `collected`). The nonce is journaled in the
// transaction of the pickup's intent, so a token opens once. A refused token counts as a wrong
// code in the recipients' budget, and is logged with its reason, never with its text.
#include <cstdio>

#include "daemon/controller/controller.hpp"
#include "daemon/controller/controller_internal.hpp"
#include "daemon/log/log.hpp"

namespace locker::controller {

namespace {

// A used token's nonce is kept this long past its not_after: a wall clock set back by less
// cannot make a spent token good again.
constexpr std::int64_t nonce_grace_s = std::int64_t{24} * 3600;

std::string hex(const tokens::nonce& n) {
  std::string out;
  out.reserve(n.size() * 2);
  for (const auto b : n) {
    char buf[3];
    std::snprintf(buf, sizeof buf, "%02x", b);
    out += buf;
  }
  return out;
}

keypad::token_refusal to_keypad(tokens::refusal r) {
  switch (r) {
    case tokens::refusal::unreadable:
      return keypad::token_refusal::unreadable;
    case tokens::refusal::unknown_key:
      return keypad::token_refusal::unknown_key;
    case tokens::refusal::bad_signature:
      return keypad::token_refusal::bad_signature;
    case tokens::refusal::key_retired:
      return keypad::token_refusal::key_retired;
    case tokens::refusal::other_locker:
      return keypad::token_refusal::other_locker;
    case tokens::refusal::not_yet_valid:
      return keypad::token_refusal::not_yet_valid;
    case tokens::refusal::expired:
      return keypad::token_refusal::expired;
    case tokens::refusal::used:
      return keypad::token_refusal::used;
    case tokens::refusal::no_parcel:
      return keypad::token_refusal::no_parcel;
  }
  return keypad::token_refusal::unreadable;
}

std::int64_t unix_seconds(drivers::wall_time t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

keypad::token_answer controller::refuse_token(tokens::refusal why,
                                              const tokens::token_claims* claims) {
  // The key id is checked to be [A-Za-z0-9._-] by the decoder: safe to log. The subject is
  // named only once the signature vouched for it.
  const bool signed_ok = why != tokens::refusal::unreadable &&
                         why != tokens::refusal::unknown_key &&
                         why != tokens::refusal::bad_signature;
  log::warning("controller", "a scanned token was refused: ", tokens::to_string(why),
               claims != nullptr ? " (key " + claims->key_id + ")" : std::string{},
               claims != nullptr && signed_ok ? " for " + claims->subject : std::string{});
  keypad::token_answer answer;
  count_wrong_attempt(access_budget::pickup_code);
  if (auto left = lockout_left(access_budget::pickup_code); left.count() > 0) {
    answer.pickup.outcome = keypad::code_outcome::locked_out;
    answer.pickup.retry_after = left;
    return answer;
  }
  answer.pickup.outcome = keypad::code_outcome::wrong;
  answer.pickup.attempts_left = codes_.attempts_left(steady_ms());
  answer.refused = to_keypad(why);
  return answer;
}

keypad::token_answer controller::token_pickup(std::string_view token) {
  keypad::token_answer unavailable;
  unavailable.pickup.outcome = keypad::code_outcome::unavailable;
  return guarded("checking a scanned token", {}, unavailable, [&] {
    if (auto left = lockout_left(access_budget::pickup_code); left.count() > 0) {
      keypad::token_answer answer;
      answer.pickup.outcome = keypad::code_outcome::locked_out;
      answer.pickup.retry_after = left;
      return answer;
    }
    const auto now = clock_.wall_now();
    const auto verdict = tokens_.verify(token, now);
    const auto* claims = verdict.refused == tokens::refusal::unreadable ? nullptr : &verdict.claims;
    if (verdict.refused) return refuse_token(*verdict.refused, claims);

    const auto& c = verdict.claims;
    const std::string nonce = hex(c.nonce);
    // Spent before its parcel is looked for: a token that opened its (now collected) parcel
    // says so, not "no parcel".
    if (db_.token_nonces().used(nonce)) return refuse_token(tokens::refusal::used, claims);
    const auto parcel = c.kind == tokens::token_kind::pickup_reservation
                            ? db_.parcels().live_for_reservation(c.subject)
                            : db_.parcels().live_with_tracking_number(c.subject);
    if (!parcel || parcel->state != store::parcel_state::stored)
      return refuse_token(tokens::refusal::no_parcel, claims);
    slot* s = find_slot(parcel->compartment_id);
    if (s != nullptr) s->machine->abandon_resumed_unlock();  // the recipient is here now
    // A compartment already being collected is not opened twice.
    if (s == nullptr || !is_none(s->op)) return refuse_token(tokens::refusal::no_parcel, claims);
    keypad::token_answer answer;
    answer.pickup = open_for_pickup(*s, *parcel, [&](store::transaction& tx) {
      db_.token_nonces().prune(tx, unix_seconds(now) - nonce_grace_s);
      db_.token_nonces().add(tx, nonce, c.key_id, c.not_after, now);
      db_.audit().record(tx, now, "recipient", "token_pickup",
                         {{"compartment", parcel->compartment_id},
                          {"tracking_number", parcel->tracking_number},
                          {"key_id", c.key_id}});
    });
    return answer;
  });
}

}  // namespace locker::controller
