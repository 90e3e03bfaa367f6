// SPDX-License-Identifier: Apache-2.0
// The front panel's state machine: the recipient's pickup code, the courier's login,
// deposits and removals. It shows what to do next on the display, asks the locker through
// locker_services, and learns about doors through session_events. A scanner, when the
// board has one, stands in for typing at the two prompts that take codes. Codes and PINs are
// never shown, only one '*' per digit. Runs on the event loop; throws nothing of its own.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/keypad/locker_services.hpp"
#include "daemon/keypad/screen_texts.hpp"
#include "drivers/clock.hpp"
#include "drivers/hardware.hpp"
#include "protocol/input_rules.hpp"

namespace locker::keypad {

struct session_settings {
  // A courier session or a half-typed code is dropped after this long without a key; an
  // open deposit door is then abandoned (abandon_reason::timeout).
  drivers::millis session_idle = std::chrono::seconds{60};
  // How long a result ("Wrong code", "Thank you!") stays before the next screen.
  drivers::millis message_hold = std::chrono::seconds{4};
  // The contract's rules (protocol/input_rules.hpp): a key beyond them is refused.
  std::size_t max_code_digits = protocol::rules::pickup_code_max_digits;
  std::size_t min_pin_digits = protocol::rules::pin_min_digits;
  std::size_t max_pin_digits = protocol::rules::pin_max_digits;
  // Typed on a keypad, digits only, and shorter than the rule allows: what fits a person's
  // patience. A scan brings any the rule allows (letters too, up to 64).
  std::size_t max_tracking_digits = 34;
  // Accessibility (issue 13): extended time multiplies session_idle and message_hold (and,
  // through locker_services, door_left_open) by this (policy.extended_time_factor).
  int extended_time_factor = 3;
  screen_texts texts{};
  // The languages a person can switch between (each a complete set of texts), in the order
  // the language key cycles through them, and the one every session starts in and returns to
  // when it ends (idle timeout, thank you, logout, lockout). With languages, `texts` is the
  // default's; without (fewer than two), there is no language key.
  std::vector<screen_texts> languages;
  std::size_t default_language = 0;
  // The language key is 'A' (4x4 keypads); a keypad without it (3x4) uses '#' at the idle
  // prompt with nothing typed, where '#' has nothing to submit.
  bool hash_switches_language = false;
};

class keypad_session final : public session_events {
 public:
  // Registers itself as the keypad's key handler and shows the idle prompt (or the lockout,
  // if one is running). All references must outlive the session.
  keypad_session(drivers::keypad& keys, drivers::display& screen, drivers::indicator& sounds,
                 drivers::clock& clock, locker_services& services, session_settings settings = {});
  keypad_session(const keypad_session&) = delete;
  keypad_session& operator=(const keypad_session&) = delete;
  // Replaces the key handler with one that does nothing.
  ~keypad_session() override;

  void door_opened(std::string_view compartment) override;
  void deposit_moved(std::string_view from, std::string_view to) override;
  void deposit_failed(std::string_view compartment) override;
  void open_failed(std::string_view compartment) override;
  void stored(std::string_view compartment) override;
  void collected(std::string_view compartment) override;
  void removed(std::string_view compartment) override;
  void closed_empty(std::string_view compartment) override;
  void nothing_stored(std::string_view compartment) override;
  void left_inside(std::string_view compartment) override;
  void out_of_order(std::string_view compartment) override;
  void lockout_changed() override;

  // Scans from reader count beside the keys, from now on: at the pickup-code prompt a scan
  // is a pickup code (as if typed and '#'), at the tracking-number prompt a tracking number
  // (as if typed and '#'); anywhere else it is refused with a message and changes nothing.
  // The reader must outlive the session, which leaves it a harmless handler when destroyed.
  void take_scans(drivers::code_reader& reader);

  // Badges from reader count from now on: read while idle (nothing typed, or a code half
  // typed, which the badge replaces), a badge logs its courier in or, when the locker wants
  // the PIN too, asks for it; an unknown badge shows a message and counts as a wrong PIN.
  // Anywhere else it is refused with a message and changes nothing. The reader must outlive
  // the session, which leaves it a harmless handler when destroyed.
  void take_badges(drivers::code_reader& reader);

  // Extended time (issue 13): on after 'B' (4x4 keypads) until 'B' again or the session ends
  // by session_idle without a key; also on for the pickup of a parcel whose reservation asked
  // for it. Then every timeout the person faces here is extended_time_factor times longer.
  [[nodiscard]] bool extended_time() const { return extended_ || pickup_extended_; }

  // A new session_idle, from the next key press on.
  void set_session_idle(drivers::millis idle) { settings_.session_idle = idle; }

  // True while a courier is logged in (for the controller's status and for tests).
  [[nodiscard]] bool courier_logged_in() const { return courier_.has_value(); }
  // Someone is at the keypad: a code half typed, a courier logged in, a door being waited
  // for, a result on the screen, a language chosen. False when idle with nothing typed in the
  // default language, or locked out.
  [[nodiscard]] bool in_use() const {
    return !((state_ == state::idle && input_.empty() && language_ == settings_.default_language) ||
             state_ == state::lockout);
  }
  // The index in session_settings::languages of the language shown now.
  [[nodiscard]] std::size_t language() const { return language_; }

