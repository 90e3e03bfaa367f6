// SPDX-License-Identifier: Apache-2.0
// What lockerctl prints, from sample payloads of contract v1.
#include "tools/lockerctl/format.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace locker::ctl {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const json sample_get_state = json::parse(R"({
  "seq": 42,
  "compartments": [
    {"id": "A1", "size": "S", "door": "closed", "lock": "locked", "occupied": false, "service": "in_service"},
    {"id": "A2", "size": "M", "door": "open", "lock": "unlocked", "occupied": true, "service": "in_service",
     "parcel": {"tracking_number": "TRK123", "state": "stored", "stored_at": "2026-11-21T09:00:00.000Z",
                "expires_at": "2026-11-23T09:00:00.000Z"}},
    {"id": "B10", "size": "L", "door": "unknown", "lock": "locked", "occupied": false, "service": "out_of_service"}
  ],
  "alarms": [
    {"type": "door_left_open", "compartment": "A2", "severity": "warning", "since": "2026-11-21T09:05:00.000Z"},
    {"type": "power", "severity": "critical", "since": "2026-11-21T09:06:00.000Z"}
  ],
  "reservations": [
    {"reservation_id": "R9", "tracking_number": "TRK999", "size": "M", "created_at": "2026-11-21T08:00:00.000Z"}
  ]
})");

TEST(LockerctlFormat, StateTableHasOneAlignedRowPerCompartment) {
  const std::string table = format_state_table(sample_get_state);
  EXPECT_EQ(
      table,
      "last event seq 42\n"
      "COMPARTMENT  SIZE  DOOR     LOCK      SERVICE         PARCEL           ALARMS\n"
      "A1           S     closed   locked    in service      -                -\n"
      "A2           M     open     unlocked  in service      TRK123 (stored)  door_left_open\n"
      "B10          L     unknown  locked    out of service  -                -\n"
      "locker alarms: power (critical, since 2026-11-21T09:06:00.000Z)\n"
      "reservations: 1\n"
      "  R9  TRK999  M  created 2026-11-21T08:00:00.000Z\n");
}

TEST(LockerctlFormat, StateTableSurvivesAnEmptyOrOddBody) {
  const std::string table = format_state_table(json::object());
  EXPECT_NE(table.find("last event seq ?"), std::string::npos);
  EXPECT_NE(table.find("locker alarms: none"), std::string::npos);
  EXPECT_EQ(table.find("reservations"), std::string::npos);  // …/state has none; get_state does
  EXPECT_NO_THROW(
      (void)format_state_table(json::parse(R"({"compartments":[7,{"id":3}],"alarms":"x"})")));
}

TEST(LockerctlFormat, EventLineIsSeqTimeTypeCompartmentDetails) {
  const json door =
      json::parse(R"({"event_id":"e1","seq":7,"ts":"2026-11-21T09:12:44.120Z","type":"opened",
                                    "compartment":"A2","cause":"pickup"})");
  EXPECT_EQ(format_event_line("door", door),
            "7 2026-11-21T09:12:44.120Z door.opened A2 cause=pickup");

  const json stored =
      json::parse(R"({"event_id":"e2","seq":8,"ts":"2026-11-21T09:12:45.000Z","type":"stored",
      "tracking_number":"TRK1","compartment":"A1","size":"M","courier_id":"c1","expires_at":"2026-11-23T09:12:45.000Z",
      "pickup_code":"123456","queued":true})");
  const std::string line = format_event_line("parcel", stored);
  EXPECT_EQ(line.rfind("8 2026-11-21T09:12:45.000Z parcel.stored A1 ", 0), 0u) << line;
  EXPECT_NE(line.find("tracking_number=TRK1"), std::string::npos);
  EXPECT_NE(line.find("queued=true"), std::string::npos);
  EXPECT_NE(line.find("pickup_code=***"), std::string::npos);
  EXPECT_EQ(line.find("123456"), std::string::npos);
  // Asked for (the demo): shown as it came.
  EXPECT_NE(format_event_line("parcel", stored, true).find("pickup_code=123456"),
            std::string::npos);

  const json alarm =
      json::parse(R"({"event_id":"e3","seq":9,"ts":"2026-11-21T09:12:46.000Z","type":"power",
                                     "severity":"critical","active":false,"queued":false})");
  EXPECT_EQ(format_event_line("alarm", alarm),
            "9 2026-11-21T09:12:46.000Z alarm.power - cleared severity=critical");
}

