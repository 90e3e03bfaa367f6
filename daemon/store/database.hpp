// SPDX-License-Identifier: Apache-2.0
// RAII over SQLite: a connection, prepared statements and transactions. Every SQLite
// failure becomes a store_error in one place (throw_sqlite_error), with SQLite's message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <sqlite3.h>

#include "base/c_handle.hpp"

namespace locker::store {

class store_error : public std::runtime_error {
 public:
  store_error(int code, const std::string& message);
  // SQLite's extended result code, e.g. SQLITE_CONSTRAINT_UNIQUE.
  [[nodiscard]] int code() const { return code_; }
  // A UNIQUE, FOREIGN KEY, CHECK or NOT NULL rule refused the change: callers answer
  // "conflict" or "bad_request" instead of "internal".
  [[nodiscard]] bool is_constraint() const;
  [[nodiscard]] bool is_busy() const;

 private:
  int code_;
};

class statement;
namespace detail {
struct statement_cache;
// A statement of the cache's, finalized with it.
using spare_statement = base::c_handle<sqlite3_stmt, sqlite3_finalize>;
// Gives a statement back to its cache's list for its SQL text, or finalizes it when it has
// none (or the cache is gone with its database).
struct statement_home {
  std::weak_ptr<statement_cache> cache;
  std::vector<spare_statement>* spares = nullptr;
  void operator()(sqlite3_stmt* s) const;
};
struct wal_watch;
}  // namespace detail

// One connection. Opening sets WAL, synchronous=FULL, foreign_keys=ON, secure_delete=ON and
// a 5 s busy timeout, so the admin tool can work on the same file beside the daemon.
class database {
 public:
  // How long a statement waits for another connection's lock (lockeradm beside the daemon).
  static constexpr int busy_timeout_ms = 5000;

  explicit database(const std::filesystem::path& path);
  database(database&&) noexcept;
  database& operator=(database&&) noexcept;
  database(const database&) = delete;
  database& operator=(const database&) = delete;
  ~database();

  // Runs one or more statements that return no rows (e.g. a migration script).
  void exec(const std::string& sql);
  // Prepared once per SQL text and kept: a statement given back (destroyed) is reset, its
  // bindings cleared, and handed out again for the same text, so the hot paths do not parse
  // and plan their SQL on every call.
  [[nodiscard]] statement prepare(std::string_view sql);
  [[nodiscard]] std::int64_t last_insert_rowid() const;
  // Rows changed by the most recent INSERT/UPDATE/DELETE.
  [[nodiscard]] int changes() const;
  [[nodiscard]] bool in_transaction() const;
  // Inside a transaction: undo runs if it rolls back (the latest first), not once it
  // commits. For what is kept in memory beside the tables (parcel_repository::live_view), so
  // that it never shows a change the database undid. Outside one, the change is committed
  // already and undo is dropped.
  void on_rollback(std::function<void()> undo);
  // Copies every WAL frame into the database file and truncates the WAL to zero bytes, so
  // that old page images (content since deleted) leave the disk files. Waits for other
  // connections up to the busy timeout; false if one still held on (nothing is lost, the
  // WAL just keeps its frames). Not inside a transaction.
  bool checkpoint_truncate();

  // WAL checkpoints. SQLite's automatic one runs inside whichever commit takes the WAL past
  // 1000 pages, so now and then a commit on a person's path (a pickup's intent, before the
  // coil moves) also copies megabytes and fsyncs the database file. Here a commit only
  // checkpoints by itself once the WAL reaches wal_hard_limit pages; below that, the
  // listener is told the WAL's size after every commit and checkpoints later, off that path
  // (idle_checkpoint does it on the event loop).
  using wal_listener = std::function<void(int wal_pages)>;
  static constexpr int default_wal_hard_limit = 4000;  // 16 MB of 4 KiB pages
  void on_wal_commit(wal_listener listener);
  void set_wal_hard_limit(int pages);
  // Copies what it can of the WAL into the database file, not waiting for other
  // connections. true if all of it was copied: the next commit starts the WAL from the
  // beginning again, so the file stops growing. Not inside a transaction.
  bool checkpoint_passive();
  // After a checkpoint that copied all of the WAL, the next commit starts the WAL over, and
  // SQLite then writes the WAL's header and fsyncs it before that commit's own frames and
  // fsync (against reordered writes after a restart: wal.c, syncHeader): the first commit
  // after a quiet moment pays two fsyncs, and that commit is usually a person's (a pickup's
  // intent, before the coil moves). This makes that first commit now, for when nobody waits:
  // one page (the database header, its application_id written back as it is) in a
  // transaction of its own, which tells no WAL listener (it would make a quiet moment of its
  // own, forever). false at once if another connection holds the write lock (then the next
  // commit restarts the WAL as before). Not inside a transaction.
  bool restart_wal();
  // WAL pages not yet copied into the database file, as of the last commit or checkpoint.
  [[nodiscard]] int wal_pages() const;

