// SPDX-License-Identifier: Apache-2.0
// The tracking view from recorded payloads: every parcel event kind of contract v1, the
// tracking system's requests and the locker's replies, alarms, liveness, and what at-least-once
// delivery does (copies, late copies, gaps), plus payloads that are wrong. Each recorded payload
// is the locker's own form and passes its schema in protocol/schemas (checked first).
#include "simulator/tracking/tracking_view.hpp"

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "protocol/schema_check.hpp"
#include "tests/tracking/recordings.hpp"

namespace locker::tracking {
namespace {

using nlohmann::json;

using namespace recordings;

class tracking_view_test : public ::testing::Test {
 protected:
  void feed(const recorded& m, wall_time received = t0) {
    view_.on_message(m.topic, m.payload, received);
  }
  json parcel(const std::string& tracking_number) {
    const auto snap = view_.snapshot();  // kept: the loop reads into it
    for (const auto& p : snap["parcels"])
      if (p["tracking_number"] == tracking_number) return p;
    ADD_FAILURE() << "no parcel " << tracking_number << " in " << snap.dump(2);
    return json::object();
  }
  static std::vector<std::string> kinds(const json& p) {
    std::vector<std::string> out;
    for (const auto& e : p["timeline"]) out.push_back(e["kind"]);
    return out;
  }
  json counters() { return view_.snapshot()["counters"]; }

