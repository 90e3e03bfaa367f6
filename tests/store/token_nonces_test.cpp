// SPDX-License-Identifier: Apache-2.0
// The used tokens' nonces: each taken once, kept until its token's not_after has passed, then
// pruned; a second use of one nonce is a constraint error (the transaction rolls back).
#include <chrono>

#include <gtest/gtest.h>

#include "daemon/store/store.hpp"
#include "tests/store/temp_dir.hpp"

namespace locker::store {
namespace {

const wall_time nonces_t0 = wall_time{std::chrono::seconds{1'800'000'000}};

class token_nonces_test : public testing::temp_dir_test {
 protected:
  void SetUp() override {
    temp_dir_test::SetUp();
    st_.emplace(db_path());
  }
  void add(const char* nonce, std::int64_t not_after) {
    transaction tx(st_->db());
    st_->token_nonces().add(tx, nonce, "k1", not_after, nonces_t0);
    tx.commit();
  }
  std::optional<store> st_;
};

TEST_F(token_nonces_test, a_nonce_is_used_once) {
  EXPECT_FALSE(st_->token_nonces().used("aa"));
  add("aa", 100);
  EXPECT_TRUE(st_->token_nonces().used("aa"));
  EXPECT_FALSE(st_->token_nonces().used("ab"));
  try {
    add("aa", 200);
    ADD_FAILURE() << "a nonce was taken twice";
  } catch (const store_error& e) {
    EXPECT_TRUE(e.is_constraint());
  }
  EXPECT_EQ(st_->token_nonces().count(), 1);
}

TEST_F(token_nonces_test, prune_forgets_only_the_tokens_past_their_window) {
  add("aa", 100);
  add("bb", 200);
  add("cc", 300);
  transaction tx(st_->db());
  EXPECT_EQ(st_->token_nonces().prune(tx, 200), 1);
  tx.commit();
  EXPECT_FALSE(st_->token_nonces().used("aa"));
  EXPECT_TRUE(st_->token_nonces().used("bb"));
  EXPECT_TRUE(st_->token_nonces().used("cc"));
}

}  // namespace
}  // namespace locker::store
