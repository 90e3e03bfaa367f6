// SPDX-License-Identifier: Apache-2.0
// Recorded payloads of locker t1 for the tracking view's tests: the locker's own forms (they
// pass protocol/schemas, tracking_view_test checks it) and the tracking system's requests.
#pragma once

#include <string>

#include "simulator/tracking/tracking_view.hpp"

namespace locker::tracking::recordings {

inline const std::string root = "locker/v1/t1/";

inline wall_time at(const std::string& ts) { return *protocol::parse_timestamp(ts); }
inline const wall_time t0 = at("2026-11-21T09:00:00.000Z");

// A message as it came off the wire: topic, payload and the schema it passes (empty where a
// test does not check it).
struct recorded {
  std::string topic;
  std::string payload;
  std::string schema;
};

inline std::string id(int n) {
  const std::string digits = std::to_string(n);
  return "6b1f0c2e-7a4d-4c1b-9e3f-" + std::string(12 - digits.size(), '0') + digits;
}

// The locker's event payloads, as lockerd writes them (protocol/events.cpp).
inline recorded evt(const std::string& kind, int seq, const std::string& ts,
                    const std::string& type, const std::string& fields) {
  return {root + "evt/" + kind,
          R"({"event_id":")" + id(seq) + R"(","seq":)" + std::to_string(seq) + R"(,"ts":")" + ts +
              R"(","type":")" + type + "\"" + (fields.empty() ? "" : "," + fields) + "}",
          "evt_" + kind + ".schema.json"};
}

inline const recorded announce{
    root + "cmd/reservation_create",
    R"({"req_id":"r-1","reservation_id":"res-1","tracking_number":"TN100","size":"S"})",
    "cmd_reservation_create.schema.json"};
inline const recorded announce_ok{root + "res/reservation_create",
                                  R"({"req_id":"r-1","status":"ok","data":{}})",
                                  "reply.schema.json"};
inline const recorded stored =
    evt("parcel", 11, "2026-11-21T09:12:44.120Z", "stored",
        R"("tracking_number":"TN100","compartment":"13","size":"S",)"
        R"("courier_id":"courier-1","reservation_id":"res-1",)"
        R"("expires_at":"2026-11-21T14:00:00.000Z","pickup_code":"48213577")");
inline const recorded door_opened =
    evt("door", 12, "2026-11-21T10:02:01.000Z", "opened", R"("compartment":"13","cause":"pickup")");
inline const recorded collected =
    evt("parcel", 13, "2026-11-21T10:02:09.500Z", "collected",
        R"("tracking_number":"TN100","compartment":"13","dwell_s":2965,)"
        R"("failed_attempts":1)");
inline const recorded door_closed =
    evt("door", 14, "2026-11-21T10:02:10.000Z", "closed", R"("compartment":"13","cause":"pickup")");

}  // namespace locker::tracking::recordings
