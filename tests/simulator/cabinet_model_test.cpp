// SPDX-License-Identifier: Apache-2.0
#include "simulator/cabinet_model.hpp"

#include <gtest/gtest.h>

#include "drivers/virtual_clock.hpp"

namespace locker::simulator {
namespace {

using drivers::millis;

drivers::board_config three_compartments() {
  drivers::board_config b;
  b.sizes = {"S", "M", "L"};
  for (int i = 1; i <= 3; ++i) {
    const std::string n = "0" + std::to_string(i);
    drivers::compartment_config c;
    c.id = std::to_string(i);
    c.size = b.sizes[static_cast<std::size_t>(i - 1)];
    c.lock.name = "LOCK_" + n;
    c.door.name = "DOOR_" + n;
    if (i != 3) c.presence = drivers::line_spec::named("PRESENCE_" + n);
    b.compartments.push_back(c);
  }
  b.alarm_led = drivers::line_spec::named("LED_ALARM");
  return b;
}

compartment_status status_of(const cabinet_model& m, std::size_t i) { return m.status().at(i); }

struct edge {
  std::string line;
  bool active;
  drivers::steady_time at;
};

class cabinet_model_test : public ::testing::Test {
 protected:
  cabinet_model_test() {
    model_.on_input([this](const std::string& l, bool a) {
      edges_.push_back({l, a, clock_.now()});
    });
    model_.on_event(
        [this](const cabinet_event& e) { events_.push_back(e.kind + " " + e.details); });
  }

  std::size_t edges_on(const std::string& line) const {
    std::size_t n = 0;
    for (const auto& e : edges_) n += e.line == line ? 1 : 0;
    return n;
  }
  compartment_status status(std::size_t i) const { return model_.status().at(i); }

