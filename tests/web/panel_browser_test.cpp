// SPDX-License-Identifier: Apache-2.0
// The browser front panel end to end: a real mosquitto, locker-sim --http, lockerd on the sim
// backend, and Debian's headless Chromium driven by panel_flow.mjs (playwright-core from
// tests/web/node_modules, installed by tools/install-deps: nothing is downloaded here). A parcel
// is announced over MQTT; then, by clicks only, a courier deposits it and the recipient types
// the code and collects it. The script checks the page (the tracking view beside the cabinet
// too: locker-sim --broker); this test checks that the tracking system heard stored and
// collected. Real time and real processes, so each wait has a deadline.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/child_process.hpp"
#include "tests/support/failure.hpp"
#include "tests/support/locker_db.hpp"
#include "tests/support/locker_processes.hpp"
#include "tests/support/mosquitto_broker.hpp"

namespace locker::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;

constexpr std::string_view locker_id = "web-1";
const std::string root = "locker/v1/web-1/";
constexpr auto deadline = 15s;

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), {}};
}

bool has_parcel_event(const std::vector<received_message>& msgs, std::string_view type,
                      const std::string& tracking) {
  for (const auto& m : msgs) {
    if (m.topic != root + "evt/parcel") continue;
    const auto j = json::parse(m.payload, nullptr, false);
    if (j.is_object() && j.value("type", "") == type && j.value("tracking_number", "") == tracking)
      return true;
  }
  return false;
}

TEST(web_panel_browser, a_deposit_and_a_pickup_by_clicks_in_headless_chromium) {
  const fs::path web = fs::path(LOCKER_SOURCE_DIR) / "tests/web";
  ASSERT_TRUE(fs::exists(web / "node_modules/playwright-core"))
      << "tests/web/node_modules is missing: run tools/install-deps (it runs npm ci there)";
  ASSERT_TRUE(fs::exists(LOCKER_CHROMIUM)) << LOCKER_CHROMIUM << " is missing: tools/install-deps";

  locker_files files(detail::make_temp_dir("locker-web-panel"));
  try {
    mosquitto_broker broker;
    test_subscriber recorder(broker.url(), root + "#");

    make_state_dir(files.state_dir);
    config_extras more;
    more.tables =
        "[broker]\nurl = \"" + broker.url() + "\"\nkeepalive_s = 2\nreconnect_max_s = 1\n";
    const fs::path board = fs::path(LOCKER_SOURCE_DIR) / "config/boards/sim-24.toml";
    write_config(files, locker_id, board, more);
    const std::string pin = "246813";
    add_courier(files.state_dir, "courier-1", "Web", pin);

    // Port 0: the simulator takes a free one and says which in its log. Clean door contacts:
    // Chromium and a build on the same two cores can stall the simulator mid-bounce for longer
    // than lockerd's debounce, and this test is about the page, not about debouncing.
    locker_sim_process sim(LOCKER_SIM_PATH, board, files.sim_socket, files.sim_log, deadline,
                           {"--http", "0", "--bounce-ms", "0", "--broker", broker.url(),
                            "--locker-id", std::string(locker_id)});
    std::string url;
    sim.control().wait_until(
        [&] {
          const auto log = read_file(files.sim_log);
          const auto at = log.find("front panel at ");
          if (at == std::string::npos) return false;
          url = log.substr(at + 15, log.find('\n', at) - at - 15);
          return true;
        },
        [] { return std::string("locker-sim never said where its front panel is"); });
    lockerd_process lockerd(LOCKERD_PATH, files.config_file, files.lockerd_log);
    lockerd.start(sim.control());

    // The tracking system announces the parcel, with the code the recipient was sent.
    const std::string tracking = "40000001";
    const std::string code = "31415926";
    ASSERT_TRUE(recorder.wait_for(
        [&](const auto& m) {
          for (const auto& x : m)
            if (x.topic == root + "status" &&
                json::parse(x.payload, nullptr, false).value("online", false))
              return true;
          return false;
        },
        deadline))
        << "lockerd never came online\n"
        << lockerd.log_tail();
    recorder.publish(root + "cmd/reservation_create", json{{"req_id", "w1"},
                                                           {"reservation_id", "r-web-1"},
                                                           {"tracking_number", tracking},
                                                           {"size", "M"},
                                                           {"pickup_code", code}}
                                                          .dump());
    ASSERT_TRUE(recorder.wait_for(
        [&](const auto& m) {
          for (const auto& x : m)
            if (x.topic == root + "res/reservation_create") return true;
          return false;
        },
        deadline));
    for (const auto& x : recorder.on_topic(root + "res/reservation_create"))
      ASSERT_EQ(json::parse(x.payload)["status"], "ok") << x.payload;

    // The person at the page.
    const fs::path node_log = files.dir / "panel_flow.log";
    const fs::path shot = fs::path(LOCKER_BINARY_DIR) / "web-panel-mid-flow.png";
    child_process node;
    const auto started = std::chrono::steady_clock::now();
    node.start(
        {LOCKER_NODE, (web / "panel_flow.mjs").string(), "--url", url, "--pin", pin, "--tracking",
         tracking, "--code", code, "--screenshot", shot.string(), "--chromium", LOCKER_CHROMIUM},
        node_log);
    std::optional<int> status;
    while (!(status = node.ended())) {
      if (std::chrono::steady_clock::now() - started > 60s)
        fail("the browser flow did not end within 60 s:\n", log_tail(node_log));
      if (auto l = lockerd.ended()) fail("lockerd died (", *l, "):\n", lockerd.log_tail());
      sim.control().pump(20ms);  // keep the watching control connection read
    }
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    ASSERT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
        << "the browser flow failed (status " << *status << "):\n"
        << log_tail(node_log) << "lockerd:\n"
        << lockerd.log_tail(20) << "locker-sim:\n"
        << log_tail(files.sim_log, 40);
    std::cout << "[web_panel_browser] the browser flow took " << took.count() << " ms:\n"
              << log_tail(node_log, 12);

    // What the tracking system heard.
    EXPECT_TRUE(recorder.wait_for(
        [&](const auto& m) {
          return has_parcel_event(m, "stored", tracking) &&
                 has_parcel_event(m, "collected", tracking);
        },
        deadline))
        << "stored and collected did not both reach the broker\n"
        << lockerd.log_tail();
    lockerd.stop(SIGTERM);
  } catch (const failure& f) {
    FAIL() << f.what();
  }
  if (!::testing::Test::HasFailure()) {
    std::error_code ec;
    fs::remove_all(files.dir, ec);
  } else {
    std::cout << "[web_panel_browser] kept " << files.dir << '\n';
  }
}

}  // namespace
}  // namespace locker::test
