// SPDX-License-Identifier: Apache-2.0
// The one set of input rules that the decoder, the keypad, lockeradm and the config share.
#include "protocol/input_rules.hpp"

#include <string>

#include <gtest/gtest.h>

namespace locker::protocol::rules {
namespace {

TEST(input_rules, pin_is_6_to_12_digits) {
  EXPECT_TRUE(valid_pin("123456"));
  EXPECT_TRUE(valid_pin("123456789012"));
  for (const char* bad :
       {"", "12345", "1234567890123", "12345a", "123 456", "-123456", "１２３４５６"})
    EXPECT_FALSE(valid_pin(bad)) << bad;
}

TEST(input_rules, pickup_code_is_6_to_10_digits) {
  EXPECT_TRUE(valid_pickup_code("000000"));
  EXPECT_TRUE(valid_pickup_code("1234567890"));
  for (const char* bad : {"", "48213", "48213957123", "4821395a", "4821395 "})
    EXPECT_FALSE(valid_pickup_code(bad)) << bad;
}

TEST(input_rules, tracking_number_is_printable_ascii_without_spaces) {
  EXPECT_TRUE(valid_tracking_number("TN-1"));
  EXPECT_TRUE(valid_tracking_number("!~"));
  EXPECT_TRUE(valid_tracking_number(std::string(64, '7')));
  for (const std::string& bad : {std::string(), std::string(65, '7'), std::string("TN 1"),
                                 std::string("TN\t1"), std::string("TN\x7f"), std::string("TÜ")})
    EXPECT_FALSE(valid_tracking_number(bad)) << bad;
}

TEST(input_rules, scanned_carrier_tracking_numbers_pass) {
  // What a barcode on a label brings: letters of either case, digits, dashes, slashes.
  for (const char* ok : {"1Z999AA10123456784", "JJD0001234567890", "lp00123456789cn",
                         "RR123456785DE", "TN-00012345", "0034/5678-A"})
    EXPECT_TRUE(valid_tracking_number(ok)) << ok;
}

TEST(input_rules, ids_count_code_points_and_refuse_control_characters) {
  EXPECT_TRUE(valid_id("r-1"));
  EXPECT_TRUE(valid_id("Zoë's courier"));
  EXPECT_TRUE(valid_id(std::string(64, 'x')));
  std::string umlauts;
  for (int i = 0; i < 64; ++i) umlauts += "ü";  // 128 bytes, 64 characters
  EXPECT_TRUE(valid_id(umlauts));
  EXPECT_FALSE(valid_id(umlauts + "ü"));
  for (const std::string& bad :
       {std::string(), std::string(65, 'x'), std::string("a\nb"), std::string("a\x1b[2J")})
    EXPECT_FALSE(valid_id(bad));
}

TEST(input_rules, compartment_ids_as_in_the_board_file) {
  EXPECT_TRUE(valid_compartment_id("A-01"));
  EXPECT_TRUE(valid_compartment_id(std::string(16, 'z')));
  for (const std::string& bad :
       {std::string(), std::string(17, 'z'), std::string("A_1"), std::string("A 1")})
    EXPECT_FALSE(valid_compartment_id(bad)) << bad;
}

TEST(input_rules, the_words_say_the_same_as_the_numbers) {
  EXPECT_EQ(pin_rule,
            std::to_string(pin_min_digits) + "-" + std::to_string(pin_max_digits) + " digits");
  EXPECT_EQ(pickup_code_rule, std::to_string(pickup_code_min_digits) + "-" +
                                  std::to_string(pickup_code_max_digits) + " digits");
}

}  // namespace
}  // namespace locker::protocol::rules
