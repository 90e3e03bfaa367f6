// SPDX-License-Identifier: Apache-2.0
#include "daemon/keypad/keypad_session.hpp"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <utility>

#include "daemon/tokens/token_codec.hpp"

namespace locker::keypad {
namespace {

constexpr std::size_t line_width = 20;

// Replaces each "{}" in pattern by the next argument.
std::string fill(std::string_view pattern, std::initializer_list<std::string_view> args) {
  std::string out;
  out.reserve(pattern.size() + 24);
  const auto* arg = args.begin();
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '{' && i + 1 < pattern.size() && pattern[i + 1] == '}' && arg != args.end()) {
      out += *arg++;
      ++i;
    } else {
      out += pattern[i];
    }
  }
  return out;
}

// Cuts value so that the line of pattern holding the first "{}" fits the display. Names keep
// their start; tracking numbers keep their end (the part a courier compares), marked "..".
std::string cut_to_fit(std::string_view pattern, std::string_view value, bool keep_end) {
  const auto at = pattern.find("{}");
  if (at == std::string_view::npos) return std::string{value};
  const auto line_start = pattern.rfind('\n', at);
  const auto begin = line_start == std::string_view::npos ? 0 : line_start + 1;
  const auto end = std::min(pattern.find('\n', at), pattern.size());
  const std::size_t fixed = end - begin - 2;
  const std::size_t room = fixed >= line_width ? 1 : line_width - fixed;
  if (value.size() <= room) return std::string{value};
  if (!keep_end || room <= 2) return std::string{value.substr(0, room)};
  return ".." + std::string{value.substr(value.size() - (room - 2))};
}

std::string stars(std::size_t n) { return std::string(n, '*'); }

// Several parcels, one code (multi): "3, 7, 12", or as many as fit the line of pattern that
// holds "{}" followed by how many more ("3, 7 +2").
std::string box_list(std::string_view pattern, const std::vector<std::string>& ids) {
  const auto join = [&](std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out += (i == 0 ? "" : ", ") + ids[i];
    return out;
  };
  const auto fits = [&](const std::string& value) {
    return cut_to_fit(pattern, value, false).size() == value.size();
  };
  if (auto all = join(ids.size()); fits(all)) return all;
  for (std::size_t n = ids.size() - 1; n >= 1; --n) {
    auto some = join(n) + " +" + std::to_string(ids.size() - n);
    if (fits(some)) return some;
  }
  return cut_to_fit(pattern, join(1) + " +" + std::to_string(ids.size() - 1), false);
}

bool is_digit(char key) { return key >= '0' && key <= '9'; }
bool is_known(char key) { return is_digit(key) || key == '*' || key == '#'; }

}  // namespace

keypad_session::keypad_session(drivers::keypad& keys, drivers::display& screen,
                               drivers::indicator& sounds, drivers::clock& clock,
                               locker_services& services, session_settings settings)
    : keys_(keys),
      screen_(screen),
      sounds_(sounds),
      clock_(clock),
      services_(services),
      settings_(std::move(settings)),
      idle_timer_(clock),
      message_timer_(clock),
      lockout_timer_(clock),
      notice_timer_(clock) {
  if (settings_.languages.size() < 2) settings_.languages.clear();  // no key to switch
  if (settings_.default_language >= settings_.languages.size()) settings_.default_language = 0;
  language_ = settings_.default_language;
  if (!settings_.languages.empty()) settings_.texts = settings_.languages[language_];
  keys_.on_key([this](char key) { on_key(key); });
  // A lockout survives a restart: show it rather than a prompt that would refuse keys.
  if (const auto remaining = services_.lockout_remaining(); remaining > std::chrono::seconds{0}) {
    enter_lockout(remaining);
  } else {
    enter_idle();
  }
}

keypad_session::~keypad_session() {
  // The keypad cannot forget a handler; leave it one that does not touch this object.
  keys_.on_key([](char) {});
  if (scanner_ != nullptr) scanner_->on_read([](const std::string&) {});
  if (badge_reader_ != nullptr) badge_reader_->on_read([](const std::string&) {});
}

void keypad_session::take_scans(drivers::code_reader& reader) {
  scanner_ = &reader;
  reader.on_read([this](const std::string& code) { on_scan(code); });
}

void keypad_session::take_badges(drivers::code_reader& reader) {
  badge_reader_ = &reader;
  reader.on_read([this](const std::string& badge) { on_badge(badge); });
}

// ---- keys ----

