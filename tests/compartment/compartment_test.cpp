// SPDX-License-Identifier: Apache-2.0
#include "daemon/compartment/compartment.hpp"

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "drivers/hardware.hpp"
#include "drivers/virtual_clock.hpp"

namespace locker::compartment {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// unlock() records the request; the pulse fires at once when the (pretend) coil supply is
// free, else when the test says so with fire().
class fake_lock final : public drivers::lock {
 public:
  explicit fake_lock(const drivers::clock& c) : clock_(c) {}
  void unlock() override {
    pulses.push_back(clock_.now());
    waiting_ = true;
    if (supply_free) fire();
  }
  void release() override {
    releases.push_back(clock_.now());
    waiting_ = false;
  }
  [[nodiscard]] bool energized() const override { return false; }
  void on_pulse(std::function<void()> handler) override { pulse_handler_ = std::move(handler); }
  void on_fault(std::function<void(std::error_code)> handler) override {
    fault_handler_ = std::move(handler);
  }
  // The queued pulse starts now, if it is still wanted.
  void fire() {
    if (!waiting_) return;
    waiting_ = false;
    fired.push_back(clock_.now());
    if (pulse_handler_) pulse_handler_();
  }
  void fault(std::error_code ec) {
    if (fault_handler_) fault_handler_(ec);
  }
  [[nodiscard]] bool has_handlers() const { return pulse_handler_ && fault_handler_; }

  bool supply_free = true;
  std::vector<drivers::steady_time> pulses;  // unlock() calls
  std::vector<drivers::steady_time> fired;   // pulses that started
  std::vector<drivers::steady_time> releases;

 private:
  const drivers::clock& clock_;
  bool waiting_ = false;
  std::function<void()> pulse_handler_;
  std::function<void(std::error_code)> fault_handler_;
};

// A debounced sensor as the compartment sees it: a test moves the door by setting it.
class fake_door final : public drivers::door_sensor {
 public:
  [[nodiscard]] bool open() const override { return open_; }
  void on_change(std::function<void(bool)> handler) override { handler_ = std::move(handler); }
  void on_fault(std::function<void(std::error_code)> handler) override {
    fault_handler_ = std::move(handler);
  }
  void set(bool open) {
    if (open == open_) return;
    open_ = open;
    if (handler_) handler_(open);
  }
  void fault(std::error_code ec) {
    if (fault_handler_) fault_handler_(ec);
  }
  // For start-up tests: the state the sensor reads before anyone listens.
  void preset(bool open) { open_ = open; }
  [[nodiscard]] bool has_handler() const { return handler_ && fault_handler_; }
  // The debounce found the contact chattering (on), or settled again (off).
  void chatter(bool on) {
    chattering_ = on;
    if (on && chatter_handler_) chatter_handler_();
  }
  void on_chatter(std::function<void()> handler) override { chatter_handler_ = std::move(handler); }
  [[nodiscard]] bool chattering() const override { return chattering_; }

 private:
  bool open_ = false;
  bool chattering_ = false;
  std::function<void(bool)> handler_;
  std::function<void(std::error_code)> fault_handler_;
  std::function<void()> chatter_handler_;
};

class fake_presence final : public drivers::presence_sensor {
 public:
  [[nodiscard]] bool occupied() const override { return occupied_; }
  void on_change(std::function<void(bool)> handler) override { handler_ = std::move(handler); }
  void on_fault(std::function<void(std::error_code)> handler) override {
    fault_handler_ = std::move(handler);
  }
  void set(bool occupied) {
    if (occupied == occupied_) return;
    occupied_ = occupied;
    if (handler_) handler_(occupied);
  }
  void fault(std::error_code ec) {
    if (fault_handler_) fault_handler_(ec);
  }

 private:
  bool occupied_ = false;
  std::function<void(bool)> handler_;
  std::function<void(std::error_code)> fault_handler_;
};

// Every observer call as one line, so a test states the exact sequence it expects.
class recording_observer final : public compartment_observer {
 public:
  void door_opened(std::string_view id, open_cause cause) override {
    add("door_opened", id, to_string(cause));
  }
  void door_closed(std::string_view id, open_cause cause) override {
    add("door_closed", id, to_string(cause));
  }
  void alarm(std::string_view id, alarm_type type, alarm_severity severity, bool active) override {
    add("alarm", id,
        std::string{to_string(type)} + " " + std::string{to_string(severity)} +
            (active ? " raised" : " cleared"));
  }
  void open_result(std::string_view id, open_outcome outcome) override {
    add("open_result", id, to_string(outcome));
    if (resume_on_not_detected && outcome == open_outcome::not_detected)
      add("resumed", id, resume_on_not_detected->resume_unlock() ? "yes" : "no");
  }
  // Set: answers reconcile()'s not_detected as the controller does when nothing shows the
  // door opened while the locker was down.
  compartment* resume_on_not_detected = nullptr;
  void service_changed(std::string_view id, service_state service,
                       std::string_view reason) override {
    add("service", id, std::string{to_string(service)} + " " + std::string{reason});
  }

