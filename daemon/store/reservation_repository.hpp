// SPDX-License-Identifier: Apache-2.0
// Reservations: parcels the tracking system announced before a courier brings them, with the
// size to keep free and, when it chose one, the hash of the pickup code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/store/database.hpp"
#include "daemon/store/states.hpp"

namespace locker::store {

struct reservation_record {
  std::string reservation_id;
  std::string tracking_number;
  std::string size;
  std::optional<std::string> pickup_code_hash;  // when the tracking system chose the code
  std::optional<std::int64_t> pickup_window_h;
  reservation_state state = reservation_state::announced;
  wall_time created_at{};
  // Accessibility (issue 13): a compartment whose handle is low, and extended time at pickup.
  bool accessible = false;
  bool extended_time = false;
};

class reservation_repository {
 public:
  explicit reservation_repository(database& db) : db_(db) {}

  // store_error with is_constraint() if the reservation_id exists.
  void create(transaction& tx, const reservation_record& r);
  [[nodiscard]] std::optional<reservation_record> find(std::string_view reservation_id);
  // The announced reservation for a tracking number, if any (the newest one).
  [[nodiscard]] std::optional<reservation_record> find_announced(std::string_view tracking_number);
  // By created_at, then reservation_id; with a state, only those in it.
  [[nodiscard]] std::vector<reservation_record> all(
      std::optional<reservation_state> only = std::nullopt);
  bool set_state(transaction& tx, std::string_view reservation_id, reservation_state s);
  // Flow "hold" (issue 13): the expiry of reservations no courier deposited. The announced
  // ones created at or before `created_by`, oldest first; the oldest one's created_at.
  [[nodiscard]] std::vector<reservation_record> announced_created_by(wall_time created_by);
  [[nodiscard]] std::optional<wall_time> oldest_announced();
  // Deletes at most `limit` reservations that ended (deposited, once no parcel on file names
  // them any more; cancelled) and were made before `created_before`, in a transaction of its
  // own; how many went.
  std::int64_t prune_ended(wall_time created_before, std::int64_t limit);

 private:
  database& db_;
};

}  // namespace locker::store
