// SPDX-License-Identifier: Apache-2.0
// Test support: a running lockerd's database from the outside. Setting it up before the first
// start the way the admin tool does, and reading it read-only beside the daemon (WAL allows
// it) to check what it committed.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <sqlite3.h>

#include "daemon/security/secret_key.hpp"
#include "daemon/store/store.hpp"
#include "tests/support/failure.hpp"

namespace locker::test {

// A courier on file in state_dir (the key made if there is none yet), made the way the
// admin tool makes one: for a lockerd not yet running.
inline void add_courier(const std::filesystem::path& state_dir, std::string_view courier_id,
                        std::string_view name, std::string_view pin) {
  const auto key = security::load_or_create_key(state_dir);
  store::store db(state_dir / "lockerd.db");
  db.couriers().upsert(courier_id, name, security::courier_pin_hash(key, pin), true,
                       std::chrono::system_clock::now());
}

class db_reader {
 public:
  using row = std::vector<std::string>;  // NULL reads as ""

  explicit db_reader(const std::filesystem::path& file) {
    sqlite3* db = nullptr;
    if (::sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      const std::string why = db ? ::sqlite3_errmsg(db) : "out of memory";
      ::sqlite3_close(db);
      fail("cannot open ", file, " read-only: ", why);
    }
    db_.reset(db);
    ::sqlite3_busy_timeout(db, 5000);
  }

  // Every row of one statement, as text; fails naming the statement and SQLite's reason.
  std::vector<row> query(const std::string& sql) {
    sqlite3_stmt* raw = nullptr;
    if (::sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &raw, nullptr) != SQLITE_OK)
      fail("query '", sql, "': ", ::sqlite3_errmsg(db_.get()));
    const std::unique_ptr<sqlite3_stmt, decltype(&::sqlite3_finalize)> stmt(raw,
                                                                            &::sqlite3_finalize);
    std::vector<row> rows;
    int rc = SQLITE_OK;
    while ((rc = ::sqlite3_step(raw)) == SQLITE_ROW) {
      row r;
      for (int i = 0; i < ::sqlite3_column_count(raw); ++i) {
        const auto* text = ::sqlite3_column_text(raw, i);
        r.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
      }
      rows.push_back(std::move(r));
    }
    if (rc != SQLITE_DONE) fail("query '", sql, "': ", ::sqlite3_errmsg(db_.get()));
    return rows;
  }

 private:
  std::unique_ptr<sqlite3, decltype(&::sqlite3_close)> db_{nullptr, &::sqlite3_close};
};

}  // namespace locker::test