void keypad_session::on_key(char key) {
  // Accessibility (issue 13): 'B' toggles extended time wherever the session is; it changes
  // nothing else, so it is safe even while a door is awaited.
  if (key == 'B') {
    toggle_extended_time();
    return;
  }
  const bool language_key = !settings_.languages.empty() &&
                            (key == 'A' || (key == '#' && settings_.hash_switches_language));
  if (!is_known(key) && !language_key) {
    refuse();
    return;
  }
  // A key ends a shown result early and counts for the screen that follows it, so a
  // recipient can type again right after "Wrong code".
  if (state_ == state::message) {
    // A lockout's message waits its time: keys typed into it (a PIN) would count elsewhere.
    if (message_holds_keys_) {
      refuse();
      return;
    }
    finish_message();
  }
  // Chosen before anything is typed; it lasts for the session.
  if (language_key && state_ == state::idle && input_.empty()) {
    next_language();
    return;
  }
  if (!is_known(key)) {
    refuse();  // 'A' anywhere else
    return;
  }
  switch (state_) {
    case state::idle:
    case state::pickup_left:
      key_idle(key);
      return;
    case state::lockout:
      key_lockout(key);
      return;
    case state::courier_pin:
      key_courier_pin(key);
      return;
    case state::courier_menu:
      key_courier_menu(key);
      return;
    case state::tracking_entry:
      key_tracking(key);
      return;
    case state::size_menu:
      key_size_menu(key);
      return;
    case state::deposit_open:
      key_deposit_open(key);
      return;
    case state::removal_item:
      key_removal_item(key);
      return;
    case state::message:  // finish_message() always leaves it
    case state::pickup_opening:
    case state::pickup_open:
    case state::deposit_opening:
    case state::deposit_cancelled:
    case state::removal_opening:
    case state::removal_open:
    case state::dropoff_opening:
    case state::dropoff_open:
      // Waiting for a door: nothing a key could do here is safe to guess.
      refuse();
      return;
  }
}

void keypad_session::key_idle(char key) {
  // '*' starts a courier's login, which no recipients' lockout blocks.
  if (input_.empty() && key != '*') {
    if (const auto remaining = services_.lockout_remaining(); remaining > std::chrono::seconds{0}) {
      refuse();
      enter_lockout(remaining);
      return;
    }
  }
  if (key == '*') {
    accept();
    if (input_.empty()) {
      start_courier_login();
    } else {
      enter_idle();
    }
    return;
  }
  if (key == '#') {
    if (input_.empty()) {
      refuse();
      return;
    }
    accept();
    const pickup_answer answer = services_.pickup(input_);
    clear_input();
    answer_pickup(answer);
    return;
  }
  if (!take_digit(key, settings_.max_code_digits)) return;
  show(fill(settings_.texts.code_entry, {stars(input_.size())}));
}

const std::string& keypad_session::token_text(token_refusal why) const {
  const auto& t = settings_.texts;
  switch (why) {
    case token_refusal::unreadable:
      return t.token_unreadable;
    case token_refusal::unknown_key:
      return t.token_unknown_key;
    case token_refusal::bad_signature:
      return t.token_bad_signature;
    case token_refusal::key_retired:
      return t.token_key_retired;
    case token_refusal::other_locker:
      return t.token_other_locker;
    case token_refusal::not_yet_valid:
      return t.token_not_yet_valid;
    case token_refusal::expired:
      return t.token_expired;
    case token_refusal::used:
      return t.token_used;
    case token_refusal::no_parcel:
      return t.token_no_parcel;
  }
  return t.token_unreadable;
}

void keypad_session::answer_pickup(const pickup_answer& answer,
                                   std::optional<token_refusal> refused) {
  switch (answer.outcome) {
    case code_outcome::opening: {
      state_ = state::pickup_opening;
      pickup_extended_ = answer.extended_time;
      pickup_boxes_.clear();
      pickup_left_.clear();
      pickup_failed_.clear();
      auto boxes = answer.compartments;
      if (boxes.empty()) boxes.push_back(answer.compartment);
      for (auto& id : boxes) pickup_boxes_.push_back({std::move(id), false});
      show_pickup();
      return;
    }
    case code_outcome::wrong:
      sounds_.beep(drivers::sound::error);
      show_message(fill(refused ? token_text(*refused) : settings_.texts.wrong_code,
                        {std::to_string(std::max(answer.attempts_left, 0))}),
                   [this] { enter_idle(); });
      return;
    case code_outcome::locked_out:
      sounds_.beep(drivers::sound::error);
      enter_lockout(answer.retry_after > std::chrono::seconds{0} ? answer.retry_after
                                                                 : services_.lockout_remaining());
      return;
    case code_outcome::unavailable:
      sounds_.beep(drivers::sound::error);
      show_message(settings_.texts.out_of_order, [this] { enter_idle(); });
      return;
    case code_outcome::dropoff_opening:
      state_ = state::dropoff_opening;
      compartment_ = answer.compartment;
      show(fill(settings_.texts.opening, {compartment_}));
      return;
    case code_outcome::no_free_compartment:
      sounds_.beep(drivers::sound::error);
      show_message(settings_.texts.dropoff_no_free_compartment, [this] { enter_idle(); });
      return;
  }
}

