// SPDX-License-Identifier: Apache-2.0
// The physical cabinet, simulated: lock coils, doors on springs, bouncing contacts, a
// keypad, a scanner, a display and injected faults. A pure model on an injected clock (no sockets,
// no threads), so scenario tests can run it on virtual time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "drivers/board_file/board_file.hpp"
#include "drivers/clock.hpp"
#include "drivers/hardware.hpp"

namespace locker::simulator {

enum class door_state { closed, ajar, open };
[[nodiscard]] std::string_view door_name(door_state d);

// How a door contact bounces on each move: `count` brief reversals spread over `span`
// before it settles. count 0 switches cleanly.
struct bounce_settings {
  drivers::millis span{5};
  int count = 4;
};

// A Wiegand reader's pace: a pulse of `pulse_width` on D0 or D1 per bit, a new one every
// `bit_interval`. Real readers send 50 us pulses 1-2 ms apart; whole milliseconds here, as
// the model's clock counts them. lockerd ends a frame 25 ms after its last pulse, so
// bit_interval stays well below that.
struct wiegand_pace {
  drivers::millis pulse_width{1};
  drivers::millis bit_interval{2};
};

// What a person or a script sees of one compartment.
struct compartment_status {
  std::string id;
  std::string size;
  door_state door = door_state::closed;
  bool forced = false;    // opened without the lock releasing
  bool coil = false;      // lock coil energized
  bool latched = true;    // the latch holds a closed door
  bool sensor = false;    // the door line as the controller reads it (active = open)
  bool occupied = false;  // a parcel lies inside
  bool has_presence = false;
  bool jammed = false;
  std::optional<bool> stuck;  // the sensor's fixed level
  bool chattering = false;
};

// A person's action or an injected fault: done, or refused with a reason and no change.
struct action_result {
  std::string error;
  [[nodiscard]] bool ok() const { return error.empty(); }
};

// One entry of the human-readable change stream: "door" "7 ajar", "key" "5".
// A time on the model's clock, to the microsecond's fraction.
using response_ms = std::chrono::duration<double, std::milli>;

struct cabinet_event {
  std::string kind;
  std::string details;
};

// A sound by its wire name as a person would read it: its name and the shape of its pattern
// (drivers/sounds.hpp), e.g. "accepted (.-)"; an unknown name as it is.
[[nodiscard]] std::string describe_sound(std::string_view wire_name);

class cabinet_model {
 public:
  using subscription = std::uint64_t;
  // From coil energized to the door standing ajar, when the latch releases.
  static constexpr drivers::millis spring_delay{30};
  // How long a chattering contact keeps toggling unless unstuck earlier.
  static constexpr drivers::millis chatter_length{1000};
  cabinet_model(const drivers::board_config& board, drivers::clock& c, bounce_settings bounce = {},
                wiegand_pace pace = {});
  cabinet_model(const cabinet_model&) = delete;
  cabinet_model& operator=(const cabinet_model&) = delete;
  ~cabinet_model();

  // ---- the controller's side (what the board's pins see) ----
  // Drives an output line (lock coil, buzzer, alarm LED). False if no such output.
  // Ignored while the power is off.
  bool set_output(std::string_view line, bool active);
  [[nodiscard]] std::optional<bool> output(std::string_view line) const;
  // An input line's level as the controller reads it; nullopt if no such input.
  [[nodiscard]] std::optional<bool> input(std::string_view line) const;
  // Every line with its level, in board-file order.
  [[nodiscard]] std::vector<std::pair<std::string, bool>> inputs() const;
  [[nodiscard]] std::vector<std::pair<std::string, bool>> outputs() const;
  // Every output inactive: what a board's pins do when the controller process dies.
  void release_all_outputs();
  void show(std::string text);
  void beep(drivers::sound s);
  void set_alarm(bool on);

  // Subscriptions; handlers run synchronously inside the call that caused the change.
  // Every raw edge of an input line, bounces included.
  subscription on_input(std::function<void(const std::string& line, bool active)> fn);
  subscription on_key(std::function<void(char key)> fn);
  // Each scan, as the scanner's device would deliver it (without its terminator).
  subscription on_scan(std::function<void(const std::string& text)> fn);
  subscription on_event(std::function<void(const cabinet_event&)> fn);
  void unsubscribe(subscription id);

  // ---- people ----
  action_result press(std::string_view keys);  // each of 0-9 * # A-D, spaces ignored
  // A barcode or QR code held to the scanner: refused on a board without [scanner], while
  // the power is off, and for text that is no scan (empty, too long, control characters).
  action_result scan(std::string_view text);
  // A courier's card held to the Wiegand badge reader: `id` is "facility:card" in decimal
  // (as printed on the card), sent as a 26-bit frame when the facility fits 8 bits, else 34.
  // The frame's pulses go out on the reader's two input lines at the model's wiegand_pace,
  // each edge its interval after the one before was sent (a late timer delays the rest of
  // the frame, it does not bunch its pulses). Refused on a board without a Wiegand [badge], while
  // the power is off, while a frame is still being sent, and for an id that is no such pair.
  action_result badge(std::string_view id);
  // Any frame, as '0'/'1' characters (1-64 bits, wrong length or parity allowed): a reader's
  // noise or a cut frame, which lockerd must ignore and count. Refused as badge() is.
  action_result wiegand(std::string_view bits);
  action_result open(std::string_view id);   // an ajar or unlatched door, fully
  action_result close(std::string_view id);  // an open or ajar door; it latches again
  action_result put(std::string_view id);    // a parcel in, door open
  action_result take(std::string_view id);   // the parcel out, door open

