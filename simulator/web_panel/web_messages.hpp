// SPDX-License-Identifier: Apache-2.0
// What the browser panel and locker-sim say to each other over the WebSocket, as JSON: the
// cabinet's layout, its state and change stream, views, and the browser's actions. Pure (no
// sockets), so every message and every refusal is tested without a browser. An action becomes a
// line of the control interface (simulator/control.hpp) and runs through run_control, so the
// panel can do exactly what the control interface can and nothing more.
#pragma once

#include <deque>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "drivers/board_file/board_file.hpp"
#include "simulator/cabinet_model.hpp"

namespace locker::simulator::web {

// The cabinet to scale, from the board file: each compartment's column and its place in
// millimetres above the floor ({"width_mm","height_mm","columns":[{"x_mm","width_mm",
// "compartments":[{"id","size","y_mm","height_mm","handle_mm"|null}]}]}). A handle height below
// the previous one's, same size, stacks a compartment under it; otherwise it starts a column.
// A size's height is the least step between handles of that size (else a default per rank).
[[nodiscard]] nlohmann::json cabinet_layout(const drivers::board_config& board);

// Sent once on connect: {"type":"hello","hardware","layout","scanner","badge","battery",
// "actions":[...]}.
[[nodiscard]] nlohmann::json hello_message(const drivers::board_config& board,
                                           const cabinet_model& model);
// {"type":"state","state":<the control interface's state JSON>}.
[[nodiscard]] nlohmann::json state_message(const cabinet_model& model);
// {"type":"event","kind","details"}: one entry of the change stream.
[[nodiscard]] nlohmann::json event_message(const cabinet_event& e);
// {"type":"events","events":[{"kind","details"}...]}: the last ones, oldest first, on connect.
[[nodiscard]] nlohmann::json events_message(const std::deque<cabinet_event>& events);
// {"type":"view","name","data"}: another view's snapshot (the tracking view).
[[nodiscard]] nlohmann::json view_message(const std::string& name, nlohmann::json data);

// The browser's actions, by name, each with its fields: {"type":"action","action":"open",
// "id":"7"}, optionally with "req" (a number or string, echoed in the reply).
//   press {keys}  scan {text}  badge {id: "facility:card"}  wiegand {bits}
//   open|close|put|take|jam|unjam|force|chatter|unstick {id}  stuck {id, level: open|closed}
//   power {on: bool}  bounce {ms, count}
struct parsed_action {
  nlohmann::json req;   // null when the message had none (or could not be read)
  std::string command;  // the control line, e.g. "open 7"; empty when refused
  std::string error;    // why the message was refused; empty when it was read
};
[[nodiscard]] parsed_action parse_action(std::string_view text);

// Reads one message from the browser and, when it is a good action, runs it on the model:
// {"type":"reply","req","ok":true,"text":"ok"} or {"type":"reply","req","ok":false,"error"}.
// A bad message (not JSON, not an action, unknown action, wrong fields) changes nothing.
[[nodiscard]] nlohmann::json handle_message(cabinet_model& model, std::string_view text);

}  // namespace locker::simulator::web
