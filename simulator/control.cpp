// SPDX-License-Identifier: Apache-2.0
#include "simulator/control.hpp"

#include <charconv>
#include <optional>

#include "drivers/sim/sim_protocol.hpp"

namespace locker::simulator {

namespace {

std::vector<std::string_view> split(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    std::size_t end = i;
    while (end < line.size() && line[end] != ' ' && line[end] != '\t') ++end;
    if (end > i) out.push_back(line.substr(i, end - i));
    i = end;
  }
  return out;
}

std::optional<int> number(std::string_view s) {
  int v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}

control_reply one(std::string line) { return {{std::move(line)}, control_action::none}; }
control_reply error(const std::string& why) { return one("error " + why); }
control_reply result(const action_result& r) { return r.ok() ? one("ok") : error(r.error); }

}  // namespace

std::vector<std::string> control_help() {
  return {
      "commands (one per line; each answered by 'ok ...' or 'error <reason>'):",
      "  press <keys>              keys 0-9 * # A-D, e.g. 'press 1 2 3 #' or 'press 123#'",
      "  scan <text>               a barcode/QR code at the scanner (tracking number, code)",
      "  badge <facility:card>     a courier's card at the badge reader, e.g. 'badge 12:3456'",
      "  wiegand <bits>            any Wiegand frame as 0/1 (wrong length or parity: noise)",
      "  open <id> | close <id>    a person opens an ajar/unlatched door, closes a door",
      "  put <id> | take <id>      a parcel in or out (door open)",
      "  jam <id> | unjam <id>     the lock's latch does not release",
      "  force <id>                a closed door pried open",
      "  stuck <id> open|closed    the door sensor reads a fixed level",
      "  chatter <id>              the door sensor toggles for about 1 s",
      "  unstick <id>              ends stuck or chatter",
      "  bounce <ms> <count>       door contact bounce (count 0: none)",
      ("  power off|on              cut or restore the mains (a battery carries backup_power "
       "boards)"),
      "  state                     everything as one JSON line",
      "  display                   'ok <display text, \\n escaped>'",
      "  watch                     then 'event <kind> <details>' lines for every change",
      "  attach board              become the board client (lockerd's sim backend)",
      "  help | quit",
      "ok",
  };
}

control_reply run_control(cabinet_model& model, std::string_view line) {
  const auto w = split(line);
  if (w.empty()) return error("empty command (try 'help')");
  const std::string_view cmd = w[0];
  const std::size_t args = w.size() - 1;

  if (cmd == "help") return {control_help(), control_action::none};
  if (cmd == "quit") return {{"ok bye"}, control_action::quit};
  if (cmd == "state" || cmd == "display" || cmd == "watch") {
    if (args != 0) return error(std::string(cmd) + " takes no arguments");
    if (cmd == "state") return one(model.state_json());
    if (cmd == "watch") return {{"ok watching"}, control_action::watch};
    return one("ok " + drivers::sim::escape_text(model.display_text()));
  }
  if (cmd == "attach") {
    if (args != 1 || w[1] != "board") return error("usage: attach board");
    return {{}, control_action::attach_board};
  }
  if (cmd == "press") {
    if (args == 0) return error("usage: press <keys>");
    std::string keys;
    for (std::size_t i = 1; i < w.size(); ++i) keys += w[i];
    return result(model.press(keys));
  }
  if (cmd == "scan") {
    // The rest of the line, as the scanner reads it; its own inner spaces are kept.
    std::string_view text = line.substr(line.find("scan") + 4);
    const auto first = text.find_first_not_of(" \t");
    text = first == std::string_view::npos ? std::string_view{} : text.substr(first);
    const auto last = text.find_last_not_of(" \t");
    text = text.substr(0, last == std::string_view::npos ? 0 : last + 1);
    if (text.empty()) return error("usage: scan <text>");
    return result(model.scan(text));
  }
  if (cmd == "badge") {
    if (args != 1) return error("usage: badge <facility:card>");
    return result(model.badge(w[1]));
  }
  if (cmd == "wiegand") {
    if (args != 1) return error("usage: wiegand <bits>");
    return result(model.wiegand(w[1]));
  }
  if (cmd == "power") {
    if (args != 1 || (w[1] != "on" && w[1] != "off")) return error("usage: power off|on");
    return result(model.set_power(w[1] == "on"));
  }
  if (cmd == "bounce") {
    const auto ms = args == 2 ? number(w[1]) : std::nullopt;
    const auto count = args == 2 ? number(w[2]) : std::nullopt;
    if (!ms || !count) return error("usage: bounce <ms> <count>");
    return result(model.set_bounce({drivers::millis{*ms}, *count}));
  }
  if (cmd == "stuck") {
    if (args != 2 || (w[2] != "open" && w[2] != "closed")) {
      return error("usage: stuck <id> open|closed");
    }
    return result(model.stick(w[1], w[2] == "open"));
  }

  using action = action_result (cabinet_model::*)(std::string_view);
  static const std::pair<std::string_view, action> per_compartment[] = {
      {"open", &cabinet_model::open},       {"close", &cabinet_model::close},
      {"put", &cabinet_model::put},         {"take", &cabinet_model::take},
      {"jam", &cabinet_model::jam},         {"unjam", &cabinet_model::unjam},
      {"force", &cabinet_model::force},     {"chatter", &cabinet_model::chatter},
      {"unstick", &cabinet_model::unstick},
  };
  for (const auto& [name, fn] : per_compartment) {
    if (cmd != name) continue;
    if (args != 1) return error("usage: " + std::string(name) + " <id>");
    return result((model.*fn)(w[1]));
  }
  return error("unknown command '" + std::string(cmd) + "' (try 'help')");
}

}  // namespace locker::simulator
