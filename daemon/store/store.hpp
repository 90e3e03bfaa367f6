// SPDX-License-Identifier: Apache-2.0
// The locker's persistent state, as a typed API over the SQLite schema (schema.cpp).
//
// Methods that change state take a transaction&, so the controller commits a state change
// and the event that reports it together:
//
//   store::transaction tx(st.db());
//   st.mark_parcel(tx, id, parcel_state::collected, now);
//   auto evt = st.journal_append(tx, journal_topic::parcel, "collected", fields, now);
//   tx.commit();
//
// Those an operator or the admin tool does on their own also have an overload without one
// that commits by itself. All methods throw store_error on failure; the controller catches
// at its edge and answers with a result.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/store/database.hpp"
#include "protocol/timestamp.hpp"

namespace locker::store {

using protocol::wall_time;

enum class service_state { in_service, out_of_service, faulty };
enum class door_state { closed, open };
enum class reservation_state { announced, deposited, cancelled };
// stored, expired and cancelled are "live": the parcel is still in its compartment.
enum class parcel_state { stored, expired, cancelled, collected, removed };
enum class journal_topic { parcel, door, alarm };
// A software update job's progress (protocol job_state); done and failed are final.
enum class update_state { downloading, verifying, installing, rebooting, done, failed };

[[nodiscard]] std::string_view to_string(service_state s);
[[nodiscard]] std::string_view to_string(door_state s);
[[nodiscard]] std::string_view to_string(reservation_state s);
[[nodiscard]] std::string_view to_string(parcel_state s);
[[nodiscard]] std::string_view to_string(journal_topic t);
[[nodiscard]] std::string_view to_string(update_state s);

struct compartment_record {
  std::string id;
  std::string size;
  service_state service = service_state::in_service;
  std::string service_reason;
  door_state door = door_state::closed;  // last known; the sensor is the truth
  std::string cause = "none";            // why the door is open, or was being opened
  bool open_pending = false;             // an unlock was waiting for the door
  bool out_of_service = false;           // the operator's choice (faults are in alarms)
  std::string alarms;                    // active alarms, comma-separated
  std::string operation;                 // the controller's business with the door (JSON)
  wall_time updated_at{};
};

struct courier_record {
  std::string courier_id;
  std::string name;
  std::string pin_hash;  // security::courier_pin_hash(key, pin)
  bool enabled = true;
  wall_time updated_at{};
};

struct reservation_record {
  std::string reservation_id;
  std::string tracking_number;
  std::string size;
  std::optional<std::string> pickup_code_hash;  // when the tracking system chose the code
  std::optional<std::int64_t> pickup_window_h;
  reservation_state state = reservation_state::announced;
  wall_time created_at{};
};

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

struct lockout_state {
  std::int64_t failed_attempts = 0;  // wrong codes since the last success or lockout
  std::int64_t lockout_count = 0;    // consecutive lockouts, for the growing back-off
  std::optional<wall_time> locked_until;
};

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

struct audit_entry {
  std::int64_t id = 0;
  wall_time ts{};
  std::string actor;
  std::string action;
  std::string detail;  // JSON
};

struct command_reply {
  std::string command;
  std::string reply;  // JSON
  wall_time answered_at{};
};

// One fw_update job (daemon/update). It outlives a restart: a job left in rebooting is
// finished by the next start, one left before it is reported failed (interrupted).
struct update_job_record {
  std::string job_id;
  std::string req_id;
  std::string url;
  std::string sha256;
  update_state state = update_state::downloading;
  std::string from_version;                     // the version running when it was accepted
  std::optional<std::string> expected_version;  // the bundle's, once its manifest was read
  std::optional<std::string> message;           // why it failed
  bool reported = false;                        // its final state was published
  wall_time created_at{};
  wall_time updated_at{};
};

class store {
 public:
  // Opens (creating if needed) and migrates the database. Throws store_error.
  explicit store(const std::filesystem::path& path);

  [[nodiscard]] database& db() { return db_; }

  // --- compartments ---------------------------------------------------------------
  [[nodiscard]] std::vector<compartment_record> compartments();
  [[nodiscard]] std::optional<compartment_record> compartment(std::string_view id);
  // Inserts, or updates the size of an existing one (service and door state are kept:
  // they are history, the config only says what exists).
  void upsert_compartment(transaction& tx, std::string_view id, std::string_view size,
                          wall_time now);
  void upsert_compartment(std::string_view id, std::string_view size, wall_time now);
  // false if there is no such compartment.
  bool set_service(transaction& tx, std::string_view id, service_state s, std::string_view reason,
                   wall_time now);
  bool set_service(std::string_view id, service_state s, std::string_view reason, wall_time now);
  bool set_door(transaction& tx, std::string_view id, door_state d, wall_time now);
  // Saves the whole state of one compartment (everything but id and size).
  bool save_compartment(transaction& tx, const compartment_record& c, wall_time now);

