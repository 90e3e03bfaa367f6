// SPDX-License-Identifier: Apache-2.0
// simulator/web/tracking.js in a real browser: the real tracking_view's snapshot of recorded
// payloads, drawn by headless Chromium (Debian's) into tests/web/tracking_harness.html and
// read back with --dump-dom. The page must say what the view says, in timeline order, and
// show what came over the wire as text, never as markup.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "simulator/tracking/tracking_view.hpp"
#include "tests/support/mosquitto_broker.hpp"
#include "tests/tracking/recordings.hpp"

namespace locker::tracking {
namespace {

using namespace recordings;
namespace fs = std::filesystem;

const fs::path chromium = "/usr/bin/chromium";

std::string read(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(tracking_page, the_browser_draws_each_parcel_its_timeline_alarms_and_liveness) {
  if (!fs::exists(chromium)) GTEST_SKIP() << "no " << chromium;
  tracking_view view("t1");
  const auto feed = [&](const recorded& m) { view.on_message(m.topic, m.payload, t0); };
  feed({root + "status", R"({"online":false,"reason":"lost"})", ""});
  feed(announce);
  feed(announce_ok);
  feed(stored);
  feed(door_opened);
  feed(collected);
  feed(evt("parcel", 15, "2026-11-21T10:30:00.000Z", "stored",
           R"("tracking_number":"<b>X9</b>","compartment":"4","size":"M","courier_id":"c",)"
           R"("expires_at":"2026-11-24T10:30:00.000Z","pickup_code":"11223344")"));
  feed(evt("alarm", 16, "2026-11-21T10:31:00.000Z", "door_forced",
           R"("compartment":"7","severity":"critical","active":true)"));
  feed({root + "evt/parcel", "garbage", ""});

  const fs::path dir = test::detail::make_temp_dir("locker-tracking-page");
  std::ofstream(dir / "snapshot.js")
      << "window.trackingSnapshot = " << view.snapshot().dump() << ";\n";
  const fs::path harness = fs::path(LOCKER_SOURCE_DIR) / "tests/web/tracking_harness.html";
  const std::string command =
      "timeout 60 " + chromium.string() +
      " --headless=new --no-sandbox --disable-gpu --no-first-run" + " --user-data-dir='" +
      (dir / "profile").string() + "'" + " --dump-dom 'file://" + harness.string() +
      "?data=file://" + (dir / "snapshot.js").string() + "' > '" + (dir / "dom.html").string() +
      "' 2> '" + (dir / "chromium.log").string() + "'";
  ASSERT_EQ(std::system(command.c_str()), 0) << read(dir / "chromium.log");
  const std::string dom = read(dir / "dom.html");
  ASSERT_NE(dom.find(R"(data-rendered="yes")"), std::string::npos) << dom;

  const auto has = [&](const std::string& text) { return dom.find(text) != std::string::npos; };
  EXPECT_TRUE(has("Tracking system: locker t1")) << dom;
  EXPECT_TRUE(has("Offline: connection lost (the broker gave its last will)")) << dom;
  EXPECT_TRUE(has("Open alarms (1)")) << dom;
  EXPECT_TRUE(has("Door forced open at compartment 7")) << dom;
  // The newest parcel first, with its code for the recipient; the wire's text stays text.
  EXPECT_TRUE(has("&lt;b&gt;X9&lt;/b&gt;")) << dom;
  EXPECT_FALSE(has("<b>X9</b>")) << dom;
  EXPECT_TRUE(has("Ready for pickup at locker t1 until 24 Nov 10:30 UTC")) << dom;
  EXPECT_TRUE(has("11223344")) << dom;
  // TN100's page says Collected, and its timeline runs announced, stored, collected.
  const auto card = dom.find(R"(data-tracking-number="TN100")");
  ASSERT_NE(card, std::string::npos) << dom;
  const auto collected_text = dom.find(">Collected<", card);
  const auto announced = dom.find(R"(data-kind="announced")", card);
  const auto stored_line = dom.find("Stored in compartment 13 by courier courier-1", card);
  const auto collected_line = dom.find("Collected from compartment 13 after 1 wrong code", card);
  EXPECT_NE(collected_text, std::string::npos) << dom;
  EXPECT_LT(announced, stored_line) << dom;
  EXPECT_LT(stored_line, collected_line) << dom;
  EXPECT_NE(collected_line, std::string::npos) << dom;
  EXPECT_FALSE(has("48213577")) << "a collected parcel's code is still shown\n" << dom;
  // What the view could not read is on the page too.
  EXPECT_TRUE(has("1 bad payloads")) << dom;
  EXPECT_TRUE(has("bad payload on locker/v1/t1/evt/parcel: not a JSON object")) << dom;

  std::error_code ec;
  if (!HasFailure()) fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace locker::tracking
