// SPDX-License-Identifier: Apache-2.0
// A fresh directory per test, removed afterwards, for real SQLite files.
#pragma once

#include <filesystem>
#include <random>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

namespace locker::store::testing {

class temp_dir_test : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() /
           ("locker-store-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  [[nodiscard]] std::filesystem::path db_path() const { return dir_ / "lockerd.db"; }

  std::filesystem::path dir_;
};

}  // namespace locker::store::testing