  // --- couriers -------------------------------------------------------------------
  // store_error with is_constraint() if another courier has the same PIN.
  void upsert_courier(transaction& tx, std::string_view courier_id, std::string_view name,
                      std::string_view pin_hash, bool enabled, wall_time now);
  void upsert_courier(std::string_view courier_id, std::string_view name, std::string_view pin_hash,
                      bool enabled, wall_time now);
  bool disable_courier(transaction& tx, std::string_view courier_id, wall_time now);
  bool remove_courier(transaction& tx, std::string_view courier_id);
  bool remove_courier(std::string_view courier_id);
  [[nodiscard]] std::optional<courier_record> courier(std::string_view courier_id);
  // Also returns disabled couriers: the caller tells "wrong PIN" from "disabled".
  [[nodiscard]] std::optional<courier_record> find_courier_by_pin_hash(std::string_view pin_hash);
  [[nodiscard]] std::vector<courier_record> couriers();

  // --- reservations ---------------------------------------------------------------
  // store_error with is_constraint() if the reservation_id exists.
  void create_reservation(transaction& tx, const reservation_record& r);
  [[nodiscard]] std::optional<reservation_record> reservation(std::string_view reservation_id);
  // The announced reservation for a tracking number, if any (the newest one).
  [[nodiscard]] std::optional<reservation_record> find_announced_reservation(
      std::string_view tracking_number);
  [[nodiscard]] std::vector<reservation_record> reservations(
      std::optional<reservation_state> only = std::nullopt);
  bool set_reservation_state(transaction& tx, std::string_view reservation_id, reservation_state s);

  // --- parcels --------------------------------------------------------------------
  // Returns the new parcel's id. store_error with is_constraint() if the compartment
  // already holds a live parcel or does not exist.
  std::int64_t store_parcel(transaction& tx, const new_parcel& p);
  [[nodiscard]] std::optional<parcel_record> parcel(std::int64_t id);
  // Stored parcels (the only ones a recipient can collect) whose code has this hash, by id.
  // Every stored parcel's hash is compared, in constant time. At most one while every new
  // code is checked with pickup_code_in_use(); a database written before that rule may hold
  // two, and the caller must then open neither.
  [[nodiscard]] std::vector<parcel_record> find_stored_parcels_by_code_hash(
      std::string_view pickup_code_hash);
  // The hashes of every pickup code that works now or will: stored parcels' and announced
  // reservations'. A new code must differ from all of them, so that one code opens one
  // compartment.
  [[nodiscard]] std::vector<std::string> live_code_hashes();
  // Whether this hash is one of live_code_hashes(), compared in constant time.
  [[nodiscard]] bool pickup_code_in_use(std::string_view pickup_code_hash);
  [[nodiscard]] std::optional<parcel_record> live_parcel_in(std::string_view compartment_id);
  // The live parcel (stored, expired or cancelled: still in the locker) with this tracking
  // number, if any; with more than one (a database written before the check), the first in
  // the order stored, expired, cancelled, then by id. Reads only the rows of that number.
  [[nodiscard]] std::optional<parcel_record> live_parcel_with_tracking_number(
      std::string_view tracking_number);
  // The compartments that hold a live parcel (at most one each), by id. Reads only the live
  // parcels.
  [[nodiscard]] std::vector<std::string> live_parcel_compartments();
  // The earliest expires_at of the stored parcels (none: nothing will expire). One index read.
  [[nodiscard]] std::optional<wall_time> next_expiry();
  [[nodiscard]] std::optional<parcel_record> live_parcel_for_reservation(
      std::string_view reservation_id);
  // Changes the state; collected and removed also set closed_at = at. false if no such parcel.
  bool mark_parcel(transaction& tx, std::int64_t id, parcel_state s, wall_time at);
  // A wrong code is a guess against every stored parcel: counts one on each.
  void count_failed_attempt(transaction& tx);
  [[nodiscard]] std::vector<parcel_record> parcels_due_to_expire(wall_time now);
  // By id. With a state, reads only the parcels in it; without, every parcel on file (the
  // whole history: for lockeradm, never on a path a person waits on).
  [[nodiscard]] std::vector<parcel_record> parcels(std::optional<parcel_state> only = std::nullopt);
  // Deletes at most `limit` parcels that were collected or removed before closed_before, in
  // one transaction, and returns how many went. A parcel whose `stored` event still waits in
  // the journal (it names the parcel for its pickup code) is kept until that is delivered.
  std::int64_t prune_ended_parcels(wall_time closed_before, std::int64_t limit);

