// SPDX-License-Identifier: Apache-2.0
// The guard in front of toml++ (drivers/board_file/toml_guard): the inputs that trip the
// packaged parser are refused with a line number and a reason before it sees them, through
// the loaders lockerd uses; valid files, the shipped ones included, are never refused.
#include "drivers/board_file/toml_guard.hpp"

#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "daemon/config/config.hpp"
#include "drivers/board_file/board_file.hpp"
#include "drivers/board_file/toml_file.hpp"

namespace locker::drivers::toml_file {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

TEST(toml_guard, a_header_without_a_key_is_refused_with_its_line) {
  // The reproducers of the parse_key assertion: '[' then '=', a comment, the line's end.
  // "[[[[[" came from CI's fuzz run (a third '[' after an array header's "[[").
  for (const std::string text :
       {"[=]\n", "a = 1\n\n[ # x\n", "[\n", "[[ +]]\n", "x = 1\n[.a]\n", "[[[[[", "[[ [a]]\n"}) {
    const auto why = refusal(text);
    ASSERT_TRUE(why) << text;
    EXPECT_THAT(*why, HasSubstr("a table header must start with a key")) << text;
  }
  EXPECT_THAT(*refusal("a = 1\n\n[ # x\n"), HasSubstr("line 3:"));
}

TEST(toml_guard, a_brace_inside_an_array_is_refused_with_its_line) {
  // "s=[}" came from CI's fuzz run: the parser takes the '}' for a value and trips the
  // assertion in parse_value (a clear error only where assertions are compiled out).
  for (const std::string text : {"s=[}", "s = [1, }\n", "s = {a = [ }}\n", "s = [[}]]\n"}) {
    const auto why = refusal(text);
    ASSERT_TRUE(why) << text;
    EXPECT_THAT(*why, HasSubstr("a '}' inside an array")) << text;
  }
  EXPECT_THAT(refusal("a = 1\nb = [\n  1,\n}\n").value_or(""), HasSubstr("line 4:"));
  // Braces in arrays of inline tables, and in strings and comments, are fine.
  EXPECT_FALSE(refusal("s = [ {a = 1}, {b = [2]} ]\nt = [\"}\", '}'] # }\n"));
}

TEST(toml_guard, non_ascii_anywhere_is_refused) {
  const auto why = refusal("a = 1\nb\xc2\xa0= 2\n");  // a no-break space between key and '='
  ASSERT_TRUE(why);
  EXPECT_THAT(*why, HasSubstr("line 2: a non-ASCII character"));
  // In strings and comments too: CI's fuzz run reached the Unicode tables' undefined
  // behaviour through an invalid value followed by a string.
  EXPECT_THAT(refusal("try_s = 30kRR:::::bbbbbim\"\xc5\xa8R = \"").value_or(""),
              HasSubstr("line 1: a non-ASCII character"));
  EXPECT_TRUE(refusal("name = \"Zo\xc3\xab\"\n"));
  EXPECT_THAT(refusal("a = 1\n# caf\xc3\xa9\n").value_or(""), HasSubstr("line 2:"));
}

TEST(toml_guard, valid_shapes_near_the_pattern_are_let_through) {
  EXPECT_FALSE(refusal("[a]\nx = 1\n[[b]]\n[ \"quoted key\" ]\n[ 'lit' . c ]\n[ -dash ]\n"));
  // Arrays that start a line inside a value are values, not headers.
  EXPECT_FALSE(refusal("a = [\n[ +1 ],\n[ {x = 1} ],\n]\n"));
  // A header-looking line inside multi-line strings.
  EXPECT_FALSE(refusal("s = \"\"\"\n[ = not a header\n\"\"\"\nt = '''\n[=\n'''\n"));
  EXPECT_FALSE(refusal("k = \"[=\" # [=\n"));
  // What the parser itself reports is left to it (a clear syntax error, no assertion).
  EXPECT_FALSE(refusal("[ ]\n"));
  EXPECT_FALSE(refusal("[ [a]]\n"));
  EXPECT_FALSE(refusal("["));
}

TEST(toml_guard, the_shipped_files_pass) {
  const fs::path root = LOCKER_SOURCE_DIR;
  int seen = 0;
  for (const auto& dir : {root / "config", root / "config" / "boards"}) {
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().extension() != ".toml") continue;
      std::ifstream in(entry.path(), std::ios::binary);
      const std::string text{std::istreambuf_iterator<char>(in), {}};
      EXPECT_FALSE(refusal(text)) << entry.path() << ": " << refusal(text).value_or("");
      ++seen;
    }
  }
  EXPECT_GE(seen, 4);
}

class guard_files : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("lockerd-toml-guard-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path write(const std::string& name, const std::string& text) {
    auto p = dir_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  fs::path dir_;
};

TEST_F(guard_files, the_board_loader_refuses_a_reproducer_naming_the_file) {
  const auto p = write("board.toml", "hardware = \"sim\"\n[=]\n");
  try {
    (void)load_board(p);
    FAIL() << "loaded";
  } catch (const config_error& e) {
    EXPECT_EQ(e.file(), p.string());
    EXPECT_THAT(e.reason(), HasSubstr("refused before parsing: line 2: a table header"));
  }
}

TEST_F(guard_files, a_file_past_the_bound_is_refused_without_reading_it_all) {
  const auto p = write("huge.toml", "a = \"" + std::string(max_file_bytes, 'x') + "\"\n");
  try {
    (void)parse_file(context{p.string()}, p);
    FAIL() << "parsed";
  } catch (const config_error& e) {
    EXPECT_THAT(e.reason(), HasSubstr("too large: more than 1048576 bytes"));
  }
  const auto small = write("small.toml", "a = \"" + std::string(1000, 'x') + "\"\n");
  EXPECT_EQ(parse_file(context{small.string()}, small)["a"].value<std::string>()->size(), 1000U);
}

TEST(quote_value, a_huge_or_hostile_value_is_cut_and_escaped_in_messages) {
  EXPECT_EQ(quote_value("sim"), "\"sim\"");
  EXPECT_EQ(quote_value("a\nb\x1b[31m\"\\"), "\"a\\x0ab\\x1b[31m\\x22\\x5c\"");
  const auto q = quote_value(std::string(500'000, 'x'));
  EXPECT_EQ(q, "\"" + std::string(64, 'x') + "...\" (500000 bytes)");
}

TEST_F(guard_files, a_large_bad_value_is_not_echoed_whole) {
  const auto main = write("lockerd.toml", "locker_id = \"" + std::string(200'000, 'Z') +
                                              "\"\nboard = \"board.toml\"\n");
  try {
    (void)locker::config::load_config(main);
    FAIL() << "loaded";
  } catch (const config_error& e) {
    EXPECT_LT(std::string(e.what()).size(), 400U) << "the message quotes the value whole";
    EXPECT_THAT(e.reason(), HasSubstr("(200000 bytes)"));
  }
}

}  // namespace
}  // namespace locker::drivers::toml_file
