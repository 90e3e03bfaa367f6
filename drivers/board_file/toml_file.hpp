// SPDX-License-Identifier: Apache-2.0
// Reading a TOML configuration file so that every failure names the file, the key and the
// reason: the board file (drivers/board_file) and the daemon's main file (daemon/config) read
// through this, so both report errors the same way.
#pragma once

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include <toml++/toml.h>

namespace locker::drivers {

// A file that cannot be used: says which file, which key (dotted path, e.g.
// "compartment[3].door" or "timings.lock_pulse_ms"; array indices count from 0; empty when
// the whole file is at fault, e.g. unreadable or a TOML syntax error) and why.
class config_error : public std::runtime_error {
 public:
  config_error(std::string file, std::string key, std::string reason);
  [[nodiscard]] const std::string& file() const { return file_; }
  [[nodiscard]] const std::string& key() const { return key_; }
  [[nodiscard]] const std::string& reason() const { return reason_; }

 private:
  std::string file_, key_, reason_;
};

namespace toml_file {

// "a table", "an integer", ...: what a wrong-type message says was found.
std::string type_name(const toml::node& n);

// "key[i]"
std::string index_key(const std::string& key, std::size_t i);

// A value as an error message quotes it: in double quotes, control characters as \xNN, and cut
// after 64 characters with its length ("\"aaaa...\" (1048000 bytes)"), so a huge or hostile
// value never floods the log or forges a line of it.
std::string quote_value(std::string_view value);

// Decimal digits only, at most 9 (so it fits an int): a line offset, a port.
bool all_digits(std::string_view s);

// The file being read: every failure names it.
struct context {
  std::string file;

  // The line number helps the operator find the value; it is not part of the key.
  [[noreturn]] void fail(const std::string& key, std::string reason,
                         const toml::node* at = nullptr) const {
    if (at != nullptr && at->source().begin) {
      reason += " (line " + std::to_string(at->source().begin.line) + ")";
    }
    throw config_error(file, key, std::move(reason));
  }

  [[noreturn]] void wrong_type(const std::string& key, const toml::node& n,
                               std::string_view expected) const {
    fail(key, "wrong type: expected " + std::string(expected) + ", got " + type_name(n), &n);
  }
};

// The file parsed, or config_error (unreadable, not TOML) naming it.
toml::table parse_file(const context& ctx, const std::filesystem::path& file);

// One table of the file. Rejects keys it does not know when constructed, so a typo never
// silently falls back to a default.
class table_reader {
 public:
  table_reader(const context& ctx, const toml::table& table, std::string prefix,
               std::initializer_list<std::string_view> known)
      : table_reader(ctx, table, std::move(prefix),
                     std::span<const std::string_view>(known.begin(), known.size())) {}
  // The known keys from a table of settings (daemon/config/settings_table).
  table_reader(const context& ctx, const toml::table& table, std::string prefix,
               std::span<const std::string_view> known)
      : ctx_(ctx), table_(table), prefix_(std::move(prefix)) {
    for (auto&& [k, v] : table_) {
      if (std::find(known.begin(), known.end(), k.str()) != known.end()) continue;
      std::string expected;
      for (auto name : known) expected += (expected.empty() ? "" : ", ") + std::string(name);
      ctx_.fail(key(k.str()), "unknown key (known here: " + expected + ")", &v);
    }
  }

  [[nodiscard]] std::string key(std::string_view name) const {
    return prefix_.empty() ? std::string(name) : prefix_ + "." + std::string(name);
  }
  [[nodiscard]] const toml::node* node(std::string_view name) const { return table_.get(name); }
  [[nodiscard]] const context& ctx() const { return ctx_; }

  [[nodiscard]] std::optional<std::string> optional_string(std::string_view name) const {
    const auto* n = node(name);
    if (n == nullptr) return std::nullopt;
    const auto* s = n->as_string();
    if (s == nullptr) ctx_.wrong_type(key(name), *n, "a string");
    return s->get();
  }

  [[nodiscard]] std::string string(std::string_view name, std::string fallback) const {
    return optional_string(name).value_or(std::move(fallback));
  }

  [[nodiscard]] std::string required_string(std::string_view name) const {
    auto s = optional_string(name);
    if (!s) ctx_.fail(key(name), "missing: this key is required");
    return *s;
  }

  [[nodiscard]] std::int64_t integer(std::string_view name, std::int64_t fallback, std::int64_t min,
                                     std::int64_t max) const {
    const auto* n = node(name);
    if (n == nullptr) return fallback;
    const auto* i = n->as_integer();
    if (i == nullptr) ctx_.wrong_type(key(name), *n, "an integer");
    if (i->get() < min || i->get() > max) {
      ctx_.fail(key(name),
                "out of range: must be between " + std::to_string(min) + " and " +
                    std::to_string(max) + ", got " + std::to_string(i->get()),
                n);
    }
    return i->get();
  }

  [[nodiscard]] std::optional<bool> optional_boolean(std::string_view name) const {
    const auto* n = node(name);
    if (n == nullptr) return std::nullopt;
    const auto* b = n->as_boolean();
    if (b == nullptr) ctx_.wrong_type(key(name), *n, "a boolean (true or false)");
    return b->get();
  }

  [[nodiscard]] const toml::table* table(std::string_view name) const {
    const auto* n = node(name);
    if (n == nullptr) return nullptr;
    const auto* t = n->as_table();
    if (t == nullptr) ctx_.wrong_type(key(name), *n, "a table");
    return t;
  }

  [[nodiscard]] const toml::array* array(std::string_view name) const {
    const auto* n = node(name);
    if (n == nullptr) return nullptr;
    const auto* a = n->as_array();
    if (a == nullptr) ctx_.wrong_type(key(name), *n, "an array");
    return a;
  }

  // One of a fixed set of words.
  template <typename E>
  [[nodiscard]] E choice(std::string_view name, E fallback,
                         std::initializer_list<std::pair<std::string_view, E>> words) const {
    auto s = optional_string(name);
    if (!s) return fallback;
    std::string expected;
    for (const auto& [word, value] : words) {
      if (*s == word) return value;
      expected += (expected.empty() ? "" : ", ") + std::string(word);
    }
    ctx_.fail(key(name), "invalid value " + quote_value(*s) + ": must be one of " + expected,
              node(name));
  }

 private:
  const context& ctx_;
  const toml::table& table_;
  std::string prefix_;
};

}  // namespace toml_file
}  // namespace locker::drivers
