// SPDX-License-Identifier: Apache-2.0
// docs/board-file.md documents every key the board loader accepts: the key lists are read from
// the loader's own source (each table_reader's allowed keys), so a new key without its line in
// the reference page fails here.
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream all;
  all << in.rdbuf();
  return all.str();
}

TEST(board_file_doc, names_every_key_the_loader_accepts) {
  const auto source = slurp(std::string(LOCKER_SOURCE_DIR) + "/drivers/board_file/board_file.cpp");
  const auto doc = slurp(std::string(LOCKER_SOURCE_DIR) + "/docs/board-file.md");
  ASSERT_FALSE(source.empty());
  ASSERT_FALSE(doc.empty());
  // table_reader r(ctx, t, "keypad", {"kind", "rows", ...});
  const std::regex reader(R"(table_reader\s+\w+\(ctx,[^{;]*\{([^}]*)\}\))");
  const std::regex word(R"re("([a-z_0-9]+)")re");
  std::set<std::string> keys;
  for (auto it = std::sregex_iterator(source.begin(), source.end(), reader);
       it != std::sregex_iterator(); ++it) {
    const std::string list = (*it)[1];
    for (auto w = std::sregex_iterator(list.begin(), list.end(), word); w != std::sregex_iterator();
         ++w) {
      keys.insert((*w)[1]);
    }
  }
  ASSERT_GE(keys.size(), 30U) << "the loader's key lists were not found";
  for (const auto& key : keys) {
    EXPECT_NE(doc.find("`" + key + "`"), std::string::npos)
        << key << " is not in docs/board-file.md";
  }
}

TEST(board_file_doc, names_every_bias_and_kind_word) {
  const auto doc = slurp(std::string(LOCKER_SOURCE_DIR) + "/docs/board-file.md");
  for (const char* w : {"as-is", "disabled", "pull-up", "pull-down", "sim", "matrix", "evdev",
                        "file", "none", "wiegand"}) {
    EXPECT_NE(doc.find(std::string("`\"") + w + "\"`"), std::string::npos) << w;
  }
}

}  // namespace