  // ---- faults ----
  action_result jam(std::string_view id);  // the coil energizes, the latch holds
  action_result unjam(std::string_view id);
  action_result force(std::string_view id);             // a closed door opened without the lock
  action_result stick(std::string_view id, bool open);  // the sensor reads a fixed level
  action_result chatter(std::string_view id);           // toggles for chatter_length
  action_result unstick(std::string_view id);           // ends stuck or chatter
  action_result set_bounce(bounce_settings b);
  // The mains. On a board with a backup_power line the backup battery carries the cabinet:
  // off, everything keeps working and that line reads active; on, it reads inactive again.
  // Without one, off is a blackout: outputs drop and read off, inputs hold their last level,
  // display blank, keys dead; on, inputs jump to what the doors really are.
  action_result set_power(bool on);

  // Puts something that happened outside the model (a client attached) on the stream.
  void announce(std::string kind, std::string details);

  [[nodiscard]] std::vector<compartment_status> status() const;
  [[nodiscard]] const std::string& display_text() const { return display_; }
  // The electronics have power (from the mains or the battery).
  [[nodiscard]] bool powered() const { return powered_; }
  [[nodiscard]] bool mains() const { return mains_; }
  // The battery carries the cabinet (mains off, a backup_power line on the board).
  [[nodiscard]] bool on_battery() const { return !mains_ && has_battery(); }
  [[nodiscard]] bool has_battery() const { return !backup_line_.empty(); }
  [[nodiscard]] bool has_scanner() const { return scanner_max_length_ > 0; }
  [[nodiscard]] bool has_wiegand_reader() const { return !wiegand_lines_[0].empty(); }
  [[nodiscard]] bool alarm() const { return alarm_; }
  [[nodiscard]] bool buzzer() const { return buzzer_; }
  // The last sound's wire name ("ok", "door_open", ...; "" before the first).
  [[nodiscard]] const std::string& last_beep() const { return last_beep_; }
  [[nodiscard]] bounce_settings bounce() const { return bounce_; }
  // The controller's response as the cabinet saw it: from the last key press or scan handed
  // to the controller to the next coil it energized, on the model's clock (nullopt before
  // the first). Each key or scan is timed from the moment the board's client had it; keys
  // pressed together count from the last of them.
  [[nodiscard]] std::optional<response_ms> input_to_coil() const { return input_to_coil_; }
  // Everything above as one line of JSON.
  [[nodiscard]] std::string state_json() const;

 private:
  struct compartment;
  enum class role { lock, door, presence, buzzer, alarm_led, backup_power, wiegand };
  struct line_ref {
    compartment* c;
    role r;
  };

  compartment* find(std::string_view id) const;
  action_result unknown(std::string_view id) const;
  void emit(std::string kind, std::string details);
  void set_coil(compartment& c, bool on);
  void release_latch(compartment& c);
  void door_to(compartment& c, door_state d);
  void door_moved(compartment& c);
  void set_door_line(compartment& c, bool level);
  void set_presence_line(compartment& c, bool level);
  void bounce_step(compartment& c, int step);
  void chatter_step(compartment& c);
  void settle_sensor(compartment& c);
  action_result send_wiegand(const std::vector<bool>& bits, std::string what);
  void wiegand_step();

  drivers::clock& clock_;
  bounce_settings bounce_;
  wiegand_pace wiegand_pace_;
  std::vector<std::unique_ptr<compartment>> compartments_;
  std::map<std::string, line_ref, std::less<>> lines_;
  std::vector<std::string> line_order_;
  std::string display_;
  std::string last_beep_;
  std::optional<drivers::steady_time> input_at_;  // a key or scan not yet answered by a coil
  std::optional<response_ms> input_to_coil_;
  bool powered_ = true;
  bool mains_ = true;
  std::string backup_line_;             // empty: no battery, no power-sense line
  std::size_t scanner_max_length_ = 0;  // 0: no scanner
  // The Wiegand reader's D0 and D1 lines (empty: none), their levels (active = pulled low by
  // the reader) and the frame being sent: edges at their offsets from its start.
  std::string wiegand_lines_[2];
  bool wiegand_levels_[2] = {false, false};
  struct wiegand_edge {
    int wire;
    bool active;
    drivers::millis at;
  };
  std::vector<wiegand_edge> wiegand_edges_;
  std::size_t wiegand_next_ = 0;
  drivers::timer wiegand_timer_;
  bool alarm_ = false;
  bool buzzer_ = false;
  subscription next_sub_ = 1;
  std::vector<std::pair<subscription, std::function<void(const std::string&, bool)>>> input_subs_;
  std::vector<std::pair<subscription, std::function<void(char)>>> key_subs_;
  std::vector<std::pair<subscription, std::function<void(const std::string&)>>> scan_subs_;
  std::vector<std::pair<subscription, std::function<void(const cabinet_event&)>>> event_subs_;
};

}  // namespace locker::simulator
