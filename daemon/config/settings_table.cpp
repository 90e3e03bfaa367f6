// SPDX-License-Identifier: Apache-2.0
#include "daemon/config/settings_table.hpp"

#include <algorithm>
#include <array>
#include <chrono>

#include "protocol/input_rules.hpp"

namespace locker::config {

namespace {

using std::chrono::days;
using std::chrono::milliseconds;
using std::chrono::seconds;
using patch = protocol::settings_patch;
using i64 = std::int64_t;

constexpr std::array<std::string_view, 4> log_words{"debug", "info", "warning", "error"};
constexpr std::array<std::string_view, 2> backend_words{"sim", "gpiod"};
constexpr std::array<std::string_view, 2> clock_sync_words{"none", "system"};
constexpr std::array<std::string_view, 2> badge_words{"badge_only", "badge_and_pin"};

// One range per setting, the file's and cfg/desired's alike (protocol/README.md, "Settings"):
// where they differed the safe one was kept (lock_pulse_ms 50..2000: a shorter pulse does not
// pull a latch, a longer one may overheat the coil; max_code_attempts 1..20: the keypad's
// guessing budget) and otherwise the file's wider one. telemetry_s keeps its remote floor of
// 10 s so that no remote typo makes a fleet flood the broker; a bench or demo file may say 1.
const setting rows[] = {
    {.key = "locker_id",
     .type = setting_type::string,
     .required = true,
     .doc = "this locker's id, `[a-z0-9-]{1,64}`; in every MQTT topic"},
    {.key = "state_dir",
     .type = setting_type::path,
     .default_text = "/var/lib/lockerd",
     .doc = "the SQLite store, journal and key"},
    {.key = "board",
     .type = setting_type::path,
     .required = true,
     .doc = "the board file: which GPIO line is which lock, sensor, keypad"},
    {.key = "log_level",
     .type = setting_type::choice,
     .default_text = "info",
     .words = log_words,
     .set = [](locker_config& c, i64 v) { c.log = static_cast<log_level>(v); },
     .get = [](const locker_config& c) { return static_cast<i64>(c.log); },
     .doc = "the least severe message logged"},
    {.key = "clock_sync",
     .type = setting_type::choice,
     .default_text = "none",
     .words = clock_sync_words,
     .set = [](locker_config& c, i64 v) { c.clock_sync = static_cast<clock_sync_kind>(v); },
     .get = [](const locker_config& c) { return static_cast<i64>(c.clock_sync); },
     .doc = "`system`: a command with `expires_at` or `hold_until` (every `compartment_open`) "
            "is answered `busy` until the system says the wall clock was synchronized since "
            "boot (systemd-timesyncd's /run/systemd/timesync/synchronized, or the kernel's "
            "flag that chrony and ntpd set, where the unit lets lockerd read it), so that a "
            "board with a flat RTC battery does not judge deadlines by 1970; `none`: the clock "
            "is trusted as it is (the simulator, a board without time sync). The package's "
            "example file says `system`"},

    {.section = "hardware",
     .key = "backend",
     .type = setting_type::choice,
     .default_text = "sim",
     .words = backend_words,
     .set = [](locker_config& c, i64 v) { c.backend = static_cast<backend_kind>(v); },
     .get = [](const locker_config& c) { return static_cast<i64>(c.backend); },
     .doc = "`gpiod` (real GPIO lines) or `sim` (locker-sim)"},
    {.section = "hardware",
     .key = "sim_socket",
     .type = setting_type::path,
     .default_text = "/run/locker-sim/locker-sim.sock",
     .doc = "the simulator's socket (backend `sim` only)"},

    {.section = "broker",
     .key = "url",
     .type = setting_type::string,
     .doc = "`mqtt://host:port` or `mqtts://host:port`; empty: no broker (events stay in the "
            "journal)"},
    {.section = "broker",
     .key = "username",
     .type = setting_type::string,
     .doc = "the broker login, if it wants one"},
    {.section = "broker",
     .key = "password_file",
     .type = setting_type::path,
     .doc = "the file holding the broker password (never inline)"},
    {.section = "broker",
     .key = "ca_file",
     .type = setting_type::path,
     .doc = "the CA that signed the broker's certificate; required by `mqtts`"},
    {.section = "broker",
     .key = "cert_file",
     .type = setting_type::path,
     .doc = "client certificate (with `key_file`)"},
    {.section = "broker",
     .key = "key_file",
     .type = setting_type::path,
     .doc = "client private key (with `cert_file`)"},
    {.section = "broker",
     .key = "keepalive_s",
     .type = setting_type::integer,
     .min = 1,
     .max = 65535,
     .default_integer = 30,
     .set = [](locker_config& c, i64 v) { c.broker.keepalive = seconds(v); },
     .get = [](const locker_config& c) { return static_cast<i64>(c.broker.keepalive.count()); },
     .doc = "MQTT keepalive, seconds"},
    {.section = "broker",
     .key = "reconnect_max_s",
     .type = setting_type::integer,
     .min = 1,
     .max = 3600,
     .default_integer = 30,
     .set = [](locker_config& c, i64 v) { c.broker.reconnect_max = seconds(v); },
     .get = [](const locker_config& c) { return static_cast<i64>(c.broker.reconnect_max.count()); },
     .doc = "the longest wait between connection attempts (the back-off from 0.5 s doubles up "
            "to it), seconds"},

    {.section = "timings",
     .key = "lock_pulse_max_ms",
     .type = setting_type::integer,
     .min = 10,
     .max = 2000,
     .default_integer = 1000,
     .set = [](locker_config& c, i64 v) { c.timings.lock_pulse_max = milliseconds(v); },
     .get =
         [](const locker_config& c) { return static_cast<i64>(c.timings.lock_pulse_max.count()); },
     .doc = "hard cap on any pulse (coil protection; above 2000 ms a coil may overheat)"},
    {.section = "timings",
     .key = "lock_pulse_ms",
     .type = setting_type::integer,
     .min = 50,
     .max = 2000,
     .default_integer = 300,
     .patch = &patch::lock_pulse_ms,
     .set = [](locker_config& c, i64 v) { c.timings.lock_pulse = milliseconds(v); },
     .get = [](const locker_config& c) { return static_cast<i64>(c.timings.lock_pulse.count()); },
     .doc = "the unlock pulse on the coil; at most `lock_pulse_max_ms`"},
    {.section = "timings",
     .key = "coil_gap_ms",
     .type = setting_type::integer,
     .min = 0,
     .max = 10000,
     .default_integer = 50,
     .patch = &patch::coil_gap_ms,
     .set = [](locker_config& c, i64 v) { c.timings.coil_gap = milliseconds(v); },
     .get = [](const locker_config& c) { return static_cast<i64>(c.timings.coil_gap.count()); },
     .doc = "the pause between two pulses on the shared coil supply"},
    {.section = "timings",
     .key = "open_detect_s",
     .type = setting_type::integer,
     .min = 1,
     .max = 60,
     .default_integer = 5,
     .patch = &patch::open_detect_s,
     .set = [](locker_config& c, i64 v) { c.timings.open_detect = seconds(v); },
     .get = [](const locker_config& c) { return static_cast<i64>(c.timings.open_detect.count()); },
     .doc = "the door must report open this soon after the pulse fires, else `lock_fault`; "
            "longer than `lock_pulse_ms`"},
    {.section = "timings",
     .key = "door_left_open_s",
     .type = setting_type::integer,
     .min = 10,
     .max = 86400,
     .default_integer = 120,
     .patch = &patch::door_left_open_s,
     .set = [](locker_config& c, i64 v) { c.timings.door_left_open = seconds(v); },
     .get =
         [](const locker_config& c) { return static_cast<i64>(c.timings.door_left_open.count()); },
     .doc = "a door open longer than this raises `door_left_open`"},
    {.section = "timings",
     .key = "debounce_ms",
     .type = setting_type::integer,
     .min = 0,
     .max = 1000,
     .default_integer = 30,
     .patch = &patch::debounce_ms,
     .set = [](locker_config& c, i64 v) { c.timings.debounce = milliseconds(v); },
     .get = [](const locker_config& c) { return static_cast<i64>(c.timings.debounce.count()); },
     .doc = "an input must be stable this long to count"},
    {.section = "timings",
     .key = "session_idle_s",
     .type = setting_type::integer,
     .min = 5,
     .max = 3600,
     .default_integer = 60,
     .patch = &patch::session_idle_s,
     .set = [](locker_config& c, i64 v) { c.timings.session_idle = seconds(v); },
     .get = [](const locker_config& c) { return static_cast<i64>(c.timings.session_idle.count()); },
     .doc = "a keypad session with no key press ends after this"},

    {.section = "policy",
     .key = "max_code_attempts",
     .type = setting_type::integer,
     .min = 1,
     .max = 20,
     .default_integer = 5,
     .patch = &patch::max_code_attempts,
     .set = [](locker_config& c, i64 v) { c.policy.max_code_attempts = static_cast<int>(v); },
     .get = [](const locker_config& c) { return static_cast<i64>(c.policy.max_code_attempts); },
     .doc = "wrong codes (or, separately, courier PINs) before the keypad locks out"},
    {.section = "policy",
     .key = "pickup_code_digits",
     .type = setting_type::integer,
     .min = static_cast<i64>(protocol::rules::pickup_code_min_digits),
     .max = static_cast<i64>(protocol::rules::pickup_code_max_digits),
     .default_integer = 8,
     .patch = &patch::pickup_code_digits,
     .set = [](locker_config& c, i64 v) { c.policy.pickup_code_digits = static_cast<int>(v); },
     .get = [](const locker_config& c) { return static_cast<i64>(c.policy.pickup_code_digits); },
     .doc = "the length of new pickup codes"},
    {.section = "policy",
     .key = "pickup_window_h",
     .type = setting_type::integer,
     .min = 1,
     .max = 8760,
     .default_integer = 72,
     .patch = &patch::pickup_window_h,
     .set = [](locker_config& c, i64 v) { c.policy.pickup_window_h = static_cast<int>(v); },
     .get = [](const locker_config& c) { return static_cast<i64>(c.policy.pickup_window_h); },
     .doc = "hours a parcel waits for pickup before it expires"},
    {.section = "policy",
     .key = "lockout_base_s",
     .type = setting_type::integer,
     .min = 1,
     .max = 86400,
     .default_integer = 30,
     .patch = &patch::lockout_base_s,
     .set = [](locker_config& c, i64 v) { c.policy.lockout_base = seconds(v); },
     .get = [](const locker_config& c) { return static_cast<i64>(c.policy.lockout_base.count()); },
     .doc = "the first keypad lockout; doubles with each further one up to 24 h"},
    {.section = "policy",
     .key = "badge_login",
     .type = setting_type::choice,
     .default_text = "badge_only",
     .words = badge_words,
     .set = [](locker_config& c, i64 v) { c.policy.badge_login = static_cast<badge_login>(v); },
     .get = [](const locker_config& c) { return static_cast<i64>(c.policy.badge_login); },
     .doc = "a courier's badge logs in alone, or asks for that courier's PIN too"},
    {.section = "policy",
     .key = "extended_time_factor",
     .type = setting_type::integer,
     .min = 1,
     .max = 10,
     .default_integer = 3,
     .set = [](locker_config& c, i64 v) { c.policy.extended_time_factor = static_cast<int>(v); },
     .get = [](const locker_config& c) { return static_cast<i64>(c.policy.extended_time_factor); },
     .doc = "extended time multiplies `session_idle_s`, message holds and `door_left_open_s` by "
            "this"},
    {.section = "policy",
     .key = "reservation_expiry_h",
     .type = setting_type::integer,
     .min = 0,
     .max = 8760,
     .default_integer = 168,
     .set = [](locker_config& c, i64 v) { c.policy.reservation_expiry_h = static_cast<int>(v); },
     .get = [](const locker_config& c) { return static_cast<i64>(c.policy.reservation_expiry_h); },
     .doc = "an announced parcel no courier deposited within this many hours expires; 0: never"},

    {.section = "update",
     .key = "keyring",
     .type = setting_type::path,
     .doc = "CA certificate(s), PEM, that bundle signatures must chain to; with `compatible`; "
            "empty: `fw_update` is off"},
    {.section = "update",
     .key = "compatible",
     .type = setting_type::string,
     .doc = "must equal the bundle manifest's compatible; printable ASCII"},
    {.section = "update",
     .key = "download_ca_file",
     .type = setting_type::path,
     .doc = "the CA for https downloads; empty: the system's store"},
    {.section = "update",
     .key = "max_bundle_mb",
     .type = setting_type::integer,
     .min = 1,
     .max = 16384,
     .default_integer = 1024,
     .set = [](locker_config& c, i64 v) { c.update.max_bundle_mb = static_cast<std::uint64_t>(v); },
     .get = [](const locker_config& c) { return static_cast<i64>(c.update.max_bundle_mb); },
     .doc = "larger bundles are refused while downloading"},
    {.section = "update",
     .key = "download_timeout_s",
     .type = setting_type::integer,
     .min = 10,
     .max = 86400,
     .default_integer = 1800,
     .set = [](locker_config& c, i64 v) { c.update.download_timeout = seconds(v); },
     .get =
         [](const locker_config& c) { return static_cast<i64>(c.update.download_timeout.count()); },
     .doc = "the whole download must end within this"},
    {.section = "update",
     .key = "install_timeout_s",
     .type = setting_type::integer,
     .min = 60,
     .max = 86400,
     .default_integer = 1800,
     .set = [](locker_config& c, i64 v) { c.update.install_timeout = seconds(v); },
     .get =
         [](const locker_config& c) { return static_cast<i64>(c.update.install_timeout.count()); },
     .doc = "`rauc install` is stopped after this"},
    {.section = "update",
     .key = "rauc",
     .type = setting_type::path,
     .default_text = "/usr/bin/rauc",
     .doc = "the RAUC command line (absolute)"},
    {.section = "update",
     .key = "systemctl",
     .type = setting_type::path,
     .default_text = "/usr/bin/systemctl",
     .doc = "reboots with `systemctl reboot` (absolute)"},

    {.section = "store",
     .key = "ended_parcel_retention_days",
     .type = setting_type::integer,
     .min = 0,
     .max = 36500,
     .default_integer = 90,
     .set = [](locker_config& c, i64 v) { c.store.ended_parcel_retention = days(v); },
     .get =
         [](const locker_config& c) {
           return static_cast<i64>(c.store.ended_parcel_retention.count());
         },
     .doc = "collected and removed parcels are deleted this long after, and reservations "
            "that ended (deposited, cancelled) this long after they were made; 0: kept forever"},
    {.section = "store",
     .key = "audit_retention_days",
     .type = setting_type::integer,
     .min = 0,
     .max = 36500,
     .default_integer = 365,
     .set = [](locker_config& c, i64 v) { c.store.audit_retention = days(v); },
     .get =
         [](const locker_config& c) { return static_cast<i64>(c.store.audit_retention.count()); },
     .doc = "audit entries (who did what: `lockeradm audit`) are deleted this long after; 0: "
            "kept forever"},

    {.section = "display",
     .key = "language",
     .type = setting_type::string,
     .default_text = "en",
     .doc = "the language every keypad session starts in: a code of the display's catalogue "
            "(`en`, `de`, `pl`)"},

    {.section = "tokens",
     .key = "keys",
     .type = setting_type::key_list,
     .default_text = "[]",
     .doc = "the tracking system's Ed25519 public keys for signed tokens: `{ id, public_key, "
            "not_after? }` each; none: every token is refused"},

    // Last so that cfg/desired's list of known keys starts with the timings, as it always has.
    {.key = "telemetry_s",
     .type = setting_type::integer,
     .min = 1,
     .max = 86400,
     .default_integer = 300,
     .patch = &patch::telemetry_s,
     .remote_min = 10,
     .set = [](locker_config& c, i64 v) { c.telemetry = seconds(v); },
     .get = [](const locker_config& c) { return static_cast<i64>(c.telemetry.count()); },
     .doc = "seconds between telemetry reports"},
};

std::string type_text(const setting& s) {
  switch (s.type) {
    case setting_type::integer:
      return "integer";
    case setting_type::choice:
      return "choice";
    case setting_type::string:
      return "string";
    case setting_type::path:
      return "path";
    case setting_type::key_list:
      return "array of tables";
  }
  return "";
}

std::string range_text(const setting& s) {
  if (s.type == setting_type::integer) return std::to_string(s.min) + "..." + std::to_string(s.max);
  if (s.type == setting_type::choice) {
    std::string out;
    for (const auto w : s.words) out += (out.empty() ? "`" : ", `") + std::string(w) + "`";
    return out;
  }
  return "";
}

std::string default_text(const setting& s) {
  if (s.required) return "required";
  if (s.type == setting_type::integer) return std::to_string(s.default_integer);
  if (s.default_text.empty()) return "`\"\"`";
  return "`" + std::string(s.default_text) + "`";
}

std::string remote_text(const setting& s) {
  if (!s.remote()) return "no";
  if (s.lowest_remote() != s.min)
    return "yes, " + std::to_string(s.lowest_remote()) + "..." + std::to_string(s.max);
  return "yes";
}

}  // namespace

std::string setting::dotted() const {
  return section.empty() ? std::string(key) : std::string(section) + "." + std::string(key);
}

std::span<const setting> settings_table() { return rows; }

const setting* find_setting(std::string_view section, std::string_view key) {
  for (const auto& s : rows)
    if (s.section == section && s.key == key) return &s;
  return nullptr;
}

std::vector<std::string_view> keys_of(std::string_view section) {
  std::vector<std::string_view> out;
  for (const auto& s : rows)
    if (s.section == section) out.push_back(s.key);
  if (section.empty()) {
    for (const auto& s : rows) {
      if (s.section.empty()) continue;
      if (std::find(out.begin(), out.end(), s.section) == out.end()) out.push_back(s.section);
    }
  }
  return out;
}

std::span<const protocol::setting_rule> remote_rules() {
  static const std::vector<protocol::setting_rule> rules = [] {
    std::vector<protocol::setting_rule> out;
    for (const auto& s : rows)
      if (s.remote()) out.push_back({s.key, s.lowest_remote(), s.max, s.patch});
    return out;
  }();
  return rules;
}

void overlay(const protocol::settings_patch& p, locker_config& cfg) {
  for (const auto& row : rows)
    if (row.remote() && p.*row.patch) row.set(cfg, *(p.*row.patch));
}

std::string reference_markdown() {
  std::string out =
      "| key | type | range | default | cfg/desired | what |\n"
      "|---|---|---|---|---|---|\n";
  for (const auto& s : rows) {
    out += "| `" + s.dotted() + "` | " + type_text(s) + " | " + range_text(s) + " | " +
           default_text(s) + " | " + remote_text(s) + " | " + std::string(s.doc) + " |\n";
  }
  return out;
}

}  // namespace locker::config
