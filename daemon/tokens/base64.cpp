// SPDX-License-Identifier: Apache-2.0
#include "daemon/tokens/base64.hpp"

#include <array>

namespace locker::tokens {
namespace {

constexpr std::string_view url_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::string_view std_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string encode(std::span<const std::uint8_t> data, std::string_view alphabet, bool pad) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const unsigned v = (data[i] << 16U) | (data[i + 1] << 8U) | data[i + 2];
    out += alphabet[(v >> 18U) & 63U];
    out += alphabet[(v >> 12U) & 63U];
    out += alphabet[(v >> 6U) & 63U];
    out += alphabet[v & 63U];
  }
  const std::size_t rest = data.size() - i;
  if (rest == 1) {
    const unsigned v = data[i] << 16U;
    out += alphabet[(v >> 18U) & 63U];
    out += alphabet[(v >> 12U) & 63U];
    if (pad) out += "==";
  } else if (rest == 2) {
    const unsigned v = (data[i] << 16U) | (data[i + 1] << 8U);
    out += alphabet[(v >> 18U) & 63U];
    out += alphabet[(v >> 12U) & 63U];
    out += alphabet[(v >> 6U) & 63U];
    if (pad) out += '=';
  }
  return out;
}

std::optional<bytes> decode(std::string_view text, std::string_view alphabet, bool padded) {
  std::array<int, 256> value{};
  value.fill(-1);
  for (std::size_t i = 0; i < alphabet.size(); ++i)
    value[static_cast<unsigned char>(alphabet[i])] = static_cast<int>(i);
  if (padded) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::size_t pads = 0;
    while (pads < 2 && pads < text.size() && text[text.size() - 1 - pads] == '=') ++pads;
    text.remove_suffix(pads);
    if (pads > 0 && text.size() % 4 != 4 - pads) return std::nullopt;
  }
  // A lone sixth of a group cannot hold a byte.
  if (text.size() % 4 == 1) return std::nullopt;
  bytes out;
  out.reserve(text.size() * 3 / 4);
  unsigned acc = 0;
  int bits = 0;
  for (const char ch : text) {
    const int v = value[static_cast<unsigned char>(ch)];
    if (v < 0) return std::nullopt;
    acc = (acc << 6U) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((acc >> static_cast<unsigned>(bits)) & 0xffU));
    }
  }
  // The bits left over must be zero: otherwise two texts would decode to the same bytes.
  if (bits > 0 && (acc & ((1U << static_cast<unsigned>(bits)) - 1U)) != 0) return std::nullopt;
  return out;
}

}  // namespace

std::string base64url_encode(std::span<const std::uint8_t> data) {
  return encode(data, url_alphabet, false);
}

std::optional<bytes> base64url_decode(std::string_view text) {
  return decode(text, url_alphabet, false);
}

std::string base64_encode(std::span<const std::uint8_t> data) {
  return encode(data, std_alphabet, true);
}

std::optional<bytes> base64_decode(std::string_view text) {
  return decode(text, std_alphabet, true);
}

}  // namespace locker::tokens
