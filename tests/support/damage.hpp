// SPDX-License-Identifier: Apache-2.0
// Damage as storage leaves it, for the tests of a start on a damaged database (issue 15).
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "daemon/store/store.hpp"

namespace locker::test {

// Overwrites the table's root page in the database file (checkpointed first, then closed):
// the header survives, so the file opens, and PRAGMA quick_check finds the page.
inline void tear_root_page(const std::filesystem::path& database, const std::string& table) {
  std::int64_t root = 0;
  std::int64_t page_size = 0;
  {
    store::store db(database);
    {
      auto s = db.db().prepare("SELECT rootpage FROM sqlite_schema WHERE name = ?1");
      s.bind(1, table);
      ASSERT_TRUE(s.step()) << "no table " << table;
      root = s.column_int64(0);
    }
    auto s = db.db().prepare("PRAGMA page_size");
    ASSERT_TRUE(s.step());
    page_size = s.column_int64(0);
    auto c = db.db().prepare("PRAGMA wal_checkpoint(TRUNCATE)");
    (void)c.step();
  }
  std::fstream f(database, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>((root - 1) * page_size));
  const std::string junk(static_cast<std::size_t>(page_size), '\x5a');
  f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
}

}  // namespace locker::test
