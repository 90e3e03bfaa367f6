// SPDX-License-Identifier: Apache-2.0
// The state folder (lockerd.db, secret.key and a marker), opened with the checks that keep a
// start from silently forgetting (issue 15): the database is bound to its key by the key's
// fingerprint, so a missing or different key is refused rather than replaced (a new key
// would make every stored PIN and pickup code fail, counted as wrong attempts); a marker
// beside the database says one existed, so a missing or empty lockerd.db is refused rather
// than started empty; and lockerd checks that the database is not damaged. Every refusal
// says what happened and what to do. lockerd and lockeradm open the folder only through here.
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

// Writes the marker if it is not there yet (atomically, synced), naming the key's fingerprint.
void write_marker(const std::filesystem::path& dir, const std::string& fingerprint);

}  // namespace locker::state_folder
