// SPDX-License-Identifier: Apache-2.0
// The locker's configuration: the main file (lockerd.toml) and the board file it names.
// Loading validates everything; a bad file never half-applies.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "drivers/line.hpp"

namespace locker::config {

// A file that cannot be used: says which file, which key (dotted path, e.g.
// "compartment[3].door" or "timings.lock_pulse_ms"; array indices count from 0; empty when
// the whole file is at fault, e.g. unreadable or a TOML syntax error) and why.
class config_error : public std::runtime_error {
 public:
  config_error(std::string file, std::string key, std::string reason);
  [[nodiscard]] const std::string& file() const { return file_; }
  [[nodiscard]] const std::string& key() const { return key_; }
  [[nodiscard]] const std::string& reason() const { return reason_; }

 private:
  std::string file_, key_, reason_;
};

struct compartment_config {
  std::string id;    // [A-Za-z0-9-]{1,16}, unique
  std::string size;  // one of board_config::sizes
  drivers::line_spec lock;
  drivers::line_spec door;                     // active = door open
  std::optional<drivers::line_spec> presence;  // active = parcel inside
};

enum class keypad_kind { sim, matrix, evdev };

struct keypad_config {
  keypad_kind kind = keypad_kind::sim;
  // matrix: rows are driven, columns are read (edge events, pulled to inactive)
  std::vector<drivers::line_spec> rows;
  std::vector<drivers::line_spec> columns;
  std::vector<std::string> keys;  // one string per row, one char per column: "123A"
  std::chrono::milliseconds scan_ms{10};
  // evdev: the input device, e.g. /dev/input/by-path/platform-keypad-event
  std::string device;
};

enum class display_kind { sim, none, file };

struct display_config {
  display_kind kind = display_kind::sim;
  std::string path;  // file: where the text is written (a tty or a file the panel reads)
};

struct board_config {
  std::string file;
  std::string hardware;            // a name for info/telemetry
  std::vector<std::string> sizes;  // smallest first
  std::vector<compartment_config> compartments;
  keypad_config keypad;
  display_config display;
  std::optional<drivers::line_spec> buzzer;
  std::optional<drivers::line_spec> alarm_led;
  // Input, active while the cabinet runs on its backup supply (the `power` alarm).
  std::optional<drivers::line_spec> backup_power;

  // Index of a size in sizes, or -1.
  [[nodiscard]] int size_rank(const std::string& size) const;
  [[nodiscard]] const compartment_config* find(const std::string& id) const;
};

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

struct policy {
  int max_code_attempts = 5;
  int pickup_code_digits = 8;  // 6..10
  int pickup_window_h = 72;
  std::chrono::seconds lockout_base{30};  // doubles with each further lockout
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
  // Collected and removed parcels are deleted this long after; zero keeps them forever.
  std::chrono::days ended_parcel_retention{90};
};

enum class log_level { debug, info, warning, error };

struct locker_config {
  std::string file;
  std::string locker_id;  // [a-z0-9-]{1,64}
  std::filesystem::path state_dir;
  log_level log = log_level::info;
  backend_kind backend = backend_kind::sim;
  std::filesystem::path sim_socket;
  broker_config broker;
  config::timings timings;
  config::policy policy;
  std::chrono::seconds telemetry{300};
  update_config update;
  store_config store;
  board_config board;
};

// Loads and validates the main file and the board file it names (a relative board path
// is taken from the main file's folder). Throws config_error.
locker_config load_config(const std::filesystem::path& file);

// Loads and validates a board file alone (the simulator needs only this). Throws config_error.
board_config load_board(const std::filesystem::path& file);

}  // namespace locker::config
