// SPDX-License-Identifier: Apache-2.0
// The tracking view end to end: a real mosquitto, a real locker-sim and a real lockerd (the
// process tests' rig, tests/mqtt/lockerd_process.hpp), the tracking system announcing a parcel,
// a courier and a recipient at the keypad, and the view fed only by its own subscriber. The
// recipient's page must go "on its way", "ready for pickup until ...", "collected", and the
// locker's clean stop must show as offline. Real time: every wait has a deadline.
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "simulator/tracking/tracking_subscriber.hpp"
#include "simulator/tracking/tracking_view.hpp"
#include "tests/mqtt/lockerd_process.hpp"

namespace locker::tracking {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class tracking_broker : public mqtt::process_testing::mqtt_lockerd_process {
 protected:
  void TearDown() override {
    subscriber_.reset();
    mqtt_lockerd_process::TearDown();
  }

  void subscribe() {
    subscriber_settings settings;
    settings.broker_url = broker_->url();
    settings.locker_id = "t1";
    subscriber_ =
        std::make_unique<tracking_subscriber>(io_, settings, view_, [this] { ++changed_; });
    subscriber_->start();
  }

  // Runs the view's loop and keeps the simulator's socket read until pred holds.
  bool wait_view(const std::function<bool()>& pred, std::chrono::milliseconds d = 15s) {
    const auto end = std::chrono::steady_clock::now() + d;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > end) return false;
      io_.restart();
      io_.run_for(5ms);
      control_->pump(5ms);
    }
    return true;
  }

  json parcel(const std::string& tracking_number) const {
    const auto snap = view_.snapshot();  // kept: the loop reads into it
    for (const auto& p : snap["parcels"])
      if (p["tracking_number"] == tracking_number) return p;
    return json::object();
  }
  bool status_is(const std::string& tracking_number, const std::string& status) const {
    return parcel(tracking_number).value("status", "") == status;
  }

  boost::asio::io_context io_;
  tracking_view view_{"t1"};
  int changed_ = 0;
  std::unique_ptr<tracking_subscriber> subscriber_;
};

TEST_F(tracking_broker, the_view_shows_a_parcel_announced_stored_then_collected) {
  try {
    subscribe();
    ASSERT_TRUE(wait_view([&] { return subscriber_->subscribed(); }));
    start_lockerd();
    ASSERT_TRUE(wait_view([&] { return view_.snapshot()["liveness"]["online"] == true; }))
        << view_.snapshot().dump(2);
    EXPECT_GT(changed_, 0);

    const std::string tracking = "70000042";
    const std::string code = "13572468";
    ASSERT_EQ(command("reservation_create", {{"req_id", "a1"},
                                             {"reservation_id", "r-1"},
                                             {"tracking_number", tracking},
                                             {"size", "S"},
                                             {"pickup_code", code}})
                  .value("status", ""),
              "ok");
    ASSERT_TRUE(wait_view([&] { return status_is(tracking, "announced"); }))
        << view_.snapshot().dump(2);
    EXPECT_EQ(parcel(tracking)["status_text"], "On its way to locker t1");

    courier_login();
    const auto box = deposit_at_menu(tracking, true);
    send("press #");
    ASSERT_TRUE(wait_view([&] { return status_is(tracking, "ready"); }))
        << view_.snapshot().dump(2);
    auto p = parcel(tracking);
    EXPECT_EQ(p["compartment"], box);
    EXPECT_TRUE(
        p["status_text"].get<std::string>().starts_with("Ready for pickup at locker t1 until "))
        << p.dump(2);

    pickup(code, box);
    ASSERT_TRUE(wait_view([&] { return status_is(tracking, "collected"); }))
        << view_.snapshot().dump(2);
    p = parcel(tracking);
    EXPECT_EQ(p["status_text"], "Collected");
    std::vector<std::string> kinds;
    for (const auto& e : p["timeline"]) kinds.push_back(e["kind"]);
    EXPECT_EQ(kinds, (std::vector<std::string>{"announced", "stored", "collected"}));

    // A clean stop: the locker's last word on its retained status.
    lockerd_.stop(SIGTERM);
    ASSERT_TRUE(wait_view([&] { return view_.snapshot()["liveness"]["online"] == false; }))
        << view_.snapshot().dump(2);
    const auto snap = view_.snapshot();
    EXPECT_EQ(snap["liveness"]["text"], "Offline: shut down cleanly");
    EXPECT_EQ(snap["counters"]["bad_payloads"], 0) << snap["problems"].dump(2);
    EXPECT_EQ(snap["counters"]["unknown"], 0) << snap["problems"].dump(2);
    EXPECT_EQ(snap["seq"]["missing"], 0);
  } catch (const test::failure& f) {
    FAIL() << f.what() << "\n" << log_tail();
  }
}

}  // namespace
}  // namespace locker::tracking
