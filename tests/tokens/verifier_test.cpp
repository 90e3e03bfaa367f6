// SPDX-License-Identifier: Apache-2.0
// The offline verifier against tokens the signer makes: a good one, and each refusal in the
// order the checks run (unreadable, unknown key, bad signature, retired key, another locker,
// not yet valid, expired), with two keys at once as during a rotation.
#include "daemon/tokens/verifier.hpp"

#include <gtest/gtest.h>

#include "daemon/tokens/signer.hpp"

namespace {

using namespace locker::tokens;
using std::chrono::seconds;
using wall = std::chrono::system_clock::time_point;

const wall t0{seconds{1'800'000'000}};

token_claims claims(std::string key_id = "old") {
  token_claims c;
  c.key_id = std::move(key_id);
  c.locker_id = "locker-1";
  c.subject = "R-1";
  c.not_before = 1'800'000'000;
  c.not_after = 1'800'003'600;
  c.nonce = random_nonce();
  return c;
}

struct verifier_test : ::testing::Test {
  private_key old_key = generate_key();
  private_key new_key = generate_key();
  verifier v{{{"old", raw_public(old_key.get()), t0 + seconds{7200}},
              {"new", raw_public(new_key.get()), std::nullopt}},
             "locker-1"};

  std::optional<refusal> check(const std::string& token, wall now = t0 + seconds{60}) {
    return v.verify(token, now).refused;
  }
};

TEST_F(verifier_test, a_good_token_passes_with_its_claims) {
  const auto c = claims();
  const auto r = v.verify(make_token(old_key.get(), c), t0 + seconds{60});
  EXPECT_FALSE(r.refused);
  EXPECT_EQ(r.claims.subject, "R-1");
  EXPECT_EQ(r.claims.nonce, c.nonce);
  // Both ends of the window count.
  EXPECT_FALSE(check(make_token(old_key.get(), c), t0));
  EXPECT_FALSE(check(make_token(old_key.get(), c), t0 + seconds{3600}));
}

TEST_F(verifier_test, the_window_is_checked_against_now) {
  const auto token = make_token(old_key.get(), claims());
  EXPECT_EQ(check(token, t0 - seconds{1}), refusal::not_yet_valid);
  EXPECT_EQ(check(token, t0 + seconds{3601}), refusal::expired);
}

TEST_F(verifier_test, another_lockers_token_is_refused) {
  auto c = claims();
  c.locker_id = "locker-2";
  EXPECT_EQ(check(make_token(old_key.get(), c)), refusal::other_locker);
}

TEST_F(verifier_test, an_unknown_key_id_is_refused) {
  EXPECT_EQ(check(make_token(old_key.get(), claims("2099-01"))), refusal::unknown_key);
}

TEST_F(verifier_test, a_signature_by_another_key_is_refused) {
  // Claims to be "new" but is signed with the old key.
  EXPECT_EQ(check(make_token(old_key.get(), claims("new"))), refusal::bad_signature);
  EXPECT_EQ(check(make_token(generate_key().get(), claims("old"))), refusal::bad_signature);
}

TEST_F(verifier_test, any_changed_character_is_refused) {
  const auto token = make_token(old_key.get(), claims());
  for (std::size_t i = 0; i < token.size(); ++i) {
    std::string t = token;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    const auto r = check(t);
    ASSERT_TRUE(r) << "changed at " << i;
    EXPECT_TRUE(*r == refusal::unreadable || *r == refusal::bad_signature ||
                *r == refusal::unknown_key)
        << "changed at " << i << ": " << to_string(*r);
  }
}

TEST_F(verifier_test, a_tampered_subject_with_a_valid_form_is_a_bad_signature) {
  const auto good = make_token(old_key.get(), claims());
  auto other = claims();
  other.subject = "R-2";
  const auto sig = good.substr(good.rfind('.'));
  EXPECT_EQ(check(signed_text(other) + sig), refusal::bad_signature);
  EXPECT_EQ(check("garbage"), refusal::unreadable);
}

TEST_F(verifier_test, rotation_old_key_works_until_its_not_after) {
  const auto old_token = make_token(old_key.get(), claims("old"));
  const auto new_token = make_token(new_key.get(), claims("new"));
  // The overlap: both keys are good.
  EXPECT_FALSE(check(old_token, t0 + seconds{60}));
  EXPECT_FALSE(check(new_token, t0 + seconds{60}));
  // After the old key's not_after, a token it signed is refused even inside its own window.
  auto late = claims("old");
  late.not_after = 1'800'086'400;
  const auto late_token = make_token(old_key.get(), late);
  EXPECT_FALSE(check(late_token, t0 + seconds{7200}));
  EXPECT_EQ(check(late_token, t0 + seconds{7201}), refusal::key_retired);
  auto late_new = late;
  late_new.key_id = "new";
  EXPECT_FALSE(check(make_token(new_key.get(), late_new), t0 + seconds{7201}));
}

TEST(token_keys, parse_public_key) {
  const auto key = generate_key();
  const auto text = public_key_base64(key.get());
  EXPECT_EQ(text.size(), 44U);
  ASSERT_TRUE(parse_public_key(text));
  EXPECT_EQ(*parse_public_key(text), raw_public(key.get()));
  EXPECT_FALSE(parse_public_key(""));
  EXPECT_FALSE(parse_public_key(text.substr(0, 40)));
  EXPECT_FALSE(parse_public_key("not base64 at all!"));
  EXPECT_FALSE(parse_public_key(base64_encode(bytes(31, 1))));
  EXPECT_FALSE(parse_public_key(base64_encode(bytes(33, 1))));
}

TEST(token_keys, pem_round_trip_and_key_ids) {
  const auto key = generate_key();
  const auto again = load_private_key_pem(private_key_pem(key.get()));
  EXPECT_EQ(raw_public(again.get()), raw_public(key.get()));
  EXPECT_THROW(static_cast<void>(load_private_key_pem("nonsense")), std::runtime_error);
  EXPECT_TRUE(valid_key_id("2026-12"));
  EXPECT_TRUE(valid_key_id("K.a_b-1"));
  EXPECT_FALSE(valid_key_id(""));
  EXPECT_FALSE(valid_key_id("a b"));
  EXPECT_FALSE(valid_key_id(std::string(33, 'a')));
  auto c = claims();
  c.subject = "";
  EXPECT_THROW(static_cast<void>(make_token(key.get(), c)), std::invalid_argument);
}

}  // namespace
