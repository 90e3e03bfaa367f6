// SPDX-License-Identifier: Apache-2.0
#include "daemon/store/database.hpp"

#include <exception>
#include <functional>
#include <limits>
#include <unordered_map>
#include <utility>

namespace locker::store {

namespace detail {

// The statements of one connection not in use now, by SQL text; finalized with the cache.
struct statement_cache {
  struct text_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // Node-based: the address of a list stays valid while the map grows.
  std::unordered_map<std::string, std::vector<spare_statement>, text_hash, std::equal_to<>> spares;

  statement_cache() = default;
  statement_cache(const statement_cache&) = delete;
  statement_cache& operator=(const statement_cache&) = delete;
  ~statement_cache() = default;
};

// What the WAL hook needs; see database::on_wal_commit().
struct wal_watch {
  database::wal_listener listener;
  int hard_limit = database::default_wal_hard_limit;
  int pages = 0;
  bool quiet = false;  // the listener is not told (database::restart_wal())

  static int committed(void* self, sqlite3* db, const char* schema, int pages) {
    auto& w = *static_cast<wal_watch*>(self);
    w.pages = pages;
    if (pages >= w.hard_limit) {
      // What SQLite's own hook does at its (lower) limit; a failure here is not the
      // commit's (it has happened), and the next commit tries again.
      int log = 0;
      int copied = 0;
      if (sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, &log, &copied) ==
              SQLITE_OK &&
          log == copied)
        w.pages = 0;
    }
    // Called from inside SQLite's C frames: nothing may be thrown through them.
    if (w.listener && !w.quiet) {
      try {
        w.listener(w.pages);
      } catch (...) {  // only allocation can fail there; the next commit calls again
      }
    }
    return SQLITE_OK;
  }
};

}  // namespace detail

store_error::store_error(int code, const std::string& message)
    : std::runtime_error(message), code_(code) {}

bool store_error::is_constraint() const { return (code_ & 0xff) == SQLITE_CONSTRAINT; }
bool store_error::is_busy() const {
  return (code_ & 0xff) == SQLITE_BUSY || (code_ & 0xff) == SQLITE_LOCKED;
}

void throw_sqlite_error(sqlite3* db, int rc, std::string_view context) {
  std::string message(context);
  message += ": ";
  // sqlite3_errmsg describes the most recent failure on the connection, which is more
  // precise (names the constraint, the column) than the generic text for the code.
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  if (db != nullptr) rc = sqlite3_extended_errcode(db);
  throw store_error(rc, message);
}

database::database(const std::filesystem::path& path)
    : path_(path),
      wal_(std::make_unique<detail::wal_watch>()),
      cache_(std::make_shared<detail::statement_cache>()) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &raw,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
      nullptr);
  db_.reset(raw);  // a failed open still returns a handle that must be closed
  if (rc != SQLITE_OK) throw_sqlite_error(raw, rc, "cannot open database " + path.string());
  sqlite3_extended_result_codes(raw, 1);
  // Set before anything else touches the file, so the pragmas below wait for a writer too.
  sqlite3_busy_timeout(raw, busy_timeout_ms);
  // secure_delete: deleted content (an erased pickup code, a delivered event) is overwritten
  // with zeros in its page instead of lingering in free space until the page is reused.
  exec(
      "PRAGMA journal_mode=WAL;"
      "PRAGMA synchronous=FULL;"
      "PRAGMA foreign_keys=ON;"
      "PRAGMA secure_delete=ON;"
      // After a checkpoint copied all of it, the WAL file is cut back to this size when the next
      // commit starts it again, so a drained backlog does not leave it megabytes long.
      "PRAGMA journal_size_limit=4194304;");
  // journal_mode is the one pragma that can silently not apply (e.g. on a file system
  // without shared memory); the durability rules depend on it, so check.
  statement mode = prepare("PRAGMA journal_mode");
  if (!mode.step() || mode.column_text(0) != "wal") {
    throw store_error(SQLITE_ERROR, "cannot open database " + path.string() +
                                        ": WAL journal mode is not available");
  }
  // Replaces SQLite's automatic checkpoint (see on_wal_commit()).
  sqlite3_wal_hook(raw, &detail::wal_watch::committed, wal_.get());
}

database::database(database&&) noexcept = default;
database& database::operator=(database&&) noexcept = default;
database::~database() = default;

