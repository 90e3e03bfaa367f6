// SPDX-License-Identifier: Apache-2.0
#include "simulator/control.hpp"

#include <gtest/gtest.h>

#include "drivers/input/wiegand.hpp"
#include "drivers/virtual_clock.hpp"

namespace locker::simulator {
namespace {

using drivers::millis;

drivers::board_config two_compartments() {
  drivers::board_config b;
  b.sizes = {"S"};
  for (const char* id : {"1", "2"}) {
    drivers::compartment_config c;
    c.id = id;
    c.size = "S";
    c.lock.name = std::string("LOCK_0") + id;
    c.door.name = std::string("DOOR_0") + id;
    c.presence = drivers::line_spec::named(std::string("PRESENCE_0") + id);
    b.compartments.push_back(c);
  }
  return b;
}

class control_test : public ::testing::Test {
 protected:
  std::string run(std::string_view line) {
    auto r = run_control(model_, line);
    EXPECT_EQ(r.lines.size(), 1U) << line;
    return r.lines.empty() ? "" : r.lines.front();
  }

  drivers::virtual_clock clock_;
  cabinet_model model_{two_compartments(), clock_};
};

TEST_F(control_test, person_commands_drive_the_model) {
  std::string keys;
  model_.on_key([&](char k) { keys += k; });
  EXPECT_EQ(run("press 1 2 3 #"), "ok");
  EXPECT_EQ(run("press 45*"), "ok");
  EXPECT_EQ(keys, "123#45*");

  model_.set_output("LOCK_01", true);
  clock_.advance(millis{100});
  EXPECT_EQ(run("open 1"), "ok");
  EXPECT_EQ(run("put 1"), "ok");
  EXPECT_EQ(run("take 1"), "ok");
  EXPECT_EQ(run("close 1"), "ok");
  EXPECT_EQ(run("jam 2"), "ok");
  EXPECT_EQ(run("unjam 2"), "ok");
  EXPECT_EQ(run("stuck 2 open"), "ok");
  EXPECT_EQ(run("unstick 2"), "ok");
  EXPECT_EQ(run("chatter 2"), "ok");
  EXPECT_EQ(run("unstick 2"), "ok");
  EXPECT_EQ(run("force 2"), "ok");
  EXPECT_EQ(run("bounce 10 2"), "ok");
  EXPECT_EQ(model_.bounce().count, 2);
  EXPECT_EQ(run("power off"), "ok");
  EXPECT_EQ(run("power on"), "ok");
}

TEST_F(control_test, queries_and_session_commands) {
  model_.show("Hello\nWorld");
  EXPECT_EQ(run("display"), "ok Hello\\nWorld");
  EXPECT_EQ(run("state").front(), '{');
  EXPECT_EQ(run_control(model_, "watch").action, control_action::watch);
  EXPECT_EQ(run_control(model_, "quit").action, control_action::quit);
  EXPECT_EQ(run_control(model_, "attach board").action, control_action::attach_board);
  const auto help = run_control(model_, "help");
  ASSERT_GT(help.lines.size(), 2U);
  EXPECT_EQ(help.lines.back(), "ok");
}

TEST_F(control_test, bad_input_gets_one_error_and_changes_nothing) {
  const std::string before = model_.state_json();
  for (const char* bad :
       {"",         "   ",           "fly 1",    "open",          "open 1 2",  "open 99",
        "close 1",  "put 1",         "press",    "press 12x",     "stuck 1",   "stuck 1 sideways",
        "bounce",   "bounce five 4", "bounce 5", "bounce -1 4",   "power",     "power maybe",
        "power on", "state now",     "attach",   "attach keypad", "unstick 1", "unjam 1",
        "take 2"}) {
    const std::string reply = run(bad);
    EXPECT_EQ(reply.rfind("error ", 0), 0U) << "'" << bad << "' -> " << reply;
  }
  EXPECT_EQ(model_.state_json(), before);
  EXPECT_EQ(run("open 99"), "error no compartment '99'");
  EXPECT_EQ(run("fly"), "error unknown command 'fly' (try 'help')");
}

drivers::board_config with_scanner(std::size_t max_length) {
  auto b = two_compartments();
  drivers::scanner_config s;
  s.max_length = max_length;
  b.scanner = s;
  return b;
}

TEST(control_scan, scan_hands_the_rest_of_the_line_to_the_scanner) {
  drivers::virtual_clock clock;
  cabinet_model model(with_scanner(20), clock);
  std::vector<std::string> scans;
  std::vector<std::string> events;
  model.on_scan([&](const std::string& s) { scans.push_back(s); });
  model.on_event([&](const cabinet_event& e) { events.push_back(e.kind + " " + e.details); });
  EXPECT_EQ(run_control(model, "scan 1Z999AA10123456784").lines, std::vector<std::string>{"ok"});
  EXPECT_EQ(run_control(model, "  scan   two words  ").lines, std::vector<std::string>{"ok"});
  EXPECT_EQ(scans, (std::vector<std::string>{"1Z999AA10123456784", "two words"}));
  EXPECT_EQ(events, (std::vector<std::string>{"scan 1Z999AA10123456784", "scan two words"}));

  // Refused, and nothing scanned: no text, longer than the scanner's max_length, no power.
  for (const char* bad : {"scan", "scan   ", "scan 123456789012345678901", "scan a\tb"}) {
    const auto r = run_control(model, bad);
    ASSERT_EQ(r.lines.size(), 1U) << bad;
    EXPECT_EQ(r.lines.front().rfind("error ", 0), 0U) << bad << " -> " << r.lines.front();
  }
  ASSERT_TRUE(model.set_power(false).ok());
  EXPECT_EQ(run_control(model, "scan 48213377").lines,
            std::vector<std::string>{"error power is off"});
  EXPECT_EQ(scans.size(), 2U);
}

TEST(control_scan, a_board_without_scanner_refuses_scans) {
  drivers::virtual_clock clock;
  cabinet_model model(two_compartments(), clock);
  bool scanned = false;
  model.on_scan([&](const std::string&) { scanned = true; });
  const auto r = run_control(model, "scan 48213377");
  ASSERT_EQ(r.lines.size(), 1U);
  EXPECT_EQ(r.lines.front(), "error this board has no scanner (no [scanner] in its board file)");
  EXPECT_FALSE(scanned);
}

drivers::board_config with_wiegand_reader() {
  auto b = two_compartments();
  drivers::badge_config badge;
  badge.wiegand_d0 = drivers::line_spec::named("WIEGAND_D0");
  badge.wiegand_d1 = drivers::line_spec::named("WIEGAND_D1");
  b.badge = badge;
  return b;
}

// The pulses a badge command puts on the reader's lines, decoded as lockerd would: by
// their starts.
struct wiegand_listener {
  explicit wiegand_listener(cabinet_model& model, drivers::clock& clock) : clock_(clock) {
    model.on_input([this](const std::string& line, bool active) {
      if (line != "WIEGAND_D0" && line != "WIEGAND_D1") return;
      const auto wire = line == "WIEGAND_D0" ? drivers::input::wiegand_wire::d0
                                             : drivers::input::wiegand_wire::d1;
      if (!active) return;
      if (auto f = decoder.pulse(wire, clock_.now())) frames.push_back(*f);
    });
  }
  void finish() {
    if (auto f = decoder.finish()) frames.push_back(*f);
  }
  drivers::clock& clock_;
  drivers::input::wiegand_decoder decoder;
  std::vector<drivers::input::wiegand_frame> frames;
};

TEST(control_badge, badge_pulses_the_cards_frame_on_the_wiegand_lines) {
  drivers::virtual_clock clock;
  cabinet_model model(with_wiegand_reader(), clock);
  wiegand_listener reader(model, clock);
  EXPECT_EQ(run_control(model, "badge 12:3456").lines, std::vector<std::string>{"ok"});
  // One bit every 2 ms: a second card waits until the first is sent.
  EXPECT_EQ(run_control(model, "badge 4660:22136").lines,
            std::vector<std::string>{"error the badge reader is still sending"});
  clock.advance(millis{60});
  reader.finish();
  EXPECT_EQ(run_control(model, "badge 4660:22136").lines, std::vector<std::string>{"ok"});
  clock.advance(millis{80});
  reader.finish();
  ASSERT_EQ(reader.frames.size(), 2U);
  EXPECT_EQ(reader.frames[0].bits, 26U);
  EXPECT_EQ(reader.frames[0].badge_id(), "12:3456");
  EXPECT_EQ(reader.frames[1].bits, 34U);
  EXPECT_EQ(reader.frames[1].badge_id(), "4660:22136");
  EXPECT_EQ(model.input("WIEGAND_D0"), false);  // idle again
  EXPECT_EQ(model.input("WIEGAND_D1"), false);
}

TEST(control_badge, wiegand_sends_any_frame_and_bad_input_is_refused) {
  drivers::virtual_clock clock;
  cabinet_model model(with_wiegand_reader(), clock);
  wiegand_listener reader(model, clock);
  EXPECT_EQ(run_control(model, "wiegand 1011").lines, std::vector<std::string>{"ok"});
  clock.advance(millis{20});
  reader.finish();
  ASSERT_EQ(reader.frames.size(), 1U);
  EXPECT_FALSE(reader.frames[0].ok());
  for (const char* bad : {"badge", "badge 12", "badge a:1", "badge 1:65536", "badge 1:2 3",
                          "wiegand 102", "wiegand"}) {
    const auto r = run_control(model, bad);
    ASSERT_EQ(r.lines.size(), 1U) << bad;
    EXPECT_EQ(r.lines.front().rfind("error ", 0), 0U) << bad << ": " << r.lines.front();
  }
  EXPECT_TRUE(model.set_power(false).ok());
  EXPECT_EQ(run_control(model, "badge 1:2").lines, std::vector<std::string>{"error power is off"});
}

TEST(control_badge, a_board_without_a_wiegand_reader_refuses_badges) {
  drivers::virtual_clock clock;
  cabinet_model model(two_compartments(), clock);
  const auto r = run_control(model, "badge 12:3456");
  ASSERT_EQ(r.lines.size(), 1U);
  EXPECT_EQ(r.lines.front(),
            "error this board has no Wiegand badge reader (no [badge] with wiegand lines)");
}

}  // namespace
}  // namespace locker::simulator
