// SPDX-License-Identifier: Apache-2.0
// Drop-off, returns, outbound collection and carriers (issue 13): what the locker keeps for
// parcels a member of the public brings (their reservations' kind and drop-off code hash),
// for the outbound parcels they become (a live parcel of kind dropoff or return, waiting for
// a courier), and the carrier of reservations and couriers. Its columns sit on the
// reservations, parcels and couriers tables (migration 7); this one repository reads and
// writes them, so the other repositories stay as they were.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/store/database.hpp"
#include "daemon/store/parcel_repository.hpp"
#include "daemon/store/states.hpp"

namespace locker::store {

// A reservation's and a parcel's kind, as stored: "delivery" (a courier brings it), "dropoff"
// or "return" (a member of the public brings it: outbound once in the locker).
inline constexpr std::string_view kind_delivery = "delivery";
[[nodiscard]] bool is_parcel_kind(std::string_view kind);
[[nodiscard]] inline bool is_outbound_kind(std::string_view kind) {
  return kind == "dropoff" || kind == "return";
}

struct reservation_extras {
  std::string kind{kind_delivery};
  std::optional<std::string> dropoff_code_hash;  // security::dropoff_code_hash
  std::optional<std::string> carrier;
};

class outbound_repository {
 public:
  // parcels: told of a parcel's kind (its live_view()).
  outbound_repository(database& db, parcel_repository& parcels) : db_(db), parcels_(parcels) {}

  // Sets the drop-off columns of a reservation just created in this transaction.
  void set_reservation(transaction& tx, std::string_view reservation_id,
                       const reservation_extras& extras);
  // The reservation's kind, drop-off code hash and carrier (defaults if there is none).
  [[nodiscard]] reservation_extras of_reservation(std::string_view reservation_id);
  // The announced reservations whose drop-off code has this hash, compared in constant time
  // over every announced drop-off code. At most one while codes are checked with
  // dropoff_code_in_use() before they are announced.
  [[nodiscard]] std::vector<std::string> announced_with_code(std::string_view dropoff_code_hash);
  // Whether an announced reservation's drop-off code has this hash (constant time).
  [[nodiscard]] bool dropoff_code_in_use(std::string_view dropoff_code_hash);

  // A parcel just stored in this transaction is of this kind (a drop-off or return).
  void set_parcel_kind(transaction& tx, std::int64_t parcel_id, std::string_view kind);
  // "delivery" for a parcel not on file.
  [[nodiscard]] std::string parcel_kind(std::int64_t parcel_id);
  // The carrier of the parcel's reservation, if it has one.
  [[nodiscard]] std::optional<std::string> parcel_carrier(std::int64_t parcel_id);
  // The outbound parcels waiting for a courier (stored, of kind dropoff or return), by id.
  // Reads only those (parcels_outbound).
  [[nodiscard]] std::vector<std::int64_t> outbound_parcels();

  // The courier's carrier (none: the courier takes out every parcel). false: no such courier.
  bool set_courier_carrier(transaction& tx, std::string_view courier_id,
                           const std::optional<std::string>& carrier);
  [[nodiscard]] std::optional<std::string> courier_carrier(std::string_view courier_id);

 private:
  database& db_;
  parcel_repository& parcels_;
};

}  // namespace locker::store