void database::on_wal_commit(wal_listener listener) { wal_->listener = std::move(listener); }

void database::set_wal_hard_limit(int pages) { wal_->hard_limit = pages < 1 ? 1 : pages; }

int database::wal_pages() const { return wal_->pages; }

bool database::checkpoint_passive() {
  int log = 0;
  int copied = 0;
  const int rc =
      sqlite3_wal_checkpoint_v2(db_.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
  if (rc == SQLITE_BUSY) return false;
  if (rc != SQLITE_OK) throw_sqlite_error(db_.get(), rc, "wal_checkpoint(PASSIVE)");
  if (log != copied) return false;  // a reader elsewhere still needs the older frames
  wal_->pages = 0;
  return true;
}

bool database::restart_wal() {
  // Unheard by the listener, and not waiting for a writer elsewhere: the loop runs this.
  struct unheard {
    unheard(detail::wal_watch& w, sqlite3* handle) : watch(w), db(handle) {
      watch.quiet = true;
      sqlite3_busy_timeout(db, 0);
    }
    unheard(const unheard&) = delete;
    unheard& operator=(const unheard&) = delete;
    ~unheard() {
      watch.quiet = false;
      sqlite3_busy_timeout(db, busy_timeout_ms);
    }
    detail::wal_watch& watch;
    sqlite3* db;
  };
  const unheard quiet(*wal_, db_.get());
  try {
    transaction tx(*this);
    statement id = prepare("PRAGMA application_id");
    const std::int64_t value = id.step() ? id.column_int64(0) : 0;
    id.reset();
    exec("PRAGMA application_id = " + std::to_string(value));
    tx.commit();
  } catch (const store_error& e) {
    if (e.is_busy()) return false;
    throw;
  }
  return true;
}

database::relaxed_commits::relaxed_commits(database& db) : db_(db) {
  db_.exec("PRAGMA synchronous=NORMAL");
}

database::relaxed_commits::~relaxed_commits() {
  // Back to the durability every other commit relies on. If this failed, the connection
  // would stay relaxed: nothing can be trusted on it then, so it is fatal.
  const int rc = sqlite3_exec(db_.handle(), "PRAGMA synchronous=FULL", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) std::terminate();
}

bool database::checkpoint_truncate() {
  const int rc =
      sqlite3_wal_checkpoint_v2(db_.get(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  if (rc == SQLITE_BUSY) return false;  // a reader or writer elsewhere held on past the timeout
  if (rc != SQLITE_OK) throw_sqlite_error(db_.get(), rc, "wal_checkpoint(TRUNCATE)");
  wal_->pages = 0;
  return true;
}

void database::exec(const std::string& sql) {
  int rc = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    constexpr std::size_t shown = 60;
    throw_sqlite_error(db_.get(), rc,
                       "\"" + sql.substr(0, shown) + (sql.size() > shown ? "...\"" : "\""));
  }
}

statement database::prepare(std::string_view sql) {
  auto it = cache_->spares.find(sql);
  if (it == cache_->spares.end()) it = cache_->spares.emplace(std::string(sql), 0).first;
  auto& list = it->second;
  detail::statement_home home{cache_, &list};
  if (!list.empty()) {
    sqlite3_stmt* s = list.back().release();
    list.pop_back();
    return statement(db_.get(), s, std::move(home));
  }
  statement fresh(db_.get(), sql);
  return statement(db_.get(), fresh.stmt_.release(), std::move(home));
}

std::int64_t database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_.get()); }

int database::changes() const { return sqlite3_changes(db_.get()); }

bool database::in_transaction() const { return sqlite3_get_autocommit(db_.get()) == 0; }

void database::on_rollback(std::function<void()> undo) {
  if (in_transaction()) undo_.push_back(std::move(undo));
}

void detail::statement_home::operator()(sqlite3_stmt* s) const {
  if (const auto home = cache.lock(); home && spares != nullptr) {
    // Ready for the next user: not mid-step, nothing bound (a reset cannot fail here; an
    // error it repeats was the last step's, already reported).
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    spares->emplace_back(s);
    return;
  }
  sqlite3_finalize(s);
}

statement::statement(sqlite3* db, sqlite3_stmt* prepared, detail::statement_home home)
    : db_(db), stmt_(prepared, std::move(home)) {}

