// SPDX-License-Identifier: Apache-2.0
#include "drivers/board_file/toml_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "drivers/board_file/toml_guard.hpp"

namespace locker::drivers {

config_error::config_error(std::string file, std::string key, std::string reason)
    : std::runtime_error(file + ": " + (key.empty() ? std::string() : key + ": ") + reason),
      file_(std::move(file)),
      key_(std::move(key)),
      reason_(std::move(reason)) {}

namespace toml_file {

namespace fs = std::filesystem;

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    default:
      return "a date/time";
  }
}

std::string index_key(const std::string& key, std::size_t i) {
  return key + "[" + std::to_string(i) + "]";
}

std::string quote_value(std::string_view value) {
  constexpr std::size_t shown = 64;
  std::string out = "\"";
  for (const char c : value.substr(0, shown)) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == '"' || c == '\\') {
      static constexpr char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 0xf];
    } else {
      out += c;
    }
  }
  out += value.size() > shown ? "...\" (" + std::to_string(value.size()) + " bytes)" : "\"";
  return out;
}

bool all_digits(std::string_view s) {
  return !s.empty() && s.size() <= 9 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

toml::table parse_file(const context& ctx, const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) ctx.fail("", "cannot read: no such file");
  if (fs::is_directory(file, ec)) ctx.fail("", "cannot read: is a directory");
  std::ifstream in(file, std::ios::binary);
  if (!in) ctx.fail("", std::string("cannot read: ") + std::strerror(errno));
  // Read at most one byte past the bound: a huge file (or /dev/zero) is refused, not slurped.
  std::string text(max_file_bytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) ctx.fail("", "cannot read: I/O error");
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (auto why = refusal(text)) ctx.fail("", "refused before parsing: " + *why);
  try {
    return toml::parse(text, file.string());
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    ctx.fail("", "TOML syntax error at " + std::to_string(at.line) + ":" +
                     std::to_string(at.column) + ": " + std::string(e.description()));
  }
}

}  // namespace toml_file
}  // namespace locker::drivers
