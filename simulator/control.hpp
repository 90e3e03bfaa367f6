// SPDX-License-Identifier: Apache-2.0
// The control interface's commands ("open 7", "press 123#", "state"...): parsed and run
// against a cabinet_model. Pure, so every reply can be tested without a socket.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "simulator/cabinet_model.hpp"

namespace locker::simulator {

// What the connection must do besides sending the reply lines.
enum class control_action { none, watch, quit, attach_board };

struct control_reply {
  std::vector<std::string> lines;  // each without '\n'
  control_action action = control_action::none;
};

// Runs one command line. Bad input gets exactly one "error <reason>" line and leaves the
// model unchanged. "attach board" is only recognised here; the server does the attaching.
[[nodiscard]] control_reply run_control(cabinet_model& model, std::string_view line);

// The lines "help" answers with (the last one is "ok").
[[nodiscard]] std::vector<std::string> control_help();

}  // namespace locker::simulator