void keypad_session::key_lockout(char key) {
  if (services_.lockout_remaining() > std::chrono::seconds{0}) {
    // A recipients' lockout never keeps a courier out.
    if (key == '*') {
      accept();
      start_courier_login();
      return;
    }
    refuse();
    return;
  }
  enter_idle();
  key_idle(key);
}

void keypad_session::key_courier_pin(char key) {
  if (key == '*') {
    accept();
    if (input_.empty()) {
      enter_idle();
    } else {
      enter_pin();
    }
    return;
  }
  if (key == '#') {
    if (input_.empty()) {
      refuse();
      return;
    }
    accept();
    if (input_.size() < settings_.min_pin_digits) {
      // Cannot be anyone's PIN: say so without spending an attempt.
      clear_input();
      sounds_.beep(drivers::sound::error);
      show_message(settings_.texts.pin_length, [this] { enter_pin(); });
      return;
    }
    auto courier = badge_courier_ ? services_.courier_badge_pin(badge_courier_->courier_id, input_)
                                  : services_.courier_login(input_);
    clear_input();
    if (courier) {
      courier_ = std::move(courier);
      badge_courier_.reset();
      sounds_.beep(drivers::sound::ok);
      enter_menu();
      return;
    }
    sounds_.beep(drivers::sound::error);
    if (services_.out_of_order()) {
      show_message(settings_.texts.out_of_order, [this] { enter_idle(); });
      return;
    }
    if (show_courier_lockout(false)) return;  // the error beep sounded above
    show_message(settings_.texts.wrong_pin, [this] { enter_pin(); });
    return;
  }
  if (!take_digit(key, settings_.max_pin_digits)) return;
  show(fill(settings_.texts.pin_entry, {stars(input_.size())}));
}

void keypad_session::key_courier_menu(char key) {
  switch (key) {
    case '1':
      accept();
      enter_tracking();
      sounds_.beep(drivers::sound::prompt);  // the locker asks for something new (issue 13)
      return;
    case '2':
      accept();
      enter_removals();
      return;
    case '#':
    case '*':
      accept();
      restore_language();  // logged out
      enter_idle();
      return;
    default:
      refuse();
      return;
  }
}

void keypad_session::key_tracking(char key) {
  if (key == '*') {
    accept();
    if (input_.empty()) {
      enter_menu();
    } else {
      enter_tracking();
    }
    return;
  }
  if (key == '#') {
    // Typed digits always pass the contract's rule; checked all the same, so that a change
    // of the rule applies here too.
    if (!protocol::rules::valid_tracking_number(input_)) {
      refuse();
      return;
    }
    accept();
    submit_tracking();
    return;
  }
  if (!take_digit(key, settings_.max_tracking_digits)) return;
  show(fill(settings_.texts.tracking_entry,
            {cut_to_fit(settings_.texts.tracking_entry, input_, true)}));
}

void keypad_session::key_size_menu(char key) {
  if (key == '*') {
    accept();
    // Back to the number, still typed, so a wrong size does not cost retyping it.
    state_ = state::tracking_entry;
    input_ = tracking_;
    show(fill(settings_.texts.tracking_entry,
              {cut_to_fit(settings_.texts.tracking_entry, input_, true)}));
    return;
  }
  const auto choice = static_cast<std::size_t>(key - '0');
  if (!is_digit(key) || choice < 1 || choice > sizes_.size()) {
    refuse();
    return;
  }
  accept();
  begin_deposit(sizes_[choice - 1]);
}

void keypad_session::key_deposit_open(char key) {
  if (key == '*') {
    accept();
    const std::string given_up = compartment_;
    const deposit_answer answer = services_.deposit_bigger(given_up);
    if (answer.error != deposit_error::none) {
      // The parcel goes back to the courier; the open door closes empty.
      compartment_.clear();
      sounds_.beep(drivers::sound::error);
      show_message(answer.error == deposit_error::unavailable ? settings_.texts.out_of_order
                                                              : settings_.texts.no_bigger,
                   [this] { enter_menu(); });
      return;
    }
    state_ = state::deposit_opening;
    compartment_ = answer.compartment;
    show(fill(settings_.texts.opening_bigger, {compartment_, given_up}));
    return;
  }
  if (key == '#') {
    accept();
    services_.abandon_deposit(compartment_, abandon_reason::cancelled);
    state_ = state::deposit_cancelled;
    show(settings_.texts.deposit_cancelled);
    return;
  }
  refuse();
}

