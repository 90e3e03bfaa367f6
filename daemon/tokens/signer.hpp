// SPDX-License-Identifier: Apache-2.0
// Making tokens, as the tracking system does: an Ed25519 key pair, and a token signed with its
// private key. For lockerctl (tests and demos) and the tests; lockerd only verifies.
#pragma once

#include <filesystem>
#include <string>

#include <openssl/evp.h>

#include "base/c_handle.hpp"
#include "daemon/tokens/token_codec.hpp"
#include "daemon/tokens/verifier.hpp"

namespace locker::tokens {

using private_key = base::c_handle<EVP_PKEY, EVP_PKEY_free>;

// A new Ed25519 key pair from OpenSSL's CSPRNG. Throws std::runtime_error.
[[nodiscard]] private_key generate_key();
// The private key as PEM (PKCS#8, as `openssl genpkey -algorithm ed25519` writes it).
[[nodiscard]] std::string private_key_pem(EVP_PKEY* key);
// Reads a PEM private key; throws std::runtime_error unless it is an Ed25519 one.
[[nodiscard]] private_key load_private_key_pem(const std::string& pem);
[[nodiscard]] private_key load_private_key_file(const std::filesystem::path& file);
// The public half as the config writes it (standard base64 of the raw 32 bytes).
[[nodiscard]] std::string public_key_base64(EVP_PKEY* key);
[[nodiscard]] raw_public_key raw_public(EVP_PKEY* key);

// A random nonce (OpenSSL's CSPRNG). Throws std::runtime_error.
[[nodiscard]] nonce random_nonce();
// The token text for these claims, signed with key. Throws std::invalid_argument unless
// valid_claims(c), std::runtime_error if OpenSSL fails.
[[nodiscard]] std::string make_token(EVP_PKEY* key, const token_claims& c);

}  // namespace locker::tokens
