// SPDX-License-Identifier: Apache-2.0
// The reporter's settings the MQTT tests share: a fixed version and boot id, so payloads
// compare byte for byte, started at the rig's wall time.
#pragma once

#include <chrono>

#include "daemon/mqtt/reporter.hpp"
#include "drivers/clock.hpp"

namespace locker::mqtt::testing {

inline reporter_settings test_reporter_settings(drivers::wall_time started,
                                                std::chrono::seconds telemetry) {
  reporter_settings s;
  s.version = "9.9.9";
  s.boot_id = "00000000-0000-4000-8000-000000000001";
  s.started_at = started;
  s.telemetry = telemetry;
  return s;
}

}  // namespace locker::mqtt::testing
