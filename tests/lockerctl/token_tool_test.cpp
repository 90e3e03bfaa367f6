// SPDX-License-Identifier: Apache-2.0
// `lockerctl token`: keygen writes a private key (never over a file) and prints the public key
// the config takes; make prints a token the locker's verifier accepts, for the right parcel and
// window; usage mistakes are exit 2 and name the option.
#include "tools/lockerctl/token_tool.hpp"

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "daemon/tokens/verifier.hpp"

namespace locker::ctl {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const auto now = std::chrono::system_clock::time_point{std::chrono::seconds{1'800'000'000}};

struct token_tool : ::testing::Test {
  fs::path dir =
      fs::temp_directory_path() / ("lockerctl-token-" + std::to_string(::getpid()) + "-" +
                                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::ostringstream out, err;
  void SetUp() override {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }
  int run(std::vector<std::string> args) {
    out.str("");
    err.str("");
    return run_token_command(args, out, err, now);
  }
};

TEST_F(token_tool, keygen_then_make_gives_a_token_the_locker_accepts) {
  const auto pem = (dir / "k.pem").string();
  ASSERT_EQ(run({"keygen", "--out", pem}), 0) << err.str();
  std::string public_key = out.str();
  ASSERT_EQ(public_key.back(), '\n');
  public_key.pop_back();
  EXPECT_EQ(fs::status(pem).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_THAT(err.str(), HasSubstr("public_key = \"" + public_key + "\""));
  const auto raw = tokens::parse_public_key(public_key);
  ASSERT_TRUE(raw);

  ASSERT_EQ(run({"make", "--key", pem, "--key-id", "k1", "--locker", "locker-1", "--reservation",
                 "R-1", "--valid-for", "2h"}),
            0)
      << err.str();
  std::string token = out.str();
  token.pop_back();
  const tokens::verifier v({{"k1", *raw, std::nullopt}}, "locker-1");
  const auto r = v.verify(token, now);
  EXPECT_FALSE(r.refused);
  EXPECT_EQ(r.claims.kind, tokens::token_kind::pickup_reservation);
  EXPECT_EQ(r.claims.subject, "R-1");
  // From five minutes ago, for two hours from now.
  EXPECT_EQ(r.claims.not_before, 1'800'000'000U - 300U);
  EXPECT_EQ(r.claims.not_after, 1'800'000'000U + 7200U);
  EXPECT_EQ(v.verify(token, now + std::chrono::hours{3}).refused, tokens::refusal::expired);

  ASSERT_EQ(run({"make", "--key", pem, "--key-id", "k1", "--locker", "locker-1", "--tracking",
                 "JJD0001", "--not-before", "2027-01-15T12:00:00Z", "--valid-for", "1d"}),
            0);
  const auto later = tokens::decode_token(out.str().substr(0, out.str().size() - 1));
  ASSERT_TRUE(later);
  EXPECT_EQ(later->claims.kind, tokens::token_kind::pickup_tracking);
  EXPECT_EQ(later->claims.not_after - later->claims.not_before, 86400U);
  // Two tokens for one parcel differ: each has its own nonce.
  EXPECT_NE(later->claims.nonce, r.claims.nonce);
}

TEST_F(token_tool, keygen_never_writes_over_a_file) {
  const auto pem = (dir / "k.pem").string();
  ASSERT_EQ(run({"keygen", "--out", pem}), 0);
  const auto first = fs::file_size(pem);
  EXPECT_EQ(run({"keygen", "--out", pem}), 1);
  EXPECT_THAT(err.str(), HasSubstr("exists already"));
  EXPECT_EQ(fs::file_size(pem), first);
}

TEST_F(token_tool, usage_mistakes) {
  const auto pem = (dir / "k.pem").string();
  ASSERT_EQ(run({"keygen", "--out", pem}), 0);
  const std::vector<std::string> base{"make", "--key", pem, "--key-id", "k1", "--locker", "l-1"};
  auto with = [&](std::vector<std::string> more) {
    auto a = base;
    a.insert(a.end(), more.begin(), more.end());
    return a;
  };
  EXPECT_EQ(run(base), 2);
  EXPECT_THAT(err.str(), HasSubstr("--reservation R or --tracking T"));
  EXPECT_EQ(run(with({"--reservation", "R", "--tracking", "T"})), 2);
  EXPECT_EQ(run(with({"--reservation", "R", "--valid-for", "1y"})), 2);
  EXPECT_THAT(err.str(), HasSubstr("--valid-for"));
  EXPECT_EQ(run(with({"--reservation", "R", "--not-before", "tomorrow"})), 2);
  EXPECT_EQ(run(with({"--reservation", "has space"})), 2);
  EXPECT_EQ(run(with({"--reservation", "R", "--colour", "red"})), 2);
  EXPECT_THAT(err.str(), HasSubstr("unknown option --colour"));
  EXPECT_EQ(
      run({"make", "--key", pem, "--key-id", "k1", "--locker", "Bad_Id", "--reservation", "R"}), 2);
  EXPECT_EQ(run({"make", "--key-id", "k1", "--locker", "l-1", "--reservation", "R"}), 2);
  EXPECT_THAT(err.str(), HasSubstr("--key is required"));
  EXPECT_EQ(run({"make", "--key", (dir / "missing.pem").string(), "--key-id", "k1", "--locker",
                 "l-1", "--reservation", "R"}),
            1);
  EXPECT_EQ(run({"sign"}), 2);
  EXPECT_EQ(run({"--help"}), 0);
  EXPECT_THAT(out.str(), HasSubstr("lockerctl token make"));
}

}  // namespace
}  // namespace locker::ctl
