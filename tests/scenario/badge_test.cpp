// SPDX-License-Identifier: Apache-2.0
// Couriers' badges on the whole locker (issue 12): the simulated cabinet's Wiegand reader
// pulses D0/D1, lockerd decodes the frames on its event loop, and the badge logs the courier
// in alone or with the PIN (policy.badge_login). An unknown badge counts as a wrong attempt; a
// garbled frame is ignored and counted; a badge id never reaches an event, a reply or the
// audit log.
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "daemon/security/secret_key.hpp"
#include "daemon/store/courier_badges_repository.hpp"
#include "daemon/store/lockout_repository.hpp"
#include "drivers/input/wiegand_frame.hpp"
#include "tests/scenario/locker_rig.hpp"

namespace locker::scenario {
namespace badge_test {
namespace {

const std::string badge_pin = "24681357";

// Wrong courier attempts on file (the couriers' budget, not the recipients').
std::int64_t courier_failures(locker_rig& rig) {
  const auto saved = rig.db().lockouts().load("courier");
  return saved ? saved->remains.failed : 0;
}
const std::string badge_idle = "Enter pickup code\n# = OK  * = courier";
const std::string badge_menu = "Hi c-1  #=end\n1 Deposit 2 Remove";

// A frame takes 26 bits x 2 ms, then the 25 ms gap that ends it: well inside this.
constexpr drivers::millis badge_time{200};

void badge(locker_rig& rig, std::string_view id) {
  const auto r = rig.model().badge(id);
  EXPECT_TRUE(r.ok()) << "badge " << id << ": " << r.error;
  rig.advance(badge_time);
}

void give_badge(locker_rig& rig, const std::string& courier, const std::string& id) {
  store::transaction tx(rig.db().db());
  rig.db().courier_badges().set(tx, courier, security::courier_badge_hash(rig.key(), id),
                                rig.clock().wall_now());
  tx.commit();
}

std::string bits_of(const std::vector<bool>& bits) {
  std::string out;
  for (bool b : bits) out += b ? '1' : '0';
  return out;
}

TEST(badge_scenario, badge_only_logs_in_and_a_scanned_tracking_number_is_deposited) {
  locker_rig rig;
  rig.add_courier("c-1", badge_pin);
  give_badge(rig, "c-1", "12:3456");
  rig.announce("r-1", "1Z999AA10123456784", "M");

  badge(rig, "12:3456");
  ASSERT_EQ(rig.display(), badge_menu);
  rig.press("1");
  ASSERT_EQ(rig.display(), "Tracking no., #\n* = back");
  rig.scan("1Z999AA10123456784");
  ASSERT_EQ(rig.display(), "Opening box 13...\nPlease wait");
  rig.advance(move_time);
  rig.person_opens("13");
  rig.person_puts("13");
  rig.person_closes("13");
  ASSERT_EQ(rig.display(), "Stored in 13  #=end\n1 Next 2 Remove");

  const auto stored = rig.events_of("stored");
  ASSERT_EQ(stored.size(), 1U);
  EXPECT_EQ(stored[0]["tracking_number"], "1Z999AA10123456784");
  EXPECT_EQ(stored[0]["courier_id"], "c-1");
  EXPECT_EQ(stored[0]["reservation_id"], "r-1");
  EXPECT_EQ(rig.app().hardware().badge_reader()->garbled(), 0U);
  for (const auto& e : rig.events()) EXPECT_EQ(e.dump().find("12:3456"), std::string::npos);
}

TEST(badge_scenario, badge_and_pin_wants_that_couriers_pin) {
  locker_rig rig(
      [](config::locker_config& c) { c.policy.badge_login = config::badge_login::badge_and_pin; });
  rig.add_courier("c-1", badge_pin);
  rig.add_courier("c-2", "11223344");
  give_badge(rig, "c-1", "12:3456");

  badge(rig, "12:3456");
  ASSERT_EQ(rig.display(), "Badge OK: PIN, #\n* = back");
  EXPECT_FALSE(rig.session().courier_logged_in());
  rig.press("11223344#");  // a real PIN, but another courier's
  EXPECT_EQ(rig.display(), "Wrong PIN");
  EXPECT_EQ(courier_failures(rig), 1);
  rig.advance(std::chrono::seconds{5});
  ASSERT_EQ(rig.display(), "Badge OK: PIN, #\n* = back");
  rig.press(badge_pin + "#");
  EXPECT_EQ(rig.display(), badge_menu);
  EXPECT_EQ(courier_failures(rig), 1) << "a right PIN refills nothing: only time forgives";
}

TEST(badge_scenario, an_unknown_badge_is_a_wrong_attempt_and_locks_out_like_one) {
  locker_rig rig([](config::locker_config& c) { c.policy.max_code_attempts = 2; });
  rig.add_courier("c-1", badge_pin);
  give_badge(rig, "c-1", "12:3456");

  badge(rig, "99:1");
  EXPECT_EQ(rig.display(), "Unknown badge");
  EXPECT_EQ(courier_failures(rig), 1);
  EXPECT_FALSE(rig.session().courier_logged_in());
  rig.advance(std::chrono::seconds{5});
  EXPECT_EQ(rig.display(), badge_idle);
  badge(rig, "99:2");
  EXPECT_EQ(rig.display().rfind("Too many tries", 0), 0U) << rig.display();
  EXPECT_EQ(rig.events_of("keypad_lockout").size(), 1U);
  // Locked out: even the right badge logs nobody in; pickup codes are another budget.
  EXPECT_EQ(rig.locker().lockout_remaining(), std::chrono::seconds{0});
  rig.advance(std::chrono::seconds{5});
  badge(rig, "12:3456");
  EXPECT_EQ(rig.display().rfind("Too many tries", 0), 0U) << rig.display();
  EXPECT_FALSE(rig.session().courier_logged_in());
}

TEST(badge_scenario, a_recipients_lockout_never_blocks_a_badge) {
  locker_rig rig([](config::locker_config& c) { c.policy.max_code_attempts = 2; });
  rig.add_courier("c-1", badge_pin);
  give_badge(rig, "c-1", "12:3456");
  rig.press("11111111#");
  rig.advance(std::chrono::seconds{5});
  rig.press("22222222#");
  ASSERT_GT(rig.locker().lockout_remaining(), std::chrono::seconds{0});
  ASSERT_EQ(rig.display().rfind("Too many tries", 0), 0U) << rig.display();

  badge(rig, "12:3456");
  EXPECT_TRUE(rig.session().courier_logged_in());
  EXPECT_EQ(rig.display(), badge_menu);
  EXPECT_EQ(courier_failures(rig), 0) << "the recipients' budget is not the couriers'";
  rig.press("#");  // the courier logs out: back to the recipients' countdown
  EXPECT_EQ(rig.display().rfind("Too many tries", 0), 0U) << rig.display();
}

TEST(badge_scenario, a_disabled_couriers_badge_is_refused) {
  locker_rig rig;
  rig.add_courier("c-1", badge_pin);
  give_badge(rig, "c-1", "12:3456");
  store::transaction tx(rig.db().db());
  rig.db().couriers().disable(tx, "c-1", rig.clock().wall_now());
  tx.commit();
  badge(rig, "12:3456");
  EXPECT_EQ(rig.display(), "Unknown badge");
  EXPECT_FALSE(rig.session().courier_logged_in());
}

TEST(badge_scenario, a_garbled_wiegand_frame_is_ignored_and_counted) {
  locker_rig rig;
  rig.add_courier("c-1", badge_pin);
  give_badge(rig, "c-1", "12:3456");

  auto bits = drivers::input::wiegand26(12, 3456);
  bits.back() = !bits.back();  // the odd parity bit no longer matches
  ASSERT_TRUE(rig.model().wiegand(bits_of(bits)).ok());
  rig.advance(badge_time);
  ASSERT_TRUE(rig.model().wiegand("1011").ok());  // too short to be any badge
  rig.advance(badge_time);

  EXPECT_EQ(rig.app().hardware().badge_reader()->garbled(), 2U);
  EXPECT_EQ(rig.display(), badge_idle);  // nothing happened at the keypad
  EXPECT_EQ(courier_failures(rig), 0);   // noise is no attempt
  badge(rig, "12:3456");                 // the next good frame is read on its own
  EXPECT_EQ(rig.display(), badge_menu);
}

TEST(badge_scenario, a_badge_at_the_wrong_moment_changes_nothing) {
  locker_rig rig;
  rig.add_courier("c-1", badge_pin);
  give_badge(rig, "c-1", "12:3456");
  badge(rig, "12:3456");
  rig.press("1");
  ASSERT_EQ(rig.display(), "Tracking no., #\n* = back");
  badge(rig, "12:3456");
  EXPECT_EQ(rig.display(), "Badge not expected\nhere");
  rig.advance(std::chrono::seconds{5});
  EXPECT_EQ(rig.display(), "Tracking no., #\n* = back");
  EXPECT_EQ(courier_failures(rig), 0);
}

TEST(badge_scenario, a_badge_given_over_mqtt_logs_in_and_is_never_echoed) {
  locker_rig rig;
  rig.advance(key_time);
  ASSERT_TRUE(rig.link().connected());
  const auto& topics = rig.app().topics();
  ASSERT_TRUE(rig.link().deliver(topics.cmd("courier_upsert"),
                                 R"({"req_id":"q-1","courier_id":"c-1","name":"c-1","pin":")" +
                                     badge_pin + R"(","enabled":true,"badge":"77:65432"})"));
  auto res = rig.link().published_on(topics.res("courier_upsert"));
  ASSERT_EQ(res.size(), 1U);
  EXPECT_EQ(nlohmann::json::parse(res[0].payload)["status"], "ok") << res[0].payload;