  // While one lives, this connection's commits reach the WAL without an fsync
  // (synchronous=NORMAL): a power cut may undo the last of them, never tear or reorder them,
  // and the next ordinary commit's fsync makes them durable with it. Only for work whose loss
  // is harmless: the journal's deletes after PUBACK (delivery is at least once, so a lost
  // delete only sends the event again) and the history's retention (a lost batch is deleted
  // again). Made and destroyed outside a transaction.
  class relaxed_commits {
   public:
    explicit relaxed_commits(database& db);
    relaxed_commits(const relaxed_commits&) = delete;
    relaxed_commits& operator=(const relaxed_commits&) = delete;
    ~relaxed_commits();

   private:
    database& db_;
  };

  [[nodiscard]] sqlite3* handle() const { return db_.get(); }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  // Before db_: SQLite's WAL hook keeps its address until the connection has closed, and
  // while the database object moves.
  std::unique_ptr<detail::wal_watch> wal_;
  // Statements are finalised by their own owners first; _v2 defers the close if one is
  // still alive instead of failing.
  base::c_handle<sqlite3, sqlite3_close_v2> db_;
  // After db_: destroyed first, finalizing what it keeps before the connection closes.
  std::shared_ptr<detail::statement_cache> cache_;
  std::vector<std::function<void()>> undo_;  // on_rollback's, for the open transaction

  friend class transaction;
};

// A prepared statement. Parameters are 1-based by index, or by name including the
// prefix (":id"). Columns are 0-based.
class statement {
 public:
  // Prepared for this statement alone, finalized with it (database::prepare() reuses).
  statement(sqlite3* db, std::string_view sql);

  statement& bind(int index, std::int64_t value);
  statement& bind(int index, std::string_view value);
  statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  statement& bind(int index, const std::string& value) {
    return bind(index, std::string_view(value));
  }
  statement& bind(int index, std::nullptr_t);
  statement& bind(int index, std::span<const std::byte> blob);
  // nullopt binds NULL.
  statement& bind(int index, const std::optional<std::string>& value);
  statement& bind(int index, const std::optional<std::int64_t>& value);
  template <class T>
  statement& bind(const char* name, T&& value) {
    return bind(index_of(name), std::forward<T>(value));
  }

  // true: a row is ready for the column getters; false: the statement is done.
  bool step();
  // Steps a statement that returns no rows (or whose rows do not matter) to the end.
  void run();
  // Makes the statement ready to run again; bindings are kept.
  void reset();

  [[nodiscard]] bool is_null(int column) const;
  [[nodiscard]] std::int64_t column_int64(int column) const;
  [[nodiscard]] std::string column_text(int column) const;
  // The text without a copy: valid until the next step() or reset().
  [[nodiscard]] std::string_view column_text_view(int column) const;
  [[nodiscard]] std::optional<std::string> column_optional_text(int column) const;
  [[nodiscard]] std::optional<std::int64_t> column_optional_int64(int column) const;
  [[nodiscard]] std::vector<std::byte> column_blob(int column) const;

 private:
  [[nodiscard]] int index_of(const char* name) const;
  void check(int rc) const;

  friend class database;
  statement(sqlite3* db, sqlite3_stmt* prepared, detail::statement_home home);
  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, detail::statement_home> stmt_;
};

// BEGIN IMMEDIATE: takes the write lock at the start, so a transaction never fails
// half-way with SQLITE_BUSY on its first write. Rolls back in the destructor unless
// commit() succeeded.
class transaction {
 public:
  explicit transaction(database& db);
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;
  ~transaction();

  void commit();
  [[nodiscard]] database& db() const { return *db_; }

 private:
  database* db_;
  bool done_ = false;
};

// Runs f(tx) in a transaction of its own and commits it (not if f throws): what the methods
// without a transaction& do.
template <class F>
auto in_transaction(database& db, F&& f) {
  transaction tx(db);
  if constexpr (std::is_void_v<decltype(f(tx))>) {
    f(tx);
    tx.commit();
  } else {
    auto result = f(tx);
    tx.commit();
    return result;
  }
}

// The one place SQLite result codes become exceptions. `db` may be null (open failures).
[[noreturn]] void throw_sqlite_error(sqlite3* db, int rc, std::string_view context);

}  // namespace locker::store
