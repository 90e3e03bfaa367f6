// SPDX-License-Identifier: Apache-2.0
// What the repositories share to read rows and guard their writes: parsing stored text
// (a value this build does not know is an error, never a default), reading one or all rows,
// the constant-time hash scan, and the checks on a caller's transaction. Internal to the
// store library: callers see the repositories, not this.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/security/secret_key.hpp"
#include "daemon/store/database.hpp"
#include "daemon/store/states.hpp"

namespace locker::store {

// Text in the database that this build does not know means the file was damaged or edited
// by hand: an error, never a silent default.
[[noreturn]] void corrupt(std::string_view what, std::string_view value);

template <class E, std::size_t N>
E from_name(const std::array<std::string_view, N>& names, std::string_view what,
            const std::string& value) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == value) return static_cast<E>(i);
  }
  corrupt(what, value);
}

wall_time time_column(const statement& s, int column);
std::optional<wall_time> optional_time_column(const statement& s, int column);

inline std::int64_t to_int64(std::uint64_t v) { return static_cast<std::int64_t>(v); }

template <class T, class Read>
std::vector<T> read_all(statement& s, Read read) {
  std::vector<T> out;
  while (s.step()) out.push_back(read(s));
  return out;
}

template <class T, class Read>
std::optional<T> read_one(statement& s, Read read) {
  if (!s.step()) return std::nullopt;
  return read(s);
}

// a + b: a column list and the rest of its query.
std::string sql(std::string_view a, std::string_view b);

// Runs `query`, whose rows are (key, hash), and returns the keys (read by read_key) of the rows
// whose hash is `hash`. Compared in code, in constant time over every row (design.md:
// comparisons are constant-time), not matched by SQL, whose timing would depend on the stored
// hashes. Each row's hash is compared where SQLite holds it, without a copy: a person at the
// keypad waits for this scan.
template <class ReadKey>
auto keys_with_hash(database& db, std::string_view query, std::string_view hash, ReadKey read_key) {
  std::vector<decltype(read_key(std::declval<const statement&>()))> out;
  statement s = db.prepare(query);
  while (s.step()) {
    if (security::same_hash(s.column_text_view(1), hash)) out.push_back(read_key(s));
  }
  return out;
}

// Guards against a transaction opened on another connection.
void check_same_db(const database& db, const transaction& tx);

}  // namespace locker::store
