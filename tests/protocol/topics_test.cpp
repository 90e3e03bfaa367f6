// SPDX-License-Identifier: Apache-2.0
#include "protocol/topics.hpp"

#include <gtest/gtest.h>

namespace locker::protocol {
namespace {

TEST(topics, locker_id_is_lowercase_digits_and_dashes) {
  EXPECT_TRUE(valid_locker_id("a"));
  EXPECT_TRUE(valid_locker_id("locker-0042"));
  EXPECT_TRUE(valid_locker_id(std::string(64, 'z')));
  EXPECT_FALSE(valid_locker_id(""));
  EXPECT_FALSE(valid_locker_id(std::string(65, 'z')));
  for (const char* bad : {"Locker", "a/b", "a+b", "a#", "a_b", "a b", "ä"}) {
    EXPECT_FALSE(valid_locker_id(bad)) << bad;
  }
  EXPECT_FALSE(topic_set::make("A/B"));
}

TEST(topics, builds_every_topic_of_the_table) {
  const auto t = topic_set::make("l-17");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->root(), "locker/v1/l-17/");
  EXPECT_EQ(t->status(), "locker/v1/l-17/status");
  EXPECT_EQ(t->info(), "locker/v1/l-17/info");
  EXPECT_EQ(t->state(), "locker/v1/l-17/state");
  EXPECT_EQ(t->evt_parcel(), "locker/v1/l-17/evt/parcel");
  EXPECT_EQ(t->evt_door(), "locker/v1/l-17/evt/door");
  EXPECT_EQ(t->evt_alarm(), "locker/v1/l-17/evt/alarm");
  EXPECT_EQ(t->tele(), "locker/v1/l-17/tele");
  EXPECT_EQ(t->cmd("reboot"), "locker/v1/l-17/cmd/reboot");
  EXPECT_EQ(t->res("reboot"), "locker/v1/l-17/res/reboot");
  EXPECT_EQ(t->cfg_desired(), "locker/v1/l-17/cfg/desired");
  EXPECT_EQ(t->cfg_reported(), "locker/v1/l-17/cfg/reported");
  EXPECT_EQ(t->job("fw-1"), "locker/v1/l-17/job/fw-1");
  EXPECT_EQ(t->cmd_filter(), "locker/v1/l-17/cmd/+");
  EXPECT_EQ(t->client_id(), "locker-l-17");
}

TEST(topics, parses_incoming_topics) {
  const auto t = *topic_set::make("l-17");
  const auto cmd = parse_incoming_topic(t, "locker/v1/l-17/cmd/compartment_open");
  ASSERT_TRUE(cmd);
  EXPECT_EQ(cmd->kind, incoming_kind::command);
  EXPECT_EQ(cmd->command, "compartment_open");
  const auto unknown = parse_incoming_topic(t, "locker/v1/l-17/cmd/open_all");
  ASSERT_TRUE(unknown);  // answered unknown_command by the decoder, not dropped
  EXPECT_EQ(unknown->command, "open_all");
  const auto cfg = parse_incoming_topic(t, "locker/v1/l-17/cfg/desired");
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->kind, incoming_kind::cfg_desired);
  for (const char* other :
       {"locker/v1/l-18/cmd/reboot", "locker/v1/l-17/cmd/", "locker/v1/l-17/cmd/a/b",
        "locker/v1/l-17/cfg/reported", "locker/v1/l-17/status", "locker/v2/l-17/cmd/reboot",
        "locker/v1/l-17", ""}) {
    EXPECT_FALSE(parse_incoming_topic(t, other)) << other;
  }
}

TEST(topics, command_table) {
  EXPECT_EQ(command_names().size(), 11U);
  EXPECT_TRUE(known_command("fw_update"));
  EXPECT_FALSE(known_command("FW_UPDATE"));
  EXPECT_TRUE(valid_job_id("fw-2026_11"));
  EXPECT_FALSE(valid_job_id("a/b"));
  EXPECT_FALSE(valid_job_id("#"));
  EXPECT_FALSE(valid_job_id(""));
}

}  // namespace
}  // namespace locker::protocol
