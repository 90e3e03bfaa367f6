// SPDX-License-Identifier: Apache-2.0
#include "daemon/config/config.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <map>
#include <set>
#include <sstream>
#include <string_view>
#include <utility>

#include <toml++/toml.h>

namespace locker::config {

config_error::config_error(std::string file, std::string key, std::string reason)
    : std::runtime_error(file + ": " + (key.empty() ? std::string() : key + ": ") + reason),
      file_(std::move(file)),
      key_(std::move(key)),
      reason_(std::move(reason)) {}

int board_config::size_rank(const std::string& size) const {
  auto it = std::find(sizes.begin(), sizes.end(), size);
  return it == sizes.end() ? -1 : static_cast<int>(it - sizes.begin());
}

const compartment_config* board_config::find(const std::string& id) const {
  for (const auto& c : compartments) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

namespace {

namespace fs = std::filesystem;

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    default:
      return "a date/time";
  }
}

std::string index_key(const std::string& key, std::size_t i) {
  return key + "[" + std::to_string(i) + "]";
}

// The file being read: every failure names it.
struct context {
  std::string file;

  // The line number helps the operator find the value; it is not part of the key.
  [[noreturn]] void fail(const std::string& key, std::string reason,
                         const toml::node* at = nullptr) const {
    if (at != nullptr && at->source().begin) {
      reason += " (line " + std::to_string(at->source().begin.line) + ")";
    }
    throw config_error(file, key, std::move(reason));
  }

  [[noreturn]] void wrong_type(const std::string& key, const toml::node& n,
                               std::string_view expected) const {
    fail(key, "wrong type: expected " + std::string(expected) + ", got " + type_name(n), &n);
  }
};

toml::table parse_file(const context& ctx, const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) ctx.fail("", "cannot read: no such file");
  if (fs::is_directory(file, ec)) ctx.fail("", "cannot read: is a directory");
  std::ifstream in(file, std::ios::binary);
  if (!in) ctx.fail("", std::string("cannot read: ") + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) ctx.fail("", "cannot read: I/O error");
  try {
    return toml::parse(text.str(), file.string());
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    ctx.fail("", "TOML syntax error at " + std::to_string(at.line) + ":" +
                     std::to_string(at.column) + ": " + std::string(e.description()));
  }
}

// One table of the file. Rejects keys it does not know when constructed, so a typo never
// silently falls back to a default.
class table_reader {
 public:
  table_reader(const context& ctx, const toml::table& table, std::string prefix,
               std::initializer_list<std::string_view> known)
      : ctx_(ctx), table_(table), prefix_(std::move(prefix)) {
    for (auto&& [k, v] : table_) {
      if (std::find(known.begin(), known.end(), k.str()) != known.end()) continue;
      std::string expected;
      for (auto name : known) expected += (expected.empty() ? "" : ", ") + std::string(name);
      ctx_.fail(key(k.str()), "unknown key (known here: " + expected + ")", &v);
    }
  }

  [[nodiscard]] std::string key(std::string_view name) const {
    return prefix_.empty() ? std::string(name) : prefix_ + "." + std::string(name);
  }
  [[nodiscard]] const toml::node* node(std::string_view name) const { return table_.get(name); }
  [[nodiscard]] const context& ctx() const { return ctx_; }

  [[nodiscard]] std::optional<std::string> optional_string(std::string_view name) const {
    const auto* n = node(name);
    if (n == nullptr) return std::nullopt;
    const auto* s = n->as_string();
    if (s == nullptr) ctx_.wrong_type(key(name), *n, "a string");
    return s->get();
  }

  [[nodiscard]] std::string string(std::string_view name, std::string fallback) const {
    return optional_string(name).value_or(std::move(fallback));
  }

  [[nodiscard]] std::string required_string(std::string_view name) const {
    auto s = optional_string(name);
    if (!s) ctx_.fail(key(name), "missing: this key is required");
    return *s;
  }

  [[nodiscard]] std::int64_t integer(std::string_view name, std::int64_t fallback, std::int64_t min,
                                     std::int64_t max) const {
    const auto* n = node(name);
    if (n == nullptr) return fallback;
    const auto* i = n->as_integer();
    if (i == nullptr) ctx_.wrong_type(key(name), *n, "an integer");
    if (i->get() < min || i->get() > max) {
      ctx_.fail(key(name),
                "out of range: must be between " + std::to_string(min) + " and " +
                    std::to_string(max) + ", got " + std::to_string(i->get()),
                n);
    }
    return i->get();
  }