  drivers::virtual_clock clock_;
  cabinet_model model_{three_compartments(), clock_};  // default bounce: 4 over 5 ms
  std::vector<edge> edges_;
  std::vector<std::string> events_;
};

TEST_F(cabinet_model_test, starts_closed_locked_and_lists_lines) {
  EXPECT_EQ(model_.input("DOOR_01"), false);
  EXPECT_EQ(model_.input("PRESENCE_02"), false);
  EXPECT_EQ(model_.input("LOCK_01"), std::nullopt);  // an output, not an input
  EXPECT_EQ(model_.input("DOOR_99"), std::nullopt);
  EXPECT_EQ(model_.inputs().size(), 5U);   // 3 doors + 2 presence sensors
  EXPECT_EQ(model_.outputs().size(), 4U);  // 3 locks + the alarm LED
  EXPECT_EQ(status(0).door, door_state::closed);
  EXPECT_TRUE(status(0).latched);
}

TEST_F(cabinet_model_test, energized_coil_springs_door_ajar_and_the_contact_bounces) {
  ASSERT_TRUE(model_.set_output("LOCK_01", true));
  EXPECT_TRUE(status(0).coil);
  EXPECT_FALSE(status(0).latched);
  clock_.advance(cabinet_model::spring_delay - millis{1});
  EXPECT_EQ(status(0).door, door_state::closed);
  EXPECT_TRUE(edges_.empty());

  clock_.advance(millis{1});
  EXPECT_EQ(status(0).door, door_state::ajar);
  const auto moved_at = clock_.now();
  clock_.advance(millis{20});
  // 1 edge to open, then 4 bounces = 8 reversals, all within the 5 ms bounce span.
  ASSERT_EQ(edges_on("DOOR_01"), 9U);
  for (std::size_t i = 0; i < edges_.size(); ++i) {
    EXPECT_EQ(edges_[i].active, i % 2 == 0) << i;
    EXPECT_LE(edges_[i].at - moved_at, millis{5});
  }
  EXPECT_EQ(model_.input("DOOR_01"), true);
  EXPECT_TRUE(status(0).sensor);

  model_.set_output("LOCK_01", false);
  EXPECT_EQ(status(0).door, door_state::ajar);  // released coil does not pull it shut
  EXPECT_EQ(events_.front(), "coil 1 energized");
}

TEST_F(cabinet_model_test, short_pulse_released_before_the_spring_keeps_the_door_shut) {
  model_.set_output("LOCK_01", true);
  clock_.advance(millis{10});
  model_.set_output("LOCK_01", false);
  clock_.advance(millis{100});
  EXPECT_EQ(status(0).door, door_state::closed);
  EXPECT_TRUE(edges_.empty());
}

TEST_F(cabinet_model_test, bounce_zero_switches_cleanly) {
  ASSERT_TRUE(model_.set_bounce({millis{0}, 0}).ok());
  model_.set_output("LOCK_02", true);
  clock_.advance(millis{100});
  EXPECT_EQ(edges_on("DOOR_02"), 1U);
  EXPECT_EQ(model_.input("DOOR_02"), true);
}

TEST_F(cabinet_model_test, person_opens_closes_and_door_latches_again) {
  model_.set_output("LOCK_01", true);
  clock_.advance(millis{300});
  model_.set_output("LOCK_01", false);
  ASSERT_TRUE(model_.open("1").ok());
  EXPECT_EQ(status(0).door, door_state::open);
  EXPECT_EQ(edges_on("DOOR_01"), 9U);  // ajar to open: the contact was already open
  edges_.clear();

  ASSERT_TRUE(model_.close("1").ok());
  clock_.advance(millis{20});
  EXPECT_EQ(status(0).door, door_state::closed);
  EXPECT_EQ(model_.input("DOOR_01"), false);
  EXPECT_EQ(edges_on("DOOR_01"), 9U);
  EXPECT_EQ(model_.open("1").error, "door 1 is locked");
}

TEST_F(cabinet_model_test, person_opens_an_unlatched_door_before_it_springs) {
  model_.set_output("LOCK_03", true);
  ASSERT_TRUE(model_.open("3").ok());
  clock_.advance(millis{100});
  EXPECT_EQ(status(2).door, door_state::open);  // the spring did not pull it back to ajar
}

TEST_F(cabinet_model_test, jammed_lock_energizes_but_door_stays_closed) {
  ASSERT_TRUE(model_.jam("1").ok());
  model_.set_output("LOCK_01", true);
  clock_.advance(millis{500});
  EXPECT_TRUE(status(0).coil);
  EXPECT_EQ(status(0).door, door_state::closed);
  EXPECT_EQ(model_.input("DOOR_01"), false);
  EXPECT_EQ(model_.open("1").error, "door 1 is locked (lock jammed)");
  model_.set_output("LOCK_01", false);

  ASSERT_TRUE(model_.unjam("1").ok());
  model_.set_output("LOCK_01", true);
  clock_.advance(millis{100});
  EXPECT_EQ(status(0).door, door_state::ajar);
}

TEST_F(cabinet_model_test, stuck_sensor_reads_fixed_level_whatever_the_door_does) {
  ASSERT_TRUE(model_.stick("1", false).ok());
  model_.set_output("LOCK_01", true);
  clock_.advance(millis{100});
  EXPECT_EQ(status(0).door, door_state::ajar);
  EXPECT_EQ(model_.input("DOOR_01"), false);
  EXPECT_EQ(edges_on("DOOR_01"), 0U);

  ASSERT_TRUE(model_.unstick("1").ok());
  EXPECT_EQ(model_.input("DOOR_01"), true);  // the truth again

  ASSERT_TRUE(model_.stick("2", true).ok());
  EXPECT_EQ(model_.input("DOOR_02"), true);
  EXPECT_EQ(status(1).door, door_state::closed);
  EXPECT_FALSE(model_.stick("2", true).ok());
}

TEST_F(cabinet_model_test, chatter_toggles_for_a_second_then_settles) {
  ASSERT_TRUE(model_.chatter("2").ok());
  clock_.advance(millis{500});
  const std::size_t half = edges_on("DOOR_02");
  EXPECT_GT(half, 50U);
  clock_.advance(millis{600});
  EXPECT_FALSE(status(1).chattering);
  EXPECT_EQ(model_.input("DOOR_02"), false);
  const std::size_t total = edges_on("DOOR_02");
  clock_.advance(millis{1000});
  EXPECT_EQ(edges_on("DOOR_02"), total);
  EXPECT_EQ(clock_.pending(), 0U);
}

TEST_F(cabinet_model_test, force_opens_the_door_without_the_coil) {
  ASSERT_TRUE(model_.force("2").ok());
  clock_.advance(millis{20});
  EXPECT_EQ(status(1).door, door_state::open);
  EXPECT_TRUE(status(1).forced);
  EXPECT_FALSE(status(1).coil);
  EXPECT_EQ(model_.input("DOOR_02"), true);
  for (const auto& e : events_) EXPECT_EQ(e.find("coil"), std::string::npos) << e;
  ASSERT_TRUE(model_.close("2").ok());
  EXPECT_FALSE(status(1).forced);
}

TEST_F(cabinet_model_test, put_and_take_only_through_an_open_door) {
  EXPECT_EQ(model_.put("1").error, "door 1 is closed, not open");
  model_.set_output("LOCK_01", true);
  clock_.advance(millis{100});
  EXPECT_EQ(model_.put("1").error, "door 1 is ajar, not open");
  ASSERT_TRUE(model_.open("1").ok());
  EXPECT_EQ(model_.take("1").error, "compartment 1 is empty");
  ASSERT_TRUE(model_.put("1").ok());
  EXPECT_EQ(model_.input("PRESENCE_01"), true);
  EXPECT_EQ(model_.put("1").error, "compartment 1 already holds a parcel");
  ASSERT_TRUE(model_.take("1").ok());
  EXPECT_EQ(model_.input("PRESENCE_01"), false);
}

TEST_F(cabinet_model_test, bad_actions_are_refused_and_change_nothing) {
  const std::string before = model_.state_json();
  const std::size_t events_before = events_.size();
  EXPECT_EQ(model_.open("99").error, "no compartment '99'");
  EXPECT_FALSE(model_.close("1").ok());
  EXPECT_FALSE(model_.open("1").ok());
  EXPECT_FALSE(model_.take("1").ok());
  EXPECT_FALSE(model_.unjam("1").ok());
  EXPECT_FALSE(model_.unstick("1").ok());
  EXPECT_FALSE(model_.press("12x#").ok());
  EXPECT_FALSE(model_.press("").ok());
  EXPECT_FALSE(model_.set_bounce({millis{-1}, 4}).ok());
  EXPECT_FALSE(model_.set_bounce({millis{5}, 1000}).ok());
  EXPECT_FALSE(model_.set_power(true).ok());
  EXPECT_FALSE(model_.set_output("DOOR_01", true));  // an input
  EXPECT_FALSE(model_.set_output("NOPE", true));
  EXPECT_EQ(model_.state_json(), before);
  EXPECT_EQ(events_.size(), events_before);
  EXPECT_TRUE(edges_.empty());
}

TEST_F(cabinet_model_test, keys_reach_subscribers_in_order) {
  std::string keys;
  model_.on_key([&](char k) { keys += k; });
  ASSERT_TRUE(model_.press("12 3#").ok());
  EXPECT_EQ(keys, "123#");
}

// The controller's response as the cabinet sees it: the last key handed over -> the next coil.
TEST_F(cabinet_model_test, times_the_last_key_to_the_next_coil) {
  EXPECT_FALSE(model_.input_to_coil().has_value());
  EXPECT_NE(model_.state_json().find(R"("input_to_coil_ms":null)"), std::string::npos);
  ASSERT_TRUE(model_.press("1234").ok());
  clock_.advance(millis{40});
  ASSERT_TRUE(model_.press("#").ok());  // timed from the last key, not the first
  clock_.advance(millis{3});
  ASSERT_TRUE(model_.set_output("LED_ALARM", true));  // no coil: nothing answered yet
  EXPECT_FALSE(model_.input_to_coil().has_value());
  ASSERT_TRUE(model_.set_output("LOCK_01", true));
  ASSERT_TRUE(model_.input_to_coil().has_value());
  EXPECT_EQ(*model_.input_to_coil(), response_ms(3.0));
  EXPECT_NE(model_.state_json().find(R"("input_to_coil_ms":3.0)"), std::string::npos)
      << model_.state_json();
  // A second coil with no key since keeps the figure: it answered nothing new.
  clock_.advance(millis{5});
  ASSERT_TRUE(model_.set_output("LOCK_02", true));
  EXPECT_EQ(*model_.input_to_coil(), response_ms(3.0));
}

TEST_F(cabinet_model_test, unsubscribe_stops_delivery) {
  std::string keys;
  const auto sub = model_.on_key([&](char k) { keys += k; });
  model_.unsubscribe(sub);
  ASSERT_TRUE(model_.press("1").ok());
  EXPECT_EQ(keys, "");
}

TEST_F(cabinet_model_test, power_off_drops_outputs_holds_inputs_and_blanks_the_display) {
  model_.show("Hello\nWorld");
  model_.set_output("LOCK_01", true);
  clock_.advance(millis{100});
  ASSERT_EQ(model_.input("DOOR_01"), true);

  ASSERT_TRUE(model_.set_power(false).ok());
  EXPECT_FALSE(model_.powered());
  EXPECT_FALSE(status(0).coil);
  EXPECT_EQ(model_.display_text(), "");
  model_.set_output("LOCK_02", true);
  EXPECT_EQ(model_.output("LOCK_02"), false);
  model_.show("ignored");
  EXPECT_EQ(model_.display_text(), "");
  EXPECT_FALSE(model_.press("1").ok());

  // A person shuts the door in the dark: the input holds its last level...
  edges_.clear();
  ASSERT_TRUE(model_.close("1").ok());
  clock_.advance(millis{100});
  EXPECT_EQ(model_.input("DOOR_01"), true);
  EXPECT_TRUE(edges_.empty());

  // ...and reads the truth when the power is back.
  ASSERT_TRUE(model_.set_power(true).ok());
  EXPECT_EQ(model_.input("DOOR_01"), false);
  EXPECT_EQ(edges_on("DOOR_01"), 1U);
}

TEST(cabinet_model_battery, power_off_on_a_battery_board_keeps_working_and_says_so) {
  drivers::virtual_clock clock;
  auto board = three_compartments();
  board.backup_power = drivers::line_spec::named("POWER_BACKUP");
  cabinet_model model(board, clock);
  std::vector<std::pair<std::string, bool>> edges;
  std::vector<std::string> events;
  model.on_input([&](const std::string& l, bool a) { edges.emplace_back(l, a); });
  model.on_event([&](const cabinet_event& e) { events.push_back(e.kind + " " + e.details); });
  EXPECT_EQ(model.input("POWER_BACKUP"), false);
  EXPECT_EQ(model.inputs().size(), 6U);

  ASSERT_TRUE(model.set_power(false).ok());
  EXPECT_FALSE(model.mains());
  EXPECT_TRUE(model.on_battery());
  EXPECT_TRUE(model.powered()) << "the battery carries the cabinet";
  EXPECT_EQ(model.input("POWER_BACKUP"), true);
  EXPECT_EQ(edges, (std::vector<std::pair<std::string, bool>>{{"POWER_BACKUP", true}}));
  EXPECT_EQ(events.back(), "power off (battery)");
  EXPECT_NE(model.state_json().find(R"("battery":true)"), std::string::npos);
  EXPECT_NE(model.state_json().find(R"("power":false)"), std::string::npos);
  // Everything works on the battery: a coil, the display, the keys.
  EXPECT_TRUE(model.set_output("LOCK_01", true));
  EXPECT_TRUE(status_of(model, 0).coil);
  model.show("On battery");
  EXPECT_EQ(model.display_text(), "On battery");
  EXPECT_TRUE(model.press("1").ok());
  EXPECT_FALSE(model.set_power(false).ok());

  ASSERT_TRUE(model.set_power(true).ok());
  EXPECT_FALSE(model.on_battery());
  EXPECT_EQ(model.input("POWER_BACKUP"), false);
  EXPECT_EQ(edges.back(), (std::pair<std::string, bool>{"POWER_BACKUP", false}));
  EXPECT_EQ(events.back(), "power on");
}

TEST_F(cabinet_model_test, release_all_outputs_drops_every_coil) {
  model_.set_output("LOCK_01", true);
  model_.set_output("LOCK_02", true);
  model_.set_output("LED_ALARM", true);
  EXPECT_TRUE(model_.alarm());
  model_.release_all_outputs();
  EXPECT_FALSE(status(0).coil);
  EXPECT_FALSE(status(1).coil);
  EXPECT_FALSE(model_.alarm());
}

TEST_F(cabinet_model_test, state_json_lists_every_compartment) {
  ASSERT_TRUE(model_.jam("2").ok());
  const std::string j = model_.state_json();
  EXPECT_NE(j.find(R"("id":"3")"), std::string::npos) << j;
  EXPECT_NE(j.find(R"("faults":["jam"])"), std::string::npos) << j;
  EXPECT_NE(j.find(R"("power":true)"), std::string::npos) << j;
}

}  // namespace
}  // namespace locker::simulator

namespace locker::simulator {
namespace {

// Accessibility (issue 13): the simulator shows which sound the buzzer played, by name and by
// the shape of its pattern, for a person who cannot hear it there.
TEST_F(cabinet_model_test, beeps_are_shown_by_name_and_pattern) {
  model_.beep(drivers::sound::ok);
  EXPECT_EQ(model_.last_beep(), "ok");  // the wire name, as the control interface reports it
  EXPECT_EQ(describe_sound(model_.last_beep()), "accepted (.-)");
  model_.beep(drivers::sound::door_left_open);
  EXPECT_EQ(events_.back(), "beep door_left_open");
  EXPECT_EQ(describe_sound(model_.last_beep()), "door left open (---)");
  EXPECT_EQ(describe_sound("prompt"), "prompt (. .)");
  EXPECT_EQ(describe_sound("door_open"), "door open (--)");
  EXPECT_EQ(describe_sound("what"), "what");
}

}  // namespace
}  // namespace locker::simulator
