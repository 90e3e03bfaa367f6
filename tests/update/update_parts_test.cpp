// SPDX-License-Identifier: Apache-2.0
// The pure parts of daemon/update: versions, bundle URLs, a bundle's layout, and what the
// RAUC command line prints.
#include <gtest/gtest.h>

#include "daemon/update/bundle.hpp"
#include "daemon/update/fetch.hpp"
#include "daemon/update/rauc_output.hpp"
#include "daemon/update/version.hpp"

namespace locker::update {
namespace {

std::strong_ordering order(std::string_view a, std::string_view b) {
  const auto x = parse_version(a);
  const auto y = parse_version(b);
  EXPECT_TRUE(x && y) << a << " / " << b;
  return compare(*x, *y);
}

TEST(update_version, orders_numbers_numerically_and_releases_after_pre_releases) {
  EXPECT_EQ(order("0.2.0", "0.1.0"), std::strong_ordering::greater);
  EXPECT_EQ(order("0.10.0", "0.9.9"), std::strong_ordering::greater);
  EXPECT_EQ(order("1.2", "1.2.0"), std::strong_ordering::equal);
  EXPECT_EQ(order("1.2.0+build7", "1.2.0"), std::strong_ordering::equal);
  EXPECT_EQ(order("1.2.0-rc1", "1.2.0"), std::strong_ordering::less);
  EXPECT_EQ(order("1.2.0-rc2", "1.2.0-rc1"), std::strong_ordering::greater);
  EXPECT_EQ(order("0.0.9", "0.1.0"), std::strong_ordering::less);
}

TEST(update_version, refuses_what_is_not_a_version) {
  for (const auto* bad : {"", "v1.2", "1..2", "1.2.", "1.2.3.4.5", "1.x", "1.2-", "1234567890"})
    EXPECT_FALSE(parse_version(bad)) << bad;
}

TEST(update_url, takes_https_and_local_files_only) {
  auto s = parse_bundle_url("https://updates.example.com/b/1.raucb?token=x#frag");
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->type, bundle_source::kind::https);
  EXPECT_EQ(s->host, "updates.example.com");
  EXPECT_EQ(s->port, "443");
  EXPECT_EQ(s->target, "/b/1.raucb?token=x");
  s = parse_bundle_url("https://[::1]:8443/x");
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->host, "::1");
  EXPECT_EQ(s->port, "8443");
  s = parse_bundle_url("https://127.0.0.1:9");
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->target, "/");
  s = parse_bundle_url("file:///var/tmp/b.raucb");
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->type, bundle_source::kind::local);
  EXPECT_EQ(s->path, "/var/tmp/b.raucb");
  s = parse_bundle_url("/var/tmp/b.raucb");
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->path, "/var/tmp/b.raucb");

  EXPECT_NE(parse_bundle_url("http://x/b").error().find("plain http"), std::string::npos);
  for (const auto* bad : {"ftp://x/b", "b.raucb", "file://relative/b", "https://user:pw@x/b",
                          "https://x:0/b", "https://x:99999/b", "https://x:/b", "https:///b",
                          "https://[::1/b", "https://a b/c", "https://[zz]/b"})
    EXPECT_FALSE(parse_bundle_url(bad)) << bad;
}

std::array<std::byte, bundle_trailer_size> trailer(std::uint64_t n) {
  std::array<std::byte, bundle_trailer_size> t{};
  for (int i = 7; i >= 0; --i, n >>= 8) t[static_cast<std::size_t>(i)] = std::byte(n & 0xff);
  return t;
}

TEST(update_bundle_layout, image_then_signature_then_its_size_big_endian) {
  const auto l = read_bundle_layout(8192 + 1300 + 8, trailer(1300));
  ASSERT_TRUE(l) << l.error();
  EXPECT_EQ(l->image_size, 8192u);
  EXPECT_EQ(l->signature_size, 1300u);
  EXPECT_FALSE(read_bundle_layout(8192 + 1300 + 8, trailer(0)));
  EXPECT_FALSE(read_bundle_layout(8192 + 1300 + 8, trailer(1301)));    // image not 4 KiB blocks
  EXPECT_FALSE(read_bundle_layout(4096 + 70000 + 8, trailer(70000)));  // signature too large
  EXPECT_FALSE(read_bundle_layout(100, trailer(50)));
  EXPECT_FALSE(read_bundle_layout(8192 + 8, trailer(~0ULL)));
}

TEST(update_rauc_output, reads_the_manifest_from_rauc_info_json) {
  const auto m = parse_rauc_info(
      R"({"compatible":"locker-test","version":"0.2.0","description":null,"images":[]})");
  ASSERT_TRUE(m) << m.error();
  EXPECT_EQ(m->compatible, "locker-test");
  EXPECT_EQ(m->version, "0.2.0");
  EXPECT_FALSE(parse_rauc_info("rauc-Message: hello"));
  EXPECT_NE(parse_rauc_info(R"({"compatible":"x"})").error().find("version"), std::string::npos);
  EXPECT_FALSE(parse_rauc_info(R"({"compatible":"x","version":7})"));
}

TEST(update_rauc_output, reads_install_percentages) {
  auto p = parse_install_line(" 40% Copying image to rootfs.1");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->percent, 40);
  EXPECT_EQ(p->step, "Copying image to rootfs.1");
  p = parse_install_line("\x1b[J100% Installing done.");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->percent, 100);
  EXPECT_FALSE(parse_install_line("installing `/x.raucb` succeeded"));
  EXPECT_FALSE(parse_install_line("101% too much"));
  EXPECT_FALSE(parse_install_line("40%no space"));
}

}  // namespace
}  // namespace locker::update
