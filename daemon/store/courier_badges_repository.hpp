// SPDX-License-Identifier: Apache-2.0
// Couriers' badges (RFID/NFC cards read by a HID or Wiegand reader), one per courier at most,
// kept only as security::courier_badge_hash(): a badge id is a credential like a PIN. Its own
// table beside couriers (removing a courier removes its badge), its own small class.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "daemon/store/database.hpp"
#include "drivers/clock.hpp"

namespace locker::store {

class courier_badges_repository {
 public:
  // Cheap: statements are cached by the database, so one may be made where it is needed.
  explicit courier_badges_repository(database& db) : db_(db) {}

  // Gives the courier this badge (replacing any other it had). store_error with
  // is_constraint() if another courier has the same badge, or there is no such courier.
  void set(transaction& tx, std::string_view courier_id, std::string_view badge_hash,
           drivers::wall_time now);
  // Takes the courier's badge away; false if it had none.
  bool clear(transaction& tx, std::string_view courier_id);
  // The courier whose badge this is (enabled or not: the caller tells them apart).
  [[nodiscard]] std::optional<std::string> find_courier(std::string_view badge_hash);
  [[nodiscard]] bool has_badge(std::string_view courier_id);

 private:
  void check_same_db(const transaction& tx) const;

  database& db_;
};

}  // namespace locker::store
