// SPDX-License-Identifier: Apache-2.0
// The locker's persistent state: one SQLite database (database.hpp), migrated at open
// (schema.cpp), and one repository per thing the locker keeps in it, each a small class over
// the same connection with its own SQL and record types:
//
//   compartments()        compartment_repository    what exists and its last saved state
//   couriers()            courier_repository        who may deposit, by PIN hash
//   courier_badges()      courier_badges_repository couriers' badges, by keyed hash
//   reservations()        reservation_repository    parcels announced before they arrive
//   parcels()             parcel_repository         deposit to pickup, and the codes in use
//   lockouts()            lockout_repository        the keypad's attempt budgets (what remains)
//   audit()               audit_log                 who did what
//   command_replies()     command_replies           replies by req_id, for a command sent twice
//   in_service_requests() in_service_requests       lockeradm's requests for the next start
//   settings()            stored_settings           remote settings and the daemon's markers
//   update_jobs()         update_jobs               software updates across a reboot
//   token_nonces()        token_nonces_repository   the signed tokens already used
//   journal()             journal                   the outbox of events to publish
//   holds()               hold_repository           compartments held for announced parcels
//   outbound()            outbound_repository       drop-offs, returns, carriers (issue 13)
//   recipients()          recipient_repository      recipient keys: who may share a code
//
// Methods that change state take a transaction&, so the controller commits a state change
// and the event that reports it together, whichever repositories they touch:
//
//   store::transaction tx(st.db());
//   st.parcels().mark(tx, id, parcel_state::collected, now);
//   auto evt = st.journal().append(tx, journal_topic::parcel, "collected", fields, now);
//   tx.commit();
//
// Those an operator or the admin tool does on their own also have an overload without one
// that commits by itself. All methods throw store_error on failure; the controller catches
// at its edge and answers with a result.
#pragma once

#include <filesystem>
#include <utility>

#include "daemon/store/audit_log.hpp"
#include "daemon/store/command_replies.hpp"
#include "daemon/store/compartment_repository.hpp"
#include "daemon/store/courier_badges_repository.hpp"
#include "daemon/store/courier_repository.hpp"
#include "daemon/store/database.hpp"
#include "daemon/store/hold_repository.hpp"
#include "daemon/store/in_service_requests.hpp"
#include "daemon/store/journal.hpp"
#include "daemon/store/lockout_repository.hpp"
#include "daemon/store/outbound_repository.hpp"
#include "daemon/store/parcel_repository.hpp"
#include "daemon/store/recipient_repository.hpp"
#include "daemon/store/reservation_repository.hpp"
#include "daemon/store/states.hpp"
#include "daemon/store/stored_settings.hpp"
#include "daemon/store/token_nonces_repository.hpp"
#include "daemon/store/update_jobs.hpp"

namespace locker::store {

// The repositories' types under names the accessors below do not hide.
using journal_repository = journal;
using command_reply_repository = command_replies;
using in_service_request_repository = in_service_requests;
using update_job_repository = update_jobs;

class store {
 public:
  // Opens (creating if needed) and migrates the database. Throws store_error.
  explicit store(const std::filesystem::path& path);
  // The repositories hold references to db_.
  store(const store&) = delete;
  store& operator=(const store&) = delete;
  store(store&&) = delete;
  store& operator=(store&&) = delete;
  ~store() = default;

  [[nodiscard]] database& db() { return db_; }
  // Runs f(tx) in a transaction of its own and commits it (not if f throws).
  template <class F>
  auto in_transaction(F&& f);

  [[nodiscard]] compartment_repository& compartments() { return compartments_; }
  [[nodiscard]] courier_repository& couriers() { return couriers_; }
  [[nodiscard]] courier_badges_repository& courier_badges() { return courier_badges_; }
  [[nodiscard]] reservation_repository& reservations() { return reservations_; }
  [[nodiscard]] parcel_repository& parcels() { return parcels_; }
  // Several parcels, one code (multi).
  [[nodiscard]] recipient_repository& recipients() { return recipients_; }
  [[nodiscard]] lockout_repository& lockouts() { return lockouts_; }
  [[nodiscard]] audit_log& audit() { return audit_; }
  [[nodiscard]] command_reply_repository& command_replies() { return command_replies_; }
  [[nodiscard]] in_service_request_repository& in_service_requests() {
    return in_service_requests_;
  }
  [[nodiscard]] stored_settings& settings() { return settings_; }
  [[nodiscard]] update_job_repository& update_jobs() { return update_jobs_; }
  [[nodiscard]] token_nonces_repository& token_nonces() { return token_nonces_; }
  [[nodiscard]] journal_repository& journal() { return journal_; }
  [[nodiscard]] hold_repository& holds() { return holds_; }
  [[nodiscard]] outbound_repository& outbound() { return outbound_; }

 private:
  database db_;
  compartment_repository compartments_{db_};
  courier_repository couriers_{db_};
  courier_badges_repository courier_badges_{db_};
  reservation_repository reservations_{db_};
  parcel_repository parcels_{db_};
  recipient_repository recipients_{db_};  // multi
  lockout_repository lockouts_{db_};
  audit_log audit_{db_};
  command_reply_repository command_replies_{db_};
  stored_settings settings_{db_};
  in_service_request_repository in_service_requests_{db_, settings_};
  update_job_repository update_jobs_{db_};
  token_nonces_repository token_nonces_{db_};
  journal_repository journal_{db_};
  hold_repository holds_{db_};
  outbound_repository outbound_{db_, parcels_};
};

template <class F>
auto store::in_transaction(F&& f) {
  return ::locker::store::in_transaction(db_, std::forward<F>(f));
}

}  // namespace locker::store
