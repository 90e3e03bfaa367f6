// SPDX-License-Identifier: Apache-2.0
#include "daemon/tokens/verifier.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace locker::tokens {
namespace {

using md_ctx_ptr = base::c_handle<EVP_MD_CTX, EVP_MD_CTX_free>;

base::c_handle<EVP_PKEY, EVP_PKEY_free> load_key(const raw_public_key& raw) {
  return base::c_handle<EVP_PKEY, EVP_PKEY_free>(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, raw.data(), raw.size()));
}

bool signature_matches(EVP_PKEY* pkey, const decoded_token& t) {
  const md_ctx_ptr ctx(EVP_MD_CTX_new());
  // Ed25519 is one-shot: no digest is named, and EVP_DigestVerify takes the whole message.
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey) != 1) return false;
  return EVP_DigestVerify(ctx.get(), t.signature.data(), t.signature.size(),
                          reinterpret_cast<const unsigned char*>(t.signed_text.data()),
                          t.signed_text.size()) == 1;
}

}  // namespace

std::string_view to_string(refusal r) {
  switch (r) {
    case refusal::unreadable:
      return "unreadable";
    case refusal::unknown_key:
      return "unknown_key";
    case refusal::bad_signature:
      return "bad_signature";
    case refusal::key_retired:
      return "key_retired";
    case refusal::other_locker:
      return "other_locker";
    case refusal::not_yet_valid:
      return "not_yet_valid";
    case refusal::expired:
      return "expired";
    case refusal::used:
      return "used";
    case refusal::no_parcel:
      return "no_parcel";
  }
  return "unreadable";
}

bool valid_key_id(std::string_view id) {
  token_claims c;
  c.key_id = std::string(id);
  c.locker_id = "x";
  c.subject = "x";
  c.not_after = 1;
  return valid_claims(c);  // the one statement of the rule
}

std::optional<raw_public_key> parse_public_key(std::string_view base64) {
  const auto raw = base64_decode(base64);
  if (!raw || raw->size() != public_key_size) return std::nullopt;
  raw_public_key key{};
  std::copy(raw->begin(), raw->end(), key.begin());
  if (!load_key(key)) return std::nullopt;
  return key;
}

verifier::verifier(const std::vector<public_key_entry>& keys, std::string locker_id)
    : locker_id_(std::move(locker_id)) {
  for (const auto& k : keys) {
    auto pkey = load_key(k.key);
    if (!pkey) throw std::runtime_error("OpenSSL refused the Ed25519 public key " + k.id);
    keys_.push_back(key{k.id, std::move(pkey), k.not_after});
  }
}

verdict verifier::verify(std::string_view text, std::chrono::system_clock::time_point now) const {
  verdict v;
  const auto t = decode_token(text);
  if (!t) {
    v.refused = refusal::unreadable;
    return v;
  }
  v.claims = t->claims;
  const auto k = std::find_if(keys_.begin(), keys_.end(),
                              [&](const key& e) { return e.id == t->claims.key_id; });
  if (k == keys_.end()) {
    v.refused = refusal::unknown_key;
  } else if (!signature_matches(k->pkey.get(), *t)) {
    // Nothing the token says is trusted beyond this point: the claims are what a forger wrote.
    v.refused = refusal::bad_signature;
  } else if (k->not_after && now > *k->not_after) {
    v.refused = refusal::key_retired;
  } else if (t->claims.locker_id != locker_id_) {
    v.refused = refusal::other_locker;
  } else if (now < to_wall(t->claims.not_before)) {
    v.refused = refusal::not_yet_valid;
  } else if (now > to_wall(t->claims.not_after)) {
    v.refused = refusal::expired;
  }
  return v;
}

}  // namespace locker::tokens
