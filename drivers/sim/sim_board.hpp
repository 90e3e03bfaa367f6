// SPDX-License-Identifier: Apache-2.0
// The sim backend: a board whose pins are locker-sim's lines, carried over its Unix socket.
// It invents nothing; every level comes from the simulator, which owns the physics.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "drivers/clock.hpp"
#include "drivers/hardware.hpp"
#include "drivers/line.hpp"

namespace locker::drivers::sim {

class sim_board final : public drivers::board {
 public:
  // Connects to locker-sim at socket_path, attaches as the board and reads the level of
  // every line, synchronously; then reads on io. Edges are stamped with stamps->now()
  // (std::chrono::steady_clock when null). Throws std::runtime_error naming the path if the
  // simulator cannot be reached or refuses (another board already attached).
  sim_board(boost::asio::io_context& io, const std::string& socket_path,
            const drivers::clock* stamps = nullptr);
  sim_board(const sim_board&) = delete;
  sim_board& operator=(const sim_board&) = delete;
  // Closes the connection; the simulator then releases every coil.
  ~sim_board() override;

  // Lines by name (spec.describe()); one object per line however often requested. Throw
  // std::runtime_error naming the line if the simulator has no such line.
  output_line& output(const line_spec& spec) override;
  input_line& input(const line_spec& spec) override;
  drivers::keypad& keypad() override;
  drivers::display& display() override;
  drivers::indicator& indicator() override;
  // Scans from locker-sim's `scan` command (the simulator refuses them when its board file
  // has no [scanner]). Never null.
  drivers::code_reader* scanner() override;

  // Called once, on io's thread, when the simulator goes away (it is logged to stderr
  // too). From then on outputs are not driven (set() says not_connected) and inputs hold
  // their last level, having reported not_connected through their on_fault.
  void on_disconnect(std::function<void()> handler);
  [[nodiscard]] bool connected() const;
  [[nodiscard]] const std::string& socket_path() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace locker::drivers::sim
