// SPDX-License-Identifier: Apache-2.0
// The state folder (lockerd.db, secret.key and a marker), opened with the checks that keep a
// start from silently forgetting (issue 15): the database is bound to its key by the key's
// fingerprint, so a missing or different key is refused rather than replaced (a new key
// would make every stored PIN and pickup code fail, counted as wrong attempts); a marker
// beside the database says one existed, so a missing or empty lockerd.db is refused rather
// than started empty; and lockerd checks that the database is not damaged, and sets a damaged
// one aside to start degraded and reachable (options::set_aside_damaged) rather than never.
// Every refusal says what happened and what to do. lockerd and lockeradm open the folder only
// through here.
#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

#include "daemon/security/secret_key.hpp"
#include "daemon/store/store.hpp"

namespace locker::state_folder {

// The folder cannot be used as it is; the message says why and what to do.
class refused : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr const char* database_file = "lockerd.db";
inline constexpr const char* marker_file = "lockerd.marker";
// Written before a damaged database is moved aside, removed once the new one took it over.
inline constexpr const char* set_aside_file = "lockerd.set-aside";
// What lockerd's check after its start found (record_damage): the next start sets the database
// aside without looking again.
inline constexpr const char* damage_file = "lockerd.damaged";
// The settings key (store::stored_settings) the key's fingerprint is kept under.
inline constexpr const char* fingerprint_setting = "key_fingerprint";

enum class mode {
  create,    // a first start makes the database and the key (lockerd; lockeradm's changes)
  existing,  // the database must be there already (lockeradm's views and checks)
};

struct options {
  mode open_mode = mode::create;
  // PRAGMA quick_check after opening (lockerd's start): a damaged database is refused.
  bool quick_check = false;
  // lockerd: a damaged database is not refused but moved aside with its WAL (as
  // lockerd.damaged-<UTC time>.db), and an empty one made in its place, bound to the same
  // key, its seq going on after the old one's last (as far as it can be read), and
  // store::books_lost_setting saying what happened: the controller then keeps the
  // compartments out of deposits until each was checked (the books_lost alarm). The locker
  // stays reachable instead of refusing to start until a person comes.
  bool set_aside_damaged = false;
};

// Opens dir's database into `db` and returns its key, after the checks above: lockerd's
// start. Throws refused (and leaves db empty) when the folder cannot be used; store and
// security errors pass.
security::secret_key open(const std::filesystem::path& dir, std::optional<store::store>& db,
                          options opts = {});

// The two halves of open(), for lockeradm, whose views need no key (a technician can still
// look at a folder whose key is gone): the database's checks (missing, empty, damaged) and
// opening it; then, for what hashes a PIN or code, the key's (missing, another, or made and
// bound on a first start).
void open_database(const std::filesystem::path& dir, std::optional<store::store>& db,
                   options opts = {});
security::secret_key bind_key(const std::filesystem::path& dir, store::store& db);

// What PRAGMA integrity_check (full: true) or quick_check says: empty when it is ok.
[[nodiscard]] std::string integrity_problems(store::store& db, bool full);

// The check after lockerd's start (background_check) found the database damaged: noted beside
// it (synced), for the next start with set_aside_damaged.
void record_damage(const std::filesystem::path& dir, const std::string& problems);

// Writes the marker if it is not there yet (atomically, synced), naming the key's fingerprint.
void write_marker(const std::filesystem::path& dir, const std::string& fingerprint);

}  // namespace locker::state_folder
