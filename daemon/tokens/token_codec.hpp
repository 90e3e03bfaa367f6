// SPDX-License-Identifier: Apache-2.0
// The signed offline token's text form (protocol/tokens.md is the specification):
//   LK1.<base64url(payload)>.<base64url(Ed25519 signature)>
// The signature covers the ASCII text before the second '.', prefix included. The payload is
// binary and compact (a QR code a phone shows): version, kind, key id, locker id, subject (the
// reservation id or tracking number), validity window, nonce. Pure: text in, result out; no
// key and no clock here (verifier.hpp checks those).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/tokens/base64.hpp"

namespace locker::tokens {

inline constexpr std::string_view token_prefix = "LK1.";
inline constexpr std::uint8_t format_version = 1;
inline constexpr std::size_t signature_size = 64;  // Ed25519
inline constexpr std::size_t nonce_size = 16;
inline constexpr std::size_t max_key_id = 32;
inline constexpr std::size_t max_locker_id = 64;
inline constexpr std::size_t max_subject = 64;
// The longest token text the codec takes (and so the longest a scanner must pass on).
inline constexpr std::size_t max_token_length = 400;

// What a token allows, and what its subject names.
enum class token_kind : std::uint8_t {
  pickup_reservation = 1,  // collect the parcel of the reservation `subject`
  pickup_tracking = 2,     // collect the parcel whose tracking number is `subject`
};

using nonce = std::array<std::uint8_t, nonce_size>;
using unix_seconds = std::uint32_t;  // seconds since 1970-01-01T00:00:00Z (until 2106)

struct token_claims {
  token_kind kind = token_kind::pickup_reservation;
  std::string key_id;     // [A-Za-z0-9._-]{1,32}: which public key signed it
  std::string locker_id;  // [a-z0-9-]{1,64}: the one locker it opens at
  std::string subject;    // printable ASCII without spaces, 1-64
  unix_seconds not_before = 0;
  unix_seconds not_after = 0;  // after not_before
  tokens::nonce nonce{};       // random; the locker takes each one once
};

// A token's parts as read, before any key or clock looked at it.
struct decoded_token {
  token_claims claims;
  std::string signed_text;  // "LK1." + base64url(payload): what the signature covers
  std::array<std::uint8_t, signature_size> signature{};
};

// Whether text is meant as a token (it has the prefix); a scan without it is something else.
[[nodiscard]] inline bool looks_like_token(std::string_view text) {
  return text.substr(0, token_prefix.size()) == token_prefix;
}

// Whether the claims' fields keep the format's rules (lengths, characters, window).
[[nodiscard]] bool valid_claims(const token_claims& c);
// The payload's bytes. Precondition: valid_claims(c).
[[nodiscard]] bytes encode_payload(const token_claims& c);
// "LK1." + base64url(encode_payload(c)): the text a signature is made over.
[[nodiscard]] std::string signed_text(const token_claims& c);
// nullopt unless text is one well-formed token of this version (strict: one spelling only).
[[nodiscard]] std::optional<decoded_token> decode_token(std::string_view text);

[[nodiscard]] inline std::chrono::system_clock::time_point to_wall(unix_seconds s) {
  return std::chrono::system_clock::time_point{std::chrono::seconds{s}};
}

}  // namespace locker::tokens
