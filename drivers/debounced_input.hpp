// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "drivers/clock.hpp"
#include "drivers/hardware.hpp"
#include "drivers/line.hpp"

namespace locker::drivers {

// Turns a bouncing contact into clean changes: a new level is reported once it has held
// for `settle` with no further edge. libgpiod 1.6 has no kernel debounce, and the
// simulator's contacts bounce like real ones, so every backend goes through this.
// A contact that never settles (a loose wire, a failing switch: edges for longer than
// unsettled_limit x settle) is not hidden: it is reported as chatter (on_chatter, once until
// it settles again), and from then on its level is sampled once per settle period. A person's
// move makes edges only for the contact's bounce, far shorter: its new level is simply
// reported once it held for `settle`. Telling these apart needs the edges, which only this
// class sees.
class debounced_input {
 public:
  debounced_input(input_line& line, clock& c, millis settle);
  debounced_input(const debounced_input&) = delete;
  debounced_input& operator=(const debounced_input&) = delete;
  // Detaches from the line, which may outlive this object.
  ~debounced_input();

  // The last stable level.
  [[nodiscard]] bool get() const { return stable_; }
  // A new settle time, from the next edge on (a wait already running keeps its length).
  void set_settle(millis settle) { settle_ = settle; }
  [[nodiscard]] millis settle() const { return settle_; }
  void on_change(std::function<void(bool active)> handler) { handler_ = std::move(handler); }
  // The line chatters (see above): called once when found, before the first sampled change;
  // again only after the line has settled in between.
  void on_chatter(std::function<void()> handler) { chatter_handler_ = std::move(handler); }
  // Whether the line chatters now (found, and not settled since).
  [[nodiscard]] bool chattering() const { return chattering_; }
  // The line's own faults, passed through (a level that changed while it was broken comes
  // through the debounce like any edge).
  void on_fault(std::function<void(std::error_code)> handler) {
    line_.on_fault(std::move(handler));
  }

 private:
  void edge(line_event e);
  void report(bool level);

  static constexpr int unsettled_limit = 4;

  input_line& line_;
  clock& clock_;
  millis settle_;
  timer settle_timer_;
  steady_time unsettled_since_{};
  steady_time last_sample_{};
  steady_time last_edge_{};
  bool settling_ = false;
  bool chattering_ = false;
  bool stable_;
  bool pending_;
  std::function<void(bool)> handler_;
  std::function<void()> chatter_handler_;
};

// A door contact over a debounced line: active means open.
class debounced_door_sensor final : public door_sensor {
 public:
  debounced_door_sensor(input_line& line, clock& c, millis settle) : in_(line, c, settle) {}
  [[nodiscard]] bool open() const override { return in_.get(); }
  [[nodiscard]] bool chattering() const override { return in_.chattering(); }
  void set_settle(millis settle) { in_.set_settle(settle); }
  [[nodiscard]] millis settle() const { return in_.settle(); }
  void on_change(std::function<void(bool)> handler) override { in_.on_change(std::move(handler)); }
  void on_fault(std::function<void(std::error_code)> handler) override {
    in_.on_fault(std::move(handler));
  }
  void on_chatter(std::function<void()> handler) override { in_.on_chatter(std::move(handler)); }

 private:
  debounced_input in_;
};

// A presence sensor over a debounced line: active means occupied.
class debounced_presence_sensor final : public presence_sensor {
 public:
  debounced_presence_sensor(input_line& line, clock& c, millis settle) : in_(line, c, settle) {}
  [[nodiscard]] bool occupied() const override { return in_.get(); }
  void set_settle(millis settle) { in_.set_settle(settle); }
  [[nodiscard]] millis settle() const { return in_.settle(); }
  void on_change(std::function<void(bool)> handler) override { in_.on_change(std::move(handler)); }
  void on_fault(std::function<void(std::error_code)> handler) override {
    in_.on_fault(std::move(handler));
  }
  void on_chatter(std::function<void()> handler) override { in_.on_chatter(std::move(handler)); }

 private:
  debounced_input in_;
};

// A power-sense line over a debounced line: active means running on the backup supply.
class debounced_power_sensor final : public power_sensor {
 public:
  debounced_power_sensor(input_line& line, clock& c, millis settle) : in_(line, c, settle) {}
  [[nodiscard]] bool on_backup() const override { return in_.get(); }
  void on_change(std::function<void(bool)> handler) override { in_.on_change(std::move(handler)); }
  void on_fault(std::function<void(std::error_code)> handler) override {
    in_.on_fault(std::move(handler));
  }

 private:
  debounced_input in_;
};

}  // namespace locker::drivers
