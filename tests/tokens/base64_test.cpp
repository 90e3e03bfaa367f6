// SPDX-License-Identifier: Apache-2.0
// The tokens' base64: RFC 4648's test vectors, and one spelling per value (no padding in
// base64url, padding in standard base64, no stray bits, no foreign characters).
#include "daemon/tokens/base64.hpp"

#include <gtest/gtest.h>

namespace {

using namespace locker::tokens;

bytes b(std::string_view s) { return bytes(s.begin(), s.end()); }

TEST(base64, rfc4648_vectors) {
  const std::pair<std::string_view, std::string_view> vectors[] = {{"", ""},
                                                                   {"f", "Zg=="},
                                                                   {"fo", "Zm8="},
                                                                   {"foo", "Zm9v"},
                                                                   {"foob", "Zm9vYg=="},
                                                                   {"fooba", "Zm9vYmE="},
                                                                   {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, coded] : vectors) {
    EXPECT_EQ(base64_encode(b(plain)), coded);
    EXPECT_EQ(base64_decode(coded), b(plain)) << coded;
    std::string url(coded);
    url.erase(url.find_last_not_of('=') + 1);
    EXPECT_EQ(base64url_encode(b(plain)), url);
    EXPECT_EQ(base64url_decode(url), b(plain)) << url;
  }
}

TEST(base64, url_alphabet_and_no_padding) {
  const bytes v{0xfb, 0xff};
  EXPECT_EQ(base64url_encode(v), "-_8");
  EXPECT_EQ(base64_encode(v), "+/8=");
  EXPECT_FALSE(base64url_decode("+/8"));
  EXPECT_FALSE(base64url_decode("-_8="));
  EXPECT_FALSE(base64_decode("-_8="));
  EXPECT_FALSE(base64_decode("+/8"));  // standard base64 is padded
}

TEST(base64, refuses_what_has_two_spellings_or_none) {
  EXPECT_FALSE(base64url_decode("Zh"));  // stray bits: "Zg" is the one spelling of "f"
  EXPECT_FALSE(base64_decode("Zh=="));
  EXPECT_FALSE(base64url_decode("Z"));  // a lone sixth holds no byte
  EXPECT_FALSE(base64url_decode("Zm9v Yg"));
  EXPECT_FALSE(base64url_decode("Zm9v\nYg"));
  EXPECT_FALSE(base64_decode("Zg="));
  EXPECT_FALSE(base64_decode("Z==="));
  EXPECT_FALSE(base64_decode("Zg==Zg=="));
  EXPECT_FALSE(base64_decode("=Zg="));
}

}  // namespace