void keypad_session::key_removal_item(char key) {
  if (key == '*') {
    accept();
    ++removal_index_;
    if (removal_index_ < removals_.size()) {
      show_removal();
    } else {
      enter_menu();
    }
    return;
  }
  if (key != '#') {
    refuse();
    return;
  }
  accept();
  const removal_item& item = removals_[removal_index_];
  if (!services_.begin_removal(*courier_, item.parcel_id)) {
    sounds_.beep(drivers::sound::error);
    if (services_.out_of_order()) {
      show_message(settings_.texts.out_of_order, [this] { enter_menu(); });
      return;
    }
    const std::string text = fill(settings_.texts.removal_unavailable, {item.compartment});
    ++removal_index_;  // it stays on the list; the next one may still open
    show_message(text, [this] { next_removal(); });
    return;
  }
  state_ = state::removal_opening;
  compartment_ = item.compartment;
  show(fill(settings_.texts.opening, {compartment_}));
}

// ---- scans ----

void keypad_session::on_scan(const std::string& code) {
  // As a key does, a scan ends a shown result early and counts for the screen after it.
  if (state_ == state::message) finish_message();
  if (state_ == state::lockout) {
    if (services_.lockout_remaining() > std::chrono::seconds{0}) {
      refuse();  // the countdown on the screen says why
      return;
    }
    enter_idle();
  }
  if (state_ == state::idle || state_ == state::pickup_left) {
    if (const auto remaining = services_.lockout_remaining(); remaining > std::chrono::seconds{0}) {
      refuse();
      enter_lockout(remaining);
      return;
    }
    // A signed token (protocol/tokens.md) opens its parcel as its code would; a refused one
    // counts as a wrong code.
    if (tokens::looks_like_token(code)) {
      clear_input();
      accept();
      const token_answer answer = services_.token_pickup(code);
      answer_pickup(answer.pickup, answer.refused);
      return;
    }
    // A scan that cannot be a pickup code (a parcel's label held up by mistake) spends no
    // attempt; one that can takes the typed code's path, and a wrong one counts.
    if (!protocol::rules::valid_pickup_code(code)) {
      notice(settings_.texts.scan_not_code);
      return;
    }
    clear_input();
    input_ = code;
    key_idle('#');
    return;
  }
  if (state_ == state::tracking_entry) {
    if (!protocol::rules::valid_tracking_number(code)) {
      notice(settings_.texts.scan_not_tracking);
      return;
    }
    clear_input();
    input_ = code;
    key_tracking('#');
    return;
  }
  notice(settings_.texts.scan_unexpected);
}

// ---- badges ----

void keypad_session::on_badge(const std::string& badge) {
  // As a key does, a badge ends a shown result early and counts for the screen after it;
  // a message that holds the keys (a couriers' lockout) holds badges too.
  if (state_ == state::message) {
    if (message_holds_keys_) {
      refuse();
      return;
    }
    finish_message();
  }
  // A recipients' lockout never blocks a courier: the badge is the couriers' budget.
  if (state_ != state::idle && state_ != state::lockout) {
    notice(settings_.texts.badge_unexpected);
    return;
  }
  if (show_courier_lockout(true)) return;
  lockout_timer_.cancel();  // the recipients' countdown comes back after the courier
  clear_input();            // a half-typed pickup code gives way to the courier
  touch();
  badge_answer answer = services_.courier_badge(badge);
  switch (answer.outcome) {
    case badge_outcome::logged_in:
      courier_ = std::move(answer.courier);
      sounds_.beep(drivers::sound::ok);
      enter_menu();
      return;
    case badge_outcome::pin_needed:
      sounds_.beep(drivers::sound::key);
      badge_courier_ = std::move(answer.courier);
      enter_pin();
      return;
    case badge_outcome::unknown:
      sounds_.beep(drivers::sound::error);
      show_message(settings_.texts.unknown_badge, [this] { enter_idle(); });
      return;
    case badge_outcome::locked_out:
      if (!show_courier_lockout(true)) enter_idle();
      return;
    case badge_outcome::unavailable:
      sounds_.beep(drivers::sound::error);
      show_message(settings_.texts.out_of_order, [this] { enter_idle(); });
      return;
  }
}

void keypad_session::notice(std::string_view text) {
  sounds_.beep(drivers::sound::error);
  screen_.show(text);
  notice_timer_.start(person_time(settings_.message_hold), [this] { screen_.show(screen_text_); });
}

void keypad_session::toggle_extended_time() {
  extended_ = !extended_;
  services_.set_extended_time(extended_);
  sounds_.beep(extended_ ? drivers::sound::ok : drivers::sound::key);
  // Over the current screen, which comes back: no state changes.
  screen_.show(extended_ ? settings_.texts.extended_time_on : settings_.texts.extended_time_off);
  notice_timer_.start(person_time(settings_.message_hold), [this] { screen_.show(screen_text_); });
  if (message_timer_.armed())
    message_timer_.start(person_time(settings_.message_hold), [this] { finish_message(); });
  // The session's idle timer, with its new length: extended time ends with it.
  touch();
}

