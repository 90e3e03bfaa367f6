// SPDX-License-Identifier: Apache-2.0
// Checks a scanned token offline: its form, the tracking system's Ed25519 signature (OpenSSL 3,
// EVP_DigestVerify over raw public keys from the config), that the signing key is one of the
// configured ones and not retired, that it names this locker, and that now is inside its
// window. Several keys at once, so that the tracking system can rotate its key with an
// overlap. What the locker's books must say (the nonce unused, the parcel there) is the
// controller's to check. Pure apart from OpenSSL: nothing logged, nothing kept.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/evp.h>

#include "base/c_handle.hpp"
#include "daemon/tokens/token_codec.hpp"

namespace locker::tokens {

inline constexpr std::size_t public_key_size = 32;  // an Ed25519 raw public key
using raw_public_key = std::array<std::uint8_t, public_key_size>;

// One of the tracking system's public keys, as the config names it.
struct public_key_entry {
  std::string id;  // what a token's key id must say; [A-Za-z0-9._-]{1,32}
  raw_public_key key{};
  // After this the key signs nothing any more (its successor took over): tokens it signed are
  // refused. nullopt: no end.
  std::optional<std::chrono::system_clock::time_point> not_after;
};

// Why a token is refused, in the order the checks run (the first that fails says it).
enum class refusal {
  unreadable,     // not a well-formed token of this version
  unknown_key,    // signed with a key id the config does not have
  bad_signature,  // the signature does not match: tampered, or not made with that key
  key_retired,    // the key's not_after has passed
  other_locker,   // made for another locker
  not_yet_valid,  // now is before its not_before
  expired,        // now is after its not_after
  used,           // its nonce was taken before (the controller's check)
  no_parcel,      // no stored parcel here for its subject (the controller's check)
};
[[nodiscard]] std::string_view to_string(refusal r);

// A key id's rules (as in a token).
[[nodiscard]] bool valid_key_id(std::string_view id);
// A public key as the config writes it: standard base64 of the 32 raw bytes. nullopt when it
// is not, or OpenSSL does not take it as an Ed25519 key.
[[nodiscard]] std::optional<raw_public_key> parse_public_key(std::string_view base64);

struct verdict {
  std::optional<refusal> refused;  // nullopt: the token is good (as far as the verifier sees)
  token_claims claims;             // what it says, when it could be read
};

class verifier {
 public:
  // Throws std::runtime_error if OpenSSL refuses a key (parse_public_key() accepted it first).
  verifier(const std::vector<public_key_entry>& keys, std::string locker_id);

  // now: the locker's wall clock. A token is good for now in [not_before, not_after].
  [[nodiscard]] verdict verify(std::string_view text,
                               std::chrono::system_clock::time_point now) const;

 private:
  using pkey_ptr = base::c_handle<EVP_PKEY, EVP_PKEY_free>;
  struct key {
    std::string id;
    pkey_ptr pkey;
    std::optional<std::chrono::system_clock::time_point> not_after;
  };
  std::vector<key> keys_;
  std::string locker_id_;
};

}  // namespace locker::tokens
