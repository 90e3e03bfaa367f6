// SPDX-License-Identifier: Apache-2.0
// The log sink: one line per message whatever the text holds, so a string from outside (a
// command's req_id, a topic) can neither forge a line of its own nor send terminal escapes.
#include "daemon/log/log.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

namespace {

using locker::log::printable;

TEST(log_printable, passes_printable_ascii_and_utf8) {
  EXPECT_EQ(printable("compartment 13 opened"), "compartment 13 opened");
  EXPECT_EQ(printable("Zustellung f\xc3\xbcr Fach 3 \xe2\x9c\x93"),
            "Zustellung f\xc3\xbcr Fach 3 \xe2\x9c\x93");
  EXPECT_EQ(printable("\xf0\x9f\x93\xa6"), "\xf0\x9f\x93\xa6");  // U+1F4E6, four bytes
}

TEST(log_printable, escapes_line_breaks_and_controls) {
  EXPECT_EQ(printable("u5\n<0>lockerd: FORGED LOG LINE"), "u5\\n<0>lockerd: FORGED LOG LINE");
  EXPECT_EQ(printable("a\rb\tc"), "a\\rb\\tc");
  EXPECT_EQ(printable("\x1b[2J\x1b]0;title\x07"), "\\x1b[2J\\x1b]0;title\\x07");
  EXPECT_EQ(printable(std::string("nul\0here", 8)), "nul\\x00here");
  EXPECT_EQ(printable("del\x7f"), "del\\x7f");
}

TEST(log_printable, escapes_the_backslash_so_escapes_are_unambiguous) {
  EXPECT_EQ(printable("a\\nb"), "a\\\\nb");
}

TEST(log_printable, escapes_c1_controls_and_invalid_utf8) {
  EXPECT_EQ(printable("x\xc2\x9b"
                      "2Jy"),
            "x\\u009b2Jy");                                          // CSI as a UTF-8 C1 control
  EXPECT_EQ(printable("\xc2\xa0"), "\xc2\xa0");                      // U+00A0 is printable
  EXPECT_EQ(printable("\x9b"), "\\x9b");                             // a lone continuation byte
  EXPECT_EQ(printable("\xc3"), "\\xc3");                             // truncated sequence
  EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf");                    // overlong '/'
  EXPECT_EQ(printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");           // a UTF-16 surrogate
  EXPECT_EQ(printable("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // above U+10FFFF
}

// What write() puts on stderr, captured through a temporary file.
std::string captured_line(locker::log::level l, std::string_view component, std::string_view text) {
  std::fflush(stderr);
  char path[] = "/tmp/log_test_XXXXXX";
  const int fd = ::mkstemp(path);
  EXPECT_GE(fd, 0);
  const int saved = ::dup(STDERR_FILENO);
  ::dup2(fd, STDERR_FILENO);
  locker::log::write(l, component, text);
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  ::close(fd);
  std::ifstream in(path, std::ios::binary);
  std::ostringstream all;
  all << in.rdbuf();
  ::unlink(path);
  return all.str();
}

TEST(log_write, a_forged_line_in_a_message_stays_on_its_own_line) {
  locker::log::use_syslog_prefixes(true);
  const auto out = captured_line(locker::log::level::warning, "commands",
                                 "bad request u5\n<0>lockerd: FORGED LOG LINE");
  locker::log::use_syslog_prefixes(false);
  EXPECT_EQ(out, "<4>commands: bad request u5\\n<0>lockerd: FORGED LOG LINE\n");
}

TEST(log_write, the_component_is_escaped_too) {
  const auto out = captured_line(locker::log::level::error, "x\ny", "text");
  EXPECT_EQ(out, "error x\\ny: text\n");
}

}  // namespace