drivers::millis keypad_session::person_time(drivers::millis base) const {
  return extended_time() ? base * std::max(1, settings_.extended_time_factor) : base;
}

// ---- door events ----

void keypad_session::door_opened(std::string_view compartment) {
  if (awaits_pickup(compartment)) {
    for (auto& b : pickup_boxes_)
      if (b.id == compartment) b.open = true;
    const bool first = state_ == state::pickup_opening;
    state_ = state::pickup_open;
    show_pickup();
    // The reservation asked for extended time: say so once, over the open-box screen.
    if (first && pickup_extended_ && !extended_) {
      screen_.show(settings_.texts.extended_time_on);
      notice_timer_.start(person_time(settings_.message_hold),
                          [this] { screen_.show(screen_text_); });
    }
    touch();
    return;
  }
  if (compartment != compartment_) return;
  switch (state_) {
    case state::deposit_opening:
      state_ = state::deposit_open;
      show(fill(settings_.texts.deposit_open, {compartment_}));
      break;
    case state::removal_opening:
      state_ = state::removal_open;
      show(fill(settings_.texts.removal_open, {compartment_}));
      break;
    case state::dropoff_opening:
      state_ = state::dropoff_open;
      show(fill(settings_.texts.dropoff_open, {compartment_}));
      break;
    default:
      return;
  }
  touch();
}

void keypad_session::deposit_moved(std::string_view from, std::string_view to) {
  if ((state_ != state::deposit_opening && state_ != state::dropoff_opening) ||
      from != compartment_)
    return;
  compartment_ = std::string{to};
  show(fill(settings_.texts.deposit_moved, {from, to}));
  touch();
}

void keypad_session::deposit_failed(std::string_view compartment) {
  if ((state_ != state::deposit_opening && state_ != state::dropoff_opening) ||
      compartment != compartment_)
    return;
  compartment_.clear();
  sounds_.beep(drivers::sound::error);
  if (state_ == state::dropoff_opening) {
    show_message(settings_.texts.dropoff_failed, [this] { enter_idle(); });
    return;
  }
  show_message(settings_.texts.deposit_failed, [this] { enter_menu(); });
}

void keypad_session::open_failed(std::string_view compartment) {
  if (awaits_pickup(compartment)) {
    const auto it = std::find_if(pickup_boxes_.begin(), pickup_boxes_.end(),
                                 [&](const pickup_box& b) { return b.id == compartment; });
    if (it->open) return;  // its door did open: what follows is its closing
    pickup_failed_.emplace_back(compartment);
    pickup_settled(compartment);
    if (pickup_boxes_.empty()) {
      finish_pickup();
      return;
    }
    // A box that does not open never holds up the others: say which, over their screen.
    show_pickup();
    notice(fill(settings_.texts.pickup_open_failed, {compartment}));
    return;
  }
  if (compartment != compartment_) return;
  if (state_ == state::removal_opening) {
    compartment_.clear();
    sounds_.beep(drivers::sound::error);
    ++removal_index_;  // it stays on the list; the next one may still open
    show_message(fill(settings_.texts.removal_faulty, {compartment}), [this] { next_removal(); });
  }
}

void keypad_session::stored(std::string_view compartment) {
  if (compartment == compartment_ &&
      (state_ == state::dropoff_open || state_ == state::dropoff_opening)) {
    compartment_.clear();
    sounds_.beep(drivers::sound::ok);
    show_message(settings_.texts.dropped_off, [this] { enter_idle(); });
    return;
  }
  if (compartment != compartment_ ||
      (state_ != state::deposit_open && state_ != state::deposit_opening)) {
    return;
  }
  const std::string where = compartment_;
  compartment_.clear();
  tracking_.clear();
  sounds_.beep(drivers::sound::ok);
  state_ = state::courier_menu;
  show(fill(settings_.texts.stored, {where}));
  touch();
}

void keypad_session::collected(std::string_view compartment) {
  if (!awaits_pickup(compartment)) return;
  pickup_settled(compartment);
  if (pickup_boxes_.empty()) {
    finish_pickup();
    return;
  }
  sounds_.beep(drivers::sound::ok);
  show_pickup();
  touch();
}

void keypad_session::left_inside(std::string_view compartment) {
  if (!awaits_pickup(compartment)) return;
  pickup_left_.emplace_back(compartment);
  pickup_settled(compartment);
  if (pickup_boxes_.empty()) {
    finish_pickup();
    return;
  }
  // The others are still open: say which one was closed on its parcel, over their screen.
  show_pickup();
  notice(fill(settings_.texts.left_inside, {compartment}));
  touch();
}

