// SPDX-License-Identifier: Apache-2.0
#include "drivers/gpiod/gpiod_board.hpp"

#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "drivers/gpiod/evdev_scanner.hpp"
#include "drivers/virtual_clock.hpp"
#include "tests/gpiod/fake_port.hpp"

namespace locker::drivers::gpiod_backend {
namespace {

using namespace std::chrono_literals;
using testing::fake_source;
using ::testing::HasSubstr;

struct board_fixture : ::testing::Test {
  boost::asio::io_context io;
  virtual_clock clock;
  drivers::board_config cfg;
  fake_source* lines = nullptr;

  board_fixture() {
    cfg.file = "board.toml";
    cfg.keypad.kind = drivers::keypad_kind::matrix;
    for (int r = 0; r < 4; ++r)
      cfg.keypad.rows.push_back(line_spec::named("KP_ROW" + std::to_string(r), true));
    for (int c = 0; c < 3; ++c)
      cfg.keypad.columns.push_back(line_spec::named("KP_COL" + std::to_string(c), true));
    cfg.keypad.keys = {"123", "456", "789", "*0#"};
    cfg.display.kind = drivers::display_kind::none;
  }
  std::unique_ptr<gpiod_board> make() {
    auto src = std::make_unique<fake_source>();
    lines = src.get();
    return std::make_unique<gpiod_board>(io, clock, cfg, "lockerd", std::move(src));
  }
};

TEST_F(board_fixture, output_is_requested_inactive_under_the_consumer) {
  auto b = make();
  output_line& lock = b->output(line_spec::named("LOCK_01", true));
  const auto& port = lines->ports.at("LOCK_01");
  EXPECT_EQ(port->dir, direction::output);
  EXPECT_EQ(port->consumer, "lockerd");
  EXPECT_TRUE(port->spec.active_low);
  EXPECT_FALSE(port->value);
  EXPECT_FALSE(lock.get());
  lock.set(true);
  EXPECT_TRUE(port->value);
}

TEST_F(board_fixture, same_spec_is_the_same_line) {
  auto b = make();
  EXPECT_EQ(&b->output(line_spec::named("LOCK_01")), &b->output(line_spec::named("LOCK_01")));
  EXPECT_EQ(&b->input(line_spec::named("DOOR_01")), &b->input(line_spec::named("DOOR_01")));
  EXPECT_EQ(lines->requests, 2);
}

TEST_F(board_fixture, a_pulse_input_is_requested_for_its_active_edges_only) {
  auto b = make();
  input_line& d0 = b->pulse_input(line_spec::named("WIEGAND_D0", true));
  EXPECT_EQ(lines->ports.at("WIEGAND_D0")->dir, direction::pulse_input);
  EXPECT_EQ(&b->pulse_input(line_spec::named("WIEGAND_D0", true)), &d0);
  EXPECT_EQ(lines->requests, 1);
}

TEST_F(board_fixture, input_reports_edges_through_the_loop) {
  auto b = make();
  input_line& door = b->input(line_spec::named("DOOR_01"));
  EXPECT_EQ(lines->ports.at("DOOR_01")->dir, direction::input);
  std::vector<bool> seen;
  door.on_change([&](line_event e) { seen.push_back(e.active); });
  lines->ports.at("DOOR_01")->push({::gpiod::line_event::RISING_EDGE, 0ns});
  io.poll();
  EXPECT_EQ(seen, std::vector<bool>{true});
}

TEST_F(board_fixture, missing_line_is_an_error_naming_it) {
  auto b = make();
  lines->missing.insert("LOCK_99");
  EXPECT_THAT([&] { (void)b->output(line_spec::named("LOCK_99")); },
              ::testing::ThrowsMessage<std::runtime_error>(HasSubstr("LOCK_99")));
}

TEST_F(board_fixture, releasing_the_board_leaves_outputs_inactive) {
  auto b = make();
  b->output(line_spec::named("LOCK_01")).set(true);
  auto port = lines->ports.at("LOCK_01");
  b.reset();
  EXPECT_FALSE(port->value);
  EXPECT_TRUE(port->released);
}

TEST_F(board_fixture, matrix_keypad_drives_rows_and_reads_columns) {
  auto b = make();
  b->keypad();
  EXPECT_EQ(lines->requests, 7);
  for (int r = 0; r < 4; ++r) {
    const auto& p = lines->ports.at("KP_ROW" + std::to_string(r));
    EXPECT_EQ(p->dir, direction::output);
    EXPECT_TRUE(p->value);  // idle: all rows active, waiting for a column edge
  }
  for (int c = 0; c < 3; ++c)
    EXPECT_EQ(lines->ports.at("KP_COL" + std::to_string(c))->dir, direction::input);
  EXPECT_EQ(&b->keypad(), &b->keypad());
}

TEST_F(board_fixture, matrix_keypad_wakes_on_a_column_edge) {
  auto b = make();
  b->keypad();
  lines->ports.at("KP_COL1")->push({::gpiod::line_event::RISING_EDGE, 0ns});
  io.poll();
  clock.advance(0ms);
  // Scanning: rows are driven one at a time now.
  int active = 0;
  for (int r = 0; r < 4; ++r)
    active += lines->ports.at("KP_ROW" + std::to_string(r))->value ? 1 : 0;
  EXPECT_EQ(active, 1);
  clock.advance(1s);  // nothing was pressed: back to idle
  for (int r = 0; r < 4; ++r) EXPECT_TRUE(lines->ports.at("KP_ROW" + std::to_string(r))->value);
}

TEST_F(board_fixture, bad_keypad_map_names_the_file) {
  cfg.keypad.keys = {"123"};
  auto b = make();
  EXPECT_THAT([&] { (void)b->keypad(); },
              ::testing::ThrowsMessage<std::runtime_error>(HasSubstr("board.toml: keypad")));
}

TEST_F(board_fixture, sim_kinds_are_refused) {
  cfg.keypad.kind = drivers::keypad_kind::sim;
  cfg.display.kind = drivers::display_kind::sim;
  auto b = make();
  EXPECT_THROW((void)b->keypad(), std::runtime_error);
  EXPECT_THROW((void)b->display(), std::runtime_error);
}

TEST_F(board_fixture, evdev_keypad_opens_the_configured_device) {
  cfg.keypad.kind = drivers::keypad_kind::evdev;
  cfg.keypad.device = "/dev/input/no-such-event42";
  auto b = make();
  EXPECT_THAT([&] { (void)b->keypad(); }, ::testing::ThrowsMessage<std::runtime_error>(
                                              HasSubstr("/dev/input/no-such-event42")));
}

TEST_F(board_fixture, no_scanner_without_a_scanner_table) {
  auto b = make();
  EXPECT_EQ(b->scanner(), nullptr);
}

TEST_F(board_fixture, evdev_scanner_not_plugged_in_yet_is_no_error) {
  cfg.scanner = drivers::scanner_config{};
  cfg.scanner->kind = drivers::scanner_kind::evdev;
  cfg.scanner->device = "/dev/input/by-id/no-such-scanner-event-kbd";
  auto b = make();
  auto* s = b->scanner();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(b->scanner(), s);  // built once
  EXPECT_FALSE(dynamic_cast<evdev_scanner&>(*s).attached());
  EXPECT_GT(clock.pending(), 0U);  // it keeps trying to open the device
  b.reset();
  EXPECT_EQ(clock.pending(), 0U);
}

TEST_F(board_fixture, sim_scanner_is_refused) {
  cfg.scanner = drivers::scanner_config{};
  auto b = make();
  EXPECT_THAT([&] { (void)b->scanner(); },
              ::testing::ThrowsMessage<std::runtime_error>(HasSubstr("board.toml: scanner")));
}

TEST_F(board_fixture, indicator_uses_configured_lines) {
  cfg.buzzer = line_spec::named("BUZZER");
  cfg.alarm_led = line_spec::named("ALARM_LED");
  auto b = make();
  b->indicator().set_alarm(true);
  EXPECT_TRUE(lines->ports.at("ALARM_LED")->value);
  b->indicator().beep(sound::key);
  EXPECT_TRUE(lines->ports.at("BUZZER")->value);
  clock.advance(1s);
  EXPECT_FALSE(lines->ports.at("BUZZER")->value);
}

TEST_F(board_fixture, indicator_without_lines_does_nothing) {
  auto b = make();
  b->indicator().beep(sound::error);
  b->indicator().set_alarm(true);
  EXPECT_EQ(lines->requests, 0);
  EXPECT_EQ(clock.pending(), 0U);
}

TEST_F(board_fixture, display_none_discards) {
  auto b = make();
  EXPECT_NO_THROW(b->display().show("hello"));
}

}  // namespace
}  // namespace locker::drivers::gpiod_backend
