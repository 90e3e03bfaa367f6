// SPDX-License-Identifier: Apache-2.0
// The board file read by the drivers alone, linked without the daemon: what the backends and
// the simulator need (every key and error is tested in tests/config through the daemon's use).
#include "drivers/board_file/board_file.hpp"

#include <gtest/gtest.h>

namespace locker::drivers {
namespace {

TEST(board_file, the_shipped_boards_load_without_the_daemon) {
  const std::filesystem::path boards = std::filesystem::path(LOCKER_SOURCE_DIR) / "config/boards";
  const auto sim = load_board(boards / "sim-24.toml");
  EXPECT_EQ(sim.compartments.size(), 24U);
  EXPECT_FALSE(sim.sizes.empty());
  const auto ref = load_board(boards / "reference-board.toml");
  EXPECT_FALSE(ref.compartments.empty());
  for (const auto& c : ref.compartments) EXPECT_GE(ref.size_rank(c.size), 0) << c.id;
  // Both carry a scanner: the simulator's, and a keyboard wedge found by a stable path.
  ASSERT_TRUE(sim.scanner.has_value());
  EXPECT_EQ(sim.scanner->kind, scanner_kind::sim);
  ASSERT_TRUE(ref.scanner.has_value());
  EXPECT_EQ(ref.scanner->kind, scanner_kind::evdev);
  EXPECT_TRUE(ref.scanner->device.starts_with("/dev/input/by-id/")) << ref.scanner->device;
}

TEST(board_file, a_missing_file_is_a_config_error_naming_it) {
  try {
    (void)load_board("/nonexistent/board.toml");
    FAIL() << "no error";
  } catch (const config_error& e) {
    EXPECT_EQ(e.file(), "/nonexistent/board.toml");
    EXPECT_EQ(e.key(), "");
    EXPECT_NE(e.reason().find("no such file"), std::string::npos) << e.reason();
  }
}

}  // namespace
}  // namespace locker::drivers
