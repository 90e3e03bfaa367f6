// SPDX-License-Identifier: Apache-2.0
#include "daemon/state_folder/background_check.hpp"

#include <chrono>
#include <utility>

#include <boost/asio/post.hpp>
#include <sqlite3.h>

namespace locker::state_folder {

std::string quick_check_problems(const std::filesystem::path& database) {
  sqlite3* db = nullptr;
  std::string problems;
  if (sqlite3_open_v2(database.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    problems = std::string("cannot open it: ") + (db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return problems;
  }
  // Busy only while a checkpoint truncates the WAL: wait a little rather than call it damage.
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* st = nullptr;
  int rc = sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, nullptr);
  while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    const auto* line = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    const std::string text = line != nullptr ? line : "";
    if (text == "ok") continue;
    if (!problems.empty()) problems += "; ";
    problems += text;
  }
  if (rc != SQLITE_DONE && rc != SQLITE_OK) {
    const int primary = rc & 0xff;
    // Only what says the file is damaged counts; a busy or full disk is not damage.
    if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) {
      if (!problems.empty()) problems += "; ";
      problems += sqlite3_errmsg(db);
    }
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return problems;
}

background_check::background_check(boost::asio::io_context& io, std::filesystem::path database,
                                   std::function<void(std::string problems, double ms)> done)
    : alive_(std::make_shared<bool>(true)) {
  thread_ = std::thread([&io, database = std::move(database), done = std::move(done),
                         alive = std::weak_ptr<bool>(alive_)]() mutable {
    const auto t0 = std::chrono::steady_clock::now();
    auto problems = quick_check_problems(database);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    boost::asio::post(io, [alive, done = std::move(done), problems = std::move(problems), ms] {
      if (alive.lock()) done(problems, ms);
    });
  });
}

background_check::~background_check() {
  alive_.reset();
  if (thread_.joinable()) thread_.join();
}

}  // namespace locker::state_folder
