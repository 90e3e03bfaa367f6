// SPDX-License-Identifier: Apache-2.0
// The `operation` column's codec: the text earlier versions wrote decodes to the same business,
// and encoding writes exactly that text again, so a database moves between versions both ways.
// The literals below are what the controller wrote before the codec existed (nlohmann's dump of
// the object it built: keys sorted, no spaces); they must never change.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "daemon/controller/operation.hpp"

namespace {

using namespace locker::controller;

struct legacy_case {
  const char* stored;
  operation op;
};

std::vector<legacy_case> legacy_cases() {
  deposit_operation plain;
  plain.courier_id = "c-17";
  plain.tracking_number = "TN-0001";
  plain.rank = 1;
  deposit_operation announced;
  announced.courier_id = "c-17";
  announced.tracking_number = "TN-0002";
  announced.rank = 0;
  announced.reservation_id = "r-42";
  announced.pickup_code_hash = "9f2c";
  announced.pickup_window_h = 48;
  return {
      {R"({"courier_id":"c-17","kind":"deposit","rank":1,"tracking_number":"TN-0001"})", plain},
      {R"({"courier_id":"c-17","kind":"deposit","pickup_code_hash":"9f2c","pickup_window_h":48,)"
       R"("rank":0,"reservation_id":"r-42","tracking_number":"TN-0002"})",
       announced},
      {R"({"kind":"pickup","parcel_id":1234567890123})", pickup_operation{1234567890123}},
      {R"({"courier_id":"c-9","kind":"removal","parcel_id":7,"reason":"expired"})",
       removal_operation{7, "c-9", "expired"}},
      {R"({"by":"ops:alice","kind":"operator","reason":"inspection"})",
       operator_opening{"ops:alice", "inspection"}},
      {R"({"kind":"given_up"})", given_up_deposit{}},
  };
}

TEST(operation_codec, decodes_what_earlier_versions_wrote_for_each_kind) {
  for (const auto& c : legacy_cases()) {
    SCOPED_TRACE(c.stored);
    EXPECT_EQ(decode(c.stored, "A1"), c.op);
  }
}

TEST(operation_codec, encodes_the_same_bytes_earlier_versions_wrote) {
  // A downgrade reads these with the old parser; an unchanged value must not change on disk.
  for (const auto& c : legacy_cases()) EXPECT_EQ(encode(c.op), c.stored);
}

TEST(operation_codec, round_trips_every_kind) {
  for (const auto& c : legacy_cases()) {
    SCOPED_TRACE(c.stored);
    EXPECT_EQ(decode(encode(c.op), "A1"), c.op);
    EXPECT_EQ(encode(decode(c.stored, "A1")), c.stored);
  }
}

TEST(operation_codec, none_is_the_empty_text) {
  EXPECT_EQ(encode(no_operation{}), "");
  EXPECT_EQ(decode("", "A1"), operation{no_operation{}});
  EXPECT_TRUE(is_none(decode("", "A1")));
}

TEST(operation_codec, names_the_stored_kind) {
  EXPECT_EQ(kind_of(no_operation{}), "");
  EXPECT_EQ(kind_of(deposit_operation{}), "deposit");
  EXPECT_EQ(kind_of(pickup_operation{}), "pickup");
  EXPECT_EQ(kind_of(removal_operation{}), "removal");
  EXPECT_EQ(kind_of(operator_opening{}), "operator");
  EXPECT_EQ(kind_of(given_up_deposit{}), "given_up");
}

TEST(operation_codec, missing_fields_take_their_defaults_as_before) {
  // The controller always read fields leniently ("" or 0 when absent).
  EXPECT_EQ(decode(R"({"kind":"deposit"})", "A1"), operation{deposit_operation{}});
  EXPECT_EQ(decode(R"({"kind":"pickup"})", "A1"), operation{pickup_operation{}});
  // Keys this version does not know are ignored.
  EXPECT_EQ(decode(R"({"kind":"pickup","parcel_id":3,"extra":true})", "A1"),
            operation{pickup_operation{3}});
}

TEST(operation_codec, a_damaged_or_unknown_value_is_none_with_a_warning) {
  for (const char* stored :
       {"not json", "[1,2]", "null", "17", R"({"parcel_id":1})", R"({"kind":7})",
        R"({"kind":"teleport"})", R"({"kind":"pickup","parcel_id":"12"})",
        R"({"kind":"deposit","rank":1.5})", R"({"kind":"removal","reason":false})", "{\"kind\":"}) {
    SCOPED_TRACE(stored);
    testing::internal::CaptureStderr();
    const auto op = decode(stored, "B7");
    const auto err = testing::internal::GetCapturedStderr();
    EXPECT_TRUE(is_none(op));
    EXPECT_NE(err.find("warning"), std::string::npos) << err;
    EXPECT_NE(err.find("B7"), std::string::npos) << err;
  }
}

}  // namespace