  [[nodiscard]] std::optional<bool> optional_boolean(std::string_view name) const {
    const auto* n = node(name);
    if (n == nullptr) return std::nullopt;
    const auto* b = n->as_boolean();
    if (b == nullptr) ctx_.wrong_type(key(name), *n, "a boolean (true or false)");
    return b->get();
  }

  [[nodiscard]] const toml::table* table(std::string_view name) const {
    const auto* n = node(name);
    if (n == nullptr) return nullptr;
    const auto* t = n->as_table();
    if (t == nullptr) ctx_.wrong_type(key(name), *n, "a table");
    return t;
  }

  [[nodiscard]] const toml::array* array(std::string_view name) const {
    const auto* n = node(name);
    if (n == nullptr) return nullptr;
    const auto* a = n->as_array();
    if (a == nullptr) ctx_.wrong_type(key(name), *n, "an array");
    return a;
  }

  // One of a fixed set of words.
  template <typename E>
  [[nodiscard]] E choice(std::string_view name, E fallback,
                         std::initializer_list<std::pair<std::string_view, E>> words) const {
    auto s = optional_string(name);
    if (!s) return fallback;
    std::string expected;
    for (const auto& [word, value] : words) {
      if (*s == word) return value;
      expected += (expected.empty() ? "" : ", ") + std::string(word);
    }
    ctx_.fail(key(name), "invalid value \"" + *s + "\": must be one of " + expected, node(name));
  }

 private:
  const context& ctx_;
  const toml::table& table_;
  std::string prefix_;
};

// ---- lines -------------------------------------------------------------------------------

struct line_defaults {
  std::optional<bool> active_low;
  std::optional<drivers::bias> bias;
};

// Not constexpr: an initializer_list's array cannot be a constant here.
const std::initializer_list<std::pair<std::string_view, drivers::bias>> bias_words = {
    {"as-is", drivers::bias::as_is},
    {"disabled", drivers::bias::disabled},
    {"pull-up", drivers::bias::pull_up},
    {"pull-down", drivers::bias::pull_down}};

