// SPDX-License-Identifier: Apache-2.0
#include "drivers/gpiod/gpiod_board.hpp"

#include <stdexcept>

#include "drivers/gpiod/evdev_keypad.hpp"
#include "drivers/gpiod/evdev_scanner.hpp"
#include "drivers/gpiod/front_panel.hpp"
#include "drivers/gpiod/matrix_scanner.hpp"
#include "drivers/gpiod/request.hpp"

namespace locker::drivers::gpiod_backend {

gpiod_board::gpiod_board(boost::asio::io_context& io, drivers::clock& c, drivers::board_config cfg,
                         std::string consumer)
    : gpiod_board(io, c, std::move(cfg), std::move(consumer), make_libgpiod_source()) {}

gpiod_board::gpiod_board(boost::asio::io_context& io, drivers::clock& c, drivers::board_config cfg,
                         std::string consumer, std::unique_ptr<line_source> lines)
    : io_(io),
      clock_(c),
      cfg_(std::move(cfg)),
      consumer_(std::move(consumer)),
      lines_(std::move(lines)) {}

gpiod_board::~gpiod_board() {
  // The front panel holds lines; it goes first, explicitly, whatever the member order.
  keypad_.reset();
  scanner_.reset();
  badge_reader_.reset();
  indicator_.reset();
  display_.reset();
}

output_line& gpiod_board::output(const line_spec& spec) {
  for (auto& [s, l] : outputs_) {
    if (s == spec) return *l;
  }
  auto line =
      std::make_unique<gpiod_output_line>(lines_->request(spec, direction::output, consumer_));
  outputs_.emplace_back(spec, std::move(line));
  return *outputs_.back().second;
}

input_line& gpiod_board::input(const line_spec& spec) {
  return request_input(spec, direction::input);
}

input_line& gpiod_board::pulse_input(const line_spec& spec) {
  return request_input(spec, direction::pulse_input);
}

input_line& gpiod_board::request_input(const line_spec& spec, direction dir) {
  for (auto& [s, l] : inputs_) {
    if (s == spec) return *l;
  }
  std::unique_ptr<gpiod_input_line> line;
  try {
    line = std::make_unique<gpiod_input_line>(io_, clock_, lines_->request(spec, dir, consumer_));
  } catch (const std::system_error& e) {
    throw std::runtime_error(describe_failure(spec, e.what()));
  }
  inputs_.emplace_back(spec, std::move(line));
  return *inputs_.back().second;
}

drivers::keypad& gpiod_board::keypad() {
  if (keypad_) return *keypad_;
  const auto& k = cfg_.keypad;
  switch (k.kind) {
    case drivers::keypad_kind::matrix: {
      std::vector<output_line*> rows;
      std::vector<input_line*> columns;
      for (const auto& r : k.rows) rows.push_back(&output(r));
      for (const auto& c : k.columns) columns.push_back(&input(c));
      try {
        keypad_ = std::make_unique<matrix_scanner>(std::move(rows), std::move(columns), k.keys,
                                                   clock_, k.scan_ms);
      } catch (const std::invalid_argument& e) {
        throw std::runtime_error(cfg_.file + ": keypad: " + e.what());
      }
      break;
    }
    case drivers::keypad_kind::evdev:
      keypad_ = std::make_unique<evdev_keypad>(io_, clock_, k.device);
      break;
    case drivers::keypad_kind::sim:
      throw std::runtime_error(cfg_.file + ": keypad: kind \"sim\" needs the sim backend");
  }
  return *keypad_;
}

drivers::display& gpiod_board::display() {
  if (display_) return *display_;
  switch (cfg_.display.kind) {
    case drivers::display_kind::file:
      display_ = std::make_unique<file_display>(cfg_.display.path);
      break;
    case drivers::display_kind::none:
      display_ = std::make_unique<null_display>();
      break;
    case drivers::display_kind::sim:
      throw std::runtime_error(cfg_.file + ": display: kind \"sim\" needs the sim backend");
  }
  return *display_;
}

drivers::indicator& gpiod_board::indicator() {
  if (indicator_) return *indicator_;
  output_line* buzzer = cfg_.buzzer ? &output(*cfg_.buzzer) : nullptr;
  output_line* led = cfg_.alarm_led ? &output(*cfg_.alarm_led) : nullptr;
  indicator_ = std::make_unique<line_indicator>(buzzer, led, clock_);
  return *indicator_;
}

drivers::code_reader* gpiod_board::scanner() {
  if (scanner_ || !cfg_.scanner) return scanner_.get();
  const auto& s = *cfg_.scanner;
  switch (s.kind) {
    case drivers::scanner_kind::evdev: {
      evdev_scanner_options options;
      options.max_length = s.max_length;
      scanner_ = std::make_unique<evdev_scanner>(io_, clock_, s.device, std::move(options));
      break;
    }
    case drivers::scanner_kind::sim:
      throw std::runtime_error(cfg_.file + ": scanner: kind \"sim\" needs the sim backend");
  }
  return scanner_.get();
}

drivers::code_reader* gpiod_board::badge_reader() {
  if (badge_reader_ || !cfg_.badge || cfg_.badge->kind != drivers::badge_kind::evdev)
    return badge_reader_.get();
  // A HID badge reader types the badge id and Enter, as a keyboard-wedge scanner does.
  evdev_scanner_options options;
  options.max_length = protocol_badge_max_length;
  options.device.what = "badge reader device";
  badge_reader_ = std::make_unique<evdev_scanner>(io_, clock_, cfg_.badge->device, options);
  return badge_reader_.get();
}

}  // namespace locker::drivers::gpiod_backend
