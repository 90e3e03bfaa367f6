// SPDX-License-Identifier: Apache-2.0
// Accessibility on the whole locker (issue 13): a reservation flagged accessible gets a
// compartment whose handle is at most 1220 mm high (the board file's handle_height_mm) when
// one is free, and another one, reported as `accessible: false`, when none is; extended time
// (the keypad's 'B', a reservation's extended_time) multiplies the timeouts a person faces, in
// virtual time; the buzzer's distinct sounds reach the indicator in the order things happen.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "daemon/security/secret_key.hpp"
#include "tests/scenario/locker_rig.hpp"

namespace locker::scenario {
namespace accessibility_test {
namespace {

using std::chrono::seconds;

const std::string access_pin = "24681357";
const std::string access_idle = "Enter pickup code\n# = OK  * = courier";

// A reservation with the accessibility flags (the rig's announce() has none).
void announce(locker_rig& rig, const std::string& reservation_id, const std::string& tracking,
              const std::string& size, const std::string& code, bool accessible,
              bool extended_time) {
  store::reservation_record r;
  r.reservation_id = reservation_id;
  r.tracking_number = tracking;
  r.size = size;
  r.pickup_code_hash = security::pickup_code_hash(rig.key(), code);
  r.created_at = rig.clock().wall_now();
  r.accessible = accessible;
  r.extended_time = extended_time;
  store::transaction tx(rig.db().db());
  rig.db().reservations().create(tx, r);
  tx.commit();
}

// "Opening box 4...\nPlease wait" -> "4".
std::string opening_box(const std::string& screen) {
  const std::string head = "Opening box ";
  if (screen.rfind(head, 0) != 0) return {};
  return screen.substr(head.size(), screen.find("...") - head.size());
}

// A courier deposits the announced parcel and logs out; returns the compartment.
std::string deposit(locker_rig& rig, const std::string& tracking) {
  rig.press("*");
  rig.press(access_pin + "#");
  rig.press("1");
  rig.press(tracking + "#");
  std::string box = opening_box(rig.display());
  EXPECT_FALSE(box.empty()) << rig.display();
  if (box.empty()) return box;
  rig.advance(move_time);
  rig.person_opens(box);
  rig.person_puts(box);
  rig.person_closes(box);
  EXPECT_EQ(rig.display().rfind("Stored in " + box, 0), 0U) << rig.display();
  rig.press("#");
  return box;
}

std::optional<nlohmann::json> stored_event(locker_rig& rig, const std::string& tracking) {
  for (auto& e : rig.events_of("stored"))
    if (e["tracking_number"] == tracking) return e;
  return std::nullopt;
}

std::size_t door_left_open_alarms(locker_rig& rig, const std::string& box) {
  std::size_t n = 0;
  for (auto& e : rig.events_of("door_left_open"))
    if (e["compartment"] == box && e["active"] == true) ++n;
  return n;
}

TEST(accessibility_scenario, an_accessible_reservation_gets_the_smallest_low_box) {
  locker_rig rig;
  rig.add_courier("c-1", access_pin);
  announce(rig, "r-low", "1111", "S", "31415926", true, false);
  announce(rig, "r-any", "2222", "S", "27182818", false, false);

  // sim-24's small boxes: 1 at 1750 mm, 2 at 1550, 3 at 1350, 4 at 1150 (the first low one).
  EXPECT_EQ(deposit(rig, "1111"), "4");
  EXPECT_EQ(deposit(rig, "2222"), "1");  // no preference: the first free one, as always

  const auto low = stored_event(rig, "1111");
  ASSERT_TRUE(low.has_value());
  EXPECT_EQ((*low)["accessible"], true);
  const auto any = stored_event(rig, "2222");
  ASSERT_TRUE(any.has_value());
  EXPECT_FALSE(any->contains("accessible")) << "only reservations that asked say it";
}

TEST(accessibility_scenario, with_no_low_box_free_another_is_taken_and_reported) {
  // Only compartment 4 is known to be low; the others have no height (not known to be low)
  // or a high one.
  locker_rig rig([](config::locker_config& c) {
    for (auto& comp : c.board.compartments) {
      if (comp.id == "4")
        comp.handle_height_mm = 900;
      else if (comp.id == "2")
        comp.handle_height_mm = 1500;
      else
        comp.handle_height_mm.reset();
    }
  });
  rig.add_courier("c-1", access_pin);
  ASSERT_EQ(rig.locker().set_service_by_operator("4", false, "operator:test", "repair").answer,
            controller::controller::service_answer::done);
  announce(rig, "r-low", "1111", "S", "31415926", true, false);

  const std::string box = deposit(rig, "1111");
  EXPECT_EQ(box, "1") << "not refused: the smallest free fitting box, as for any parcel";
  const auto e = stored_event(rig, "1111");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ((*e)["accessible"], false);
  EXPECT_EQ((*e)["reservation_id"], "r-low");
}

TEST(accessibility_scenario, a_low_bigger_box_goes_before_a_high_one_that_fits) {
  // No small box is low: the smallest low one that fits is a medium one (13 at 1600 mm is
  // high, 14 at 1300 high, 15 at 1000 low).
  locker_rig rig([](config::locker_config& c) {
    for (auto& comp : c.board.compartments)
      if (comp.size == "S") comp.handle_height_mm = 1600;
  });
  rig.add_courier("c-1", access_pin);
  announce(rig, "r-low", "1111", "S", "31415926", true, false);
  EXPECT_EQ(deposit(rig, "1111"), "15");
  EXPECT_EQ((*stored_event(rig, "1111"))["accessible"], true);
}

TEST(accessibility_scenario, key_b_extends_the_session_idle_and_message_hold) {
  locker_rig rig;
  const auto idle = rig.cfg().timings.session_idle;  // 60 s
  const int factor = rig.cfg().policy.extended_time_factor;
  ASSERT_EQ(factor, 3);

  // Without extended time: a half-typed code is dropped after session_idle.
  rig.press("1");
  rig.advance(idle);
  EXPECT_EQ(rig.display(), access_idle);

  rig.press("B");
  EXPECT_EQ(rig.display(), "Extended time on");
  EXPECT_TRUE(rig.session().extended_time());
  rig.press("1");
  rig.advance(idle * 2);
  EXPECT_EQ(rig.display(), "Code: *\n# = OK  * = clear") << "kept for 3 x session_idle";
  rig.press("#");  // wrong code
  EXPECT_EQ(rig.display().rfind("Wrong code", 0), 0U) << rig.display();
  rig.advance(seconds{4} * 2);
  EXPECT_EQ(rig.display().rfind("Wrong code", 0), 0U) << "message_hold is 3 x 4 s now";
  rig.advance(seconds{4});
  EXPECT_EQ(rig.display(), access_idle);
  EXPECT_TRUE(rig.session().extended_time()) << "still the same person's session";

  // Nobody pressed a key for the extended session_idle: the person has gone, and so has it.
  rig.advance(idle * factor);
  EXPECT_FALSE(rig.session().extended_time());
  rig.press("1");
  rig.advance(idle);
  EXPECT_EQ(rig.display(), access_idle);

  // 'B' again turns it off at once.
  rig.press("B");
  rig.press("B");
  EXPECT_EQ(rig.display(), "Extended time off");
  EXPECT_FALSE(rig.session().extended_time());
  rig.advance(seconds{4});
  EXPECT_EQ(rig.display(), access_idle);
}

TEST(accessibility_scenario, key_b_extends_the_door_left_open_delay_of_that_opening) {
  locker_rig rig;
  const auto left_open = rig.cfg().timings.door_left_open;  // 120 s
  rig.add_courier("c-1", access_pin);
  announce(rig, "r-1", "1111", "S", "31415926", false, false);
  announce(rig, "r-2", "2222", "S", "27182818", false, false);
  const std::string first = deposit(rig, "1111");
  const std::string second = deposit(rig, "2222");

  // Extended time: the door stays open twice door_left_open without an alarm.
  rig.press("B");
  rig.press("31415926#");
  rig.advance(move_time);
  rig.person_opens(first);
  rig.person_takes(first);
  rig.advance(left_open * 2);
  EXPECT_EQ(door_left_open_alarms(rig, first), 0U);
  rig.advance(left_open);
  EXPECT_EQ(door_left_open_alarms(rig, first), 1U) << "at 3 x door_left_open";
  rig.person_closes(first);
  rig.advance(seconds{600});  // the session is over; extended time ended with it
  ASSERT_FALSE(rig.session().extended_time());

  // Without it: the plain delay.
  rig.press("27182818#");
  rig.advance(move_time);
  rig.person_opens(second);
  rig.advance(left_open);
  EXPECT_EQ(door_left_open_alarms(rig, second), 1U);
}

TEST(accessibility_scenario, a_reservation_with_extended_time_extends_its_pickup) {
  // door_left_open below session_idle, so that the person is still at the keypad for it.
  locker_rig rig([](config::locker_config& c) { c.timings.door_left_open = seconds{30}; });
  const auto left_open = rig.cfg().timings.door_left_open;
  rig.add_courier("c-1", access_pin);
  announce(rig, "r-slow", "1111", "S", "31415926", false, true);
  const std::string box = deposit(rig, "1111");
  EXPECT_FALSE(rig.session().extended_time()) << "the courier's deposit is not extended";

  rig.press("31415926#");
  rig.advance(move_time);
  EXPECT_TRUE(rig.session().extended_time());
  EXPECT_EQ(rig.display(), "Extended time on") << "the display says so over the open box";
  rig.advance(seconds{4} * 3);
  EXPECT_EQ(rig.display(), "Box " + box + " is open\nTake parcel, close");
  rig.person_opens(box);
  rig.person_takes(box);
  rig.advance(left_open * 2);
  EXPECT_EQ(door_left_open_alarms(rig, box), 0U);
  rig.advance(left_open);
  EXPECT_EQ(door_left_open_alarms(rig, box), 1U);
  rig.person_closes(box);
  EXPECT_EQ(rig.display(), "Thank you!");
  rig.advance(seconds{4} * 2);
  EXPECT_EQ(rig.display(), "Thank you!") << "its result stays 3 x message_hold too";
  rig.advance(seconds{4});
  EXPECT_EQ(rig.display(), access_idle);
  EXPECT_FALSE(rig.session().extended_time()) << "for that pickup only";
}

TEST(accessibility_scenario, the_buzzer_patterns_reach_the_indicator_in_order) {
  // door_left_open below session_idle: the recipient's session still waits for the door.
  locker_rig rig([](config::locker_config& c) { c.timings.door_left_open = seconds{30}; });
  rig.add_courier("c-1", access_pin);
  announce(rig, "r-1", "1111", "S", "31415926", false, false);
  std::vector<std::string> beeps;
  const auto sub = rig.model().on_event([&](const simulator::cabinet_event& e) {
    if (e.kind == "beep") beeps.push_back(e.details);
  });

  // The courier: '*' asks for the PIN (prompt), the PIN is accepted, '1' asks for the
  // tracking number (prompt), the door opens (door open), the parcel is stored (accepted).
  rig.press("*");
  EXPECT_EQ(beeps, (std::vector<std::string>{"key", "prompt"}));
  beeps.clear();
  rig.press(access_pin + "#");
  EXPECT_EQ(beeps.back(), "ok");
  beeps.clear();
  rig.press("1");
  EXPECT_EQ(beeps, (std::vector<std::string>{"key", "prompt"}));
  beeps.clear();
  rig.press("1111#");
  rig.advance(move_time);
  EXPECT_EQ(beeps, (std::vector<std::string>{"key", "key", "key", "key", "key", "door_open"}));
  rig.person_opens("1");
  rig.person_puts("1");
  rig.person_closes("1");
  rig.press("#");
  beeps.clear();

  // The recipient: a wrong code (error), the right one, the door open, left open too long,
  // then closed on the way out (accepted).
  rig.press("9#");
  EXPECT_EQ(beeps, (std::vector<std::string>{"key", "key", "error"}));
  rig.advance(seconds{4});
  beeps.clear();
  rig.press("31415926#");
  rig.advance(move_time);
  rig.person_opens("1");
  rig.person_takes("1");
  rig.advance(rig.cfg().timings.door_left_open);
  rig.person_closes("1");
  const std::vector<std::string> keys(9, "key");
  std::vector<std::string> expected = keys;
  expected.insert(expected.end(), {"door_open", "door_left_open", "ok"});
  EXPECT_EQ(beeps, expected);
  rig.model().unsubscribe(sub);

  // Each is its own pattern, and the simulator shows it by name and shape.
  EXPECT_EQ(simulator::describe_sound("ok"), "accepted (.-)");
  EXPECT_EQ(simulator::describe_sound(rig.model().last_beep()), "accepted (.-)");
}

}  // namespace
}  // namespace accessibility_test
}  // namespace locker::scenario