statement::statement(sqlite3* db, std::string_view sql) : db_(db) {
  sqlite3_stmt* raw = nullptr;
  if (sql.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw store_error(SQLITE_TOOBIG, "SQL text too long");
  }
  int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
  stmt_.reset(raw);
  if (rc != SQLITE_OK) throw_sqlite_error(db, rc, "cannot prepare \"" + std::string(sql) + "\"");
}

void statement::check(int rc) const {
  if (rc != SQLITE_OK) throw_sqlite_error(db_, rc, sqlite3_sql(stmt_.get()));
}

int statement::index_of(const char* name) const {
  int index = sqlite3_bind_parameter_index(stmt_.get(), name);
  if (index == 0) {
    throw store_error(SQLITE_RANGE, std::string("no parameter ") + name + " in \"" +
                                        sqlite3_sql(stmt_.get()) + "\"");
  }
  return index;
}

statement& statement::bind(int index, std::int64_t value) {
  check(sqlite3_bind_int64(stmt_.get(), index, value));
  return *this;
}

statement& statement::bind(int index, std::string_view value) {
  check(sqlite3_bind_text64(stmt_.get(), index, value.data(), value.size(), SQLITE_TRANSIENT,
                            SQLITE_UTF8));
  return *this;
}

statement& statement::bind(int index, std::nullptr_t) {
  check(sqlite3_bind_null(stmt_.get(), index));
  return *this;
}

statement& statement::bind(int index, std::span<const std::byte> blob) {
  check(sqlite3_bind_blob64(stmt_.get(), index, blob.data(), blob.size(), SQLITE_TRANSIENT));
  return *this;
}

statement& statement::bind(int index, const std::optional<std::string>& value) {
  return value ? bind(index, std::string_view(*value)) : bind(index, nullptr);
}

statement& statement::bind(int index, const std::optional<std::int64_t>& value) {
  return value ? bind(index, *value) : bind(index, nullptr);
}

bool statement::step() {
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // Reset so the statement does not keep a read snapshot or lock after the failure.
  sqlite3_reset(stmt_.get());
  throw_sqlite_error(db_, rc, sqlite3_sql(stmt_.get()));
}

void statement::run() {
  while (step()) {
  }
}

void statement::reset() { sqlite3_reset(stmt_.get()); }

bool statement::is_null(int column) const {
  return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
}

std::int64_t statement::column_int64(int column) const {
  return sqlite3_column_int64(stmt_.get(), column);
}

std::string statement::column_text(int column) const {
  const auto* text = sqlite3_column_text(stmt_.get(), column);
  int n = sqlite3_column_bytes(stmt_.get(), column);  // after _text, as SQLite requires
  return text != nullptr
             ? std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(n))
             : std::string();
}

std::string_view statement::column_text_view(int column) const {
  const auto* text = sqlite3_column_text(stmt_.get(), column);
  const int n = sqlite3_column_bytes(stmt_.get(), column);
  return text != nullptr
             ? std::string_view(reinterpret_cast<const char*>(text), static_cast<std::size_t>(n))
             : std::string_view();
}

std::optional<std::string> statement::column_optional_text(int column) const {
  if (is_null(column)) return std::nullopt;
  return column_text(column);
}

std::optional<std::int64_t> statement::column_optional_int64(int column) const {
  if (is_null(column)) return std::nullopt;
  return column_int64(column);
}

std::vector<std::byte> statement::column_blob(int column) const {
  const auto* data = static_cast<const std::byte*>(sqlite3_column_blob(stmt_.get(), column));
  int n = sqlite3_column_bytes(stmt_.get(), column);
  return data != nullptr ? std::vector<std::byte>(data, data + n) : std::vector<std::byte>();
}

transaction::transaction(database& db) : db_(&db) {
  db.undo_.clear();
  db.exec("BEGIN IMMEDIATE");
}

void transaction::commit() {
  db_->exec("COMMIT");
  done_ = true;
  db_->undo_.clear();
}

transaction::~transaction() {
  // A failed COMMIT may already have rolled back; only roll back what is still open.
  if (!done_ && db_->in_transaction()) {
    sqlite3_exec(db_->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  // Whether it rolled back here or SQLite did: none of it happened.
  auto undo = std::exchange(db_->undo_, {});
  if (!done_)
    for (auto it = undo.rbegin(); it != undo.rend(); ++it) (*it)();
}

}  // namespace locker::store
