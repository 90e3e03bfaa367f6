// SPDX-License-Identifier: Apache-2.0
#include "daemon/state_folder/state_folder.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <system_error>

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>
#include <unistd.h>

#include "daemon/log/log.hpp"
#include "protocol/timestamp.hpp"

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

// An error that says the file is damaged (not busy, not a full disk).
bool is_damage(const store::store_error& e) {
  const int primary = e.code() & 0xff;
  return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB;
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

// Writes dir/name whole or not at all: a temporary file, synced, renamed over it, the folder
// synced.
void write_synced(const fs::path& dir, const std::string& name, const std::string& text) {
  const fs::path target = dir / name;
  const fs::path tmp = dir / (name + ".tmp");
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw std::system_error(EIO, std::generic_category(), "write " + tmp.string());
  }
  {
    const int fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "open " + tmp.string());
    const int rc = ::fsync(fd);
    const int saved = errno;
    ::close(fd);
    if (rc != 0) throw std::system_error(saved, std::generic_category(), "fsync " + tmp.string());
  }
  fs::rename(tmp, target);
  sync_dir(dir);
}

// The last seq a damaged database handed out, as far as it can still be read (0 if not at
// all): the new database goes on after it.
std::uint64_t last_seq_of(const fs::path& file) {
  sqlite3* h = nullptr;
  std::uint64_t seq = 0;
  if (sqlite3_open_v2(file.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    for (const char* sql :
         {"SELECT last_seq FROM journal_counter WHERE id = 1", "SELECT max(seq) FROM journal"}) {
      sqlite3_stmt* st = nullptr;
      if (sqlite3_prepare_v2(h, sql, -1, &st, nullptr) == SQLITE_OK &&
          sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) > 0)
        seq = std::max(seq, static_cast<std::uint64_t>(sqlite3_column_int64(st, 0)));
      sqlite3_finalize(st);
    }
  }
  sqlite3_close(h);
  return seq;
}

// Where the new database's seq goes on: after the damaged file's last, or, when that cannot be
// read at all, after the milliseconds since 1970, which is above any seq a locker can have
// handed out (it would take more than one event a millisecond since then): seq never goes
// back, and the consumer sees the gap the lost events are.
std::uint64_t seq_to_go_on_after(const fs::path& file, std::chrono::system_clock::time_point now) {
  if (const auto seq = last_seq_of(file); seq > 0) return seq;
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  return ms > 0 ? static_cast<std::uint64_t>(ms) : 0;
}

// "20261201T225000Z": the moment a damaged database was set aside, in its new name.
std::string file_stamp(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm utc{};
  ::gmtime_r(&tt, &utc);
  std::array<char, 32> buf{};
  const auto n = std::strftime(buf.data(), buf.size(), "%Y%m%dT%H%M%SZ", &utc);
  return {buf.data(), n};
}

// The record of a set-aside under way (set_aside_file), or nullopt.
std::optional<nlohmann::json> set_aside_under_way(const fs::path& dir) {
  std::ifstream in(dir / set_aside_file);
  if (!in) return std::nullopt;
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  return j;
}

// A damaged database and its WAL and shared-memory files move aside, under one new name so
// that they still open together (for a person, with sqlite3 or 'lockeradm check'). The record
// is written first: a crash anywhere in between ends the same way at the next start.
void set_aside(const fs::path& dir, const std::string& problems) {
  const fs::path file = dir / database_file;
  const auto now = std::chrono::system_clock::now();
  const std::string moved = "lockerd.damaged-" + file_stamp(now) + ".db";
  const nlohmann::json record = {
      {"moved_to", moved},
      {"problems", problems.size() > 300 ? problems.substr(0, 300) + "…" : problems},
      {"at", protocol::format_timestamp(now)},
      {"last_seq", seq_to_go_on_after(file, now)}};
  write_synced(dir, set_aside_file, record.dump() + "\n");
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::error_code ec;
    const fs::path from = dir / (std::string(database_file) + suffix);
    if (fs::exists(from, ec)) fs::rename(from, dir / (moved + suffix));
  }
  fs::remove(dir / damage_file);
  sync_dir(dir);
  log::error("state", file.string(), " is damaged (", problems, "): moved aside as ",
             (dir / moved).string(),
             " with its WAL; starting with an empty database, every compartment to be checked "
             "(the books_lost alarm)");
}

// The set-aside's end, in the new database: what books_lost says, and the seq going on.
// Idempotent, so a crash before the record's removal only repeats it.
void finish_set_aside(const fs::path& dir, store::store& db, const nlohmann::json& record) {
  store::transaction tx(db.db());
  if (db.settings().get(store::books_lost_setting).value_or("").empty()) {
    nlohmann::json lost = record;
    lost.erase("last_seq");
    db.settings().set(tx, store::books_lost_setting, lost.dump());
  }
  db.journal().continue_after(tx, record.value("last_seq", std::uint64_t{0}));
  tx.commit();
  fs::remove(dir / set_aside_file);
  sync_dir(dir);
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

void record_damage(const fs::path& dir, const std::string& problems) {
  write_synced(dir, damage_file, problems + "\n");
}

void write_marker(const fs::path& dir, const std::string& fingerprint) {
  const fs::path marker = dir / marker_file;
  if (fs::exists(marker)) return;
  std::ostringstream text;
  text << "This folder holds a locker's database (" << database_file << ", made with key "
       << fingerprint << ").\n"
       << "While this file is here, lockerd refuses to start if " << database_file
       << " is missing or empty,\n"
       << "instead of starting with every parcel and courier forgotten. To start this locker\n"
       << "empty on purpose, remove " << database_file << "* and this file.\n";
  write_synced(dir, marker_file, text.str());
}

void open_database(const fs::path& dir, std::optional<store::store>& db, options opts) {
  db.reset();
  const fs::path file = dir / database_file;
  const fs::path marker = dir / marker_file;
  // A set-aside the last start began: the database it left missing is the one to make.
  const auto aside = set_aside_under_way(dir);
  std::error_code ec;
  const bool exists = fs::exists(file, ec);
  const bool empty = exists && fs::file_size(file, ec) == 0 && !ec;
  if ((!exists || empty) && !aside) {
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

  // Damaged: refused, or (lockerd) set aside and started anew, once.
  const auto damaged = [&](const std::string& problems, const std::string& advice) {
    db.reset();
    if (!opts.set_aside_damaged) {
      throw refused(file.string() + " is damaged (" + problems + "). " + restore_hint(dir) +
                    advice);
    }
    set_aside(dir, problems);
    opts.set_aside_damaged = false;
    open_database(dir, db, opts);
  };
  // Found damaged by the check after the last start: set aside without looking again.
  if (opts.set_aside_damaged && fs::exists(dir / damage_file, ec)) {
    std::ifstream in(dir / damage_file);
    std::string problems;
    std::getline(in, problems);
    damaged(problems.empty() ? "found by the check after the last start" : problems, "");
    return;
  }
  try {
    db.emplace(file);
  } catch (const store::store_error& e) {
    if (!is_damage(e)) throw;
    damaged(e.what(), "");
    return;
  }
  if (opts.quick_check) {
    std::string problems;
    try {
      problems = integrity_problems(*db, false);
    } catch (const store::store_error& e) {
      if (!is_damage(e)) throw;
      problems = e.what();  // the check itself met a page it cannot read
    }
    if (!problems.empty()) {
      damaged(problems, "; 'lockeradm check' says more");
      return;
    }
  }
  if (aside) finish_set_aside(dir, *db, *aside);
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
