// SPDX-License-Identifier: Apache-2.0
#include "daemon/state_folder/state_folder.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include "daemon/log/log.hpp"

namespace locker::state_folder {

namespace fs = std::filesystem;

namespace {

// Whether the database holds a hash made with a key: a courier's PIN (and badge), a parcel's
// or an announced reservation's pickup code.
bool holds_data(store::store& db) {
  auto s = db.db().prepare(
      "SELECT EXISTS (SELECT 1 FROM couriers) OR EXISTS (SELECT 1 FROM parcels) OR "
      "EXISTS (SELECT 1 FROM reservations WHERE pickup_code_hash IS NOT NULL)");
  return s.step() && s.column_int64(0) != 0;
}

std::string restore_hint(const fs::path& dir) {
  return "put the locker's own file back from its backup, or restore the database with "
         "'lockeradm --state-dir " +
         dir.string() + " restore BACKUP'";
}

void sync_dir(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "open " + dir.string());
  const int rc = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  if (rc != 0) throw std::system_error(saved, std::generic_category(), "fsync " + dir.string());
}

}  // namespace

std::string integrity_problems(store::store& db, bool full) {
  auto s = db.db().prepare(full ? "PRAGMA integrity_check" : "PRAGMA quick_check");
  std::string problems;
  while (s.step()) {
    const auto line = s.column_text(0);
    if (line == "ok") continue;
    if (!problems.empty()) problems += "; ";
    problems += line;
  }
  return problems;
}

void write_marker(const fs::path& dir, const std::string& fingerprint) {
  const fs::path marker = dir / marker_file;
  if (fs::exists(marker)) return;
  const fs::path tmp = dir / (std::string(marker_file) + ".tmp");
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << "This folder holds a locker's database (" << database_file << ", made with key "
        << fingerprint << ").\n"
        << "While this file is here, lockerd refuses to start if " << database_file
        << " is missing or empty,\n"
        << "instead of starting with every parcel and courier forgotten. To start this locker\n"
        << "empty on purpose, remove " << database_file << "* and this file.\n";
    out.flush();
    if (!out) throw std::system_error(EIO, std::generic_category(), "write " + tmp.string());
  }
  {
    const int fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "open " + tmp.string());
    const int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) throw std::system_error(errno, std::generic_category(), "fsync " + tmp.string());
  }
  fs::rename(tmp, marker);
  sync_dir(dir);
}

void open_database(const fs::path& dir, std::optional<store::store>& db, options opts) {
  db.reset();
  const fs::path file = dir / database_file;
  const fs::path marker = dir / marker_file;
  std::error_code ec;
  const bool exists = fs::exists(file, ec);
  const bool empty = exists && fs::file_size(file, ec) == 0 && !ec;
  if (!exists || empty) {
    const std::string what = exists ? " is empty" : " is missing";
    if (fs::exists(marker, ec)) {
      throw refused(file.string() + what + ", but this folder held a locker's database (" +
                    marker.string() + " says so): starting empty would forget every parcel " +
                    "and courier. " + restore_hint(dir) +
                    "; to start this locker empty on purpose, remove " + marker.string());
    }
    if (opts.open_mode == mode::existing) {
      throw refused("no database in " + dir.string() + " (lockerd has not run there)");
    }
  }

  try {
    db.emplace(file);
  } catch (const store::store_error& e) {
    if ((e.code() & 0xff) != SQLITE_CORRUPT && (e.code() & 0xff) != SQLITE_NOTADB) throw;
    throw refused(file.string() + " is damaged (" + e.what() + "). " + restore_hint(dir));
  }
  if (opts.quick_check) {
    if (const auto problems = integrity_problems(*db, false); !problems.empty()) {
      db.reset();
      throw refused(file.string() + " is damaged (" + problems + "). " + restore_hint(dir) +
                    "; 'lockeradm check' says more");
    }
  }
}

security::secret_key bind_key(const fs::path& dir, store::store& st) {
  const fs::path file = dir / database_file;
  const fs::path marker = dir / marker_file;
  const auto recorded = st.settings().get(fingerprint_setting);
  auto key = security::load_key(dir);
  const fs::path key_file = security::key_file(dir);
  if (key && security::credential_key_file() && fs::exists(dir / "secret.key")) {
    // Sealed, and yet the plain copy is still beside the hashes: a copy of the folder would
    // again be enough to try every PIN. Not a refusal (it is the same key or the checks below
    // catch it), but it must be seen.
    log::warning("state", (dir / "secret.key").string(),
                 " is still there although the key comes from the systemd credential ",
                 key_file.string(), ": remove it (systemd/lockerd-seal-key does)");
  }
  if (recorded) {
    if (!key) {
      throw refused(key_file.string() + " is missing, but " + file.string() +
                    " was made with key " + *recorded +
                    ": a new key would make every stored PIN and pickup code fail. Put the " +
                    "locker's secret.key back from its backup; to start this locker empty " +
                    "on purpose, move " + file.string() + "* and " + marker.string() + " aside");
    }
    if (const auto fp = security::key_fingerprint(*key); fp != *recorded) {
      throw refused(key_file.string() + " is key " + fp + ", but " + file.string() +
                    " was made with key " + *recorded +
                    ": every stored PIN and pickup code would fail. Put the locker's own " +
                    "secret.key back");
    }
  } else {
    if (!key && holds_data(st)) {
      throw refused(key_file.string() + " is missing, but " + file.string() +
                    " holds couriers or parcels whose PINs and codes were hashed with it. " +
                    "Put the locker's secret.key back from its backup");
    }
    if (!key) key.emplace(security::create_key(dir));
    st.settings().set(fingerprint_setting, security::key_fingerprint(*key));
  }
  write_marker(dir, security::key_fingerprint(*key));
  return std::move(*key);
}

security::secret_key open(const fs::path& dir, std::optional<store::store>& db, options opts) {
  open_database(dir, db, opts);
  try {
    return bind_key(dir, *db);
  } catch (...) {
    db.reset();
    throw;
  }
}

}  // namespace locker::state_folder
