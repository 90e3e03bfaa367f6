// SPDX-License-Identifier: Apache-2.0
// --check-config's file checks: each missing or unusable file the configuration names is one
// problem naming its key and path; a state folder that does not exist yet is fine when it can be
// created. (Run as root here, so "cannot be read" is not tested: root reads anything.)
#include "daemon/config/check_files.hpp"

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <stdlib.h>

namespace {

namespace fs = std::filesystem;
using locker::config::check_files;
using locker::config::locker_config;

class check_files_test : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "check-files-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    for (const char* f : {"board.toml", "ca.pem", "locker.pem", "locker.key", "password"}) {
      std::ofstream(dir_ / f) << "x\n";
    }
    cfg_.state_dir = dir_ / "state";  // does not exist yet: created at start
    cfg_.board.file = (dir_ / "board.toml").string();
    cfg_.broker.ca_file = (dir_ / "ca.pem").string();
    cfg_.broker.cert_file = (dir_ / "locker.pem").string();
    cfg_.broker.key_file = (dir_ / "locker.key").string();
    cfg_.broker.password_file = (dir_ / "password").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  locker_config cfg_;
};

TEST_F(check_files_test, all_files_there_and_a_creatable_state_folder_pass) {
  EXPECT_TRUE(check_files(cfg_).empty());
}

TEST_F(check_files_test, each_missing_file_is_one_line_with_its_key) {
  fs::remove(dir_ / "ca.pem");
  fs::remove(dir_ / "password");
  const auto problems = check_files(cfg_);
  ASSERT_EQ(problems.size(), 2U);
  EXPECT_EQ(problems[0].line(),
            "broker.password_file " + (dir_ / "password").string() + ": does not exist");
  EXPECT_EQ(problems[1].line(),
            "broker.ca_file " + (dir_ / "ca.pem").string() + ": does not exist");
}

TEST_F(check_files_test, a_folder_where_a_file_belongs_is_named) {
  fs::remove(dir_ / "locker.key");
  fs::create_directory(dir_ / "locker.key");
  const auto problems = check_files(cfg_);
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_EQ(problems[0].key, "broker.key_file");
  EXPECT_EQ(problems[0].reason, "is a directory, not a file");
}

TEST_F(check_files_test, a_state_folder_under_a_file_cannot_be_created) {
  cfg_.state_dir = dir_ / "board.toml" / "state";
  const auto problems = check_files(cfg_);
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_EQ(problems[0].key, "state_dir");
  EXPECT_NE(problems[0].reason.find("is not a folder"), std::string::npos) << problems[0].reason;
}

TEST_F(check_files_test, a_state_folder_that_is_a_file_is_named) {
  cfg_.state_dir = dir_ / "password";
  const auto problems = check_files(cfg_);
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_EQ(problems[0].line(), "state_dir " + (dir_ / "password").string() + ": is not a folder");
}

TEST_F(check_files_test, unset_files_are_not_checked) {
  cfg_.broker.ca_file.clear();
  cfg_.broker.cert_file.clear();
  cfg_.broker.key_file.clear();
  cfg_.broker.password_file.clear();
  fs::remove(dir_ / "ca.pem");
  EXPECT_TRUE(check_files(cfg_).empty());
}

}  // namespace
