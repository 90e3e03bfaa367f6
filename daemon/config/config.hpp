// SPDX-License-Identifier: Apache-2.0
// The locker's configuration: the main file (lockerd.toml) and the board file it names.
// Loading validates everything; a bad file never half-applies.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "daemon/keypad/catalogue/catalogue.hpp"
#include "daemon/tokens/verifier.hpp"
#include "drivers/board_file/board_file.hpp"

namespace locker::config {

// The board file and its errors are the drivers' (drivers/board_file); the daemon's code keeps
// these names for them.
using drivers::board_config;
using drivers::compartment_config;
using drivers::config_error;
using drivers::display_config;
using drivers::display_kind;
using drivers::keypad_config;
using drivers::keypad_kind;
using drivers::load_board;

enum class backend_kind { sim, gpiod };

struct broker_config {
  std::string url;  // empty: no broker; mqtt://host:port or mqtts://host:port
  std::string username;
  std::string password_file;  // the password is never inline in the config
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::chrono::seconds keepalive{30};
  // The longest wait between two connection attempts (the back-off doubles up to here).
  std::chrono::seconds reconnect_max{30};
};

struct timings {
  std::chrono::milliseconds lock_pulse{300};
  std::chrono::milliseconds lock_pulse_max{1000};
  std::chrono::milliseconds coil_gap{50};
  std::chrono::seconds open_detect{5};
  std::chrono::seconds door_left_open{120};
  std::chrono::milliseconds debounce{30};
  std::chrono::seconds session_idle{60};
};

// What a courier's badge is enough for at the keypad.
enum class badge_login {
  badge_only,     // the badge logs the courier in
  badge_and_pin,  // the badge names the courier, whose PIN must follow
};

struct policy {
  int max_code_attempts = 5;
  int pickup_code_digits = 8;  // 6..10
  int pickup_window_h = 72;
  std::chrono::seconds lockout_base{30};  // doubles with each further lockout
  config::badge_login badge_login = config::badge_login::badge_only;
  // Accessibility: extended time (the keypad's 'B', a reservation's extended_time) multiplies
  // session_idle, the messages' hold and the door_left_open delay by this (1..10).
  int extended_time_factor = 3;
  // Flow "hold" (issue 13): an announced reservation no courier deposited within this many
  // hours of its announcement expires (reservation_expired); 0: never.
  int reservation_expiry_h = 168;
};

// Signed software updates (fw_update) and reboots. No keyring: fw_update is refused.
struct update_config {
  std::filesystem::path keyring;           // CA certificates (PEM) that may sign bundles
  std::string compatible;                  // the bundles' manifest must say exactly this
  std::filesystem::path download_ca_file;  // https server CA; empty: the system's store
  std::uint64_t max_bundle_mb = 1024;
  std::chrono::seconds download_timeout{1800};
  std::chrono::seconds install_timeout{1800};
  std::filesystem::path rauc = "/usr/bin/rauc";
  std::filesystem::path systemctl = "/usr/bin/systemctl";
};

// The parcel store (daemon/store).
struct store_config {
  // Collected and removed parcels are deleted this long after, and ended reservations this
  // long after they were made; zero keeps them forever.
  std::chrono::days ended_parcel_retention{90};
  // Audit entries are deleted this long after; zero keeps them forever.
  std::chrono::days audit_retention{365};
};

// The front panel's texts (daemon/keypad/catalogue).
struct front_panel_config {
  // What every keypad session starts in and returns to; the language key switches it for one
  // session.
  keypad::catalogue::language language = keypad::catalogue::language::en;
};

// Signed offline tokens (daemon/tokens, protocol/tokens.md): the tracking system's public
// keys, several at once so that it can rotate them with an overlap. None: every token is
// refused (unknown key).
struct tokens_config {
  std::vector<tokens::public_key_entry> keys;
};

enum class log_level { debug, info, warning, error };

// Whether the wall clock must be synchronized before a deadline sent from outside is judged
// (clock_sync): none trusts it as it is; system waits for the system's word
// (drivers::clock::wall_clock_synchronized).
enum class clock_sync_kind { none, system };

struct locker_config {
  std::string file;
  std::string locker_id;  // [a-z0-9-]{1,64}
  std::filesystem::path state_dir;
  log_level log = log_level::info;
  clock_sync_kind clock_sync = clock_sync_kind::none;
  backend_kind backend = backend_kind::sim;
  std::filesystem::path sim_socket;
  broker_config broker;
  config::timings timings;
  config::policy policy;
  std::chrono::seconds telemetry{300};
  update_config update;
  store_config store;
  front_panel_config display;  // [display]
  tokens_config tokens;
  board_config board;
};

// Loads and validates the main file and the board file it names (a relative board path
// is taken from the main file's folder). Throws config_error.
locker_config load_config(const std::filesystem::path& file);

// nullopt when the policy keeps a guesser's chance to open a parcel within one pickup window
// under access::max_guess_probability on a cabinet of this many compartments (all holding a
// parcel; at least access::reference_parcels); otherwise why not. The one check, for this file
// and for the remote settings alike.
[[nodiscard]] std::optional<std::string> guess_bound_problem(const policy& p,
                                                             std::size_t compartments);

}  // namespace locker::config