bool keypad_session::awaits_pickup(std::string_view compartment) const {
  if (state_ != state::pickup_open && state_ != state::pickup_opening) return false;
  return std::any_of(pickup_boxes_.begin(), pickup_boxes_.end(),
                     [&](const pickup_box& b) { return b.id == compartment; });
}

void keypad_session::pickup_settled(std::string_view compartment) {
  pickup_boxes_.erase(std::remove_if(pickup_boxes_.begin(), pickup_boxes_.end(),
                                     [&](const pickup_box& b) { return b.id == compartment; }),
                      pickup_boxes_.end());
}

void keypad_session::show_pickup() {
  std::vector<std::string> open;
  for (const auto& b : pickup_boxes_)
    if (b.open) open.push_back(b.id);
  if (pickup_boxes_.size() == 1) {
    // One box (a single parcel, or the last of several): the one-box texts, as always.
    const auto& id = pickup_boxes_.front().id;
    show(fill(open.empty() ? settings_.texts.opening : settings_.texts.pickup_open, {id}));
    return;
  }
  if (open.empty()) {
    show(fill(settings_.texts.opening_many, {std::to_string(pickup_boxes_.size())}));
    return;
  }
  show(fill(settings_.texts.pickup_open_many, {box_list(settings_.texts.pickup_open_many, open)}));
}

void keypad_session::finish_pickup() {
  const auto left = std::exchange(pickup_left_, {});
  const auto failed = std::exchange(pickup_failed_, {});
  pickup_boxes_.clear();
  if (!left.empty()) {
    // The session goes on: typing the same code again (until session_idle without a key)
    // opens those compartments again; after that the controller reports the parcels left
    // inside.
    clear_input();
    sounds_.beep(drivers::sound::error);
    state_ = state::pickup_left;
    show(left.size() == 1 ? fill(settings_.texts.left_inside, {left.front()})
                          : fill(settings_.texts.left_inside_many,
                                 {box_list(settings_.texts.left_inside_many, left)}));
    touch();
    return;
  }
  if (!failed.empty()) {
    sounds_.beep(drivers::sound::error);
    show_message(failed.size() == 1 ? fill(settings_.texts.pickup_open_failed, {failed.front()})
                                    : fill(settings_.texts.pickup_many_failed,
                                           {box_list(settings_.texts.pickup_many_failed, failed)}),
                 [this] { enter_idle(); });
    return;
  }
  sounds_.beep(drivers::sound::ok);
  show_message(settings_.texts.thank_you, [this] {
    restore_language();
    enter_idle();
  });
}

void keypad_session::removed(std::string_view compartment) {
  if (compartment != compartment_ ||
      (state_ != state::removal_open && state_ != state::removal_opening)) {
    return;
  }
  compartment_.clear();
  sounds_.beep(drivers::sound::ok);
  removals_.erase(removals_.begin() + static_cast<std::ptrdiff_t>(removal_index_));
  touch();
  next_removal();
}

void keypad_session::closed_empty(std::string_view compartment) {
  if (compartment != compartment_) return;
  if (state_ == state::deposit_cancelled || state_ == state::deposit_open) {
    compartment_.clear();
    touch();
    enter_menu();
  }
}

void keypad_session::nothing_stored(std::string_view compartment) {
  if (compartment != compartment_ ||
      (state_ != state::deposit_open && state_ != state::deposit_opening &&
       state_ != state::dropoff_open && state_ != state::dropoff_opening)) {
    return;
  }
  const std::string where = compartment_;
  compartment_.clear();
  tracking_.clear();
  sounds_.beep(drivers::sound::error);
  show_message(fill(settings_.texts.nothing_stored, {where}), [this] { enter_menu(); });
}

void keypad_session::out_of_order(std::string_view compartment) {
  if (awaits_pickup(compartment)) {
    pickup_settled(compartment);
    if (!pickup_boxes_.empty()) {
      // The others still open and close as usual; this one's closing is retried later.
      show_pickup();
      notice(settings_.texts.out_of_order);
      return;
    }
    pickup_left_.clear();
    pickup_failed_.clear();
  } else if (compartment != compartment_) {
    return;
  }
  compartment_.clear();
  tracking_.clear();
  sounds_.beep(drivers::sound::error);
  show_message(settings_.texts.out_of_order, [this] { enter_menu(); });  // idle without a courier
}

// ---- screens ----

void keypad_session::accept() {
  sounds_.beep(drivers::sound::key);
  touch();
}

void keypad_session::refuse() { sounds_.beep(drivers::sound::error); }

