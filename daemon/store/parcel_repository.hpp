// SPDX-License-Identifier: Apache-2.0
// The parcels: each one from the courier's deposit to its pickup or removal, with the hash of
// its pickup code (and, until the tracking system has it, the plain code the locker chose).
// Also the pickup codes in use, since a new code must differ from every live one.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/store/database.hpp"
#include "daemon/store/states.hpp"

namespace locker::store {

struct new_parcel {
  std::string tracking_number;
  std::string compartment_id;
  std::optional<std::string> reservation_id;
  std::string courier_id;
  std::string pickup_code_hash;
  // Only when the locker generated the code: it must reach the tracking system in the
  // `stored` event, and is erased when that event is acknowledged.
  std::optional<std::string> pickup_code_plain;
  wall_time stored_at{};
  wall_time expires_at{};
};

struct parcel_record {
  std::int64_t id = 0;
  std::string tracking_number;
  std::string compartment_id;
  std::optional<std::string> reservation_id;
  std::string courier_id;
  parcel_state state = parcel_state::stored;
  std::string pickup_code_hash;
  std::optional<std::string> pickup_code_plain;
  wall_time stored_at{};
  wall_time expires_at{};
  std::int64_t failed_attempts = 0;
  std::optional<wall_time> closed_at;  // when it was collected or removed
};

// A live parcel as the locker's state shows it (state_report): what live_view() keeps.
struct live_parcel {
  std::int64_t id = 0;
  std::string tracking_number;
  std::string compartment_id;
  std::optional<std::string> reservation_id;
  parcel_state state = parcel_state::stored;
  std::string kind;  // outbound_repository's: "delivery", "dropoff" or "return"
  wall_time stored_at{};
  wall_time expires_at{};
  // The keypad's lookup compares it (find_stored_by_code_hash); never published.
  std::string pickup_code_hash;
};

class parcel_repository {
 public:
  explicit parcel_repository(database& db) : db_(db) {}

  // Every live parcel (stored, expired, cancelled), by id, held in memory: read from the table
  // once (the first call, through its index on state), then kept by this repository's own
  // writes (store, mark) and outbound_repository's set_parcel_kind, each undone with its
  // transaction if that rolls back. So the state published after every change reads no parcel
  // at all, however long the history. Writes to the table by other SQL on this connection, or
  // by another process, are not seen: every writer of these columns goes through here.
  [[nodiscard]] const std::map<std::int64_t, live_parcel>& live_view();
  // outbound_repository::set_parcel_kind's change, for live_view().
  void kind_changed(std::int64_t id, std::string_view kind);

  // Returns the new parcel's id. store_error with is_constraint() if the compartment
  // already holds a live parcel or does not exist.
  std::int64_t store(transaction& tx, const new_parcel& p);
  [[nodiscard]] std::optional<parcel_record> find(std::int64_t id);
  // Stored parcels (the only ones a recipient can collect) whose code has this hash, by id.
  // Every stored parcel's hash is compared, in constant time, from live_view() in memory:
  // the table is read only for the parcels that match. At most one while every new
  // code is checked with pickup_code_in_use(); a database written before that rule may hold
  // two, and the caller must then open neither.
  [[nodiscard]] std::vector<parcel_record> find_stored_by_code_hash(
      std::string_view pickup_code_hash);
  // The hashes of every pickup code that works now or will: stored parcels' and announced
  // reservations'. A new code must differ from all of them, so that one code opens one
  // compartment.
  [[nodiscard]] std::vector<std::string> live_code_hashes();
  // Whether this hash is one of live_code_hashes(), compared in constant time.
  [[nodiscard]] bool pickup_code_in_use(std::string_view pickup_code_hash);
  [[nodiscard]] std::optional<parcel_record> live_in(std::string_view compartment_id);
  // The live parcel (stored, expired or cancelled: still in the locker) with this tracking
  // number, if any; with more than one (a database written before the check), the first in
  // the order stored, expired, cancelled, then by id. Reads only the rows of that number.
  [[nodiscard]] std::optional<parcel_record> live_with_tracking_number(
      std::string_view tracking_number);
  // The compartments that hold a live parcel (at most one each), by id. Reads only the live
  // parcels.
  [[nodiscard]] std::vector<std::string> live_compartments();
  // The earliest expires_at of the stored parcels (none: nothing will expire), outbound ones
  // (drop-offs, returns: they never expire) left out. One index read.
  [[nodiscard]] std::optional<wall_time> next_expiry();
  [[nodiscard]] std::optional<parcel_record> live_for_reservation(std::string_view reservation_id);
  // Changes the state; collected and removed also set closed_at = at. false if no such parcel.
  bool mark(transaction& tx, std::int64_t id, parcel_state s, wall_time at);
  // A wrong code is a guess against every stored parcel: counts one on each.
  void count_failed_attempt(transaction& tx);
  [[nodiscard]] std::vector<parcel_record> due_to_expire(wall_time now);
  // By id. With a state, reads only the parcels in it; without, every parcel on file (the
  // whole history: for lockeradm, never on a path a person waits on).
  [[nodiscard]] std::vector<parcel_record> all(std::optional<parcel_state> only = std::nullopt);
  // Deletes at most `limit` parcels that were collected or removed before closed_before, in
  // one transaction, and returns how many went. A parcel whose `stored` event still waits in
  // the journal (it names the parcel for its pickup code) is kept until that is delivered.
  std::int64_t prune_ended(wall_time closed_before, std::int64_t limit);

 private:
  // Changes the live_view() entry of id (nullopt: it left it), undone on rollback.
  void change_view(std::int64_t id, std::optional<live_parcel> now);

  database& db_;
  std::optional<std::map<std::int64_t, live_parcel>> view_;  // once live_view() read it
};

}  // namespace locker::store