  // --- keypad lockout (one row) ---------------------------------------------------
  [[nodiscard]] lockout_state lockout();
  void set_lockout(transaction& tx, const lockout_state& s);
  void set_lockout(const lockout_state& s);

  // --- audit ----------------------------------------------------------------------
  void audit(transaction& tx, wall_time ts, std::string_view actor, std::string_view action,
             const nlohmann::json& detail = nlohmann::json::object());
  void audit(wall_time ts, std::string_view actor, std::string_view action,
             const nlohmann::json& detail = nlohmann::json::object());
  // The newest `limit` entries, newest first.
  [[nodiscard]] std::vector<audit_entry> audit_log(std::int64_t limit);

  // --- command replies (idempotent MQTT commands) ---------------------------------
  void save_command_reply(transaction& tx, std::string_view req_id, std::string_view command,
                          std::string_view reply_json, wall_time answered_at);
  [[nodiscard]] std::optional<command_reply> find_command_reply(std::string_view req_id);
  // Returns how many were deleted.
  std::int64_t prune_command_replies(wall_time older_than);

  // --- a technician's request to put a compartment back in service ----------------
  // lockeradm cannot change the running lockerd's compartments (they live in its memory and
  // it saves them over any change made here); it leaves this request, which lockerd carries
  // out at its next start like compartment_set_service with in_service true.
  void request_in_service(transaction& tx, std::string_view compartment_id,
                          std::string_view reason);
  // The reason given, if a request is waiting.
  [[nodiscard]] std::optional<std::string> in_service_request(std::string_view compartment_id);
  void drop_in_service_request(transaction& tx, std::string_view compartment_id);

  // --- settings -------------------------------------------------------------------
  [[nodiscard]] std::optional<std::string> setting(std::string_view key);
  void set_setting(transaction& tx, std::string_view key, std::string_view value);
  void set_setting(std::string_view key, std::string_view value);

  // --- software update jobs -----------------------------------------------------
  // store_error with is_constraint() if the job_id exists or another job is unfinished.
  void create_update_job(transaction& tx, const update_job_record& j);
  // Saves state, expected_version, message, reported and updated_at.
  void save_update_job(const update_job_record& j);
  [[nodiscard]] std::optional<update_job_record> update_job(std::string_view job_id);
  // The job not yet done or failed, if any (at most one).
  [[nodiscard]] std::optional<update_job_record> unfinished_update_job();
  // Finished jobs whose final state was not published yet, oldest first.
  [[nodiscard]] std::vector<update_job_record> unreported_update_jobs();

  // --- journal (the outbox) -------------------------------------------------------
  // Assigns the next seq and a fresh event_id, and stores the complete payload: fields
  // (a JSON object, which must not use the reserved keys) plus event_id, seq, ts, type.
  // code_of_parcel names the parcel whose plain pickup code is in fields: it is erased
  // when this event is deleted after PUBACK.
  event journal_append(transaction& tx, journal_topic topic, std::string_view type,
                       const nlohmann::json& fields, wall_time ts,
                       std::optional<std::int64_t> code_of_parcel = std::nullopt);
  // Oldest first, at most limit, starting after after_seq (0: from the start).
  [[nodiscard]] std::vector<event> journal_pending(std::int64_t limit, std::uint64_t after_seq = 0);
  // Delivered (PUBACK): deletes the event(s) and, in the same transaction, erases the plain
  // pickup codes they carried. Return how many events were deleted. The erased bytes are
  // overwritten (secure_delete), and the overloads without a transaction then run
  // checkpoint_erased_codes(), so the code leaves the WAL file too; after committing a
  // transaction given to the others, call it yourself.
  std::int64_t journal_delete(transaction& tx, std::uint64_t seq);
  std::int64_t journal_delete(std::uint64_t seq);
  std::int64_t journal_delete_upto(transaction& tx, std::uint64_t seq);
  std::int64_t journal_delete_upto(std::uint64_t seq);
  // If a pickup code was erased since the last successful call: a truncating checkpoint, so
  // no old copy of it stays in the WAL. false when another connection kept it from completing
  // (it is tried again on the next call, and at the next open). Not inside a transaction.
  bool checkpoint_erased_codes();
  [[nodiscard]] std::int64_t journal_backlog();
  // The seq of the newest event ever appended (0 if none), delivered or not.
  [[nodiscard]] std::uint64_t journal_last_seq();

 private:
  // Guards against a transaction opened on another connection.
  void check_same_db(const transaction& tx) const;
  template <class F>
  auto in_transaction(F&& f);

  database db_;
  bool erased_codes_ = false;  // a code was erased and its old copies may still be in the WAL
};

}  // namespace locker::store
