// SPDX-License-Identifier: Apache-2.0
#include "drivers/board_file/board_file.hpp"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <set>
#include <string_view>
#include <utility>

namespace locker::drivers {

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

using toml_file::all_digits;
using toml_file::context;
using toml_file::index_key;
using toml_file::table_reader;

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
                 "invalid line " + toml_file::quote_value(text) +
                     ": expected a line name or chip:offset such as \"gpiochip2:7\"",
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

// The most a scan may hold: far above any tracking number or pickup code, so that a
// QR code carrying a little more still fits, and small enough to bound the decoder.
constexpr std::int64_t max_scan_length = 4096;

scanner_config parse_scanner(const context& ctx, const toml::table& t) {
  table_reader r(ctx, t, "scanner", {"kind", "device", "max_length"});
  scanner_config s;
  s.kind = r.choice("kind", scanner_kind::sim,
                    {{"sim", scanner_kind::sim}, {"evdev", scanner_kind::evdev}});
  if (s.kind == scanner_kind::evdev) {
    s.device = r.string("device", "");
    if (s.device.empty()) ctx.fail(r.key("device"), "missing: an evdev scanner needs a device", &t);
  } else if (r.node("device") != nullptr) {
    ctx.fail(r.key("device"), "only used by an evdev scanner", r.node("device"));
  }
  s.max_length = static_cast<std::size_t>(r.integer("max_length", 128, 1, max_scan_length));
  return s;
}

badge_config parse_badge(const context& ctx, const toml::table& t, line_registry& lines) {
  table_reader r(ctx, t, "badge", {"kind", "wiegand_d0", "wiegand_d1", "device"});
  badge_config b;
  b.kind = r.choice("kind", badge_kind::wiegand,
                    {{"wiegand", badge_kind::wiegand}, {"evdev", badge_kind::evdev}});
  if (b.kind == badge_kind::evdev) {
    b.device = r.string("device", "");
    if (b.device.empty())
      ctx.fail(r.key("device"), "missing: an evdev badge reader needs a device", &t);
    for (const char* key : {"wiegand_d0", "wiegand_d1"}) {
      if (r.node(key) != nullptr)
        ctx.fail(r.key(key), "only used by a wiegand badge reader", r.node(key));
    }
    return b;
  }
  if (r.node("device") != nullptr)
    ctx.fail(r.key("device"), "only used by an evdev badge reader", r.node("device"));
  for (auto [key, slot] :
       {std::pair{"wiegand_d0", &b.wiegand_d0}, std::pair{"wiegand_d1", &b.wiegand_d1}}) {
    const auto* n = r.node(key);
    if (n == nullptr) ctx.fail(r.key(key), "missing: a wiegand badge reader needs both lines", &t);
    *slot = parse_line(ctx, *n, r.key(key), {});
    lines.add(*slot, r.key(key), n);
  }
  return b;
}

}  // namespace

board_config load_board(const std::filesystem::path& file) {
  const context ctx{file.string()};
  const toml::table root = toml_file::parse_file(ctx, file);
  const table_reader top(ctx, root, "",
                         {"hardware", "sizes", "defaults", "keypad", "display", "scanner", "badge",
                          "buzzer", "alarm_led", "backup_power", "compartment"});
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
      ctx.fail(index_key("sizes", i), "size " + toml_file::quote_value(s->get()) + " appears twice",
               &n);
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
    const table_reader r(ctx, t, prefix,
                         {"id", "size", "lock", "door", "presence", "handle_height_mm"});
    compartment_config c;
    c.id = r.required_string("id");
    if (!valid_compartment_id(c.id)) {
      ctx.fail(r.key("id"),
               "invalid id " + toml_file::quote_value(c.id) + ": must match [A-Za-z0-9-]{1,16}",
               r.node("id"));
    }
    if (b.find(c.id) != nullptr) {
      ctx.fail(r.key("id"), "duplicate compartment id " + toml_file::quote_value(c.id),
               r.node("id"));
    }
    c.size = r.required_string("size");
    if (b.size_rank(c.size) < 0) {
      std::string known;
      for (const auto& s : b.sizes) known += (known.empty() ? "" : ", ") + s;
      ctx.fail(r.key("size"),
               "size " + toml_file::quote_value(c.size) + " is not in sizes (" + known + ")",
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
    if (r.node("handle_height_mm") != nullptr)
      c.handle_height_mm = static_cast<int>(r.integer("handle_height_mm", 0, 0, 3000));
    b.compartments.push_back(std::move(c));
  }

  if (const auto* k = top.table("keypad")) {
    b.keypad = parse_keypad(ctx, *k, defaults["keypad_row"], defaults["keypad_column"], lines);
  }
  if (const auto* d = top.table("display")) b.display = parse_display(ctx, *d);
  if (const auto* s = top.table("scanner")) b.scanner = parse_scanner(ctx, *s);
  if (const auto* t = top.table("badge")) b.badge = parse_badge(ctx, *t, lines);
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

}  // namespace locker::drivers
