// SPDX-License-Identifier: Apache-2.0
#include "simulator/web_panel/web_messages.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <vector>

#include "simulator/control.hpp"

namespace locker::simulator::web {

using nlohmann::json;

namespace {

constexpr int column_width_mm = 400;
// Where a column without handle heights starts, and the most it stacks below that.
constexpr int default_top_mm = 1900;
constexpr int max_stack_mm = 1500;
constexpr int headroom_mm = 100;

int default_height_mm(int rank) { return 200 + 150 * std::max(rank, 0); }

}  // namespace

json cabinet_layout(const drivers::board_config& board) {
  const auto& all = board.compartments;
  // Columns of indices into all, in board order.
  std::vector<std::vector<std::size_t>> columns;
  for (std::size_t i = 0; i < all.size(); ++i) {
    bool same_column = false;
    if (!columns.empty()) {
      const auto& prev = all[columns.back().back()];
      const auto& cur = all[i];
      if (prev.size == cur.size) {
        if (prev.handle_height_mm && cur.handle_height_mm) {
          same_column = *cur.handle_height_mm < *prev.handle_height_mm;
        } else {
          int stacked = 0;
          for (auto j : columns.back()) stacked += default_height_mm(board.size_rank(all[j].size));
          same_column = stacked + default_height_mm(board.size_rank(cur.size)) <= max_stack_mm;
        }
      }
    }
    if (!same_column) columns.emplace_back();
    columns.back().push_back(i);
  }
  // A size's height: the least step between two handles of that size in one column.
  std::map<std::string, int> height;
  for (const auto& col : columns) {
    for (std::size_t k = 1; k < col.size(); ++k) {
      const auto& a = all[col[k - 1]];
      const auto& b = all[col[k]];
      if (!a.handle_height_mm || !b.handle_height_mm) continue;
      const int step = *a.handle_height_mm - *b.handle_height_mm;
      auto [it, fresh] = height.emplace(a.size, step);
      if (!fresh) it->second = std::min(it->second, step);
    }
  }
  const auto height_of = [&](const std::string& size) {
    const auto it = height.find(size);
    return it != height.end() ? it->second : default_height_mm(board.size_rank(size));
  };

  json out_columns = json::array();
  int top = 0;
  for (std::size_t n = 0; n < columns.size(); ++n) {
    json boxes = json::array();
    std::optional<int> below;  // the bottom of the box above, in this column
    for (auto i : columns[n]) {
      const auto& c = all[i];
      const int h = height_of(c.size);
      // A handle sits at the middle of its door; a box without one goes under the last.
      const int y =
          c.handle_height_mm ? *c.handle_height_mm - h / 2 : below.value_or(default_top_mm) - h;
      below = y;
      top = std::max(top, y + h);
      boxes.push_back({{"id", c.id},
                       {"size", c.size},
                       {"y_mm", y},
                       {"height_mm", h},
                       {"handle_mm", c.handle_height_mm ? json(*c.handle_height_mm) : json()}});
    }
    out_columns.push_back({{"x_mm", static_cast<int>(n) * column_width_mm},
                           {"width_mm", column_width_mm},
                           {"compartments", std::move(boxes)}});
  }
  return {{"width_mm", static_cast<int>(columns.size()) * column_width_mm},
          {"height_mm", top + headroom_mm},
          {"columns", std::move(out_columns)}};
}

json hello_message(const drivers::board_config& board, const cabinet_model& model) {
  return {{"type", "hello"},
          {"hardware", board.hardware},
          {"sizes", board.sizes},
          {"layout", cabinet_layout(board)},
          {"scanner", model.has_scanner()},
          {"badge", model.has_wiegand_reader()},
          {"battery", model.has_battery()}};
}

json state_message(const cabinet_model& model) {
  return {{"type", "state"}, {"state", json::parse(model.state_json())}};
}

json event_message(const cabinet_event& e) {
  return {{"type", "event"}, {"kind", e.kind}, {"details", e.details}};
}

json events_message(const std::deque<cabinet_event>& events) {
  json list = json::array();
  for (const auto& e : events) list.push_back({{"kind", e.kind}, {"details", e.details}});
  return {{"type", "events"}, {"events", std::move(list)}};
}

json view_message(const std::string& name, json data) {
  return {{"type", "view"}, {"name", name}, {"data", std::move(data)}};
}

namespace {

enum class field_kind { id, keys, text, bits, level, on, number };

struct field {
  const char* name;
  field_kind kind;
};

struct action_spec {
  std::string_view name;
  std::vector<field> fields;
};

const std::vector<action_spec>& action_specs() {
  static const std::vector<action_spec> specs{
      {"press", {{"keys", field_kind::keys}}},
      {"scan", {{"text", field_kind::text}}},
      {"badge", {{"id", field_kind::text}}},
      {"wiegand", {{"bits", field_kind::bits}}},
      {"open", {{"id", field_kind::id}}},
      {"close", {{"id", field_kind::id}}},
      {"put", {{"id", field_kind::id}}},
      {"take", {{"id", field_kind::id}}},
      {"jam", {{"id", field_kind::id}}},
      {"unjam", {{"id", field_kind::id}}},
      {"force", {{"id", field_kind::id}}},
      {"chatter", {{"id", field_kind::id}}},
      {"unstick", {{"id", field_kind::id}}},
      {"stuck", {{"id", field_kind::id}, {"level", field_kind::level}}},
      {"power", {{"on", field_kind::on}}},
      {"bounce", {{"ms", field_kind::number}, {"count", field_kind::number}}},
  };
  return specs;
}

bool has_control_char(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char ch) { return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f; });
}

