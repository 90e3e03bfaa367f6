// SPDX-License-Identifier: Apache-2.0
// The journal (the outbox): every event the locker publishes, stored in the same transaction
// as the state change it reports, and deleted when the broker has acknowledged it (PUBACK).
// Deleting an event also erases the plain pickup code it carried, and this class makes sure
// no old copy of that code stays in the WAL file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/store/database.hpp"
#include "daemon/store/states.hpp"

namespace locker::store {

// One journaled event. payload is the complete JSON body as published: the fields plus
// event_id, seq, ts, type ("queued" is added by the relay when it publishes it late).
struct event {
  std::uint64_t seq = 0;
  std::string event_id;
  journal_topic topic = journal_topic::parcel;
  std::string type;
  std::string ts;
  std::string payload;
};

class journal {
 public:
  explicit journal(database& db) : db_(db) {}

  // Assigns the next seq and a fresh event_id, and stores the complete payload: fields
  // (a JSON object, which must not use the reserved keys) plus event_id, seq, ts, type.
  // code_of_parcel names the parcel whose plain pickup code is in fields: it is erased
  // when this event is deleted after PUBACK.
  event append(transaction& tx, journal_topic topic, std::string_view type,
               const nlohmann::json& fields, wall_time ts,
               std::optional<std::int64_t> code_of_parcel = std::nullopt);
  // Oldest first, at most limit, starting after after_seq (0: from the start).
  [[nodiscard]] std::vector<event> pending(std::int64_t limit, std::uint64_t after_seq = 0);
  // Delivered (PUBACK): deletes the event(s) and, in the same transaction, erases the plain
  // pickup codes they carried. Return how many events were deleted. The erased bytes are
  // overwritten (secure_delete), and the overloads without a transaction then run
  // checkpoint_erased_codes(), so the code leaves the WAL file too; after committing a
  // transaction given to the others, call it yourself.
  std::int64_t remove(transaction& tx, std::uint64_t seq);
  std::int64_t remove(std::uint64_t seq);
  std::int64_t remove_upto(transaction& tx, std::uint64_t seq);
  std::int64_t remove_upto(std::uint64_t seq);
  // If a pickup code was erased since the last successful call (or since opening, as a crash
  // may have come between an erasure's commit and its checkpoint): a truncating checkpoint, so
  // no old copy of it stays in the WAL. false when another connection kept it from completing
  // (it is tried again on the next call, and at the next open). Not inside a transaction.
  bool checkpoint_erased_codes();
  [[nodiscard]] std::int64_t backlog();
  // The seq of the newest event ever appended (0 if none), delivered or not.
  [[nodiscard]] std::uint64_t last_seq();
  // A database started anew in place of a damaged one (daemon/state_folder): the next seq
  // follows `seq`, the last one the old database had handed out, so that consumers see a gap
  // (the events it still held are lost) rather than seqs they have seen already. Never goes
  // back.
  void continue_after(transaction& tx, std::uint64_t seq);

 private:
  database& db_;
  // A code was erased and its old copies may still be in the WAL; true at first, for what
  // a crash left there.
  bool erased_codes_ = true;
};

}  // namespace locker::store
