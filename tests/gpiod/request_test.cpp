// SPDX-License-Identifier: Apache-2.0
#include "drivers/gpiod/request.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "drivers/gpiod/line_port.hpp"

namespace locker::drivers::gpiod_backend {
namespace {

using namespace std::chrono_literals;
using ::gpiod::line_request;

TEST(request_for, output_is_a_plain_output_request) {
  const auto r = request_for(line_spec::named("LOCK_01"), direction::output, "lockerd");
  EXPECT_EQ(r.consumer, "lockerd");
  EXPECT_EQ(r.request_type, line_request::DIRECTION_OUTPUT);
  EXPECT_TRUE(r.flags.none());
  EXPECT_EQ(initial_value(direction::output), 0);  // inactive: the lock's safe state
}

TEST(request_for, input_asks_for_both_edges) {
  const auto r = request_for(line_spec::named("DOOR_01"), direction::input, "lockerd");
  EXPECT_EQ(r.request_type, line_request::EVENT_BOTH_EDGES);
  EXPECT_TRUE(r.flags.none());
}

// One event per pulse, labelled by the edge it was asked for: the kernel need not read the
// level back, which it would do after a Wiegand reader's 50 us pulse had ended.
TEST(request_for, pulse_input_asks_for_the_active_edge_only) {
  const auto r = request_for(line_spec::named("WIEGAND_D0", true), direction::pulse_input, "x");
  EXPECT_EQ(r.request_type, line_request::EVENT_RISING_EDGE);  // logical: active-low applies
  EXPECT_EQ(r.flags, line_request::FLAG_ACTIVE_LOW);
}

TEST(request_for, active_low_and_bias_become_flags) {
  EXPECT_EQ(request_for(line_spec::named("A", true), direction::output, "x").flags,
            line_request::FLAG_ACTIVE_LOW);
  EXPECT_EQ(request_for(line_spec::named("A", false, bias::pull_up), direction::input, "x").flags,
            line_request::FLAG_BIAS_PULL_UP);
  EXPECT_EQ(request_for(line_spec::named("A", false, bias::pull_down), direction::input, "x").flags,
            line_request::FLAG_BIAS_PULL_DOWN);
  EXPECT_EQ(request_for(line_spec::named("A", false, bias::disabled), direction::input, "x").flags,
            line_request::FLAG_BIAS_DISABLE);
  EXPECT_EQ(request_for(line_spec::named("A", true, bias::pull_up), direction::input, "x").flags,
            line_request::FLAG_ACTIVE_LOW | line_request::FLAG_BIAS_PULL_UP);
}

TEST(decode_event, rising_is_active_falling_is_inactive) {
  const steady_time now{10s};
  const auto r = decode_event({::gpiod::line_event::RISING_EDGE, 10s - 3ms}, now);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->active);
  EXPECT_EQ(r->at, now - 3ms);  // the kernel's stamp, when plausible
  const auto f = decode_event({::gpiod::line_event::FALLING_EDGE, 10s}, now);
  ASSERT_TRUE(f);
  EXPECT_FALSE(f->active);
  EXPECT_FALSE(decode_event({0, 10s}, now));
  EXPECT_FALSE(decode_event({99, 10s}, now));
}

TEST(decode_event, implausible_stamps_become_now) {
  const steady_time now{10s};
  // A realtime stamp (old kernels): far in the future of the monotonic clock.
  EXPECT_EQ(decode_event({::gpiod::line_event::RISING_EDGE, 1'700'000'000s}, now)->at, now);
  // Long ago, or from another epoch (virtual time).
  EXPECT_EQ(decode_event({::gpiod::line_event::RISING_EDGE, 5s}, now)->at, now);
  EXPECT_EQ(decode_event({::gpiod::line_event::RISING_EDGE, 10s + 1ns}, now)->at, now);
}

TEST(describe_failure, names_the_line_and_reason) {
  line_spec s;
  s.chip = "gpiochip1";
  s.offset = 7;
  EXPECT_EQ(describe_failure(s, "Device or resource busy"),
            "gpio line gpiochip1:7: Device or resource busy");
  EXPECT_EQ(describe_failure(line_spec::named("LOCK_07"), "x"), "gpio line LOCK_07: x");
}

// The real libgpiod source, where the machine has no such line (CI and the QEMU guest).
TEST(libgpiod_source, unknown_name_is_a_clear_error) {
  auto src = make_libgpiod_source();
  try {
    src->request(line_spec::named("NO_SUCH_LINE_ANYWHERE"), direction::output, "lockerd-test");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(),
                ::testing::HasSubstr("gpio line NO_SUCH_LINE_ANYWHERE: no line of this name"));
  }
}

TEST(libgpiod_source, missing_chip_names_line_and_errno_reason) {
  auto src = make_libgpiod_source();
  line_spec s;
  s.chip = "gpiochip97";
  s.offset = 3;
  try {
    src->request(s, direction::input, "lockerd-test");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("gpio line gpiochip97:3: "));
    EXPECT_THAT(e.what(), ::testing::HasSubstr("No such file or directory"));
  }
}

TEST(libgpiod_source, spec_without_name_or_offset_is_refused) {
  auto src = make_libgpiod_source();
  line_spec s;
  s.chip = "gpiochip0";
  EXPECT_THROW(src->request(s, direction::input, "lockerd-test"), std::runtime_error);
}

}  // namespace
}  // namespace locker::drivers::gpiod_backend
