// SPDX-License-Identifier: Apache-2.0
#include "daemon/config/config.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string_view>
#include <utility>

#include "daemon/access/guess_bound.hpp"
#include "daemon/config/settings_table.hpp"
#include "drivers/board_file/toml_file.hpp"
#include "protocol/broker_url.hpp"
#include "protocol/input_rules.hpp"
#include "protocol/timestamp.hpp"
#include "protocol/topics.hpp"

namespace locker::config {

namespace {

namespace fs = std::filesystem;
using drivers::toml_file::context;
using drivers::toml_file::parse_file;
using drivers::toml_file::quote_value;
using drivers::toml_file::table_reader;

// A section's reader that knows exactly the table's keys for it.
table_reader reader(const context& ctx, const toml::table& t, std::string_view section) {
  const auto known = keys_of(section);
  return {ctx, t, std::string(section), std::span<const std::string_view>(known)};
}

// A documented default of a text key (the table's).
std::string default_of(std::string_view section, std::string_view key) {
  const auto* row = find_setting(section, key);
  return row != nullptr ? std::string(row->default_text) : std::string();
}

std::int64_t read_choice(const table_reader& r, const setting& s) {
  const auto word = r.optional_string(s.key);
  const std::string_view w = word ? std::string_view(*word) : s.default_text;
  std::string expected;
  for (std::size_t i = 0; i < s.words.size(); ++i) {
    if (s.words[i] == w) return static_cast<std::int64_t>(i);
    expected += (expected.empty() ? "" : ", ") + std::string(s.words[i]);
  }
  r.ctx().fail(r.key(s.key), "invalid value " + quote_value(w) + ": must be one of " + expected,
               r.node(s.key));
}

// The section's integers and choices, each with the table's range, words and default.
void read_table_values(const table_reader& r, std::string_view section, locker_config& c) {
  for (const auto& s : settings_table()) {
    if (s.section != section) continue;
    if (s.type == setting_type::integer)
      s.set(c, r.integer(s.key, s.default_integer, s.min, s.max));
    else if (s.type == setting_type::choice)
      s.set(c, read_choice(r, s));
  }
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

  const table_reader top = reader(ctx, root, "");
  locker_config c;
  c.file = file.string();
  c.locker_id = top.required_string("locker_id");
  if (!protocol::valid_locker_id(c.locker_id)) {
    ctx.fail("locker_id", "invalid " + quote_value(c.locker_id) + ": must match [a-z0-9-]{1,64}",
             top.node("locker_id"));
  }
  auto state_dir = top.string("state_dir", default_of("", "state_dir"));
  if (state_dir.empty()) ctx.fail("state_dir", "empty path", top.node("state_dir"));
  c.state_dir = resolve(state_dir);
  const auto board = top.required_string("board");
  if (board.empty()) ctx.fail("board", "empty path", top.node("board"));
  // log_level, telemetry_s (down to 1 s here: a bench, a demo, the process tests;
  // cfg/desired keeps the contract's 10 s floor, settings_table.cpp).
  read_table_values(top, "", c);

  static const toml::table empty;
  auto sub = [&](std::string_view name) -> const toml::table& {
    const auto* t = top.table(name);
    return t != nullptr ? *t : empty;
  };

  {
    const table_reader r = reader(ctx, sub("hardware"), "hardware");
    read_table_values(r, "hardware", c);
    auto socket = r.string("sim_socket", default_of("hardware", "sim_socket"));
    if (socket.empty()) ctx.fail(r.key("sim_socket"), "empty path", r.node("sim_socket"));
    c.sim_socket = resolve(socket);
  }
  {
    const auto& t = sub("broker");
    if (const auto* pw = t.get("password")) {
      ctx.fail("broker.password", "inline passwords are not allowed: use password_file", pw);
    }
    const table_reader r = reader(ctx, t, "broker");
    read_table_values(r, "broker", c);
    auto& b = c.broker;
    b.url = r.string("url", "");
    bool tls = false;
    if (!b.url.empty()) {
      const auto parsed = protocol::parse_broker_url(b.url);
      if (!parsed) {
        ctx.fail("broker.url", "invalid URL " + quote_value(b.url) + ": " + parsed.error(),
                 r.node("url"));
      } else if (!parsed->port_given) {
        // The file says where the broker is; no default is guessed.
        ctx.fail("broker.url",
                 "invalid URL " + quote_value(b.url) + ": missing port: expected host:port",
                 r.node("url"));
      } else {
        tls = parsed->tls;
      }
    }
    b.username = r.string("username", "");
    b.password_file = resolve(r.string("password_file", ""));
    b.ca_file = resolve(r.string("ca_file", ""));
    b.cert_file = resolve(r.string("cert_file", ""));
    b.key_file = resolve(r.string("key_file", ""));
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
    const table_reader r = reader(ctx, sub("timings"), "timings");
    auto& t = c.timings;
    // Checked apart from the plain range so the operator learns why the limit exists.
    const auto coil_limit = find_setting("timings", "lock_pulse_max_ms")->max;
    if (const auto* n = r.node("lock_pulse_max_ms");
        n != nullptr && n->as_integer() != nullptr && n->as_integer()->get() > coil_limit) {
      ctx.fail(r.key("lock_pulse_max_ms"),
               "out of range: above " + std::to_string(coil_limit) +
                   " ms a lock coil may overheat (got " + std::to_string(n->as_integer()->get()) +
                   ")",
               n);
    }
    read_table_values(r, "timings", c);
    const auto pulse_max = t.lock_pulse_max.count();
    if (t.lock_pulse > t.lock_pulse_max) {
      ctx.fail(r.key("lock_pulse_ms"),
               "out of range: " + std::to_string(t.lock_pulse.count()) +
                   " ms is longer than lock_pulse_max_ms (" + std::to_string(pulse_max) + ")",
               r.node("lock_pulse_ms"));
    }
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
  }
  {
    const table_reader r = reader(ctx, sub("policy"), "policy");
    read_table_values(r, "policy", c);
  }

  {
    const table_reader r = reader(ctx, sub("update"), "update");
    read_table_values(r, "update", c);
    auto& u = c.update;
    u.keyring = resolve(r.string("keyring", ""));
    u.compatible = r.string("compatible", "");
    u.download_ca_file = resolve(r.string("download_ca_file", ""));
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
      const auto p = r.string(name, default_of("update", name));
      if (p.empty() || p.front() != '/') {
        ctx.fail(r.key(name), "must be an absolute path, got " + quote_value(p), r.node(name));
      }
      *out = p;
    }
  }