  // Returns what was recorded since the last call.
  std::vector<std::string> take() { return std::exchange(calls_, {}); }

 private:
  void add(std::string_view what, std::string_view id, std::string_view detail) {
    calls_.push_back(std::string{what} + " " + std::string{id} + " " + std::string{detail});
  }
  std::vector<std::string> calls_;
};

class compartment_test : public ::testing::Test {
 protected:
  compartment_test() { make(); }

  void make(bool with_presence = true) {
    c_.reset();
    c_ =
        std::make_unique<compartment>("A1", "m", lock_, door_, with_presence ? &presence_ : nullptr,
                                      clock_, settings_, observer_);
  }

  settings settings_{.open_detect = seconds{5},
                     .door_left_open = seconds{120},
                     .chatter_window = seconds{2},
                     .chatter_limit = 10};
  drivers::virtual_clock clock_;
  fake_lock lock_{clock_};
  fake_door door_;
  fake_presence presence_;
  recording_observer observer_;
  std::unique_ptr<compartment> c_;
};

TEST_F(compartment_test, open_succeeds_when_the_door_sensor_reports_open) {
  EXPECT_EQ(c_->open(open_cause::deposit), open_status::accepted);
  EXPECT_EQ(lock_.pulses.size(), 1U);
  EXPECT_EQ(c_->lock(), lock_state::unlocking);
  EXPECT_THAT(observer_.take(), IsEmpty());  // the command is not success: the door is

  clock_.advance(milliseconds{800});
  EXPECT_THAT(lock_.releases, IsEmpty());
  door_.set(true);
  EXPECT_THAT(observer_.take(), ElementsAre("door_opened A1 deposit", "open_result A1 opened"));
  // The latch has done its job: the coil is released at once, not at the pulse's end.
  EXPECT_EQ(lock_.releases.size(), 1U);
  EXPECT_EQ(c_->lock(), lock_state::locked);
  EXPECT_EQ(c_->door(), door_state::open);
  EXPECT_EQ(c_->cause(), open_cause::deposit);

  // open_detect passing after the door opened changes nothing.
  clock_.advance(seconds{10});
  door_.set(false);
  EXPECT_THAT(observer_.take(), ElementsAre("door_closed A1 deposit"));
  EXPECT_EQ(c_->door(), door_state::closed);
  EXPECT_EQ(c_->cause(), open_cause::none);
  EXPECT_EQ(c_->service(), service_state::in_service);
  EXPECT_TRUE(c_->alarms().empty());
  EXPECT_EQ(clock_.pending(), 0U);
}

TEST_F(compartment_test, jammed_lock_becomes_lock_fault_after_open_detect) {
  ASSERT_EQ(c_->open(open_cause::pickup), open_status::accepted);
  clock_.advance(milliseconds{4999});
  EXPECT_THAT(observer_.take(), IsEmpty());
  clock_.advance(milliseconds{1});
  EXPECT_THAT(observer_.take(),
              ElementsAre("alarm A1 lock_fault critical raised", "service A1 faulty lock_fault",
                          "open_result A1 not_detected"));
  EXPECT_EQ(c_->lock(), lock_state::locked);
  EXPECT_EQ(c_->service(), service_state::faulty);
  EXPECT_EQ(c_->service_reason(), "lock_fault");
  EXPECT_TRUE(c_->alarms().has(alarm_type::lock_fault));
  // Faulty: no more pulses.
  EXPECT_EQ(c_->open(open_cause::pickup), open_status::not_in_service);
  EXPECT_EQ(lock_.pulses.size(), 1U);

  // A door that opens late, after the request gave up, was not opened by the request.
  door_.set(true);
  EXPECT_THAT(observer_.take(),
              ElementsAre("door_opened A1 none", "alarm A1 door_forced critical raised"));
}

TEST_F(compartment_test, clear_fault_puts_a_lock_fault_back_in_service) {
  ASSERT_EQ(c_->open(open_cause::by_operator), open_status::accepted);
  clock_.advance(seconds{5});
  observer_.take();
  EXPECT_TRUE(c_->clear_fault());
  EXPECT_THAT(observer_.take(),
              ElementsAre("alarm A1 lock_fault critical cleared", "service A1 in_service "));
  EXPECT_EQ(c_->service(), service_state::in_service);
  EXPECT_FALSE(c_->clear_fault());
  EXPECT_THAT(observer_.take(), IsEmpty());
  EXPECT_EQ(c_->open(open_cause::by_operator), open_status::accepted);
}

TEST_F(compartment_test, door_opening_while_locked_is_door_forced_until_it_closes) {
  door_.set(true);
  EXPECT_THAT(observer_.take(),
              ElementsAre("door_opened A1 none", "alarm A1 door_forced critical raised"));
  EXPECT_TRUE(c_->alarms().has(alarm_type::door_forced));
  EXPECT_EQ(c_->door(), door_state::open);
  EXPECT_TRUE(lock_.pulses.empty());

  door_.set(false);
  EXPECT_THAT(observer_.take(),
              ElementsAre("door_closed A1 none", "alarm A1 door_forced critical cleared"));
  EXPECT_TRUE(c_->alarms().empty());
  // Forced is an alarm, not a fault: the compartment stays usable.
  EXPECT_EQ(c_->service(), service_state::in_service);
}

TEST_F(compartment_test, door_left_open_is_raised_after_the_limit_and_cleared_on_close) {
  ASSERT_EQ(c_->open(open_cause::pickup), open_status::accepted);
  door_.set(true);
  observer_.take();
  clock_.advance(seconds{119});
  EXPECT_THAT(observer_.take(), IsEmpty());
  clock_.advance(seconds{1});
  EXPECT_THAT(observer_.take(), ElementsAre("alarm A1 door_left_open warning raised"));
  EXPECT_TRUE(c_->alarms().has(alarm_type::door_left_open));

  door_.set(false);
  EXPECT_THAT(observer_.take(),
              ElementsAre("door_closed A1 pickup", "alarm A1 door_left_open warning cleared"));
  EXPECT_TRUE(c_->alarms().empty());
}

TEST_F(compartment_test, door_closed_in_time_raises_no_door_left_open) {
  ASSERT_EQ(c_->open(open_cause::deposit), open_status::accepted);
  door_.set(true);
  clock_.advance(seconds{119});
  door_.set(false);
  observer_.take();
  clock_.advance(seconds{600});
  EXPECT_THAT(observer_.take(), IsEmpty());
  EXPECT_TRUE(c_->alarms().empty());
}

TEST_F(compartment_test, door_changes_faster_than_a_hand_are_sensor_fault_until_cleared) {
  // Levels held 50 ms, shorter than person_hold (100 ms): 10 such changes within 2 s are still
  // reported as they come (the first ended a level held since the start)...
  for (int i = 0; i < 10; ++i) {
    door_.set(i % 2 == 0);
    clock_.advance(milliseconds{50});
  }
  EXPECT_EQ(observer_.take().size(), 20U);  // opened/closed, door_forced raised/cleared
  EXPECT_FALSE(c_->alarms().has(alarm_type::sensor_fault));
  door_.set(true);  // ...the 11th is chatter
  EXPECT_THAT(observer_.take(), ElementsAre("alarm A1 sensor_fault critical raised",
                                            "service A1 faulty sensor_fault"));
  EXPECT_EQ(c_->service(), service_state::faulty);
  EXPECT_EQ(c_->door(), door_state::closed);  // not yet: it may be an edge of the chatter

  // Door movements are never hidden: once the sensor holds a level for person_hold, the door
  // is reported as the sensor says, with the fault still raised.
  clock_.advance(settings_.person_hold);
  EXPECT_THAT(observer_.take(),
              ElementsAre("door_opened A1 none", "alarm A1 door_forced critical raised"));
  EXPECT_EQ(c_->door(), door_state::open);
  door_.set(false);
  clock_.advance(milliseconds{50});
  EXPECT_THAT(observer_.take(), IsEmpty());
  clock_.advance(settings_.person_hold);
  EXPECT_THAT(observer_.take(),
              ElementsAre("door_closed A1 none", "alarm A1 door_forced critical cleared"));

  // A stable period does not clear the fault; the technician does.
  clock_.advance(seconds{3600});
  EXPECT_THAT(observer_.take(), IsEmpty());
  EXPECT_EQ(c_->service(), service_state::faulty);
  EXPECT_EQ(c_->open(open_cause::by_operator), open_status::not_in_service);
  EXPECT_TRUE(c_->clear_fault());
  EXPECT_THAT(observer_.take(),
              ElementsAre("alarm A1 sensor_fault critical cleared", "service A1 in_service "));
  EXPECT_EQ(c_->door(), door_state::closed);
}

TEST_F(compartment_test, a_person_opening_and_shutting_quickly_is_reported_every_time) {
  // Today's person at their quickest: each level held 150 ms, 13 changes within 2 s.
  for (int i = 0; i < 26; ++i) {
    door_.set(i % 2 == 0);
    clock_.advance(milliseconds{150});
  }
  const auto calls = observer_.take();
  EXPECT_EQ(std::count(calls.begin(), calls.end(), "door_opened A1 none"), 13);
  EXPECT_EQ(std::count(calls.begin(), calls.end(), "door_closed A1 none"), 13);
  EXPECT_EQ(calls.size(), 52U) << "each opening and closing, with door_forced, and nothing else";
  EXPECT_FALSE(c_->alarms().has(alarm_type::sensor_fault));
  EXPECT_EQ(c_->service(), service_state::in_service);
}

TEST_F(compartment_test, a_sensor_that_says_it_chatters_is_sensor_fault_at_once) {
  door_.chatter(true);
  EXPECT_THAT(observer_.take(), ElementsAre("alarm A1 sensor_fault critical raised",
                                            "service A1 faulty sensor_fault"));
  // Its samples while it chatters are no door movement, however long one happens to hold.
  door_.set(true);
  clock_.advance(seconds{1});
  EXPECT_THAT(observer_.take(), IsEmpty());
  EXPECT_EQ(c_->sensors_agree(), clear_check::sensor_unsettled);
  // Settled on open: the door is reported as it is, the fault stays until cleared.
  door_.chatter(false);
  clock_.advance(settings_.person_hold);
  EXPECT_THAT(observer_.take(),
              ElementsAre("door_opened A1 none", "alarm A1 door_forced critical raised"));
  EXPECT_EQ(c_->service(), service_state::faulty);
  // Chatter found again while already faulty reports nothing twice.
  door_.chatter(true);
  EXPECT_THAT(observer_.take(), IsEmpty());
}

TEST_F(compartment_test, slow_door_changes_are_not_chatter) {
  for (int i = 0; i < 40; ++i) {
    door_.set(i % 2 == 0);
    clock_.advance(milliseconds{250});  // 8 changes per 2 s
  }
  EXPECT_FALSE(c_->alarms().has(alarm_type::sensor_fault));
  EXPECT_EQ(c_->service(), service_state::in_service);
}

TEST_F(compartment_test, chatter_during_an_open_request_ends_it_not_detected) {
  ASSERT_EQ(c_->open(open_cause::deposit), open_status::accepted);
  // Presence changes while unlocking are no contradiction; 11 of them within 2 s are chatter.
  for (int i = 0; i < 10; ++i) presence_.set(i % 2 == 0);
  EXPECT_THAT(observer_.take(), IsEmpty());
  presence_.set(true);
  EXPECT_THAT(observer_.take(),
              ElementsAre("alarm A1 sensor_fault critical raised", "service A1 faulty sensor_fault",
                          "open_result A1 not_detected"));
  EXPECT_EQ(c_->lock(), lock_state::locked);
  clock_.advance(seconds{10});
  EXPECT_THAT(observer_.take(), IsEmpty());  // no second result, no lock_fault
}

TEST_F(compartment_test, presence_change_behind_a_closed_locked_door_is_sensor_fault) {
  presence_.set(true);
  EXPECT_THAT(observer_.take(), ElementsAre("alarm A1 sensor_fault critical raised",
                                            "service A1 faulty sensor_fault"));
  EXPECT_EQ(c_->service(), service_state::faulty);
  EXPECT_EQ(c_->occupied(), std::optional<bool>{true});
}

TEST_F(compartment_test, presence_change_with_the_door_open_is_normal) {
  ASSERT_EQ(c_->open(open_cause::deposit), open_status::accepted);
  door_.set(true);
  presence_.set(true);
  door_.set(false);
  EXPECT_THAT(observer_.take(), ElementsAre("door_opened A1 deposit", "open_result A1 opened",
                                            "door_closed A1 deposit"));
  EXPECT_EQ(c_->service(), service_state::in_service);
  EXPECT_EQ(c_->occupied(), std::optional<bool>{true});
}

TEST_F(compartment_test, without_a_presence_sensor_occupied_is_unknown) {
  make(/*with_presence=*/false);
  EXPECT_EQ(c_->occupied(), std::nullopt);
  presence_.set(true);  // not wired to this compartment
  EXPECT_THAT(observer_.take(), IsEmpty());
}

TEST_F(compartment_test, refusals_change_nothing) {
  EXPECT_EQ(c_->open(open_cause::none), open_status::invalid_cause);

  ASSERT_EQ(c_->open(open_cause::deposit), open_status::accepted);
  EXPECT_EQ(c_->open(open_cause::pickup), open_status::busy);
  EXPECT_EQ(lock_.pulses.size(), 1U);
  door_.set(true);
  EXPECT_EQ(c_->cause(), open_cause::deposit);
  EXPECT_EQ(c_->open(open_cause::pickup), open_status::door_already_open);
  door_.set(false);
  observer_.take();

  c_->set_service(false, "cleaning");
  EXPECT_THAT(observer_.take(), ElementsAre("service A1 out_of_service cleaning"));
  EXPECT_EQ(c_->service_reason(), "cleaning");
  EXPECT_EQ(c_->open(open_cause::pickup), open_status::not_in_service);
  EXPECT_EQ(lock_.pulses.size(), 1U);
  EXPECT_THAT(observer_.take(), IsEmpty());
  EXPECT_EQ(c_->lock(), lock_state::locked);

  c_->set_service(true, "");
  EXPECT_THAT(observer_.take(), ElementsAre("service A1 in_service "));
  EXPECT_EQ(c_->open(open_cause::pickup), open_status::accepted);
  EXPECT_EQ(lock_.pulses.size(), 2U);
}

TEST_F(compartment_test, a_fault_outlasts_set_service_and_clear_fault_restores_the_wish) {
  c_->set_service(false, "repair");
  ASSERT_EQ(c_->open(open_cause::deposit), open_status::not_in_service);
  c_->set_service(true, "");
  ASSERT_EQ(c_->open(open_cause::deposit), open_status::accepted);
  clock_.advance(seconds{5});  // lock_fault
  observer_.take();
  c_->set_service(true, "");
  EXPECT_THAT(observer_.take(), IsEmpty());
  EXPECT_EQ(c_->service(), service_state::faulty);
  c_->set_service(false, "waiting for parts");
  EXPECT_THAT(observer_.take(), IsEmpty());
  c_->clear_fault();
  EXPECT_THAT(observer_.take(), ElementsAre("alarm A1 lock_fault critical cleared",
                                            "service A1 out_of_service waiting for parts"));
}

TEST_F(compartment_test, saved_state_round_trips_through_restore) {
  ASSERT_EQ(c_->open(open_cause::courier_removal), open_status::accepted);
  saved_state pending = c_->saved();
  EXPECT_TRUE(pending.open_pending);
  EXPECT_EQ(pending.cause, open_cause::courier_removal);
  door_.set(true);
  clock_.advance(seconds{120});
  c_->set_service(false, "audit");
  const saved_state s = c_->saved();
  EXPECT_EQ(s.door, door_state::open);
  EXPECT_EQ(s.cause, open_cause::courier_removal);
  EXPECT_FALSE(s.open_pending);
  EXPECT_TRUE(s.out_of_service);
  EXPECT_EQ(s.service_reason, "audit");
  EXPECT_TRUE(s.alarms.has(alarm_type::door_left_open));

  make();
  c_->restore(s);
  EXPECT_EQ(c_->door(), door_state::open);
  EXPECT_EQ(c_->cause(), open_cause::courier_removal);
  EXPECT_EQ(c_->service(), service_state::out_of_service);
  EXPECT_TRUE(c_->alarms() == s.alarms);
}

// ---- start-up: restore() then reconcile() ----

TEST_F(compartment_test, reconcile_with_nothing_changed_reports_nothing) {
  make();
  c_->restore(saved_state{});
  c_->reconcile();
  EXPECT_THAT(observer_.take(), IsEmpty());
  EXPECT_TRUE(lock_.pulses.empty());
  EXPECT_EQ(c_->lock(), lock_state::locked);
}

TEST_F(compartment_test, reconcile_door_found_open_is_forced) {
  door_.preset(true);
  make();
  c_->restore(saved_state{});  // the database says closed
  c_->reconcile();
  EXPECT_THAT(observer_.take(),
              ElementsAre("door_opened A1 none", "alarm A1 door_forced critical raised"));
  EXPECT_EQ(c_->door(), door_state::open);
  EXPECT_TRUE(lock_.pulses.empty());
  // The door is open from now on, as far as anyone knows: door_left_open counts from start.
  clock_.advance(seconds{120});
  EXPECT_THAT(observer_.take(), ElementsAre("alarm A1 door_left_open warning raised"));
}

TEST_F(compartment_test, reconcile_door_closed_while_down_completes_the_opening) {
  make();
  saved_state s;
  s.door = door_state::open;
  s.cause = open_cause::pickup;
  s.alarms.set(alarm_type::door_left_open, true);
  c_->restore(s);
  c_->reconcile();  // the sensor says closed
  EXPECT_THAT(observer_.take(),
              ElementsAre("door_closed A1 pickup", "alarm A1 door_left_open warning cleared"));
  EXPECT_EQ(c_->door(), door_state::closed);
  EXPECT_EQ(c_->cause(), open_cause::none);
}

TEST_F(compartment_test, reconcile_door_still_open_restarts_door_left_open) {
  door_.preset(true);
  make();
  saved_state s;
  s.door = door_state::open;
  s.cause = open_cause::deposit;
  c_->restore(s);
  c_->reconcile();
  EXPECT_THAT(observer_.take(), IsEmpty());
  EXPECT_EQ(c_->cause(), open_cause::deposit);
  clock_.advance(seconds{120});
  EXPECT_THAT(observer_.take(), ElementsAre("alarm A1 door_left_open warning raised"));
  door_.set(false);
  EXPECT_THAT(observer_.take(),
              ElementsAre("door_closed A1 deposit", "alarm A1 door_left_open warning cleared"));
}

TEST_F(compartment_test, reconcile_request_in_progress_with_door_closed_is_not_completed) {
  make();
  saved_state s;
  s.open_pending = true;
  s.cause = open_cause::deposit;
  c_->restore(s);
  c_->reconcile();
  EXPECT_THAT(observer_.take(), ElementsAre("open_result A1 not_detected"));
  EXPECT_TRUE(lock_.pulses.empty());  // never touches the lock
  EXPECT_EQ(c_->lock(), lock_state::locked);
  // Not a lock fault: the pulse may never have been sent before the crash.
  EXPECT_EQ(c_->service(), service_state::in_service);
  EXPECT_TRUE(c_->alarms().empty());
  clock_.advance(seconds{10});
  EXPECT_THAT(observer_.take(), IsEmpty());
}

TEST_F(compartment_test, a_resumed_unlock_takes_the_door_opening_as_its_own) {
  make();
  observer_.resume_on_not_detected = c_.get();
  saved_state s;
  s.open_pending = true;
  s.cause = open_cause::pickup;
  c_->restore(s);
  c_->reconcile();
  EXPECT_THAT(observer_.take(), ElementsAre("open_result A1 not_detected", "resumed A1 yes"));
  EXPECT_EQ(c_->lock(), lock_state::unlocking);
  EXPECT_TRUE(c_->saved().open_pending);  // a restart now resumes it again
  door_.set(true);
  EXPECT_THAT(observer_.take(), ElementsAre("door_opened A1 pickup", "open_result A1 opened"));
  EXPECT_FALSE(c_->alarms().has(alarm_type::door_forced));
  EXPECT_TRUE(lock_.pulses.empty());  // no new pulse
}

TEST_F(compartment_test, a_resumed_unlock_whose_door_stays_shut_is_abandoned_without_a_fault) {
  make();
  observer_.resume_on_not_detected = c_.get();
  saved_state s;
  s.open_pending = true;
  s.cause = open_cause::deposit;
  c_->restore(s);
  c_->reconcile();
  EXPECT_THAT(observer_.take(), ElementsAre("open_result A1 not_detected", "resumed A1 yes"));
  clock_.advance(seconds{5});
  EXPECT_THAT(observer_.take(), ElementsAre("open_result A1 abandoned"));
  EXPECT_EQ(c_->lock(), lock_state::locked);
  EXPECT_TRUE(c_->alarms().empty());
  EXPECT_EQ(c_->service(), service_state::in_service);
  // Opened later by hand, it is forced like any locked door.
  door_.set(true);
  EXPECT_THAT(observer_.take(),
              ElementsAre("door_opened A1 none", "alarm A1 door_forced critical raised"));
}

TEST_F(compartment_test, only_an_unlock_from_before_the_restart_can_be_resumed) {
  make();
  EXPECT_FALSE(c_->resume_unlock());
  EXPECT_EQ(c_->lock(), lock_state::locked);
}

TEST_F(compartment_test, reconcile_request_in_progress_with_door_open_is_not_forced) {
  door_.preset(true);
  make();
  saved_state s;
  s.open_pending = true;
  s.cause = open_cause::pickup;
  c_->restore(s);
  c_->reconcile();
  // Our own pulse explains the open door, but the request did not complete.
  EXPECT_THAT(observer_.take(), ElementsAre("open_result A1 not_detected", "door_opened A1 none"));
  EXPECT_FALSE(c_->alarms().has(alarm_type::door_forced));
  EXPECT_TRUE(lock_.pulses.empty());
  door_.set(false);
  EXPECT_THAT(observer_.take(), ElementsAre("door_closed A1 none"));
}

TEST_F(compartment_test, reconcile_clears_door_alarms_a_closed_door_cannot_have) {
  make();
  saved_state s;
  s.alarms.set(alarm_type::door_forced, true);
  s.alarms.set(alarm_type::lock_fault, true);
  c_->restore(s);
  EXPECT_EQ(c_->service(), service_state::faulty);
  c_->reconcile();
  EXPECT_THAT(observer_.take(), ElementsAre("alarm A1 door_forced critical cleared"));
  // A fault is not a sensor reading: it stays until a technician clears it.
  EXPECT_EQ(c_->service(), service_state::faulty);
  EXPECT_EQ(c_->service_reason(), "lock_fault");
}

TEST_F(compartment_test, reconcile_leaves_the_door_alone_while_its_sensor_is_faulty) {
  door_.preset(true);
  make();
  saved_state s;
  s.alarms.set(alarm_type::sensor_fault, true);
  c_->restore(s);
  c_->reconcile();
  EXPECT_THAT(observer_.take(), IsEmpty());
  EXPECT_EQ(c_->door(), door_state::closed);
  c_->clear_fault();
  EXPECT_THAT(observer_.take(),
              ElementsAre("alarm A1 sensor_fault critical cleared", "service A1 in_service ",
                          "door_opened A1 none", "alarm A1 door_forced critical raised"));
}

TEST_F(compartment_test, sensors_agree_only_when_the_door_reads_closed_and_steady) {
  EXPECT_EQ(c_->sensors_agree(), clear_check::ok);
  door_.set(true);  // forced
  EXPECT_EQ(c_->sensors_agree(), clear_check::sensor_unsettled);
  clock_.advance(settings_.chatter_window);
  EXPECT_EQ(c_->sensors_agree(), clear_check::door_open);
  door_.set(false);
  EXPECT_EQ(c_->sensors_agree(), clear_check::sensor_unsettled);
  clock_.advance(settings_.chatter_window);
  EXPECT_EQ(c_->sensors_agree(), clear_check::ok);
  presence_.fault(std::make_error_code(std::errc::io_error));
  EXPECT_EQ(c_->sensors_agree(), clear_check::sensor_line_down);
  presence_.fault({});
  EXPECT_EQ(c_->sensors_agree(), clear_check::ok);
  door_.fault(std::make_error_code(std::errc::io_error));
  EXPECT_EQ(c_->sensors_agree(), clear_check::sensor_line_down);
  EXPECT_NE(to_string(clear_check::sensor_line_down), "");
  EXPECT_EQ(to_string(clear_check::ok), "");
}

// ---- the coil supply's queue and late pulses ------------------------------------------

TEST_F(compartment_test, open_detect_counts_from_the_pulse_not_from_the_request) {
  // Other coils are pulsing: this pulse waits far longer than open_detect.
  lock_.supply_free = false;
  ASSERT_EQ(c_->open(open_cause::deposit), open_status::accepted);
  clock_.advance(seconds{20});
  EXPECT_THAT(observer_.take(), IsEmpty()) << "given up before the pulse could open the door";
  EXPECT_EQ(c_->lock(), lock_state::unlocking);
  lock_.fire();
  clock_.advance(milliseconds{4999});
  EXPECT_THAT(observer_.take(), IsEmpty());
  door_.set(true);
  EXPECT_THAT(observer_.take(), ElementsAre("door_opened A1 deposit", "open_result A1 opened"));
  EXPECT_FALSE(c_->alarms().has(alarm_type::door_forced));
}

TEST_F(compartment_test, a_pulse_that_never_starts_is_a_lock_fault_and_is_dropped) {
  lock_.supply_free = false;
  ASSERT_EQ(c_->open(open_cause::pickup), open_status::accepted);
  clock_.advance(settings_.pulse_wait - milliseconds{1});
  EXPECT_THAT(observer_.take(), IsEmpty());
  clock_.advance(milliseconds{1});
  EXPECT_THAT(observer_.take(),
              ElementsAre("alarm A1 lock_fault critical raised", "service A1 faulty lock_fault",
                          "open_result A1 not_detected"));
  // Released: the queued pulse is dropped and can never fire later.
  ASSERT_EQ(lock_.releases.size(), 1U);
  lock_.fire();
  EXPECT_TRUE(lock_.fired.empty());
}

TEST_F(compartment_test, lock_fault_releases_the_lock_so_no_late_pulse_fires) {
  ASSERT_EQ(c_->open(open_cause::pickup), open_status::accepted);
  clock_.advance(settings_.open_detect);
  EXPECT_TRUE(c_->alarms().has(alarm_type::lock_fault));
  EXPECT_EQ(lock_.releases.size(), 1U);
}

// ---- lines that stop working -------------------------------------------------------------

TEST_F(compartment_test, a_coil_line_fault_while_unlocking_is_a_lock_fault_not_detected) {
  lock_.supply_free = false;
  ASSERT_EQ(c_->open(open_cause::deposit), open_status::accepted);
  lock_.fault(std::make_error_code(std::errc::io_error));
  EXPECT_THAT(observer_.take(),
              ElementsAre("alarm A1 lock_fault critical raised", "service A1 faulty lock_fault",
                          "open_result A1 not_detected"));
  EXPECT_EQ(c_->lock(), lock_state::locked);
  EXPECT_EQ(lock_.releases.size(), 1U);
  clock_.advance(seconds{120});
  EXPECT_THAT(observer_.take(), IsEmpty()) << "no second result";
}

TEST_F(compartment_test, a_coil_line_fault_when_idle_is_a_lock_fault) {
  // E.g. the coil could not be switched off after a pulse that opened the door.
  lock_.fault(std::make_error_code(std::errc::io_error));
  EXPECT_THAT(observer_.take(),
              ElementsAre("alarm A1 lock_fault critical raised", "service A1 faulty lock_fault"));
}

TEST_F(compartment_test, a_dead_sensor_line_is_a_sensor_fault_until_cleared) {
  ASSERT_EQ(c_->open(open_cause::pickup), open_status::accepted);
  door_.fault(std::make_error_code(std::errc::io_error));
  EXPECT_THAT(observer_.take(),
              ElementsAre("alarm A1 sensor_fault critical raised", "service A1 faulty sensor_fault",
                          "open_result A1 not_detected"));
  EXPECT_EQ(lock_.releases.size(), 1U) << "the unlock is given up, its pulse released";
  // The line answers again: noted, but only a person clears the fault.
  door_.fault({});
  EXPECT_THAT(observer_.take(), IsEmpty());
  EXPECT_EQ(c_->service(), service_state::faulty);
}

TEST_F(compartment_test, a_dead_presence_line_is_a_sensor_fault) {
  presence_.fault(std::make_error_code(std::errc::no_such_device));
  EXPECT_THAT(observer_.take(), ElementsAre("alarm A1 sensor_fault critical raised",
                                            "service A1 faulty sensor_fault"));
}

TEST_F(compartment_test, destroyed_compartment_leaves_no_handler_on_its_sensors) {
  c_.reset();
  EXPECT_FALSE(door_.has_handler());
  EXPECT_FALSE(lock_.has_handlers());
  door_.set(true);  // would be a use-after-free if the handler stayed
  EXPECT_THAT(observer_.take(), IsEmpty());
}

TEST(compartment_strings, match_the_contract) {
  EXPECT_EQ(to_string(open_cause::deposit), "deposit");
  EXPECT_EQ(to_string(open_cause::pickup), "pickup");
  EXPECT_EQ(to_string(open_cause::courier_removal), "courier_removal");
  EXPECT_EQ(to_string(open_cause::by_operator), "operator");
  EXPECT_EQ(to_string(open_cause::none), "none");
  EXPECT_EQ(to_string(alarm_type::door_forced), "door_forced");
  EXPECT_EQ(to_string(alarm_type::door_left_open), "door_left_open");
  EXPECT_EQ(to_string(alarm_type::lock_fault), "lock_fault");
  EXPECT_EQ(to_string(alarm_type::sensor_fault), "sensor_fault");
  EXPECT_EQ(to_string(alarm_severity::warning), "warning");
  EXPECT_EQ(to_string(alarm_severity::critical), "critical");
  EXPECT_EQ(to_string(open_outcome::opened), "opened");
  EXPECT_EQ(to_string(open_outcome::not_detected), "not_detected");
  EXPECT_EQ(to_string(door_state::open), "open");
  EXPECT_EQ(to_string(door_state::closed), "closed");
  EXPECT_EQ(to_string(service_state::out_of_service), "out_of_service");
  EXPECT_EQ(open_cause_from_string("operator"), open_cause::by_operator);
  EXPECT_EQ(open_cause_from_string("bogus"), std::nullopt);
  EXPECT_EQ(alarm_type_from_string("sensor_fault"), alarm_type::sensor_fault);
  EXPECT_EQ(severity_of(alarm_type::door_forced), alarm_severity::critical);
  EXPECT_EQ(severity_of(alarm_type::door_left_open), alarm_severity::warning);
}

}  // namespace
}  // namespace locker::compartment
