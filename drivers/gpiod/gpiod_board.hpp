// SPDX-License-Identifier: Apache-2.0
// The real board: GPIO lines through libgpiod 1.6, a matrix or evdev keypad, a file
// display, a buzzer and alarm LED on lines, and a keyboard-wedge scanner.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "drivers/board_file/board_file.hpp"
#include "drivers/clock.hpp"
#include "drivers/gpiod/gpiod_lines.hpp"
#include "drivers/gpiod/line_port.hpp"
#include "drivers/hardware.hpp"

namespace locker::drivers::gpiod_backend {

class gpiod_board final : public drivers::board {
 public:
  // Lines come from the system's gpiochips; they are requested under `consumer`.
  gpiod_board(boost::asio::io_context& io, drivers::clock& c, drivers::board_config cfg,
              std::string consumer = "lockerd");
  // Lines come from `lines` (tests).
  gpiod_board(boost::asio::io_context& io, drivers::clock& c, drivers::board_config cfg,
              std::string consumer, std::unique_ptr<line_source> lines);
  gpiod_board(const gpiod_board&) = delete;
  gpiod_board& operator=(const gpiod_board&) = delete;
  ~gpiod_board() override;

  // Requests the line on first use, driving it inactive; later calls with the same spec
  // return the same line. Throws std::runtime_error naming the line.
  output_line& output(const line_spec& spec) override;
  // Requests the line with both-edge events on first use; same spec, same line.
  input_line& input(const line_spec& spec) override;
  // Requests the line with active-edge events only on first use; same spec, same line (an
  // input asked for before keeps both edges).
  input_line& pulse_input(const line_spec& spec) override;
  // The front panel is built on first use (after the locks are safe), from the board
  // config; throws std::runtime_error if its config cannot be used with this backend.
  drivers::keypad& keypad() override;
  drivers::display& display() override;
  drivers::indicator& indicator() override;
  // The evdev scanner of the board file's [scanner], opened on first use; null without one.
  // A scanner not plugged in yet is no error: it is opened when it appears.
  drivers::code_reader* scanner() override;
  // The evdev (HID) badge reader of the board file's [badge], opened on first use; null
  // without one or for a Wiegand reader (built on two input lines above the backend).
  drivers::code_reader* badge_reader() override;

 private:
  input_line& request_input(const line_spec& spec, direction dir);

  // The longest badge id the contract takes (protocol/input_rules.hpp: badge_max_length);
  // a longer read is garbled, not an id.
  static constexpr std::size_t protocol_badge_max_length = 64;

  boost::asio::io_context& io_;
  drivers::clock& clock_;
  drivers::board_config cfg_;
  std::string consumer_;
  std::unique_ptr<line_source> lines_;
  std::vector<std::pair<line_spec, std::unique_ptr<gpiod_output_line>>> outputs_;
  std::vector<std::pair<line_spec, std::unique_ptr<gpiod_input_line>>> inputs_;
  // After the lines: destroyed first, as they use them.
  std::unique_ptr<drivers::keypad> keypad_;
  std::unique_ptr<drivers::display> display_;
  std::unique_ptr<drivers::indicator> indicator_;
  std::unique_ptr<drivers::code_reader> scanner_;
  std::unique_ptr<drivers::code_reader> badge_reader_;
};

}  // namespace locker::drivers::gpiod_backend