  tracking_view view_{"t1"};
};

TEST(tracking_recordings, every_recorded_payload_passes_its_schema) {
  auto schemas =
      protocol::schema_set::load(std::filesystem::path(LOCKER_SOURCE_DIR) / "protocol" / "schemas");
  ASSERT_TRUE(schemas.ok()) << schemas.error();
  const std::vector<recorded> all{
      announce,
      announce_ok,
      stored,
      door_opened,
      collected,
      door_closed,
      evt("parcel", 20, "2026-11-24T09:12:44.120Z", "expired",
          R"("tracking_number":"TN200","compartment":"4")"),
      evt("parcel", 21, "2026-11-24T11:00:00.000Z", "removed",
          R"("tracking_number":"TN200","compartment":"4","courier_id":"courier-2","reason":"expired")"),
      evt("parcel", 22, "2026-11-21T09:30:00.000Z", "deposit_failed",
          R"("tracking_number":"TN300","reason":"no_free_compartment")"),
      evt("parcel", 23, "2026-11-21T09:31:00.000Z", "hold_moved",
          R"("reservation_id":"res-3","tracking_number":"TN300","compartment":"7","from":"5",)"
          R"("reason":"out_of_service","hold_until":"2026-11-21T18:00:00.000Z")"),
      evt("parcel", 24, "2026-11-21T09:32:00.000Z", "hold_lost",
          R"("reservation_id":"res-3","tracking_number":"TN300","compartment":"7","reason":"faulty")"),
      evt("parcel", 25, "2026-11-21T18:00:00.000Z", "hold_expired",
          R"("reservation_id":"res-3","tracking_number":"TN300","compartment":"7")"),
      evt("parcel", 26, "2026-11-28T09:00:00.000Z", "reservation_expired",
          R"("reservation_id":"res-3","tracking_number":"TN300","created_at":"2026-11-21T09:00:00.000Z")"),
      evt("parcel", 27, "2026-11-21T12:00:00.000Z", "dropped_off",
          R"("tracking_number":"RET1","compartment":"2","size":"M","kind":"return","carrier":"dhl")"),
      evt("alarm", 28, "2026-11-21T12:01:00.000Z", "door_left_open",
          R"("compartment":"2","severity":"warning","active":true)"),
      {root + "status", R"({"online":false,"reason":"lost"})", "status.schema.json"},
      {root + "status",
       R"({"online":true,"version":"0.1.0","boot_id":"b-1","started_at":"2026-11-21T08:59:00.000Z"})",
       "status.schema.json"},
      {root + "res/reservation_cancel",
       R"({"req_id":"r-2","status":"ok","data":{"state":"removal_pending"}})", "reply.schema.json"},
  };
  for (const auto& m : all) {
    for (const auto& why : schemas.value().validate_text(m.schema, m.payload))
      ADD_FAILURE() << m.topic << " against " << m.schema << ": " << why << "\n  " << m.payload;
  }
}

TEST_F(tracking_view_test, a_delivery_from_announcement_to_collection) {
  EXPECT_EQ(view_.snapshot()["parcels"].size(), 0U);
  feed(announce, at("2026-11-21T09:00:00.000Z"));
  // A request alone is not an announcement: the locker has not said yes yet.
  EXPECT_EQ(view_.snapshot()["parcels"].size(), 0U);
  EXPECT_EQ(view_.snapshot()["pending_requests"], 1);
  feed(announce_ok, at("2026-11-21T09:00:00.050Z"));
  EXPECT_EQ(parcel("TN100")["status"], "announced");
  EXPECT_EQ(parcel("TN100")["status_text"], "On its way to locker t1");

  feed(stored, at("2026-11-21T09:12:44.200Z"));
  auto p = parcel("TN100");
  EXPECT_EQ(p["status"], "ready");
  EXPECT_EQ(p["status_text"], "Ready for pickup at locker t1 until 21 Nov 14:00 UTC");
  EXPECT_EQ(p["compartment"], "13");
  EXPECT_EQ(p["expires_at"], "2026-11-21T14:00:00.000Z");
  EXPECT_EQ(p["pickup_code"], "48213577");

  feed(door_opened);
  feed(collected);
  feed(door_closed);
  p = parcel("TN100");
  EXPECT_EQ(p["status"], "collected");
  EXPECT_EQ(p["status_text"], "Collected");
  // The code is of no use any more and is not shown.
  EXPECT_FALSE(p.contains("pickup_code"));
  EXPECT_EQ(kinds(p), (std::vector<std::string>{"announced", "stored", "collected"}));
  EXPECT_EQ(p["timeline"][1]["status_text"],
            "Ready for pickup at locker t1 until 21 Nov 14:00 UTC");
  EXPECT_NE(p["timeline"][2]["text"].get<std::string>().find("1 wrong code"), std::string::npos);
  // Door events are in the activity list, not in the parcel's timeline.
  const auto snap = view_.snapshot();
  EXPECT_EQ(snap["recent"][0]["text"], "Door 13 closed (pickup)");
  EXPECT_EQ(snap["counters"]["events"], 4);
  EXPECT_EQ(snap["seq"]["last"], 14);
  EXPECT_EQ(snap["seq"]["missing"], 0);
}

TEST_F(tracking_view_test, an_expired_parcel_taken_out_is_returned_to_sender) {
  feed(evt("parcel", 1, "2026-11-21T09:00:00.000Z", "stored",
           R"("tracking_number":"TN200","compartment":"4","size":"M","courier_id":"c",)"
           R"("expires_at":"2026-11-24T09:00:00.000Z")"));
  feed(evt("parcel", 2, "2026-11-24T09:00:00.100Z", "expired",
           R"("tracking_number":"TN200","compartment":"4")"));
  EXPECT_EQ(parcel("TN200")["status"], "expired");
  EXPECT_EQ(parcel("TN200")["status_text"], "Not collected in time: it goes back to the sender");
  feed(evt(
      "parcel", 3, "2026-11-24T11:00:00.000Z", "removed",
      R"("tracking_number":"TN200","compartment":"4","courier_id":"courier-2","reason":"expired")"));
  EXPECT_EQ(parcel("TN200")["status"], "returned");
  EXPECT_EQ(parcel("TN200")["status_text"], "Returned to sender");
  EXPECT_EQ(kinds(parcel("TN200")), (std::vector<std::string>{"stored", "expired", "removed"}));
}

TEST_F(tracking_view_test, a_cancelled_stored_parcel_waits_for_a_courier_then_goes_back) {
  feed(announce);
  feed(announce_ok);
  feed(stored, at("2026-11-21T09:12:45.000Z"));
  feed({root + "cmd/reservation_cancel", R"({"req_id":"r-2","reservation_id":"res-1"})", ""},
       at("2026-11-21T09:20:00.000Z"));
  feed({root + "res/reservation_cancel",
        R"({"req_id":"r-2","status":"ok","data":{"state":"removal_pending"}})", ""},
       at("2026-11-21T09:20:00.020Z"));
  EXPECT_EQ(parcel("TN100")["status"], "cancelled");
  EXPECT_EQ(parcel("TN100")["status_text"], "Cancelled: it goes back to the sender");
  feed(evt(
      "parcel", 12, "2026-11-21T09:40:00.000Z", "removed",
      R"("tracking_number":"TN100","compartment":"13","courier_id":"courier-1","reason":"cancelled")"));
  EXPECT_EQ(parcel("TN100")["status_text"], "Returned to sender");
  EXPECT_EQ(kinds(parcel("TN100")),
            (std::vector<std::string>{"announced", "stored", "cancelled", "removed"}));
}

TEST_F(tracking_view_test, an_operator_removal_and_a_refused_announcement) {
  feed(evt("parcel", 1, "2026-11-21T09:00:00.000Z", "stored",
           R"("tracking_number":"TN5","compartment":"1","size":"S","courier_id":"c",)"
           R"("expires_at":"2026-11-24T09:00:00.000Z")"));
  feed(evt("parcel", 2, "2026-11-21T09:05:00.000Z", "removed",
           R"("tracking_number":"TN5","compartment":"1","courier_id":"op","reason":"operator")"));
  EXPECT_EQ(parcel("TN5")["status_text"], "Taken out of the locker by the operator");

  feed({root + "cmd/reservation_create",
        R"({"req_id":"r-9","reservation_id":"res-9","tracking_number":"TN9","size":"S"})", ""});
  feed({root + "res/reservation_create",
        R"({"req_id":"r-9","status":"error","code":"conflict","message":"code in use"})", ""});
  EXPECT_EQ(parcel("TN9")["status"], "refused");
  EXPECT_EQ(parcel("TN9")["timeline"][0]["text"], "Announcement refused: conflict (code in use)");
  // A refusal of a parcel the locker has leaves what it said before.
  feed({root + "cmd/reservation_create",
        R"({"req_id":"r-10","reservation_id":"res-5","tracking_number":"TN5","size":"S"})", ""});
  feed({root + "res/reservation_create", R"({"req_id":"r-10","status":"error","code":"conflict"})",
        ""});
  EXPECT_EQ(parcel("TN5")["status"], "removed");
}

TEST_F(tracking_view_test, a_return_dropped_off_and_collected_by_the_courier) {
  feed({root + "cmd/reservation_create",
        R"({"req_id":"r-3","reservation_id":"res-r","tracking_number":"RET1","size":"M",)"
        R"("kind":"return","carrier":"dhl"})",
        ""});
  feed({root + "res/reservation_create",
        R"({"req_id":"r-3","status":"ok","data":{"dropoff_code":"55512345"}})", ""});
  EXPECT_EQ(parcel("RET1")["status"], "awaiting_dropoff");
  EXPECT_EQ(parcel("RET1")["status_text"], "Waiting to be dropped off at locker t1");
  EXPECT_EQ(parcel("RET1")["dropoff_code"], "55512345");
  feed(
      evt("parcel", 1, "2026-11-21T12:00:00.000Z", "dropped_off",
          R"("tracking_number":"RET1","compartment":"2","size":"M","kind":"return","carrier":"dhl")"),
      at("2026-11-21T12:00:00.100Z"));
  EXPECT_EQ(parcel("RET1")["status"], "outbound");
  EXPECT_EQ(parcel("RET1")["status_text"], "Dropped off at locker t1: waiting for the courier");
  EXPECT_EQ(parcel("RET1")["kind"], "return");
  EXPECT_FALSE(parcel("RET1").contains("dropoff_code"));
  feed(evt("parcel", 2, "2026-11-21T15:00:00.000Z", "removed",
           R"("tracking_number":"RET1","compartment":"2","courier_id":"c","reason":"return")"));
  EXPECT_EQ(parcel("RET1")["status"], "in_transit");
  EXPECT_EQ(parcel("RET1")["status_text"], "Return on its way to the sender");
}

TEST_F(tracking_view_test, holds_a_failed_deposit_and_an_expired_announcement) {
  feed({root + "cmd/reservation_create",
        R"({"req_id":"r-4","reservation_id":"res-3","tracking_number":"TN300","size":"S",)"
        R"("hold_until":"2026-11-21T18:00:00.000Z"})",
        ""},
       at("2026-11-21T09:00:00.000Z"));
  feed({root + "res/reservation_create", R"({"req_id":"r-4","status":"ok","data":{}})", ""},
       at("2026-11-21T09:00:00.010Z"));
  feed(evt("parcel", 1, "2026-11-21T09:30:00.000Z", "deposit_failed",
           R"("tracking_number":"TN300","reason":"lock_fault")"));
  EXPECT_EQ(parcel("TN300")["status_text"],
            "Delivery attempt at locker t1 failed: the compartment did not open");
  feed(evt("parcel", 2, "2026-11-21T09:31:00.000Z", "hold_moved",
           R"("reservation_id":"res-3","tracking_number":"TN300","compartment":"7","from":"5",)"
           R"("reason":"out_of_service","hold_until":"2026-11-21T18:00:00.000Z")"));
  feed(evt(
      "parcel", 3, "2026-11-21T09:32:00.000Z", "hold_lost",
      R"("reservation_id":"res-3","tracking_number":"TN300","compartment":"7","reason":"faulty")"));
  feed(evt("parcel", 4, "2026-11-21T18:00:00.000Z", "hold_expired",
           R"("reservation_id":"res-3","tracking_number":"TN300","compartment":"7")"));
  // Holds are the locker's business: the recipient's page still says the same.
  auto p = parcel("TN300");
  EXPECT_EQ(p["status"], "attempt_failed");
  EXPECT_EQ(p["timeline"][2]["text"],
            "Hold moved from compartment 5 to 7 (out of service), until 21 Nov 18:00 UTC");
  feed(evt(
      "parcel", 5, "2026-11-28T09:00:00.000Z", "reservation_expired",
      R"("reservation_id":"res-3","tracking_number":"TN300","created_at":"2026-11-21T09:00:00.000Z")"));
  p = parcel("TN300");
  EXPECT_EQ(p["status"], "not_delivered");
  EXPECT_EQ(p["status_text"], "Not delivered to locker t1");
  EXPECT_EQ(kinds(p),
            (std::vector<std::string>{"announced", "deposit_failed", "hold_moved", "hold_lost",
                                      "hold_expired", "reservation_expired"}));
}

TEST_F(tracking_view_test, copies_and_late_copies_are_ordered_by_seq_and_counted_once) {
  feed(evt("door", 10, "2026-11-21T09:12:40.000Z", "opened",
           R"("compartment":"13","cause":"deposit")"));
  // The journal re-sent after a reconnect: 13 arrives before 11 and 12, and twice.
  feed(collected);
  EXPECT_EQ(view_.snapshot()["seq"]["missing"], 2);
  feed(collected);
  feed(stored);
  feed(door_opened);
  feed(stored);
  const auto snap = view_.snapshot();
  EXPECT_EQ(snap["counters"]["duplicates"], 2);
  EXPECT_EQ(snap["counters"]["events"], 4);
  EXPECT_EQ(snap["seq"]["missing"], 0);
  EXPECT_EQ(snap["seq"]["last"], 13);
  const auto p = parcel("TN100");
  // The late stored does not undo the collection.
  EXPECT_EQ(p["status"], "collected");
  EXPECT_EQ(kinds(p), (std::vector<std::string>{"stored", "collected"}));
  EXPECT_FALSE(p.contains("pickup_code"));
}

TEST_F(tracking_view_test, a_seq_repeated_with_another_event_id_is_a_fault_but_not_a_copy) {
  feed(stored);
  feed(collected);
  // The locker's database was replaced: seq starts again, with new event ids.
  auto fresh = evt("parcel", 11, "2026-11-22T08:00:00.000Z", "stored",
                   R"("tracking_number":"TN700","compartment":"2","size":"S","courier_id":"c",)"
                   R"("expires_at":"2026-11-25T08:00:00.000Z")");
  fresh.payload.replace(fresh.payload.find(id(11)), id(11).size(), id(1011));
  feed(fresh);
  feed(fresh);
  auto other = stored;
  other.payload.replace(other.payload.find(id(11)), id(11).size(), id(99));
  feed(other);
  EXPECT_EQ(counters()["seq_conflicts"], 2);
  EXPECT_EQ(counters()["duplicates"], 1);  // the second copy of the replacement's event
  EXPECT_EQ(counters()["bad_payloads"], 0);
  EXPECT_EQ(parcel("TN700")["status"], "ready");
  EXPECT_EQ(view_.snapshot()["problems"][0]["problem"], "seq repeated");
}

TEST_F(tracking_view_test, the_same_tracking_number_announced_again_after_its_story_ended) {
  feed(announce, at("2026-11-21T09:00:00.000Z"));
  feed(announce_ok, at("2026-11-21T09:00:00.010Z"));
  // A repeat of the announcement (a new req_id) is not news.
  feed({root + "cmd/reservation_create",
        R"({"req_id":"r-1b","reservation_id":"res-1","tracking_number":"TN100","size":"S"})", ""},
       at("2026-11-21T09:01:00.000Z"));
  feed({root + "res/reservation_create", R"({"req_id":"r-1b","status":"ok","data":{}})", ""},
       at("2026-11-21T09:01:00.010Z"));
  EXPECT_EQ(kinds(parcel("TN100")), (std::vector<std::string>{"announced"}));
  feed(stored);
  feed(collected);
  feed({root + "cmd/reservation_create",
        R"({"req_id":"r-1c","reservation_id":"res-1c","tracking_number":"TN100","size":"S"})", ""},
       at("2026-11-23T09:00:00.000Z"));
  feed({root + "res/reservation_create", R"({"req_id":"r-1c","status":"ok","data":{}})", ""},
       at("2026-11-23T09:00:00.010Z"));
  const auto p = parcel("TN100");
  EXPECT_EQ(kinds(p), (std::vector<std::string>{"announced", "stored", "collected", "announced"}));
  EXPECT_EQ(p["status_text"], "On its way to locker t1");
}

TEST_F(tracking_view_test, bad_payloads_are_counted_and_shown_and_change_nothing) {
  feed({root + "evt/parcel", "not json {", ""});
  feed({root + "evt/parcel", "[1,2]", ""});
  feed({root + "evt/parcel", R"({"type":"stored","tracking_number":"TN1"})", ""});
  // Well formed but missing what the contract requires.
  feed(evt("parcel", 5, "2026-11-21T09:00:00.000Z", "stored",
           R"("tracking_number":"TN1","compartment":"1","size":"S","courier_id":"c")"));
  feed(evt("parcel", 6, "2026-11-21T09:00:00.000Z", "collected", R"("compartment":"1")"));
  feed({root + "status", R"({"online":"yes"})", ""});
  feed({root + "state", R"({"seq":"x"})", ""});
  feed(evt("alarm", 7, "2026-11-21T09:00:00.000Z", "tamper", R"("compartment":"1")"));
  const auto snap = view_.snapshot();
  EXPECT_EQ(snap["counters"]["bad_payloads"], 8);
  EXPECT_EQ(snap["parcels"].size(), 0U);
  EXPECT_EQ(snap["alarms"]["open"].size(), 0U);
  EXPECT_EQ(snap["problems"].size(), 8U);
  EXPECT_EQ(snap["problems"][0]["problem"], "bad payload");
  EXPECT_EQ(snap["problems"][0]["topic"], root + "evt/alarm");
  // A refused event is not counted as seen.
  EXPECT_TRUE(snap["seq"]["last"].is_null());
  EXPECT_TRUE(snap["liveness"]["online"].is_null());
}

TEST_F(tracking_view_test, unknown_event_and_alarm_types_are_counted_and_shown) {
  feed(stored);
  feed(evt("parcel", 12, "2026-11-21T09:20:00.000Z", "relabelled",
           R"("tracking_number":"TN100","compartment":"13")"));
  feed(evt("alarm", 13, "2026-11-21T09:21:00.000Z", "flood",
           R"("severity":"critical","active":true)"));
  const auto snap = view_.snapshot();
  EXPECT_EQ(snap["counters"]["unknown"], 2);
  EXPECT_EQ(snap["problems"][0]["detail"], "flood");
  EXPECT_EQ(snap["problems"][1]["detail"], "relabelled");
  const auto p = parcel("TN100");
  EXPECT_EQ(p["status"], "ready");  // unchanged
  EXPECT_EQ(kinds(p), (std::vector<std::string>{"stored", "relabelled"}));
  ASSERT_EQ(snap["alarms"]["open"].size(), 1U);
  EXPECT_EQ(snap["alarms"]["open"][0]["text"], "Alarm flood");
  EXPECT_EQ(snap["seq"]["missing"], 0);
}

TEST_F(tracking_view_test, an_alarm_raised_and_cleared) {
  feed(evt("alarm", 1, "2026-11-21T09:00:00.000Z", "door_left_open",
           R"("compartment":"2","severity":"warning","active":true)"));
  feed(evt("alarm", 2, "2026-11-21T09:00:05.000Z", "keypad_lockout",
           R"("severity":"warning","active":true)"));
  auto snap = view_.snapshot();
  ASSERT_EQ(snap["alarms"]["open"].size(), 2U);
  EXPECT_EQ(snap["alarms"]["open"][0]["text"], "Door left open at compartment 2");
  EXPECT_EQ(snap["alarms"]["open"][0]["since"], "2026-11-21T09:00:00.000Z");
  feed(evt("alarm", 3, "2026-11-21T09:01:00.000Z", "door_left_open",
           R"("compartment":"2","severity":"warning","active":false)"));
  // A late copy of the raising does not reopen it.
  feed(evt("alarm", 1, "2026-11-21T09:00:00.000Z", "door_left_open",
           R"("compartment":"2","severity":"warning","active":true)"));
  snap = view_.snapshot();
  ASSERT_EQ(snap["alarms"]["open"].size(), 1U);
  EXPECT_EQ(snap["alarms"]["open"][0]["type"], "keypad_lockout");
  ASSERT_EQ(snap["alarms"]["history"].size(), 3U);
  EXPECT_EQ(snap["alarms"]["history"][0]["text"], "Door left open at compartment 2 (cleared)");
  EXPECT_EQ(snap["alarms"]["history"][0]["active"], false);
  // The retained state, as new as the events, is the list of what is active now.
  feed({root + "state", R"({"seq":3,"compartments":[],"alarms":[]})", ""});
  EXPECT_EQ(view_.snapshot()["alarms"]["open"].size(), 0U);
}

TEST_F(tracking_view_test, liveness_follows_the_retained_status_and_the_last_message) {
  EXPECT_EQ(view_.snapshot()["liveness"]["text"], "No status from the locker yet");
  feed(
      {root + "status",
       R"({"online":true,"version":"0.1.0","boot_id":"b-1","started_at":"2026-11-21T08:59:00.000Z"})",
       ""},
      at("2026-11-21T09:00:00.000Z"));
  auto live = view_.snapshot()["liveness"];
  EXPECT_EQ(live["online"], true);
  EXPECT_EQ(live["text"], "Online, version 0.1.0, started 21 Nov 08:59 UTC");
  feed({root + "tele", R"({"ts":"2026-11-21T09:05:00.000Z","uptime_s":360})", ""},
       at("2026-11-21T09:05:00.010Z"));
  EXPECT_EQ(view_.snapshot()["liveness"]["last_seen"], "2026-11-21T09:05:00.010Z");
  // The broker gives the locker's last will.
  feed({root + "status", R"({"online":false,"reason":"lost"})", ""},
       at("2026-11-21T09:06:00.000Z"));
  live = view_.snapshot()["liveness"];
  EXPECT_EQ(live["online"], false);
  EXPECT_EQ(live["reason"], "lost");
  EXPECT_EQ(live["text"], "Offline: connection lost (the broker gave its last will)");
  EXPECT_EQ(live["status_received"], "2026-11-21T09:06:00.000Z");
  feed({root + "status", R"({"online":false,"reason":"shutdown"})", ""});
  EXPECT_EQ(view_.snapshot()["liveness"]["text"], "Offline: shut down cleanly");
  // The tracking system's own requests are not signs of the locker's life.
  feed(announce, at("2026-11-21T10:00:00.000Z"));
  EXPECT_EQ(view_.snapshot()["liveness"]["last_seen"], "2026-11-21T09:00:00.000Z");
}

TEST_F(tracking_view_test, the_retained_state_shows_parcels_stored_before_the_view_started) {
  feed(
      {root + "state",
       R"({"seq":40,"compartments":[)"
       R"({"id":"1","size":"S","door":"closed","lock":"locked","occupied":false,"service":"in_service"},)"
       R"({"id":"2","size":"M","door":"closed","lock":"locked","occupied":true,"service":"in_service",)"
       R"("parcel":{"tracking_number":"OLD1","state":"stored","stored_at":"2026-11-20T08:00:00.000Z",)"
       R"("expires_at":"2026-11-23T08:00:00.000Z"}}],)"
       R"("alarms":[{"type":"power","severity":"warning","since":"2026-11-21T07:00:00.000Z"}]})",
       ""});
  const auto snap = view_.snapshot();
  EXPECT_EQ(snap["seq"]["locker"], 40);
  EXPECT_EQ(snap["compartments"], 2);
  EXPECT_EQ(snap["free_compartments"], 1);
  ASSERT_EQ(snap["alarms"]["open"].size(), 1U);
  EXPECT_EQ(snap["alarms"]["open"][0]["text"], "Running on backup power");
  const auto p = parcel("OLD1");
  EXPECT_EQ(p["status_text"], "Ready for pickup at locker t1 until 23 Nov 08:00 UTC");
  EXPECT_EQ(p["compartment"], "2");
  // Republished state changes nothing.
  feed(
      {root + "state",
       R"({"seq":40,"compartments":[)"
       R"({"id":"2","size":"M","door":"closed","lock":"locked","occupied":true,"service":"in_service",)"
       R"("parcel":{"tracking_number":"OLD1","state":"stored","stored_at":"2026-11-20T08:00:00.000Z",)"
       R"("expires_at":"2026-11-23T08:00:00.000Z"}}],"alarms":[]})",
       ""});
  EXPECT_EQ(parcel("OLD1")["timeline"].size(), 1U);
}

TEST_F(tracking_view_test, other_lockers_and_other_topics_are_ignored) {
  view_.on_message("locker/v1/t2/evt/parcel", stored.payload, t0);
  view_.on_message("locker/v1/t1x/status", R"({"online":true})", t0);
  feed({root + "cfg/desired", R"({"version":3})", ""});
  feed({root + "cmd/reboot", R"({"req_id":"x","reason":"y"})", ""});
  const auto snap = view_.snapshot();
  EXPECT_EQ(snap["parcels"].size(), 0U);
  EXPECT_EQ(snap["counters"]["messages"], 0);
  EXPECT_TRUE(snap["liveness"]["last_seen"].is_null());
}

}  // namespace
}  // namespace locker::tracking