  {
    const table_reader r = reader(ctx, sub("store"), "store");
    read_table_values(r, "store", c);
  }

  {
    const table_reader r = reader(ctx, sub("display"), "display");
    // The catalogue's languages, not a list of its own here.
    const auto code = r.string("language", default_of("display", "language"));
    const auto lang = keypad::catalogue::parse_language(code);
    if (!lang) {
      std::string known;
      for (const auto l : keypad::catalogue::all_languages)
        known += std::string{known.empty() ? "" : ", "} + std::string{keypad::catalogue::code(l)};
      ctx.fail(r.key("language"),
               "invalid value " + quote_value(code) + ": must be one of " + known +
                   " (the display's catalogue)",
               r.node("language"));
    }
    c.display.language = lang.value_or(keypad::catalogue::language::en);
  }

  {
    const table_reader r = reader(ctx, sub("tokens"), "tokens");
    if (const auto* keys = r.array("keys")) {
      std::size_t i = 0;
      for (const auto& node : *keys) {
        const std::string where = "tokens.keys[" + std::to_string(i++) + "]";
        const auto* t = node.as_table();
        if (t == nullptr) ctx.wrong_type(where, node, "a table { id, public_key, not_after }");
        const table_reader k(ctx, *t, where, {"id", "public_key", "not_after"});
        tokens::public_key_entry e;
        e.id = k.required_string("id");
        if (!tokens::valid_key_id(e.id))
          ctx.fail(k.key("id"),
                   "invalid " + quote_value(e.id) + ": must match [A-Za-z0-9._-]{1,32}",
                   k.node("id"));
        for (const auto& other : c.tokens.keys)
          if (other.id == e.id)
            ctx.fail(k.key("id"), "duplicate key id " + quote_value(e.id), k.node("id"));
        const auto text = k.required_string("public_key");
        const auto raw = tokens::parse_public_key(text);
        if (!raw)
          ctx.fail(k.key("public_key"),
                   "invalid: must be the standard base64 (with padding) of a raw 32-byte Ed25519 "
                   "public key, as `lockerctl token keygen` prints it",
                   k.node("public_key"));
        e.key = *raw;
        if (const auto until = k.optional_string("not_after")) {
          const auto at = protocol::parse_timestamp(*until);
          if (!at)
            ctx.fail(k.key("not_after"),
                     "invalid " + quote_value(*until) +
                         ": must be an RFC 3339 date-time such as 2027-01-31T00:00:00Z",
                     k.node("not_after"));
          e.not_after = *at;
        }
        c.tokens.keys.push_back(std::move(e));
      }
    }
  }

  const fs::path board_path = resolve(board);
  std::error_code ec;
  if (!fs::exists(board_path, ec)) {
    ctx.fail("board", "no such board file: " + board_path.string(), top.node("board"));
  }
  c.board = load_board(board_path);
  // The policy as a whole must keep guessing bounded for this cabinet (issue 12).
  if (auto why = guess_bound_problem(c.policy, c.board.compartments.size()))
    ctx.fail("policy", "out of range: " + *why, top.node("policy"));
  return c;
}

std::optional<std::string> guess_bound_problem(const policy& p, std::size_t compartments) {
  return access::check_guess_bound(
      access::budget_policy{p.max_code_attempts,
                            std::chrono::duration_cast<std::chrono::milliseconds>(p.lockout_base)},
      p.pickup_code_digits, std::chrono::hours(p.pickup_window_h),
      static_cast<std::int64_t>(compartments));
}

}  // namespace locker::config
