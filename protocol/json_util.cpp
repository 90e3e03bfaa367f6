// SPDX-License-Identifier: Apache-2.0
#include "protocol/json_util.hpp"

#include <cmath>

namespace locker::protocol::detail {

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (const char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0U) != 0x80U) ++n;  // not a continuation byte
  }
  return n;
}

namespace {

// Deepest nesting of [ and { outside strings.
std::size_t nesting_depth(std::string_view text) {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

}  // namespace

std::string dump_payload(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

parsed_json parse_json(std::string_view text, std::size_t max_depth) {
  if (nesting_depth(text) > max_depth) {
    return {std::nullopt, "malformed JSON: nested deeper than " + std::to_string(max_depth)};
  }
  try {
    return {nlohmann::json::parse(text), {}};
  } catch (const nlohmann::json::parse_error& e) {
    // e.what() quotes the bytes around the fault; only the position is safe to repeat.
    return {std::nullopt, "malformed JSON at byte " + std::to_string(e.byte)};
  } catch (const std::exception&) {
    return {std::nullopt, "malformed JSON"};
  }
}

std::optional<long long> as_integer(const nlohmann::json& v) {
  if (v.is_number_integer()) {
    if (v.is_number_unsigned() && v.get<unsigned long long>() > 0x7fffffffffffffffULL) {
      return std::nullopt;
    }
    return v.get<long long>();
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::trunc(d) == d && std::fabs(d) < 9.0e15) return static_cast<long long>(d);
  }
  return std::nullopt;
}

}  // namespace locker::protocol::detail
