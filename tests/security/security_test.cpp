// SPDX-License-Identifier: Apache-2.0
#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/security/random.hpp"
#include "daemon/security/secret_key.hpp"

namespace locker::security {
namespace {

namespace fs = std::filesystem;

// A fresh state directory per test, removed afterwards.
class key_file_test : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() /
           ("locker-security-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  [[nodiscard]] fs::path key_path() const { return dir_ / "secret.key"; }

  fs::path dir_;
};

std::array<std::byte, 32> key_bytes(const secret_key& k) {
  std::array<std::byte, 32> out{};
  std::copy(k.bytes().begin(), k.bytes().end(), out.begin());
  return out;
}

TEST_F(key_file_test, created_with_0600_and_32_bytes) {
  secret_key key = load_or_create_key(dir_);
  struct stat st {};
  ASSERT_EQ(::stat(key_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  EXPECT_FALSE(fs::exists(dir_ / "secret.key.tmp"));
  EXPECT_NE(key_bytes(key), (std::array<std::byte, 32>{}));
}

TEST_F(key_file_test, reused_on_second_start) {
  auto first = key_bytes(load_or_create_key(dir_));
  auto second = key_bytes(load_or_create_key(dir_));
  EXPECT_EQ(first, second);
}

TEST_F(key_file_test, stale_temp_file_does_not_block_creation) {
  std::ofstream(dir_ / "secret.key.tmp") << "half";
  EXPECT_NO_THROW((void)load_or_create_key(dir_));
  EXPECT_EQ(fs::file_size(key_path()), 32u);
}

TEST_F(key_file_test, refused_when_group_or_others_can_read) {
  (void)load_or_create_key(dir_);
  fs::permissions(key_path(), fs::perms(0644));
  try {
    (void)load_or_create_key(dir_);
    FAIL() << "a 0644 key file was accepted";
  } catch (const security_error& e) {
    EXPECT_NE(std::string(e.what()).find(key_path().string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("0644"), std::string::npos) << e.what();
  }
}

TEST_F(key_file_test, refused_with_wrong_size) {
  {
    std::ofstream out(key_path(), std::ios::binary);
    out << std::string(31, 'k');
  }
  fs::permissions(key_path(), fs::perms(0600));
  try {
    (void)load_or_create_key(dir_);
    FAIL() << "a 31-byte key file was accepted";
  } catch (const security_error& e) {
    EXPECT_NE(std::string(e.what()).find(key_path().string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("31 bytes"), std::string::npos) << e.what();
  }
}

TEST_F(key_file_test, refused_when_not_a_regular_file) {
  fs::create_directory(key_path());
  EXPECT_THROW((void)load_or_create_key(dir_), security_error);
}

TEST(keyed_hash, hmac_matches_rfc4231_test_cases) {
  // RFC 4231 test case 1: key = 20 x 0x0b, data = "Hi There".
  std::array<std::byte, 20> key1{};
  key1.fill(std::byte{0x0b});
  EXPECT_EQ(hmac_sha256_hex(key1, {"Hi There"}),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  // Test case 2: key = "Jefe"; data split in parts hashes as the concatenation.
  const std::array<std::byte, 4> key2{std::byte{'J'}, std::byte{'e'}, std::byte{'f'},
                                      std::byte{'e'}};
  EXPECT_EQ(hmac_sha256_hex(key2, {"what do ya want ", "for nothing?"}),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

secret_key fixed_key(std::uint8_t fill) {
  std::array<std::byte, 32> b{};
  b.fill(std::byte{fill});
  return secret_key{b};
}

TEST(keyed_hash, is_hmac_over_purpose_nul_secret) {
  secret_key key = fixed_key(7);
  EXPECT_EQ(keyed_hash(key, "pickup_code", "12345678"),
            hmac_sha256_hex(key.bytes(), {std::string("pickup_code\0"
                                                      "12345678",
                                                      20)}));
  EXPECT_EQ(keyed_hash(key, "pickup_code", "12345678").size(), 64u);
}

TEST(keyed_hash, stored_hashes_never_change) {
  // Pinned (computed with `openssl dgst -sha256 -mac HMAC`): every database on file holds
  // these, so a change here would lock out every courier and recipient.
  const secret_key key = fixed_key(7);
  EXPECT_EQ(pickup_code_hash(key, "48213957"),
            "c025abf9352ca55a6653aa6da2500078dbaf498580612a8bd9d86934616a0a41");
  EXPECT_EQ(courier_pin_hash(key, "12345678"),
            "af4afe4a2e861da97e500bd481228c03c3cfd9eee410209ebd9469237d3f5ff7");
  EXPECT_NE(pickup_code_hash(key, "12345678"), courier_pin_hash(key, "12345678"));
  EXPECT_EQ(courier_badge_hash(key, "123:45678"),
            "0192a603a7d19c1906364549a1b8c7504d77570f116f8241d939534e560ad533");
  EXPECT_NE(courier_badge_hash(key, "12345678"), courier_pin_hash(key, "12345678"));
}

TEST(keyed_hash, the_same_after_many_uses_and_after_a_move) {
  // Each hash works on a copy of the keyed context: one use leaves nothing for the next.
  secret_key key = fixed_key(7);
  const std::string first = keyed_hash(key, "pickup_code", "12345678");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(keyed_hash(key, "pickup_code", "12345678"), first);
  secret_key moved = std::move(key);
  EXPECT_EQ(keyed_hash(moved, "pickup_code", "12345678"), first);
  EXPECT_THROW((void)keyed_hash(key, "pickup_code", "12345678"), security_error);  // NOLINT
}

TEST(keyed_hash, purposes_and_keys_separate) {
  secret_key key = fixed_key(7);
  const std::string code = keyed_hash(key, "pickup_code", "123456");
  EXPECT_EQ(code, keyed_hash(key, "pickup_code", "123456"));
  EXPECT_NE(code, keyed_hash(key, "courier_pin", "123456"));
  EXPECT_NE(code, keyed_hash(fixed_key(8), "pickup_code", "123456"));
  // The separator keeps the boundary: ("ab", "c") differs from ("a", "bc").
  EXPECT_NE(keyed_hash(key, "ab", "c"), keyed_hash(key, "a", "bc"));
}

TEST(keyed_hash, moved_from_key_is_cleansed) {
  secret_key a = fixed_key(9);
  secret_key b = std::move(a);
  EXPECT_EQ(key_bytes(a), (std::array<std::byte, 32>{}));  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(key_bytes(b)[0], std::byte{9});
}

TEST(same_hash, compares_content_and_length) {
  EXPECT_TRUE(same_hash("abcdef", "abcdef"));
  EXPECT_FALSE(same_hash("abcdef", "abcdeg"));
  EXPECT_FALSE(same_hash("abcdef", "abcde"));
  EXPECT_FALSE(same_hash("", "a"));
  EXPECT_TRUE(same_hash("", ""));
}

TEST(matching_hashes, finds_every_match_not_only_the_first) {
  const std::vector<std::string> candidates{"aa", "bb", "aa", "a", ""};
  EXPECT_EQ(matching_hashes(candidates, "aa"), (std::vector<std::size_t>{0, 2}));
  EXPECT_EQ(matching_hashes(candidates, "bb"), (std::vector<std::size_t>{1}));
  EXPECT_TRUE(matching_hashes(candidates, "cc").empty());
  EXPECT_TRUE(matching_hashes({}, "aa").empty());
}

TEST(random_digits, length_and_alphabet) {
  for (int n : {0, 1, 6, 8, 10, 100}) {
    std::string d = random_digits(n);
    EXPECT_EQ(d.size(), static_cast<std::size_t>(n));
    EXPECT_EQ(d.find_first_not_of("0123456789"), std::string::npos) << d;
  }
  EXPECT_THROW((void)random_digits(-1), std::invalid_argument);
  EXPECT_NE(random_digits(20), random_digits(20));
}

TEST(random_digits, roughly_uniform) {
  constexpr int n = 1'000'000;
  std::array<int, 10> counts{};
  for (char c : random_digits(n)) ++counts[static_cast<std::size_t>(c - '0')];
  double chi2 = 0;
  for (int c : counts) {
    const double expected = n / 10.0;
    chi2 += (c - expected) * (c - expected) / expected;
  }
  // 9 degrees of freedom: P(chi2 > 60) is about 1e-9, so this never flakes, while a plain
  // byte % 10 (digits 0-5 favoured 26:25) gives chi2 near 365 at this size.
  EXPECT_LT(chi2, 60.0) << "digit counts are not uniform";
}

// std::regex would do, but GCC 12 warns (maybe-uninitialized) inside <regex> when optimising.
bool is_uuid_v4(std::string_view u) {
  if (u.size() != 36) return false;
  for (std::size_t i = 0; i < u.size(); ++i) {
    const char c = u[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return u[14] == '4' && std::string_view("89ab").find(u[19]) != std::string_view::npos;
}

TEST(uuid_v4, format_and_uniqueness) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string u = uuid_v4();
    EXPECT_TRUE(is_uuid_v4(u)) << u;
    seen.insert(u);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

}  // namespace
}  // namespace locker::security
