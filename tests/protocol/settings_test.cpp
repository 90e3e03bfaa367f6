// SPDX-License-Identifier: Apache-2.0
#include "protocol/settings.hpp"

#include <algorithm>

#include <gtest/gtest.h>

#include "daemon/config/settings_table.hpp"

namespace locker::protocol {
namespace {

bool has_error(const config_rejection& r, const std::string& key) {
  return std::any_of(r.errors.begin(), r.errors.end(),
                     [&](const setting_error& e) { return e.key == key && !e.message.empty(); });
}

TEST(cfg_desired, decodes_a_settings_patch) {
  const auto r = decode_cfg_desired(
      R"({"version":7,"lock_pulse_ms":400,"open_detect_s":5,"door_left_open_s":300,
          "debounce_ms":20,"session_idle_s":90,"max_code_attempts":3,"pickup_code_digits":10,
          "pickup_window_h":96,"telemetry_s":60,"coil_gap_ms":0,"lockout_base_s":60,
          "colour":"blue"})",
      config::remote_rules());
  ASSERT_TRUE(r.ok()) << r.error().errors.front().message;
  EXPECT_EQ(r->version, 7U);
  const auto& s = r->settings;
  EXPECT_EQ(s.lock_pulse_ms, 400);
  EXPECT_EQ(s.open_detect_s, 5);
  EXPECT_EQ(s.door_left_open_s, 300);
  EXPECT_EQ(s.debounce_ms, 20);
  EXPECT_EQ(s.session_idle_s, 90);
  EXPECT_EQ(s.max_code_attempts, 3);
  EXPECT_EQ(s.pickup_code_digits, 10);
  EXPECT_EQ(s.pickup_window_h, 96);
  EXPECT_EQ(s.telemetry_s, 60);
  EXPECT_EQ(s.coil_gap_ms, 0);
  EXPECT_EQ(s.lockout_base_s, 60);
  EXPECT_EQ(r->ignored_keys, std::vector<std::string>{"colour"});
}

TEST(cfg_desired, unknown_keys_only_is_rejected_not_applied) {
  // Beside a known setting an unknown key is ignored (above); alone it would change nothing,
  // and "applied" would tell the sender a misspelt setting took effect.
  const auto r = decode_cfg_desired(R"({"version":4,"lock_pluse_ms":400,"colour":"red"})",
                                    config::remote_rules());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().version, 4U);
  ASSERT_EQ(r.error().errors.size(), 2U);
  EXPECT_EQ(r.error().errors[0].key, "colour");  // nlohmann::json's objects are sorted
  EXPECT_EQ(r.error().errors[1].key, "lock_pluse_ms");
  EXPECT_NE(r.error().errors[1].message.find("known: lock_pulse_ms"), std::string::npos)
      << r.error().errors[1].message;
  // A huge unknown key is echoed cut short.
  const auto huge = decode_cfg_desired(R"({"version":5,")" + std::string(5000, 'k') + R"(":1})",
                                       config::remote_rules());
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.error().errors[0].key, std::string(64, 'k') + "...");
}

// One range per setting (daemon/config/settings_table, protocol/README.md "Settings"): every
// value cfg/desired accepted before is still accepted, the file's wider ranges are accepted too,
// and the safe limits hold.
TEST(cfg_desired, ranges_are_the_settings_tables) {
  const auto wider = decode_cfg_desired(
      R"({"version":2,"lock_pulse_ms":50,"coil_gap_ms":10000,"door_left_open_s":86400,
          "debounce_ms":0,"session_idle_s":5,"pickup_window_h":8760,"lockout_base_s":86400,
          "max_code_attempts":20,"telemetry_s":10})",
      config::remote_rules());
  ASSERT_TRUE(wider.ok()) << wider.error().errors.front().key;
  EXPECT_EQ(wider->settings.coil_gap_ms, 10000);
  EXPECT_EQ(wider->settings.debounce_ms, 0);
  for (const char* text :
       {R"({"version":3,"lock_pulse_ms":49})", R"({"version":3,"lock_pulse_ms":2001})",
        R"({"version":3,"max_code_attempts":21})", R"({"version":3,"telemetry_s":9})",
        R"({"version":3,"session_idle_s":4})", R"({"version":3,"coil_gap_ms":10001})"}) {
    const auto r = decode_cfg_desired(text, config::remote_rules());
    ASSERT_FALSE(r.ok()) << text;
    ASSERT_EQ(r.error().errors.size(), 1U) << text;
    EXPECT_NE(r.error().errors[0].message.find("must be between"), std::string::npos) << text;
    EXPECT_NE(std::string(text).find(r.error().errors[0].key), std::string::npos) << text;
  }
}

TEST(cfg_desired, absent_settings_stay_unset) {
  const auto r = decode_cfg_desired(R"({"version":1})", config::remote_rules());
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->settings.lock_pulse_ms);
  EXPECT_FALSE(r->settings.telemetry_s);
}

TEST(cfg_desired, collects_every_error_and_rejects_the_whole_version) {
  const auto r = decode_cfg_desired(
      R"({"version":8,"lock_pulse_ms":10,"pickup_code_digits":5,"telemetry_s":"60",
          "debounce_ms":20,"max_code_attempts":2.5})",
      config::remote_rules());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().version, 8U);
  EXPECT_EQ(r.error().errors.size(), 4U);
  EXPECT_TRUE(has_error(r.error(), "lock_pulse_ms"));
  EXPECT_TRUE(has_error(r.error(), "pickup_code_digits"));
  EXPECT_TRUE(has_error(r.error(), "telemetry_s"));
  EXPECT_TRUE(has_error(r.error(), "max_code_attempts"));
  EXPECT_FALSE(has_error(r.error(), "debounce_ms"));
}

TEST(cfg_desired, version_is_required) {
  for (const char* text : {R"({"lock_pulse_ms":300})", R"({"version":0})", R"({"version":"3"})",
                           R"({"version":-1})"}) {
    const auto r = decode_cfg_desired(text, config::remote_rules());
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_FALSE(r.error().version);
    EXPECT_TRUE(has_error(r.error(), "version")) << text;
  }
}

TEST(cfg_desired, malformed_payloads_are_rejected) {
  for (const char* text : {"", "{", "[]", "7", R"({"version":1,})"}) {
    const auto r = decode_cfg_desired(text, config::remote_rules());
    ASSERT_FALSE(r.ok()) << text;
    ASSERT_EQ(r.error().errors.size(), 1U);
    EXPECT_EQ(r.error().errors.front().key, "");
  }
}

}  // namespace
}  // namespace locker::protocol
