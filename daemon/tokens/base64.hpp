// SPDX-License-Identifier: Apache-2.0
// Strict base64 (RFC 4648): base64url without padding for the tokens' parts, standard base64
// with padding for the public keys in the config. Strict so that one token has one spelling:
// a character outside the alphabet, padding where none belongs, or unused bits that are not
// zero make the text invalid instead of being skipped.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace locker::tokens {

using bytes = std::vector<std::uint8_t>;

[[nodiscard]] std::string base64url_encode(std::span<const std::uint8_t> data);
// nullopt unless text is canonical unpadded base64url.
[[nodiscard]] std::optional<bytes> base64url_decode(std::string_view text);

[[nodiscard]] std::string base64_encode(std::span<const std::uint8_t> data);
// nullopt unless text is canonical padded standard base64.
[[nodiscard]] std::optional<bytes> base64_decode(std::string_view text);

}  // namespace locker::tokens
