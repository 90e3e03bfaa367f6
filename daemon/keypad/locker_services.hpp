// SPDX-License-Identifier: Apache-2.0
// The boundary between the keypad flows (what the person sees and types) and the
// controller (compartments, parcels, persistence). The keypad session asks through
// locker_services; the controller answers at once, and what takes time (a door opening,
// a door closing) comes back later through session_events. Every answer that tells the
// person something "worked" is given only after it is committed to the database.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace locker::keypad {

struct courier_identity {
  std::string courier_id;
  std::string name;
};

enum class code_outcome {
  opening,      // right code: the compartment is being unlocked
  wrong,        // counted; attempts_left says how many before the lockout
  locked_out,   // the keypad is locked out (now, or because of this attempt)
  unavailable,  // the locker cannot check codes now (its database failed): nothing counted
  // Drop-off flow: the code is a sender's drop-off code.
  dropoff_opening,      // a compartment of the announced size is being unlocked for it
  no_free_compartment,  // none of that size or bigger is free: nothing counted
};

// Why a scanned signed token (protocol/tokens.md) opened nothing; each has its own message.
enum class token_refusal {
  unreadable,     // not a well-formed token
  unknown_key,    // signed with a key the locker does not know
  bad_signature,  // tampered with, or not signed by the key it names
  key_retired,    // its key's not_after has passed
  other_locker,   // made for another locker
  not_yet_valid,  // before its window
  expired,        // after its window
  used,           // it opened a compartment before
  no_parcel,      // no parcel here for it (collected, removed, never stored)
};

struct pickup_answer {
  code_outcome outcome = code_outcome::wrong;
  std::string compartment;              // with opening (the first of compartments)
  std::chrono::seconds retry_after{0};  // with locked_out
  int attempts_left = 0;                // with wrong
  // With opening (accessibility, issue 13): the parcel's reservation asked for extended time.
  bool extended_time = false;
  // Several parcels, one code (multi): with opening, every compartment being unlocked for
  // this code, in board order (one for a single parcel). Each reports its own door_opened,
  // open_failed, collected or left_inside.
  std::vector<std::string> compartments;
};

// What a courier's badge read at the keypad led to.
enum class badge_outcome {
  logged_in,    // badge only: the courier is logged in
  pin_needed,   // badge and PIN: the courier's PIN must follow (courier_badge_pin)
  unknown,      // no enabled courier has this badge: counted as a wrong attempt
  locked_out,   // the keypad is locked out (now, or because of this attempt)
  unavailable,  // the locker cannot check badges now (its database failed): nothing counted
};

// What a scanned token led to: the pickup's answer, and with `wrong` why it was refused.
struct token_answer {
  pickup_answer pickup;
  std::optional<token_refusal> refused;
};

struct badge_answer {
  badge_outcome outcome = badge_outcome::unknown;
  courier_identity courier;  // with logged_in and pin_needed
};

enum class deposit_error {
  none,
  no_free_compartment,  // none of this size or bigger is free and in service
  unknown_size,
  already_in_locker,  // this tracking number is already stored here
  unavailable,        // the locker cannot take a deposit now (its database failed)
};

struct deposit_answer {
  deposit_error error = deposit_error::none;
  std::string compartment;  // being unlocked
  std::string size;         // its size
};

enum class abandon_reason { cancelled, timeout };

struct removal_item {
  std::int64_t parcel_id = 0;
  std::string tracking_number;
  std::string compartment;
  std::string reason;  // "expired" | "cancelled" | "dropoff" | "return" (outbound)
};

// What the keypad flows ask of the locker.
class locker_services {
 public:
  virtual ~locker_services() = default;

  // Sizes, smallest first (for the courier's size menu).
  [[nodiscard]] virtual std::vector<std::string> sizes() const = 0;
  // Zero when pickup codes are taken; otherwise what remains of their lockout. It never
  // blocks a courier's login (courier_lockout_remaining() is the couriers' own budget).
  [[nodiscard]] virtual std::chrono::seconds lockout_remaining() = 0;
  // Zero when courier PINs are taken.
  [[nodiscard]] virtual std::chrono::seconds courier_lockout_remaining() {
    return std::chrono::seconds{0};
  }

  // A recipient's pickup code, or a sender's drop-off code (dropoff_opening: closing the
  // door reports stored() or nothing_stored() as a deposit does). A wrong code counts toward
  // the recipients' budget. A code several stored parcels share opens all of them when they
  // have one recipient key, one coil at a time; when it is ambiguous across recipients it
  // opens nothing (a wrong code).
  virtual pickup_answer pickup(std::string_view code) = 0;
  // A signed token scanned at the pickup prompt (protocol/tokens.md): opens its parcel's
  // compartment as the parcel's code would. A refused token counts toward the recipients'
  // budget as a wrong code does (wrong, with `refused` saying why). A locker that takes no
  // tokens answers unavailable.
  virtual token_answer token_pickup(std::string_view /*token*/) {
    token_answer a;
    a.pickup.outcome = code_outcome::unavailable;
    return a;
  }

