// SPDX-License-Identifier: Apache-2.0
#include "protocol/input_rules.hpp"

#include <algorithm>

namespace locker::protocol::rules {

bool digits_between(std::string_view s, std::size_t min, std::size_t max) {
  return s.size() >= min && s.size() <= max &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::size_t code_points(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U; }));
}

bool has_control_char(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

bool valid_pin(std::string_view pin) { return digits_between(pin, pin_min_digits, pin_max_digits); }

bool valid_pickup_code(std::string_view code) {
  return digits_between(code, pickup_code_min_digits, pickup_code_max_digits);
}

bool valid_tracking_number(std::string_view t) {
  return !t.empty() && t.size() <= tracking_number_max_length &&
         std::all_of(t.begin(), t.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

bool valid_badge(std::string_view b) {
  return !b.empty() && b.size() <= badge_max_length &&
         std::all_of(b.begin(), b.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

bool valid_id(std::string_view id) {
  const auto n = code_points(id);
  return n >= 1 && n <= id_max_length && !has_control_char(id);
}

bool valid_compartment_id(std::string_view id) {
  return !id.empty() && id.size() <= compartment_id_max_length &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-';
         });
}

}  // namespace locker::protocol::rules