bool all_digits(std::string_view s) {
  return !s.empty() && s.size() <= 9 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

constexpr std::int64_t max_line_offset = 65535;

// "LOCK_01", "gpiochip2:7", { name = ... } or { chip = ..., offset = ... }.
drivers::line_spec parse_line(const context& ctx, const toml::node& n, const std::string& key,
                              const line_defaults& defaults) {
  drivers::line_spec spec;
  spec.active_low = defaults.active_low.value_or(false);
  spec.bias = defaults.bias.value_or(drivers::bias::as_is);
  if (const auto* s = n.as_string()) {
    const std::string& text = s->get();
    if (text.empty()) ctx.fail(key, "empty line name", &n);
    auto colon = text.rfind(':');
    if (colon == std::string::npos) {
      spec.name = text;
    } else {
      auto offset = std::string_view(text).substr(colon + 1);
      if (colon == 0 || !all_digits(offset) || std::stoll(std::string(offset)) > max_line_offset) {
        ctx.fail(key,
                 "invalid line \"" + text +
                     "\": expected a line name or chip:offset such as \"gpiochip2:7\"",
                 &n);
      }
      spec.chip = text.substr(0, colon);
      spec.offset = static_cast<std::uint32_t>(std::stoul(std::string(offset)));
    }
    return spec;
  }
  const auto* t = n.as_table();
  if (t == nullptr) ctx.wrong_type(key, n, "a line name, \"chip:offset\" or an inline table");
  table_reader r(ctx, *t, key, {"name", "chip", "offset", "active_low", "bias"});
  auto name = r.optional_string("name");
  auto chip = r.optional_string("chip");
  bool has_offset = r.node("offset") != nullptr;
  if (name && (chip || has_offset))
    ctx.fail(key, "give either name or chip and offset, not both", &n);
  if (name) {
    if (name->empty()) ctx.fail(r.key("name"), "empty line name", r.node("name"));
    spec.name = *name;
  } else if (chip) {
    if (chip->empty()) ctx.fail(r.key("chip"), "empty chip name", r.node("chip"));
    if (!has_offset) ctx.fail(r.key("offset"), "missing: chip needs an offset", &n);
    spec.chip = *chip;
    spec.offset = static_cast<std::uint32_t>(r.integer("offset", 0, 0, max_line_offset));
  } else if (has_offset) {
    ctx.fail(r.key("chip"), "missing: offset needs a chip", &n);
  } else {
    ctx.fail(key, "a line needs a name, or a chip and an offset", &n);
  }
  if (auto al = r.optional_boolean("active_low")) spec.active_low = *al;
  spec.bias = r.choice("bias", spec.bias, bias_words);
  return spec;
}

// A line used twice would have two owners fighting over one pin.
class line_registry {
 public:
  explicit line_registry(const context& ctx) : ctx_(ctx) {}

  void add(const drivers::line_spec& spec, const std::string& key, const toml::node* at) {
    std::string id;
    if (!spec.name.empty()) {
      id = "name " + spec.name;
    } else {
      // "/dev/gpiochip2" and "gpiochip2" are the same chip.
      std::string_view chip = spec.chip;
      if (chip.starts_with("/dev/")) chip.remove_prefix(5);
      id = "chip " + std::string(chip) + ":" + std::to_string(spec.offset.value_or(0));
    }
    auto [it, inserted] = used_.emplace(id, key);
    if (!inserted) {
      ctx_.fail(key, "line " + spec.describe() + " is already used by " + it->second, at);
    }
  }

 private:
  const context& ctx_;
  std::map<std::string, std::string> used_;
};

// ---- board -------------------------------------------------------------------------------

bool valid_compartment_id(std::string_view id) {
  return !id.empty() && id.size() <= 16 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
}

std::vector<drivers::line_spec> parse_line_array(const table_reader& r, std::string_view name,
                                                 const line_defaults& defaults,
                                                 line_registry& lines) {
  std::vector<drivers::line_spec> out;
  const auto* a = r.array(name);
  if (a == nullptr) return out;
  for (std::size_t i = 0; i < a->size(); ++i) {
    auto key = index_key(r.key(name), i);
    const auto& n = *a->get(i);
    out.push_back(parse_line(r.ctx(), n, key, defaults));
    lines.add(out.back(), key, &n);
  }
  return out;
}

keypad_config parse_keypad(const context& ctx, const toml::table& t, const line_defaults& row_d,
                           const line_defaults& col_d, line_registry& lines) {
  table_reader r(ctx, t, "keypad", {"kind", "rows", "columns", "keys", "scan_ms", "device"});
  keypad_config k;
  k.kind = r.choice(
      "kind", keypad_kind::sim,
      {{"sim", keypad_kind::sim}, {"matrix", keypad_kind::matrix}, {"evdev", keypad_kind::evdev}});
  // Keys that belong to another kind are refused: they would be silently ignored.
  auto refuse = [&](std::string_view name, std::string_view kind) {
    if (r.node(name) != nullptr) {
      ctx.fail(r.key(name), "only used by " + std::string(kind) + " keypad", r.node(name));
    }
  };
  if (k.kind != keypad_kind::matrix) {
    for (auto name : {"rows", "columns", "keys", "scan_ms"}) refuse(name, "a matrix");
  }
  if (k.kind != keypad_kind::evdev) refuse("device", "an evdev");

  if (k.kind == keypad_kind::evdev) {
    k.device = r.string("device", "");
    if (k.device.empty()) ctx.fail(r.key("device"), "missing: an evdev keypad needs a device", &t);
  }
  if (k.kind == keypad_kind::matrix) {
    k.rows = parse_line_array(r, "rows", row_d, lines);
    k.columns = parse_line_array(r, "columns", col_d, lines);
    if (k.rows.empty()) ctx.fail(r.key("rows"), "missing: a matrix keypad needs rows", &t);
    if (k.columns.empty()) ctx.fail(r.key("columns"), "missing: a matrix keypad needs columns", &t);
    const auto* keys = r.array("keys");
    if (keys == nullptr) ctx.fail(r.key("keys"), "missing: a matrix keypad needs keys", &t);
    if (keys->size() != k.rows.size()) {
      ctx.fail(r.key("keys"),
               "shape: " + std::to_string(keys->size()) + " strings for " +
                   std::to_string(k.rows.size()) + " rows",
               keys);
    }
    std::set<char> seen;
    for (std::size_t i = 0; i < keys->size(); ++i) {
      auto key = index_key(r.key("keys"), i);
      const auto& n = *keys->get(i);
      const auto* s = n.as_string();
      if (s == nullptr) ctx.wrong_type(key, n, "a string");
      if (s->get().size() != k.columns.size()) {
        ctx.fail(key,
                 "shape: " + std::to_string(s->get().size()) + " keys for " +
                     std::to_string(k.columns.size()) + " columns",
                 &n);
      }
      for (char c : s->get()) {
        if (std::string_view("0123456789*#ABCD").find(c) == std::string_view::npos) {
          ctx.fail(key, std::string("invalid key '") + c + "': keys are 0-9, *, # and A-D", &n);
        }
        if (!seen.insert(c).second) ctx.fail(key, std::string("key '") + c + "' appears twice", &n);
      }
      k.keys.push_back(s->get());
    }
    for (char c : std::string_view("0123456789*#")) {
      if (!seen.contains(c)) {
        ctx.fail(r.key("keys"), std::string("key '") + c + "' is missing: codes need 0-9, * and #",
                 keys);
      }
    }
    k.scan_ms = std::chrono::milliseconds(r.integer("scan_ms", 10, 1, 1000));
  }
  return k;
}

display_config parse_display(const context& ctx, const toml::table& t) {
  table_reader r(ctx, t, "display", {"kind", "path"});
  display_config d;
  d.kind = r.choice(
      "kind", display_kind::sim,
      {{"sim", display_kind::sim}, {"none", display_kind::none}, {"file", display_kind::file}});
  d.path = r.string("path", "");
  if (d.kind == display_kind::file && d.path.empty()) {
    ctx.fail(r.key("path"), "missing: a file display needs a path", &t);
  }
  if (d.kind != display_kind::file && r.node("path") != nullptr) {
    ctx.fail(r.key("path"), "only used by a file display", r.node("path"));
  }
  return d;
}

}  // namespace