  // A courier's PIN. nullopt when unknown or disabled; a wrong PIN counts toward the
  // couriers' own budget (courier_lockout_remaining() tells if it locked out).
  virtual std::optional<courier_identity> courier_login(std::string_view pin) = 0;
  // A courier's badge, read by the badge reader. Whether the PIN must follow is the locker's
  // policy (policy.badge_login). An unknown badge counts toward the keypad-wide limit.
  virtual badge_answer courier_badge(std::string_view badge) = 0;
  // The PIN after a badge (badge_outcome::pin_needed): nullopt unless it is that courier's;
  // a wrong one counts as courier_login's does.
  virtual std::optional<courier_identity> courier_badge_pin(std::string_view courier_id,
                                                            std::string_view pin) = 0;

  // The size announced by a reservation for this tracking number, if there is one.
  [[nodiscard]] virtual std::optional<std::string> announced_size(std::string_view tracking) = 0;
  // Unlocks the smallest free compartment of `size` or bigger for this parcel.
  virtual deposit_answer begin_deposit(const courier_identity& courier,
                                       std::string_view tracking_number, std::string_view size) = 0;
  // "Does not fit": gives up the compartment (its door is open; closing it stores nothing)
  // and unlocks a free one of the next size up. The first one is given up even when no
  // bigger one is free; deposit_failed (no_free_compartment) is then reported.
  virtual deposit_answer deposit_bigger(std::string_view compartment) = 0;
  // The courier gave up, or the session timed out: reports deposit_failed. Closing the
  // open door afterwards stores nothing.
  virtual void abandon_deposit(std::string_view compartment, abandon_reason why) = 0;

  // Parcels waiting for a courier to take them out (expired, cancelled).
  [[nodiscard]] virtual std::vector<removal_item> removals() = 0;
  // Those this courier may take out: a courier with a carrier sees only parcels of that
  // carrier or of none (drop-off flow). Outbound parcels (drop-offs, returns) come after
  // the expired and cancelled ones.
  [[nodiscard]] virtual std::vector<removal_item> removals_for(const courier_identity& courier) {
    (void)courier;
    return removals();
  }
  // Unlocks the parcel's compartment for removal; false when it cannot (not in service).
  virtual bool begin_removal(const courier_identity& courier, std::int64_t parcel_id) = 0;

  // The locker cannot serve now (its database fails). Asked after an answer that has no
  // `unavailable` of its own (courier_login's nullopt, an empty removals(), begin_removal's
  // false), so that the person sees "out of order" rather than "wrong PIN" or "nothing".
  [[nodiscard]] virtual bool out_of_order() { return false; }

  // Accessibility (issue 13): the session's extended-time mode is on (or off again). The
  // doors the keypad opens from now on get door_left_open times policy.extended_time_factor.
  virtual void set_extended_time(bool /*on*/) {}
};

// What the controller tells the keypad session about the doors it asked to open.
class session_events {
 public:
  virtual ~session_events() = default;
  // The door of a deposit, pickup or removal compartment is open.
  virtual void door_opened(std::string_view compartment) = 0;
  // A deposit compartment's door did not open: it is now faulty, and `to` was unlocked
  // instead (same size or bigger).
  virtual void deposit_moved(std::string_view from, std::string_view to) = 0;
  // A deposit compartment did not open and no other is free: deposit_failed was reported.
  virtual void deposit_failed(std::string_view compartment) = 0;
  // A pickup or removal compartment's door did not open (it is now faulty).
  virtual void open_failed(std::string_view compartment) = 0;
  // The door closed and the change is committed:
  virtual void stored(std::string_view compartment) = 0;        // parcel stored (deposit)
  virtual void collected(std::string_view compartment) = 0;     // parcel collected (pickup)
  virtual void removed(std::string_view compartment) = 0;       // parcel removed (courier)
  virtual void closed_empty(std::string_view compartment) = 0;  // given up, closed empty
  // A lockout ended before its time (the operator cleared it).
  virtual void lockout_changed() {}
  // A deposit's door closed and the presence sensor sees nothing inside: nothing was stored
  // (deposit_failed, cancelled, was reported).
  virtual void nothing_stored(std::string_view compartment) = 0;
  // A pickup's door closed and the presence sensor still sees the parcel: it is not collected
  // and stays stored; the same code opens the compartment again.
  virtual void left_inside(std::string_view compartment) = 0;
  // What the door's opening or closing should have booked could not be (the database
  // failed): the locker is out of order for now. Closing the door again, or a restart,
  // retries it.
  virtual void out_of_order(std::string_view compartment) = 0;
};

}  // namespace locker::keypad