  // Another courier cannot have the same badge: refused, and nothing of it saved.
  ASSERT_TRUE(rig.link().deliver(
      topics.cmd("courier_upsert"),
      R"({"req_id":"q-2","courier_id":"c-2","pin":"11223344","enabled":true,"badge":"77:65432"})"));
  res = rig.link().published_on(topics.res("courier_upsert"));
  ASSERT_EQ(res.size(), 2U);
  const auto refused = nlohmann::json::parse(res[1].payload);
  EXPECT_EQ(refused["code"], "conflict") << res[1].payload;
  EXPECT_FALSE(rig.db().couriers().find("c-2"));

  badge(rig, "77:65432");  // 77 fits 8 bits: a 26-bit frame
  EXPECT_EQ(rig.display(), badge_menu);

  // The badge id is in no reply, no published message and no audit entry.
  for (const auto& m : rig.link().published())
    EXPECT_EQ(m.payload.find("77:65432"), std::string::npos) << m.topic << " " << m.payload;
  for (const auto& a : rig.db().audit().newest(1000))
    EXPECT_EQ(a.detail.find("77:65432"), std::string::npos) << a.detail;
}

TEST(badge_scenario, a_34_bit_card_reads_as_its_facility_and_number) {
  locker_rig rig;
  rig.add_courier("c-1", badge_pin);
  give_badge(rig, "c-1", "4660:22136");  // facility above 8 bits: a 34-bit frame
  badge(rig, "4660:22136");
  EXPECT_EQ(rig.display(), badge_menu);
}

}  // namespace
}  // namespace badge_test
}  // namespace locker::scenario
