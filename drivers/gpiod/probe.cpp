// SPDX-License-Identifier: Apache-2.0
#include "drivers/gpiod/probe.hpp"

#include <exception>
#include <utility>

#include <gpiod.hpp>

namespace locker::drivers::gpiod_backend {
namespace {

class libgpiod_inspector final : public line_inspector {
 public:
  std::optional<line_state> find(const line_spec& spec, std::string& why) override {
    try {
      ::gpiod::line l;
      if (!spec.name.empty()) {
        l = ::gpiod::find_line(spec.name);
        if (!l) {
          why = "no line of this name on any gpiochip";
          return std::nullopt;
        }
      } else {
        const ::gpiod::chip chip(spec.chip, ::gpiod::chip::OPEN_LOOKUP);
        if (!spec.offset || *spec.offset >= chip.num_lines()) {
          why = "offset out of range: chip " + chip.name() + " has " +
                std::to_string(chip.num_lines()) + " lines";
          return std::nullopt;
        }
        l = chip.get_line(*spec.offset);
      }
      line_state s;
      s.chip = l.get_chip().name();
      s.offset = l.offset();
      s.used = l.is_used();
      if (s.used) s.consumer = l.consumer();
      return s;
    } catch (const std::exception& e) {
      why = std::string("cannot open the gpiochip: ") + e.what();
      return std::nullopt;
    }
  }
};

}  // namespace

std::unique_ptr<line_inspector> make_libgpiod_inspector() {
  return std::make_unique<libgpiod_inspector>();
}

std::vector<line_problem> probe_board(const board_config& board, line_inspector& inspector) {
  std::vector<line_problem> problems;
  const auto check = [&](const std::string& key, const line_spec& spec) {
    std::string why;
    const auto state = inspector.find(spec, why);
    if (!state) {
      problems.push_back({key, spec.describe(), why});
    } else if (state->used) {
      problems.push_back(
          {key, spec.describe(),
           "in use by " +
               (state->consumer.empty() ? std::string("another consumer") : state->consumer) +
               " (" + state->chip + ":" + std::to_string(state->offset) + ")"});
    }
  };
  for (std::size_t i = 0; i < board.compartments.size(); ++i) {
    const auto& c = board.compartments[i];
    const auto key = "compartment[" + std::to_string(i) + "] (id " + c.id + ")";
    check(key + ".lock", c.lock);
    check(key + ".door", c.door);
    if (c.presence) check(key + ".presence", *c.presence);
  }
  if (board.keypad.kind == keypad_kind::matrix) {
    for (std::size_t i = 0; i < board.keypad.rows.size(); ++i)
      check("keypad.rows[" + std::to_string(i) + "]", board.keypad.rows[i]);
    for (std::size_t i = 0; i < board.keypad.columns.size(); ++i)
      check("keypad.columns[" + std::to_string(i) + "]", board.keypad.columns[i]);
  }
  if (board.badge && board.badge->kind == badge_kind::wiegand) {
    check("badge.wiegand_d0", board.badge->wiegand_d0);
    check("badge.wiegand_d1", board.badge->wiegand_d1);
  }
  if (board.buzzer) check("buzzer", *board.buzzer);
  if (board.alarm_led) check("alarm_led", *board.alarm_led);
  if (board.backup_power) check("backup_power", *board.backup_power);
  return problems;
}

}  // namespace locker::drivers::gpiod_backend