board_config load_board(const std::filesystem::path& file) {
  const context ctx{file.string()};
  const toml::table root = parse_file(ctx, file);
  const table_reader top(ctx, root, "",
                         {"hardware", "sizes", "defaults", "keypad", "display", "buzzer",
                          "alarm_led", "backup_power", "compartment"});
  board_config b;
  b.file = file.string();
  b.hardware = top.required_string("hardware");

  const auto* sizes = top.array("sizes");
  if (sizes == nullptr) ctx.fail("sizes", "missing: this key is required");
  if (sizes->empty()) ctx.fail("sizes", "empty: at least one size is needed", sizes);
  for (std::size_t i = 0; i < sizes->size(); ++i) {
    const auto& n = *sizes->get(i);
    const auto* s = n.as_string();
    if (s == nullptr) ctx.wrong_type(index_key("sizes", i), n, "a string");
    if (s->get().empty()) ctx.fail(index_key("sizes", i), "empty size name", &n);
    if (b.size_rank(s->get()) >= 0)
      ctx.fail(index_key("sizes", i), "size \"" + s->get() + "\" appears twice", &n);
    b.sizes.push_back(s->get());
  }

  // Per-kind line defaults; a line's own active_low/bias wins.
  std::map<std::string, line_defaults, std::less<>> defaults;
  if (const auto* d = top.table("defaults")) {
    const table_reader dr(ctx, *d, "defaults",
                          {"lock", "door", "presence", "keypad_row", "keypad_column"});
    for (auto&& [k, v] : *d) {
      const auto* t = v.as_table();
      if (t == nullptr) ctx.wrong_type(dr.key(k.str()), v, "a table");
      const table_reader lr(ctx, *t, dr.key(k.str()), {"active_low", "bias"});
      line_defaults ld;
      ld.active_low = lr.optional_boolean("active_low");
      if (lr.node("bias") != nullptr) ld.bias = lr.choice("bias", drivers::bias::as_is, bias_words);
      defaults[std::string(k.str())] = ld;
    }
  }

  line_registry lines(ctx);
  const auto* comps_node = top.node("compartment");
  if (comps_node == nullptr) ctx.fail("compartment", "missing: the board has no [[compartment]]");
  const auto* comps = comps_node->as_array();
  if (comps != nullptr && comps->empty()) {
    ctx.fail("compartment", "empty: the board has no compartments", comps);
  }
  if (comps == nullptr || !comps->is_array_of_tables()) {
    ctx.wrong_type("compartment", *comps_node, "an array of tables ([[compartment]])");
  }
  for (std::size_t i = 0; i < comps->size(); ++i) {
    const auto prefix = index_key("compartment", i);
    const auto& t = *comps->get(i)->as_table();
    const table_reader r(ctx, t, prefix, {"id", "size", "lock", "door", "presence"});
    compartment_config c;
    c.id = r.required_string("id");
    if (!valid_compartment_id(c.id)) {
      ctx.fail(r.key("id"), "invalid id \"" + c.id + "\": must match [A-Za-z0-9-]{1,16}",
               r.node("id"));
    }
    if (b.find(c.id) != nullptr) {
      ctx.fail(r.key("id"), "duplicate compartment id \"" + c.id + "\"", r.node("id"));
    }
    c.size = r.required_string("size");
    if (b.size_rank(c.size) < 0) {
      std::string known;
      for (const auto& s : b.sizes) known += (known.empty() ? "" : ", ") + s;
      ctx.fail(r.key("size"), "size \"" + c.size + "\" is not in sizes (" + known + ")",
               r.node("size"));
    }
    auto line = [&](std::string_view name) {
      const auto* n = r.node(name);
      auto spec = parse_line(ctx, *n, r.key(name), defaults[std::string(name)]);
      lines.add(spec, r.key(name), n);
      return spec;
    };
    if (r.node("lock") == nullptr) ctx.fail(r.key("lock"), "missing: this key is required", &t);
    if (r.node("door") == nullptr) ctx.fail(r.key("door"), "missing: this key is required", &t);
    c.lock = line("lock");
    c.door = line("door");
    if (r.node("presence") != nullptr) c.presence = line("presence");
    b.compartments.push_back(std::move(c));
  }

  if (const auto* k = top.table("keypad")) {
    b.keypad = parse_keypad(ctx, *k, defaults["keypad_row"], defaults["keypad_column"], lines);
  }
  if (const auto* d = top.table("display")) b.display = parse_display(ctx, *d);
  for (auto [name, slot] : {std::pair{"buzzer", &b.buzzer}, std::pair{"alarm_led", &b.alarm_led},
                            std::pair{"backup_power", &b.backup_power}}) {
    if (const auto* n = top.node(name)) {
      auto spec = parse_line(ctx, *n, name, {});
      lines.add(spec, name, n);
      *slot = spec;
    }
  }
  return b;
}