void keypad_session::show(std::string_view text) {
  notice_timer_.cancel();  // the new screen replaces a notice
  screen_text_ = text;
  screen_.show(text);
}

void keypad_session::touch() {
  idle_timer_.start(person_time(settings_.session_idle), [this] { on_idle_timeout(); });
}

void keypad_session::on_idle_timeout() {
  // The person has gone: their extended time goes with them (issue 13).
  if (extended_) {
    extended_ = false;
    services_.set_extended_time(false);
  }
  if ((state_ == state::deposit_opening || state_ == state::deposit_open) &&
      !compartment_.empty()) {
    services_.abandon_deposit(compartment_, abandon_reason::timeout);
  }
  restore_language();
  enter_idle();
}

void keypad_session::enter_idle() {
  // Pickup codes locked out: the countdown is the idle screen until it ends.
  if (const auto remaining = services_.lockout_remaining(); remaining > std::chrono::seconds{0}) {
    enter_lockout(remaining);
    return;
  }
  reset_session();
  state_ = state::idle;
  show(settings_.texts.idle);
  // A chosen language lasts until session_idle without a key, then the next person's.
  if (language_ != settings_.default_language) touch();
  // Extended time stays for the person's next try, until no key came for the (extended)
  // session_idle.
  if (extended_) touch();
}

void keypad_session::next_language() {
  if (const auto remaining = services_.lockout_remaining(); remaining > std::chrono::seconds{0}) {
    refuse();
    enter_lockout(remaining);
    return;
  }
  accept();
  language_ = (language_ + 1) % settings_.languages.size();
  settings_.texts = settings_.languages[language_];
  show(settings_.texts.idle);
}

void keypad_session::restore_language() {
  if (language_ == settings_.default_language) return;
  language_ = settings_.default_language;
  settings_.texts = settings_.languages[language_];
}

void keypad_session::reset_session() {
  idle_timer_.cancel();
  message_timer_.cancel();
  lockout_timer_.cancel();
  after_message_ = nullptr;
  clear_input();
  courier_.reset();
  badge_courier_.reset();
  tracking_.clear();
  compartment_.clear();
  pickup_boxes_.clear();
  pickup_left_.clear();
  pickup_failed_.clear();
  sizes_.clear();
  removals_.clear();
  removal_index_ = 0;
  pickup_extended_ = false;
}

void keypad_session::enter_lockout(std::chrono::seconds remaining) {
  reset_session();  // a lockout ends any session and typed input
  restore_language();
  state_ = state::lockout;
  lockout_end_ = clock_.now() + remaining;
  lockout_tick();
}

void keypad_session::lockout_tick() {
  const auto left = lockout_end_ - clock_.now();
  if (left <= drivers::steady_time::duration::zero()) {
    // The controller owns the lockout (it survives restarts and may have grown).
    if (const auto more = services_.lockout_remaining(); more > std::chrono::seconds{0}) {
      lockout_end_ = clock_.now() + more;
      lockout_tick();
      return;
    }
    enter_idle();
    return;
  }
  const auto shown = std::chrono::ceil<std::chrono::seconds>(left);
  show(fill(settings_.texts.locked_out, {std::to_string(shown.count())}));
  // Next when the shown number changes.
  const auto until_change = left - (shown - std::chrono::seconds{1});
  lockout_timer_.start(std::chrono::ceil<drivers::millis>(until_change),
                       [this] { lockout_tick(); });
}

void keypad_session::show_message(std::string_view text, std::function<void()> then,
                                  bool hold_keys) {
  state_ = state::message;
  message_holds_keys_ = hold_keys;
  after_message_ = std::move(then);
  show(text);
  message_timer_.start(person_time(settings_.message_hold), [this] { finish_message(); });
}

void keypad_session::finish_message() {
  message_timer_.cancel();
  message_holds_keys_ = false;
  auto then = std::move(after_message_);
  after_message_ = nullptr;
  if (then) {
    then();
  } else {
    enter_idle();
  }
}

void keypad_session::start_courier_login() {
  lockout_timer_.cancel();  // the recipients' countdown comes back after the courier
  if (show_courier_lockout(true)) return;
  enter_pin();
  sounds_.beep(drivers::sound::prompt);  // the locker asks for something new (issue 13)
}

bool keypad_session::show_courier_lockout(bool beep) {
  const auto remaining = services_.courier_lockout_remaining();
  if (remaining <= std::chrono::seconds{0}) return false;
  if (beep) sounds_.beep(drivers::sound::error);
  // The couriers' budget only: the keypad goes on taking pickup codes afterwards.
  show_message(
      fill(settings_.texts.locked_out, {std::to_string(remaining.count())}),
      [this] { enter_idle(); }, true);
  return true;
}