 private:
  enum class state : std::uint8_t {
    idle,               // typing a pickup code (input_)
    pickup_left,        // as idle, after a pickup closed on its parcel: the code reopens it
    lockout,            // pickup codes locked out: counting down, only '*' (courier) taken
    message,            // a result, for message_hold, then after_message_
    pickup_opening,     // waiting for the doors of pickup_boxes_ (none open yet)
    pickup_open,        // waiting for collected (some of pickup_boxes_ are open)
    courier_pin,        // typing a PIN (input_)
    courier_menu,       // logged in
    tracking_entry,     // typing a tracking number (input_)
    size_menu,          // choosing among sizes_
    deposit_opening,    // waiting for compartment_'s door
    deposit_open,       // waiting for stored, '*' (too big) or '#' (cancel)
    deposit_cancelled,  // given up, waiting for the door to close empty
    removal_item,       // showing removals_[removal_index_]
    removal_opening,    // waiting for compartment_'s door
    removal_open,       // waiting for removed
    // Drop-off flow: a sender's drop-off code opened compartment_.
    dropoff_opening,  // waiting for compartment_'s door
    dropoff_open,     // waiting for stored (or nothing_stored)
  };

  void on_key(char key);
  void key_idle(char key);
  void key_lockout(char key);
  void key_courier_pin(char key);
  void key_courier_menu(char key);
  void key_tracking(char key);
  void key_size_menu(char key);
  void key_deposit_open(char key);
  void key_removal_item(char key);

  // The language key at the idle prompt with nothing typed: the next language's prompt.
  void next_language();
  // Back to the default language, for the next person.
  void restore_language();

  void on_scan(const std::string& code);
  // What the locker answered to a pickup code or a scanned token (refused: why the token was
  // refused, with wrong): the next screen.
  void answer_pickup(const pickup_answer& answer, std::optional<token_refusal> refused = {});
  [[nodiscard]] const std::string& token_text(token_refusal why) const;
  void on_badge(const std::string& badge);
  // Shows text over the current screen for message_hold, then that screen again; the state
  // stays what it is (a door may still be awaited).
  void notice(std::string_view text);

  void accept();
  void refuse();
  // 'B': extended time on or off, for this session (issue 13).
  void toggle_extended_time();
  // A timeout the person faces: base, or base times extended_time_factor in extended time.
  [[nodiscard]] drivers::millis person_time(drivers::millis base) const;
  void show(std::string_view text);
  void touch();  // restarts the idle timer
  void on_idle_timeout();

  void enter_idle();
  void reset_session();  // forgets the courier, typed input and doors; shows nothing
  void enter_lockout(std::chrono::seconds remaining);
  // The courier PIN prompt, unless the couriers' budget is locked out (then says so).
  void start_courier_login();
  // While the couriers' budget is locked out: says so (with the error beep if `beep`), keys
  // and badges held for the message, then idle; false when it is not locked out.
  bool show_courier_lockout(bool beep);
  void lockout_tick();
  // hold_keys: keys are refused until it ends (a lockout's message), instead of ending it.
  void show_message(std::string_view text, std::function<void()> then, bool hold_keys = false);
  void finish_message();

  void enter_pin();
  void enter_menu();
  void enter_tracking();
  void submit_tracking();
  void begin_deposit(const std::string& size);
  void deposit_error_message(deposit_error error, std::string_view size);
  void enter_removals();
  void show_removal();
  void next_removal();

  // Several parcels, one code (multi). The pickup's compartments (one or more) each settle
  // on their own: collected, left inside, did not open. The box is forgotten; when none is
  // awaited any more the pickup ends (finish_pickup).
  [[nodiscard]] bool awaits_pickup(std::string_view compartment) const;
  void pickup_settled(std::string_view compartment);
  // The boxes whose doors are open, or "Opening N boxes" before any is.
  void show_pickup();
  void finish_pickup();

  // Digits typed into input_, up to max; '*' with digits clears them.
  [[nodiscard]] bool take_digit(char key, std::size_t max);
  void clear_input();

  drivers::keypad& keys_;
  drivers::display& screen_;
  drivers::indicator& sounds_;
  drivers::clock& clock_;
  locker_services& services_;
  session_settings settings_;

  state state_ = state::idle;
  std::size_t language_ = 0;  // in settings_.languages
  std::string input_;
  std::optional<courier_identity> courier_;
  // Named by a badge, waiting for its PIN (badge and PIN): not logged in yet.
  std::optional<courier_identity> badge_courier_;
  std::string tracking_;
  std::string compartment_;  // the one whose door this session waits for (not a pickup's)
  // Several parcels, one code (multi): a pickup's boxes still awaited (open: the door opened),
  // and those that ended left inside or did not open; how many were collected.
  struct pickup_box {
    std::string id;
    bool open = false;
  };
  std::vector<pickup_box> pickup_boxes_;
  std::vector<std::string> pickup_left_;
  std::vector<std::string> pickup_failed_;
  std::vector<std::string> sizes_;
  std::vector<removal_item> removals_;
  std::size_t removal_index_ = 0;
  drivers::steady_time lockout_end_{};
  std::function<void()> after_message_;
  bool message_holds_keys_ = false;
  bool extended_ = false;         // 'B' (issue 13)
  bool pickup_extended_ = false;  // this pickup's reservation asked for extended time

  drivers::code_reader* scanner_ = nullptr;
  drivers::code_reader* badge_reader_ = nullptr;
  std::string screen_text_;  // what show() put up last, for after a notice

  drivers::timer idle_timer_;
  drivers::timer message_timer_;
  drivers::timer lockout_timer_;
  drivers::timer notice_timer_;
};

}  // namespace locker::keypad
