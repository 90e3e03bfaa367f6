// SPDX-License-Identifier: Apache-2.0
// What a compartment's door is open for (its current business), as a typed value, and the one
// codec that stores it in the compartment's `operation` column. The stored text is the JSON
// object earlier versions wrote ({"kind": "deposit", ...}), byte for byte, so a database moves
// between versions in both directions; the type keeps the controller from re-parsing strings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace locker::controller {

// Nothing under way ("" in the database).
struct no_operation {
  bool operator==(const no_operation&) const = default;
};

// A courier's deposit: closing the door stores the parcel.
struct deposit_operation {
  std::string courier_id;
  std::string tracking_number;
  int rank = 0;  // the smallest size rank that fits; "does not fit" asks for rank + 1
  // From the announced reservation, when there is one.
  std::optional<std::string> reservation_id;
  std::optional<std::string> pickup_code_hash;  // the tracking system chose the code
  std::optional<std::int64_t> pickup_window_h;  // else the policy's window at closing
  // Accessibility (issue 13): the reservation asked for a low compartment (stored only when
  // true, so what earlier versions wrote reads the same).
  bool accessible = false;
  // Drop-off flow (dropoffs.cpp): "dropoff" or "return" when a member of the public opened it
  // with a drop-off code (courier_id is then ""); closing it stores an outbound parcel.
  std::optional<std::string> outbound;
  bool operator==(const deposit_operation&) const = default;
};

// A recipient's pickup: closing the door marks the parcel collected.
struct pickup_operation {
  std::int64_t parcel_id = 0;
  bool operator==(const pickup_operation&) const = default;
};

// A courier taking out an expired or cancelled parcel.
struct removal_operation {
  std::int64_t parcel_id = 0;
  std::string courier_id;
  std::string reason;  // "expired" or "cancelled", as reported in the `removed` event
  bool operator==(const removal_operation&) const = default;
};

// An operator's remote opening; its reply waits in memory (the slot's operator_done).
struct operator_opening {
  std::string by;
  std::string reason;
  bool operator==(const operator_opening&) const = default;
};

// A deposit the courier gave up (cancelled, timed out, moved to a bigger compartment) while
// its door may still be open: closing it stores nothing.
struct given_up_deposit {
  bool operator==(const given_up_deposit&) const = default;
};

using operation = std::variant<no_operation, deposit_operation, pickup_operation, removal_operation,
                               operator_opening, given_up_deposit>;

[[nodiscard]] inline bool is_none(const operation& op) {
  return std::holds_alternative<no_operation>(op);
}

// The stored "kind": "deposit", "pickup", "removal", "operator", "given_up"; "" for none.
[[nodiscard]] std::string_view kind_of(const operation& op);

// The text for the `operation` column: "" for none, else the JSON object as always written
// (nlohmann's dump, keys in order).
[[nodiscard]] std::string encode(const operation& op);

// The value stored for `compartment_id`. "" is none. A value that is not such an object, has an
// unknown kind or a field of the wrong type is none too, with a warning naming the compartment
// (never the value). Fields that are missing take their defaults, as they always did.
[[nodiscard]] operation decode(std::string_view stored, std::string_view compartment_id);

// For std::visit over an operation with one lambda per alternative.
template <typename... Fns>
struct overloaded : Fns... {
  using Fns::operator()...;
};
template <typename... Fns>
overloaded(Fns...) -> overloaded<Fns...>;

}  // namespace locker::controller
