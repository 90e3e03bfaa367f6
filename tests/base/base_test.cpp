// SPDX-License-Identifier: Apache-2.0
// The ownership helpers every layer uses: a liveness token dies with its owner, a C handle is
// freed once by its own function, an fd is closed however its owner goes.
#include <cerrno>
#include <memory>
#include <optional>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "base/c_handle.hpp"
#include "base/liveness.hpp"
#include "base/unique_fd.hpp"

namespace locker::base {
namespace {

TEST(liveness, a_token_is_alive_while_its_owner_lives) {
  std::optional<liveness> owner(std::in_place);
  const auto token = owner->token();
  EXPECT_TRUE(token);
  EXPECT_TRUE(token.alive());
  owner.reset();
  EXPECT_FALSE(token);
}

TEST(liveness, end_kills_every_token_before_the_owner_goes) {
  liveness owner;
  const auto before = owner.token();
  owner.end();
  EXPECT_FALSE(before);
  EXPECT_FALSE(owner.token());
}

TEST(liveness, a_default_token_has_no_owner) { EXPECT_FALSE(liveness_token{}); }

int frees = 0;
struct thing {};
void free_thing(thing* t) {
  ++frees;
  delete t;
}
int close_thing(thing* t) {  // a free function that returns a result, as sqlite3_close_v2
  ++frees;
  delete t;
  return 0;
}

TEST(c_handle, frees_once_with_the_libraries_function) {
  frees = 0;
  {
    c_handle<thing, free_thing> h(new thing);
    auto moved = std::move(h);
    EXPECT_EQ(h, nullptr);  // NOLINT(bugprone-use-after-move): what a move leaves
  }
  EXPECT_EQ(frees, 1);
  { c_handle<thing, close_thing> h(new thing); }
  EXPECT_EQ(frees, 2);
}

TEST(c_handle, a_null_handle_is_not_freed) {
  frees = 0;
  { c_handle<thing, free_thing> h; }
  EXPECT_EQ(frees, 0);
}

bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1 || errno != EBADF; }

TEST(unique_fd, closes_when_it_goes) {
  int raw = -1;
  {
    unique_fd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(fd.valid());
    raw = fd.get();
    EXPECT_TRUE(is_open(raw));
  }
  EXPECT_FALSE(is_open(raw));
}

TEST(unique_fd, moves_and_releases_without_closing) {
  unique_fd a(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  const int raw = a.get();
  unique_fd b(std::move(a));
  EXPECT_FALSE(a.valid());  // NOLINT(bugprone-use-after-move): what a move leaves
  EXPECT_EQ(b.get(), raw);
  unique_fd c;
  c = std::move(b);
  EXPECT_EQ(c.get(), raw);
  const int released = c.release();
  EXPECT_FALSE(c.valid());
  EXPECT_TRUE(is_open(released));
  ::close(released);
}

TEST(unique_fd, close_reports_and_forgets) {
  unique_fd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  const int raw = fd.get();
  EXPECT_EQ(fd.close(), 0);
  EXPECT_FALSE(fd.valid());
  EXPECT_FALSE(is_open(raw));
  EXPECT_EQ(fd.close(), 0);  // nothing held: nothing to report
  EXPECT_FALSE(unique_fd(-1).valid());
}

}  // namespace
}  // namespace locker::base
