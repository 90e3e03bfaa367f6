// SPDX-License-Identifier: Apache-2.0
// A board wired straight to an in-process cabinet_model: the controller and the simulated
// cabinet share one clock, so scenario tests run hours of locker life on virtual time.
// Like the socket backend, it only carries lines; the model owns the physics.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "drivers/hardware.hpp"
#include "simulator/cabinet_model.hpp"

namespace locker::simulator {

class model_board final : public drivers::board {
 public:
  model_board(cabinet_model& model, drivers::clock& c);
  model_board(const model_board&) = delete;
  model_board& operator=(const model_board&) = delete;
  ~model_board() override;

  // Throw std::runtime_error naming the line when the model has no such line.
  drivers::output_line& output(const drivers::line_spec& spec) override;
  drivers::input_line& input(const drivers::line_spec& spec) override;
  drivers::keypad& keypad() override;
  drivers::display& display() override;
  drivers::indicator& indicator() override;
  // Scans from the model's scan() (which the model refuses without [scanner]). Never null.
  drivers::code_reader* scanner() override;

 private:
  class model_output;
  class model_input;
  class model_panel;
  class model_scanner;

  cabinet_model& model_;
  drivers::clock& clock_;
  std::map<std::string, std::unique_ptr<model_output>> outputs_;
  std::map<std::string, std::unique_ptr<model_input>> inputs_;
  std::unique_ptr<model_panel> panel_;
  std::unique_ptr<model_scanner> scanner_;
  cabinet_model::subscription input_sub_ = 0;
};

}  // namespace locker::simulator
