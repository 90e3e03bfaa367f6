// SPDX-License-Identifier: Apache-2.0
// The nonces of the signed tokens a recipient scanned and that opened a compartment, so that
// each token opens once (protocol/tokens.md). Written in the transaction that records the
// pickup's intent, before the coil moves: a token is spent exactly when its door was asked to
// open. A nonce is kept until its token's not_after has passed by a margin (the token is
// refused as expired from then on, whatever its nonce), so the table holds only the tokens
// that could still be valid. The nonce is not a secret (the signature is what makes a token
// good), so it is kept as it is, in hex.
#pragma once

#include <cstdint>
#include <string_view>

#include "daemon/store/database.hpp"
#include "drivers/clock.hpp"

namespace locker::store {

class token_nonces_repository {
 public:
  explicit token_nonces_repository(database& db) : db_(db) {}

  // Whether a token with this nonce opened a compartment before (and is still kept).
  [[nodiscard]] bool used(std::string_view nonce_hex);
  // not_after: the token's, in Unix seconds. store_error with is_constraint() if already used.
  void add(transaction& tx, std::string_view nonce_hex, std::string_view key_id,
           std::int64_t not_after, drivers::wall_time used_at);
  // Forgets the nonces of tokens whose not_after is before `before` (Unix seconds). One index
  // range; returns how many.
  std::int64_t prune(transaction& tx, std::int64_t before);
  [[nodiscard]] std::int64_t count();

 private:
  database& db_;
};

}  // namespace locker::store
