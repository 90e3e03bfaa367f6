// SPDX-License-Identifier: Apache-2.0
// Test support: what a command's reply (protocol/README.md) must say, for the command handler's
// tests and for the same commands sent to a real lockerd over the broker.
#pragma once

#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace locker::test {

// The command succeeded and the reply names the request it answers.
inline void expect_ok(const nlohmann::json& r, const std::string& req_id) {
  EXPECT_EQ(r.value("status", ""), "ok") << r.dump();
  EXPECT_EQ(r.value("req_id", ""), req_id) << r.dump();
}
// The command failed with this error code.
inline void expect_error(const nlohmann::json& r, std::string_view code) {
  EXPECT_EQ(r.value("status", ""), "error") << r.dump();
  EXPECT_EQ(r.value("code", ""), code) << r.dump();
}

}  // namespace locker::test
