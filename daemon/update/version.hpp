// SPDX-License-Identifier: Apache-2.0
// Release versions as lockerd (LOCKER_VERSION) and bundle manifests write them, and their
// order, so that an update never goes back: "1.2.3", "1.10", "2.0.0-rc1", "1.2.3+build7".
// Pure.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace locker::update {

struct version {
  std::vector<std::uint64_t> numbers;  // 1 to 4 dot-separated numbers
  std::string pre_release;             // after '-'; empty for a release
};

// nullopt for anything else (empty, letters in the numbers, more than 4 numbers, a number
// above 10^9). Build metadata after '+' is dropped: it does not order versions.
[[nodiscard]] std::optional<version> parse_version(std::string_view text);

// Numbers compare one by one (a missing one counts as 0: 1.2 == 1.2.0); with equal numbers a
// pre-release comes before its release, and two pre-releases compare as text.
[[nodiscard]] std::strong_ordering compare(const version& a, const version& b);

}  // namespace locker::update
