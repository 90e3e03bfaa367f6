// SPDX-License-Identifier: Apache-2.0
// Internal helpers shared by the decoders (not part of the contract's API).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace locker::protocol::detail {

// Number of code points in valid UTF-8 (what JSON Schema's minLength/maxLength count).
[[nodiscard]] std::size_t utf8_length(std::string_view s);

// Parses a JSON text without throwing. On failure, message says where but never quotes the
// input (it may hold a PIN). Nesting deeper than max_depth is refused before parsing, so
// hostile input cannot exhaust the stack.
struct parsed_json {
  std::optional<nlohmann::json> value;
  std::string message;
};
[[nodiscard]] parsed_json parse_json(std::string_view text, std::size_t max_depth = 16);

// A payload as the locker sends it: compact, and a stray byte in a value (from the board file,
// the keypad or a scanner) replaced rather than thrown on.
[[nodiscard]] std::string dump_payload(const nlohmann::json& j);

// An integer JSON number, or a float with no fractional part (JSON Schema's "integer").
[[nodiscard]] std::optional<long long> as_integer(const nlohmann::json& v);

}  // namespace locker::protocol::detail