namespace {

bool valid_locker_id(std::string_view id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// mqtt://host:port or mqtts://host:port; host may be a [v6] literal. Returns why not, or "".
std::string broker_url_problem(std::string_view url) {
  std::string_view rest;
  if (url.starts_with("mqtt://")) {
    rest = url.substr(7);
  } else if (url.starts_with("mqtts://")) {
    rest = url.substr(8);
  } else {
    return "must start with mqtt:// or mqtts://";
  }
  auto colon = rest.rfind(':');
  if (colon == std::string_view::npos) return "missing port: expected host:port";
  auto host = rest.substr(0, colon);
  auto port = rest.substr(colon + 1);
  if (host.starts_with('[') && host.ends_with(']') && host.size() > 2) {
    host = host.substr(1, host.size() - 2);
    if (!std::all_of(host.begin(), host.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.';
        })) {
      return "invalid IPv6 host";
    }
  } else if (host.empty() || !std::all_of(host.begin(), host.end(), [](char c) {
               return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-';
             })) {
    return "invalid host: expected mqtt(s)://host:port with no path or credentials";
  }
  if (!all_digits(port) || port.size() > 5 || std::stoi(std::string(port)) < 1 ||
      std::stoi(std::string(port)) > 65535) {
    return "invalid port: expected 1-65535";
  }
  return "";
}

}  // namespace

