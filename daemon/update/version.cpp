// SPDX-License-Identifier: Apache-2.0
#include "daemon/update/version.hpp"

#include <algorithm>

namespace locker::update {

namespace {

constexpr std::size_t max_numbers = 4;
constexpr std::size_t max_digits = 9;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<version> parse_version(std::string_view text) {
  if (const auto plus = text.find('+'); plus != std::string_view::npos) text = text.substr(0, plus);
  version v;
  if (const auto dash = text.find('-'); dash != std::string_view::npos) {
    v.pre_release = std::string(text.substr(dash + 1));
    text = text.substr(0, dash);
    if (v.pre_release.empty()) return std::nullopt;
  }
  while (true) {
    const auto dot = text.find('.');
    const auto part = text.substr(0, dot);
    if (part.empty() || part.size() > max_digits ||
        !std::all_of(part.begin(), part.end(), is_digit))
      return std::nullopt;
    std::uint64_t n = 0;
    for (char c : part) n = n * 10 + static_cast<std::uint64_t>(c - '0');
    v.numbers.push_back(n);
    if (v.numbers.size() > max_numbers) return std::nullopt;
    if (dot == std::string_view::npos) break;
    text = text.substr(dot + 1);
  }
  return v;
}

std::strong_ordering compare(const version& a, const version& b) {
  const auto n = std::max(a.numbers.size(), b.numbers.size());
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = i < a.numbers.size() ? a.numbers[i] : 0;
    const auto y = i < b.numbers.size() ? b.numbers[i] : 0;
    if (x != y) return x <=> y;
  }
  if (a.pre_release.empty() != b.pre_release.empty())
    return a.pre_release.empty() ? std::strong_ordering::greater : std::strong_ordering::less;
  const int c = a.pre_release.compare(b.pre_release);
  return c < 0 ? std::strong_ordering::less
               : (c > 0 ? std::strong_ordering::greater : std::strong_ordering::equal);
}

}  // namespace locker::update