void keypad_session::lockout_changed() {
  if (state_ == state::lockout && services_.lockout_remaining() <= std::chrono::seconds{0})
    enter_idle();
}

void keypad_session::enter_pin() {
  clear_input();
  state_ = state::courier_pin;
  show(badge_courier_ ? settings_.texts.badge_pin_prompt : settings_.texts.pin_prompt);
}

void keypad_session::enter_menu() {
  if (!courier_) {
    enter_idle();
    return;
  }
  clear_input();
  tracking_.clear();
  compartment_.clear();
  removals_.clear();
  removal_index_ = 0;
  state_ = state::courier_menu;
  show(fill(settings_.texts.menu, {cut_to_fit(settings_.texts.menu, courier_->name, false)}));
}

void keypad_session::enter_tracking() {
  clear_input();
  state_ = state::tracking_entry;
  show(settings_.texts.tracking_prompt);
}

void keypad_session::submit_tracking() {
  tracking_ = input_;
  clear_input();
  if (auto size = services_.announced_size(tracking_)) {
    begin_deposit(*size);
    return;
  }
  sizes_ = services_.sizes();
  if (sizes_.size() == 1) {
    begin_deposit(sizes_.front());
    return;
  }
  if (sizes_.empty() || sizes_.size() > 9) {
    // Only digits 1-9 can choose; a cabinet configured otherwise cannot take a deposit here.
    sounds_.beep(drivers::sound::error);
    show_message(settings_.texts.unknown_size, [this] { enter_menu(); });
    return;
  }
  // Full names if they fit on the line, else their first letters.
  std::string names;
  std::string initials;
  for (std::size_t i = 0; i < sizes_.size(); ++i) {
    const std::string sep = i == 0 ? "" : " ";
    const std::string number = std::to_string(i + 1) + "=";
    names += sep + number + sizes_[i];
    initials +=
        sep + number +
        (sizes_[i].empty()
             ? std::string{"?"}
             : std::string(
                   1, static_cast<char>(std::toupper(static_cast<unsigned char>(sizes_[i][0])))));
  }
  const std::string with_names = fill(settings_.texts.size_menu, {names});
  const bool names_fit = with_names.find('\n') <= line_width;
  state_ = state::size_menu;
  show(names_fit ? with_names : fill(settings_.texts.size_menu, {initials}));
  sounds_.beep(drivers::sound::prompt);
}

void keypad_session::begin_deposit(const std::string& size) {
  const deposit_answer answer = services_.begin_deposit(*courier_, tracking_, size);
  if (answer.error != deposit_error::none) {
    sounds_.beep(drivers::sound::error);
    deposit_error_message(answer.error, size);
    return;
  }
  state_ = state::deposit_opening;
  compartment_ = answer.compartment;
  show(fill(settings_.texts.opening, {compartment_}));
}

void keypad_session::deposit_error_message(deposit_error error, std::string_view size) {
  std::string text;
  switch (error) {
    case deposit_error::no_free_compartment:
      text = fill(settings_.texts.no_free_compartment,
                  {cut_to_fit(settings_.texts.no_free_compartment, size, false)});
      break;
    case deposit_error::already_in_locker:
      text = settings_.texts.already_in_locker;
      break;
    case deposit_error::unavailable:
      text = settings_.texts.out_of_order;
      break;
    case deposit_error::unknown_size:
    case deposit_error::none:
      text = settings_.texts.unknown_size;
      break;
  }
  show_message(text, [this] { enter_menu(); });
}

void keypad_session::enter_removals() {
  removals_ = services_.removals_for(*courier_);
  removal_index_ = 0;
  if (removals_.empty()) {
    show_message(
        services_.out_of_order() ? settings_.texts.out_of_order : settings_.texts.nothing_to_remove,
        [this] { enter_menu(); });
    return;
  }
  show_removal();
}

void keypad_session::show_removal() {
  const removal_item& item = removals_[removal_index_];
  state_ = state::removal_item;
  show(fill(
      settings_.texts.removal_item,
      {cut_to_fit(settings_.texts.removal_item, item.tracking_number, true), item.compartment}));
}

void keypad_session::next_removal() {
  if (removal_index_ < removals_.size()) {
    show_removal();
  } else if (removals_.empty()) {
    show_message(settings_.texts.all_done, [this] { enter_menu(); });
  } else {
    enter_menu();  // what is left could not be opened; the menu offers to try again
  }
}

bool keypad_session::take_digit(char key, std::size_t max) {
  if (!is_digit(key) || input_.size() >= max) {
    refuse();
    return false;
  }
  accept();
  input_ += key;
  return true;
}

void keypad_session::clear_input() {
  // Codes and PINs should not linger in memory longer than needed.
  std::fill(input_.begin(), input_.end(), '\0');
  input_.clear();
}

}  // namespace locker::keypad
