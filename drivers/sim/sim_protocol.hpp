// SPDX-License-Identifier: Apache-2.0
// The board protocol between locker-sim and the sim backend: one message per text line.
// Pure: strings in, messages out; the socket code lives elsewhere.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "drivers/hardware.hpp"

namespace locker::drivers::sim {

// A line level: "in LOCK_01 1" (simulator to board) or "out LOCK_01 0" (board to simulator).
struct level_msg {
  std::string line;
  bool active = false;
  friend bool operator==(const level_msg&, const level_msg&) = default;
};

// ---- simulator -> board ----
struct input_msg : level_msg {};   // "in <line> 0|1": an input level (snapshot) or a raw edge
struct output_msg : level_msg {};  // "out <line> 0|1": an output's level, in the snapshot only
struct key_msg {                   // "key <k>"
  char key = 0;
  friend bool operator==(const key_msg&, const key_msg&) = default;
};
struct scan_msg {  // "scan <escaped text>": what the scanner read, without its terminator
  std::string text;
  friend bool operator==(const scan_msg&, const scan_msg&) = default;
};
struct ready_msg {  // "ready": the snapshot is complete
  friend bool operator==(const ready_msg&, const ready_msg&) = default;
};
struct ok_msg {  // "ok [details]"
  std::string details;
  friend bool operator==(const ok_msg&, const ok_msg&) = default;
};
struct error_msg {  // "error <reason>"
  std::string reason;
  friend bool operator==(const error_msg&, const error_msg&) = default;
};
using to_board =
    std::variant<input_msg, output_msg, key_msg, scan_msg, ready_msg, ok_msg, error_msg>;

// ---- board -> simulator ----
struct attach_msg {  // "attach board"
  friend bool operator==(const attach_msg&, const attach_msg&) = default;
};
struct set_output_msg : level_msg {};  // "out <line> 0|1"
struct display_msg {                   // "display <escaped text>"
  std::string text;
  friend bool operator==(const display_msg&, const display_msg&) = default;
};
struct beep_msg {  // "beep key|ok|error|alarm|prompt|door_open|door_left_open"
  sound what = sound::key;
  friend bool operator==(const beep_msg&, const beep_msg&) = default;
};
struct alarm_msg {  // "alarm 0|1"
  bool on = false;
  friend bool operator==(const alarm_msg&, const alarm_msg&) = default;
};
using from_board = std::variant<attach_msg, set_output_msg, display_msg, beep_msg, alarm_msg>;

// A parsed message or why the line is not one.
template <typename T>
struct parsed {
  std::optional<T> message;
  std::string error;  // set when message is empty
};

[[nodiscard]] parsed<to_board> parse_to_board(std::string_view line);
[[nodiscard]] parsed<from_board> parse_from_board(std::string_view line);
// Formats without the trailing '\n'.
[[nodiscard]] std::string format(const to_board& m);
[[nodiscard]] std::string format(const from_board& m);

// A scan on the wire: 1-max_scan_length characters, none of them a control character (the
// scanner's terminator is not part of it). Spaces are allowed.
inline constexpr std::size_t max_scan_length = 1024;
[[nodiscard]] bool valid_scan(std::string_view text);

// Display and scan text travel on one line: '\n' becomes "\\n" and '\\' becomes "\\\\".
[[nodiscard]] std::string escape_text(std::string_view text);
// The inverse of escape_text; nullopt on a dangling or unknown escape.
[[nodiscard]] std::optional<std::string> unescape_text(std::string_view text);

[[nodiscard]] bool valid_key(char k);
[[nodiscard]] std::string_view sound_name(sound s);
[[nodiscard]] std::optional<sound> parse_sound(std::string_view name);
// A line name on the wire: 1-64 printable characters, no spaces.
[[nodiscard]] bool valid_line_name(std::string_view name);

// Splits a byte stream into lines ("\n", a trailing "\r" dropped). A line longer than
// max_line marks the stream broken: the peer is not speaking this protocol.
class line_splitter {
 public:
  explicit line_splitter(std::size_t max_line = 4096) : max_line_(max_line) {}
  void feed(std::string_view bytes);
  // The next complete line, or nullopt.
  [[nodiscard]] std::optional<std::string> next();
  [[nodiscard]] bool broken() const { return broken_; }

 private:
  std::size_t max_line_;
  std::string partial_;
  std::deque<std::string> lines_;
  bool broken_ = false;
};

}  // namespace locker::drivers::sim