// The field as it goes into the control line, or an error.
std::optional<std::string> field_text(const json& msg, const field& f, std::string& error) {
  const std::string name = f.name;
  if (!msg.contains(name)) {
    error = "action '" + msg["action"].get<std::string>() + "' needs \"" + name + "\"";
    return std::nullopt;
  }
  const json& v = msg[name];
  switch (f.kind) {
    case field_kind::on:
      if (!v.is_boolean()) break;
      return std::string(v.get<bool>() ? "on" : "off");
    case field_kind::number:
      if (!v.is_number_integer()) break;
      return std::to_string(v.get<std::int64_t>());
    case field_kind::level: {
      if (!v.is_string() || (v != "open" && v != "closed")) {
        error = "\"level\" must be \"open\" or \"closed\"";
        return std::nullopt;
      }
      return v.get<std::string>();
    }
    case field_kind::id:
    case field_kind::keys:
    case field_kind::text:
    case field_kind::bits: {
      if (!v.is_string()) break;
      const auto s = v.get<std::string>();
      if (s.empty() || has_control_char(s)) {
        error = "\"" + name + "\" must be non-empty text without control characters";
        return std::nullopt;
      }
      // One word where the control line wants one (a compartment id, a frame, a badge id).
      if (f.kind != field_kind::text && f.kind != field_kind::keys &&
          s.find_first_of(" \t") != std::string::npos) {
        error = "\"" + name + "\" must not contain spaces";
        return std::nullopt;
      }
      return s;
    }
  }
  error = "\"" + name + "\" has the wrong type";
  return std::nullopt;
}

json reply(const json& req, bool ok, const std::string& what) {
  json r = {{"type", "reply"}, {"req", req}, {"ok", ok}};
  r[ok ? "text" : "error"] = what;
  return r;
}

}  // namespace

parsed_action parse_action(std::string_view text) {
  parsed_action out;
  json msg;
  try {
    msg = json::parse(text);
  } catch (const json::parse_error& e) {
    // e.g. "parse error at line 1, column 2: syntax error ...", without the library's tag.
    std::string why = e.what();
    if (const auto p = why.find("] "); p != std::string::npos) why = why.substr(p + 2);
    out.error = "bad JSON: " + why;
    return out;
  }
  if (!msg.is_object()) {
    out.error = "a message must be a JSON object";
    return out;
  }
  if (msg.contains("req")) {
    if (msg["req"].is_number_integer() || msg["req"].is_string()) {
      out.req = msg["req"];
    } else {
      out.error = "\"req\" must be a number or a string";
      return out;
    }
  }
  if (!msg.contains("type") || msg["type"] != "action") {
    out.error = "unknown message type " + (msg.contains("type") ? msg["type"].dump() : "(none)") +
                ": the panel sends {\"type\":\"action\",...}";
    return out;
  }
  if (!msg.contains("action") || !msg["action"].is_string()) {
    out.error = "an action needs \"action\" (a name)";
    return out;
  }
  const auto name = msg["action"].get<std::string>();
  const auto& specs = action_specs();
  const auto spec = std::find_if(specs.begin(), specs.end(),
                                 [&](const action_spec& s) { return s.name == name; });
  if (spec == specs.end()) {
    std::string known;
    for (const auto& s : specs) known += (known.empty() ? "" : ", ") + std::string(s.name);
    out.error = "unknown action '" + name + "' (one of " + known + ")";
    return out;
  }
  std::string line(spec->name);
  for (const auto& f : spec->fields) {
    auto v = field_text(msg, f, out.error);
    if (!v) return out;
    line += ' ';
    line += *v;
  }
  out.command = std::move(line);
  return out;
}

json handle_message(cabinet_model& model, std::string_view text) {
  const auto a = parse_action(text);
  if (a.command.empty()) return reply(a.req, false, a.error);
  const auto r = run_control(model, a.command);
  const std::string first = r.lines.empty() ? std::string("ok") : r.lines.front();
  if (first.starts_with("error ")) return reply(a.req, false, first.substr(6));
  return reply(a.req, true, first);
}

}  // namespace locker::simulator::web
