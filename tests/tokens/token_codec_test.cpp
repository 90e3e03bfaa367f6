// SPDX-License-Identifier: Apache-2.0
// The token's text form (protocol/tokens.md): the payload's exact bytes, a round trip, and
// refusal of everything that is not one well-formed token.
#include "daemon/tokens/token_codec.hpp"

#include <gtest/gtest.h>

namespace {

using namespace locker::tokens;

token_claims claims() {
  token_claims c;
  c.kind = token_kind::pickup_reservation;
  c.key_id = "2026-12";
  c.locker_id = "locker-1";
  c.subject = "R-1";
  c.not_before = 0x01020304;
  c.not_after = 0x01020305;
  for (std::size_t i = 0; i < c.nonce.size(); ++i) c.nonce[i] = static_cast<std::uint8_t>(i);
  return c;
}

std::string with_signature(const std::string& signed_part) {
  return signed_part + "." + base64url_encode(bytes(signature_size, 0xab));
}

TEST(token_codec, payload_bytes_are_as_documented) {
  const bytes expected{1, 1,                                       // version, kind
                       7, '2', '0', '2', '6', '-', '1', '2',       // key id
                       8, 'l', 'o', 'c', 'k', 'e', 'r', '-', '1',  // locker id
                       3, 'R', '-', '1',                           // subject
                       1, 2,   3,   4,                             // not_before
                       1, 2,   3,   5,                             // not_after
                       0, 1,   2,   3,   4,   5,   6,   7,   8,   9, 10, 11, 12, 13, 14, 15};
  EXPECT_EQ(encode_payload(claims()), expected);
  EXPECT_EQ(signed_text(claims()), "LK1." + base64url_encode(expected));
}

TEST(token_codec, round_trip) {
  auto c = claims();
  c.kind = token_kind::pickup_tracking;
  c.subject = "JJD0001234567890";
  const auto text = with_signature(signed_text(c));
  const auto t = decode_token(text);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->claims.kind, token_kind::pickup_tracking);
  EXPECT_EQ(t->claims.key_id, "2026-12");
  EXPECT_EQ(t->claims.locker_id, "locker-1");
  EXPECT_EQ(t->claims.subject, "JJD0001234567890");
  EXPECT_EQ(t->claims.not_before, 0x01020304U);
  EXPECT_EQ(t->claims.not_after, 0x01020305U);
  EXPECT_EQ(t->claims.nonce, c.nonce);
  EXPECT_EQ(t->signed_text, signed_text(c));
  EXPECT_EQ(t->signature[0], 0xab);
  EXPECT_TRUE(looks_like_token(text));
  // The longest claims still fit the bound the scanner must pass on.
  c.key_id = std::string(max_key_id, 'k');
  c.locker_id = std::string(max_locker_id, 'l');
  c.subject = std::string(max_subject, 's');
  EXPECT_LE(with_signature(signed_text(c)).size(), max_token_length);
  EXPECT_TRUE(decode_token(with_signature(signed_text(c))));
}

TEST(token_codec, refuses_malformed_text) {
  const auto good = with_signature(signed_text(claims()));
  ASSERT_TRUE(decode_token(good));
  EXPECT_FALSE(decode_token(""));
  EXPECT_FALSE(decode_token("12345678"));
  EXPECT_FALSE(decode_token("LK2" + good.substr(3)));
  EXPECT_FALSE(decode_token(signed_text(claims())));            // no signature
  EXPECT_FALSE(decode_token(good + "A"));                       // signature too long
  EXPECT_FALSE(decode_token(good.substr(0, good.size() - 2)));  // too short
  EXPECT_FALSE(decode_token(good + ".x"));
  EXPECT_FALSE(decode_token(good + std::string(max_token_length, 'A')));
  std::string spaced = good;
  spaced.insert(10, " ");
  EXPECT_FALSE(decode_token(spaced));
}

TEST(token_codec, refuses_payloads_that_break_the_rules) {
  auto refused = [](const bytes& payload) {
    return !decode_token(with_signature("LK1." + base64url_encode(payload)));
  };
  const bytes good = encode_payload(claims());
  EXPECT_FALSE(refused(good));
  auto changed = [&](std::size_t at, std::uint8_t v) {
    bytes p = good;
    p[at] = v;
    return p;
  };
  EXPECT_TRUE(refused(changed(0, 2)));  // another version
  EXPECT_TRUE(refused(changed(1, 0)));  // unknown kind
  EXPECT_TRUE(refused(changed(1, 9)));
  EXPECT_TRUE(refused(changed(2, 0)));     // empty key id
  EXPECT_TRUE(refused(changed(3, ' ')));   // a space in the key id
  EXPECT_TRUE(refused(changed(11, 'L')));  // capitals in the locker id
  EXPECT_TRUE(refused(changed(20, ' ')));  // a space in the subject
  bytes longer = good;
  longer.push_back(0);
  EXPECT_TRUE(refused(longer));
  bytes shorter = good;
  shorter.pop_back();
  EXPECT_TRUE(refused(shorter));
  EXPECT_TRUE(refused({}));
  EXPECT_TRUE(refused({1}));
  EXPECT_TRUE(refused({1, 1, 200}));  // a length past the end
  // not_after must follow not_before.
  auto c = claims();
  c.not_after = c.not_before;
  EXPECT_FALSE(valid_claims(c));
  EXPECT_TRUE(refused(encode_payload(c)));
}

}  // namespace