locker_config load_config(const std::filesystem::path& file) {
  const context ctx{file.string()};
  const toml::table root = parse_file(ctx, file);
  // Relative paths are taken from the file's folder, not from wherever the daemon starts.
  const fs::path base = fs::absolute(file).parent_path();
  auto resolve = [&](const std::string& p) -> std::string {
    if (p.empty()) return p;
    const fs::path q(p);
    return q.is_absolute() ? p : (base / q).lexically_normal().string();
  };

  const table_reader top(ctx, root, "",
                         {"locker_id", "state_dir", "board", "log_level", "telemetry_s", "hardware",
                          "broker", "timings", "policy", "update", "store"});
  locker_config c;
  c.file = file.string();
  c.locker_id = top.required_string("locker_id");
  if (!valid_locker_id(c.locker_id)) {
    ctx.fail("locker_id", "invalid \"" + c.locker_id + "\": must match [a-z0-9-]{1,64}",
             top.node("locker_id"));
  }
  auto state_dir = top.string("state_dir", "/var/lib/lockerd");
  if (state_dir.empty()) ctx.fail("state_dir", "empty path", top.node("state_dir"));
  c.state_dir = resolve(state_dir);
  const auto board = top.required_string("board");
  if (board.empty()) ctx.fail("board", "empty path", top.node("board"));
  c.log = top.choice("log_level", log_level::info,
                     {{"debug", log_level::debug},
                      {"info", log_level::info},
                      {"warning", log_level::warning},
                      {"error", log_level::error}});
  // Down to 1 s here (a bench, a demo, the process tests); cfg/desired keeps the contract's
  // 10 s floor, so no remote typo can make a fleet flood the broker.
  c.telemetry = std::chrono::seconds(top.integer("telemetry_s", 300, 1, 86400));

  static const toml::table empty;
  auto sub = [&](std::string_view name) -> const toml::table& {
    const auto* t = top.table(name);
    return t != nullptr ? *t : empty;
  };

  {
    const table_reader r(ctx, sub("hardware"), "hardware", {"backend", "sim_socket"});
    c.backend = r.choice("backend", backend_kind::sim,
                         {{"sim", backend_kind::sim}, {"gpiod", backend_kind::gpiod}});
    auto socket = r.string("sim_socket", "/run/locker-sim/locker-sim.sock");
    if (socket.empty()) ctx.fail(r.key("sim_socket"), "empty path", r.node("sim_socket"));
    c.sim_socket = resolve(socket);
  }
  {
    const auto& t = sub("broker");
    if (const auto* pw = t.get("password")) {
      ctx.fail("broker.password", "inline passwords are not allowed: use password_file", pw);
    }
    const table_reader r(ctx, t, "broker",
                         {"url", "username", "password_file", "ca_file", "cert_file", "key_file",
                          "keepalive_s", "reconnect_max_s"});
    auto& b = c.broker;
    b.url = r.string("url", "");
    if (!b.url.empty()) {
      if (auto why = broker_url_problem(b.url); !why.empty()) {
        ctx.fail("broker.url", "invalid URL \"" + b.url + "\": " + why, r.node("url"));
      }
    }
    b.username = r.string("username", "");
    b.password_file = resolve(r.string("password_file", ""));
    b.ca_file = resolve(r.string("ca_file", ""));
    b.cert_file = resolve(r.string("cert_file", ""));
    b.key_file = resolve(r.string("key_file", ""));
    b.keepalive = std::chrono::seconds(r.integer("keepalive_s", 30, 1, 65535));
    b.reconnect_max = std::chrono::seconds(r.integer("reconnect_max_s", 30, 1, 3600));
    const bool tls = b.url.starts_with("mqtts://");
    if (tls && b.ca_file.empty()) {
      ctx.fail("broker.ca_file", "missing: mqtts needs ca_file to verify the broker",
               r.node("url"));
    }
    if (!tls && !(b.ca_file.empty() && b.cert_file.empty() && b.key_file.empty())) {
      ctx.fail("broker.url", "ca_file, cert_file and key_file need an mqtts:// URL", r.node("url"));
    }
    if (b.cert_file.empty() != b.key_file.empty()) {
      ctx.fail(b.cert_file.empty() ? "broker.cert_file" : "broker.key_file",
               "missing: cert_file and key_file go together");
    }
  }
  {
    const table_reader r(ctx, sub("timings"), "timings",
                         {"lock_pulse_ms", "lock_pulse_max_ms", "coil_gap_ms", "open_detect_s",
                          "door_left_open_s", "debounce_ms", "session_idle_s"});
    auto& t = c.timings;
    // Checked apart from the plain range so the operator learns why the limit exists.
    if (const auto* n = r.node("lock_pulse_max_ms");
        n != nullptr && n->as_integer() != nullptr && n->as_integer()->get() > 2000) {
      ctx.fail(r.key("lock_pulse_max_ms"),
               "out of range: above 2000 ms a lock coil may overheat (got " +
                   std::to_string(n->as_integer()->get()) + ")",
               n);
    }
    const auto pulse_max = r.integer("lock_pulse_max_ms", 1000, 10, 2000);
    t.lock_pulse_max = std::chrono::milliseconds(pulse_max);
    t.lock_pulse = std::chrono::milliseconds(r.integer("lock_pulse_ms", 300, 10, 2000));
    if (t.lock_pulse > t.lock_pulse_max) {
      ctx.fail(r.key("lock_pulse_ms"),
               "out of range: " + std::to_string(t.lock_pulse.count()) +
                   " ms is longer than lock_pulse_max_ms (" + std::to_string(pulse_max) + ")",
               r.node("lock_pulse_ms"));
    }
    t.coil_gap = std::chrono::milliseconds(r.integer("coil_gap_ms", 50, 0, 10000));
    t.open_detect = std::chrono::seconds(r.integer("open_detect_s", 5, 1, 60));
    // The door is watched from the moment the pulse fires (a pulse may first wait for the
    // shared coil supply, which is bounded separately); giving up before the pulse itself
    // is over would cut short the one chance the latch had.
    if (t.open_detect <= t.lock_pulse) {
      ctx.fail(
          r.key("open_detect_s"),
          "out of range: must be longer than the lock pulse (lock_pulse_ms " +
              std::to_string(t.lock_pulse.count()) + ")",
          r.node("open_detect_s") != nullptr ? r.node("open_detect_s") : r.node("lock_pulse_ms"));
    }
    t.door_left_open = std::chrono::seconds(r.integer("door_left_open_s", 120, 10, 86400));
    t.debounce = std::chrono::milliseconds(r.integer("debounce_ms", 30, 0, 1000));
    t.session_idle = std::chrono::seconds(r.integer("session_idle_s", 60, 5, 3600));
  }
  {
    const table_reader r(
        ctx, sub("policy"), "policy",
        {"max_code_attempts", "pickup_code_digits", "pickup_window_h", "lockout_base_s"});
    auto& p = c.policy;
    p.max_code_attempts = static_cast<int>(r.integer("max_code_attempts", 5, 1, 100));
    p.pickup_code_digits = static_cast<int>(r.integer("pickup_code_digits", 8, 6, 10));
    p.pickup_window_h = static_cast<int>(r.integer("pickup_window_h", 72, 1, 8760));
    p.lockout_base = std::chrono::seconds(r.integer("lockout_base_s", 30, 1, 86400));
  }

  {
    const table_reader r(ctx, sub("update"), "update",
                         {"keyring", "compatible", "download_ca_file", "max_bundle_mb",
                          "download_timeout_s", "install_timeout_s", "rauc", "systemctl"});
    auto& u = c.update;
    u.keyring = resolve(r.string("keyring", ""));
    u.compatible = r.string("compatible", "");
    u.download_ca_file = resolve(r.string("download_ca_file", ""));
    u.max_bundle_mb = static_cast<std::uint64_t>(r.integer("max_bundle_mb", 1024, 1, 16384));
    u.download_timeout = std::chrono::seconds(r.integer("download_timeout_s", 1800, 10, 86400));
    u.install_timeout = std::chrono::seconds(r.integer("install_timeout_s", 1800, 60, 86400));
    if (u.keyring.empty() != u.compatible.empty()) {
      ctx.fail(u.keyring.empty() ? "update.keyring" : "update.compatible",
               "missing: keyring and compatible go together (both empty: updates are off)",
               r.node(u.keyring.empty() ? "compatible" : "keyring"));
    }
    if (!u.compatible.empty() && !std::all_of(u.compatible.begin(), u.compatible.end(),
                                              [](char ch) { return ch >= 0x20 && ch < 0x7f; })) {
      ctx.fail("update.compatible", "invalid: printable ASCII only", r.node("compatible"));
    }
    // The helpers are started without a PATH search: an absolute path, as given.
    for (auto [name, out] : {std::pair{"rauc", &u.rauc}, std::pair{"systemctl", &u.systemctl}}) {
      const auto p = r.string(name, out->string());
      if (p.empty() || p.front() != '/') {
        ctx.fail(r.key(name), "must be an absolute path, got \"" + p + "\"", r.node(name));
      }
      *out = p;
    }
  }

  {
    const table_reader r(ctx, sub("store"), "store", {"ended_parcel_retention_days"});
    c.store.ended_parcel_retention =
        std::chrono::days(r.integer("ended_parcel_retention_days", 90, 0, 36500));
  }

  const fs::path board_path = resolve(board);
  std::error_code ec;
  if (!fs::exists(board_path, ec)) {
    ctx.fail("board", "no such board file: " + board_path.string(), top.node("board"));
  }
  c.board = load_board(board_path);
  return c;
}

}  // namespace locker::config
