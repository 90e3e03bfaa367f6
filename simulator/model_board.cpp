// SPDX-License-Identifier: Apache-2.0
#include "simulator/model_board.hpp"

#include <stdexcept>

namespace locker::simulator {

class model_board::model_output final : public drivers::output_line {
 public:
  model_output(cabinet_model& m, std::string line) : model_(m), line_(std::move(line)) {}
  std::error_code set(bool active) override {
    model_.set_output(line_, active);
    return {};  // the model's wires do not break
  }
  [[nodiscard]] bool get() const override { return model_.output(line_).value_or(false); }

 private:
  cabinet_model& model_;
  std::string line_;
};

class model_board::model_input final : public drivers::input_line {
 public:
  model_input(cabinet_model& m, std::string line) : model_(m), line_(std::move(line)) {}
  [[nodiscard]] bool get() const override { return model_.input(line_).value_or(false); }
  void on_change(std::function<void(drivers::line_event)> handler) override {
    handler_ = std::move(handler);
  }
  // The model's wires do not break: a sensor fault is simulated by its contact (stuck,
  // chatter), which reaches the controller as levels.
  void on_fault(std::function<void(std::error_code)> /*handler*/) override {}
  void edge(bool level, drivers::steady_time at) {
    if (handler_) handler_({level, at});
  }

 private:
  cabinet_model& model_;
  std::string line_;
  std::function<void(drivers::line_event)> handler_;
};

class model_board::model_panel final : public drivers::keypad,
                                       public drivers::display,
                                       public drivers::indicator {
 public:
  explicit model_panel(cabinet_model& m) : model_(m) {
    sub_ = model_.on_key([this](char k) {
      if (handler_) handler_(k);
    });
  }
  ~model_panel() override { model_.unsubscribe(sub_); }
  model_panel(const model_panel&) = delete;
  model_panel& operator=(const model_panel&) = delete;

  void on_key(std::function<void(char)> handler) override { handler_ = std::move(handler); }
  void show(std::string_view text) override { model_.show(std::string(text)); }
  void beep(drivers::sound s) override { model_.beep(s); }
  void set_alarm(bool on) override { model_.set_alarm(on); }

 private:
  cabinet_model& model_;
  cabinet_model::subscription sub_ = 0;
  std::function<void(char)> handler_;
};

class model_board::model_scanner final : public drivers::code_reader {
 public:
  explicit model_scanner(cabinet_model& m) : model_(m) {
    sub_ = model_.on_scan([this](const std::string& text) {
      if (handler_) handler_(text);
    });
  }
  ~model_scanner() override { model_.unsubscribe(sub_); }
  model_scanner(const model_scanner&) = delete;
  model_scanner& operator=(const model_scanner&) = delete;

  void on_read(std::function<void(const std::string&)> handler) override {
    handler_ = std::move(handler);
  }
  // The model's scanner stays plugged in and reads every scan whole.
  void on_fault(std::function<void(std::error_code)> /*handler*/) override {}
  [[nodiscard]] std::uint64_t garbled() const override { return 0; }

 private:
  cabinet_model& model_;
  cabinet_model::subscription sub_ = 0;
  std::function<void(const std::string&)> handler_;
};

model_board::model_board(cabinet_model& model, drivers::clock& c)
    : model_(model), clock_(c), panel_(std::make_unique<model_panel>(model)) {
  input_sub_ = model_.on_input([this](const std::string& line, bool level) {
    auto it = inputs_.find(line);
    if (it != inputs_.end()) it->second->edge(level, clock_.now());
  });
}

model_board::~model_board() {
  model_.unsubscribe(input_sub_);
  // The board is gone: like a process whose outputs fall back, every coil is released.
  model_.release_all_outputs();
}

drivers::output_line& model_board::output(const drivers::line_spec& spec) {
  const std::string line = spec.describe();
  auto& slot = outputs_[line];
  if (!slot) {
    if (!model_.output(line)) {
      outputs_.erase(line);
      throw std::runtime_error("simulated cabinet has no output line " + line);
    }
    slot = std::make_unique<model_output>(model_, line);
    (void)slot->set(false);
  }
  return *slot;
}

drivers::input_line& model_board::input(const drivers::line_spec& spec) {
  const std::string line = spec.describe();
  auto& slot = inputs_[line];
  if (!slot) {
    if (!model_.input(line)) {
      inputs_.erase(line);
      throw std::runtime_error("simulated cabinet has no input line " + line);
    }
    slot = std::make_unique<model_input>(model_, line);
  }
  return *slot;
}

drivers::keypad& model_board::keypad() { return *panel_; }
drivers::display& model_board::display() { return *panel_; }
drivers::indicator& model_board::indicator() { return *panel_; }

drivers::code_reader* model_board::scanner() {
  if (!scanner_) scanner_ = std::make_unique<model_scanner>(model_);
  return scanner_.get();
}

}  // namespace locker::simulator