TEST(LockerctlFormat, RepliesInWords) {
  const open_args open{"A3", "stuck", "ann"};
  EXPECT_EQ(describe_success(
                open, json::parse(R"({"req_id":"r","status":"ok","data":{"door":"opened"}})")),
            "compartment A3: door opened");
  EXPECT_EQ(
      describe_success(
          open, json::parse(R"({"req_id":"r","status":"ok","data":{"door":"not_detected"}})")),
      "compartment A3: unlocked, but the door was not detected opening");
  const service_args back{"A4", true, "lock replaced"};
  EXPECT_EQ(describe_success(back, json::parse(R"({"req_id":"r","status":"ok","data":{}})")),
            "compartment A4 is back in service");
  EXPECT_EQ(describe_success(back, json::parse(R"({"req_id":"r","status":"ok","data":{},
                                                   "message":"cleared: lock_fault"})")),
            "compartment A4 is back in service (cleared: lock_fault)");
  EXPECT_EQ(describe_success(cancel_args{"R1"},
                             json::parse(R"({"status":"ok","data":{"state":"removal_pending"}})")),
            "reservation R1: the parcel is stored; marked for removal by a courier");
  EXPECT_EQ(describe_success(reboot_args{"x"}, json::parse(R"({"status":"accepted"})")),
            "accepted: the locker is working on it");
  EXPECT_EQ(
      describe_error(json::parse(
          R"({"req_id":"r","status":"error","code":"not_found","message":"no such reservation"})")),
      "not_found: no such reservation");
  EXPECT_EQ(describe_error(json::parse(R"({"status":"error"})")), "error");
}

TEST(LockerctlFormat, JobProgressInOneLine) {
  EXPECT_EQ(
      format_job_line(json::parse(
          R"({"job_id":"j1","state":"installing","percent":40,"message":"Copying","ts":"x"})")),
      "job j1: installing 40%: Copying");
  EXPECT_EQ(format_job_line(json::parse(R"({"job_id":"j1","state":"done"})")), "job j1: done");
}

TEST(LockerctlFormat, StatusAndNoAnswer) {
  EXPECT_EQ(no_answer_message(1500ms, std::nullopt),
            "the locker did not answer within 1.5 s: is it online? (last status: none retained)");
  EXPECT_EQ(no_answer_message(10s, json::parse(R"({"online":false,"reason":"lost"})")),
            "the locker did not answer within 10 s: is it online? (last status: offline (lost))");
  EXPECT_EQ(
      describe_status(json::parse(
          R"({"online":true,"version":"0.1.0","boot_id":"b","started_at":"2026-11-21T09:00:00.000Z"})")),
      "online since 2026-11-21T09:00:00.000Z, version 0.1.0");
}

TEST(LockerctlFormat, ConfigVerdict) {
  const auto applied =
      describe_cfg_reported(json::parse(R"({"version":3,"status":"applied","errors":[]})"));
  EXPECT_TRUE(applied.applied);
  EXPECT_EQ(applied.text, "config version 3 applied");
  const auto rejected = describe_cfg_reported(json::parse(
      R"({"version":4,"status":"rejected","errors":[{"key":"telemetry_s","message":"must be between 10 and 86400"},{"key":"","message":"x"}]})"));
  EXPECT_FALSE(rejected.applied);
  EXPECT_EQ(
      rejected.text,
      "config version 4 rejected:\n  telemetry_s: must be between 10 and 86400\n  (payload): x");
}

// Drop-off flow: the drop-off code the locker drew is printed once, for the sender.
TEST(LockerctlFormat, ADrawnDropoffCodeIsPrinted) {
  announce_args a;
  a.reservation_id = "R-D1";
  a.tracking_number = "DROP-1";
  a.size = "S";
  a.kind = "dropoff";
  EXPECT_EQ(
      describe_success(a, json::parse(R"({"status":"ok","data":{"dropoff_code":"51685666"}})")),
      "reservation R-D1 announced: parcel DROP-1 may be dropped off with drop-off code "
      "51685666");
  a.kind = "return";
  EXPECT_EQ(describe_success(a, json::parse(R"({"status":"ok","data":{}})")),
            "reservation R-D1 announced: parcel DROP-1 may be returned");
}

}  // namespace
}  // namespace locker::ctl
