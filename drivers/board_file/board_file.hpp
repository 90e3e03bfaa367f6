// SPDX-License-Identifier: Apache-2.0
// The board file: what a cabinet's board is made of, for the backend that drives it and the
// simulator that models it. Each compartment's lock, door and optional presence lines, the
// front panel (keypad, display, buzzer, alarm LED), an optional scanner and the backup-power
// input, each line with
// its chip/offset or name, active_low and bias. It belongs to the drivers (as a HAL backend
// takes its board definition from the board, not from the program above it); the daemon's
// configuration embeds it.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "drivers/board_file/toml_file.hpp"
#include "drivers/line.hpp"

namespace locker::drivers {

struct compartment_config {
  std::string id;    // [A-Za-z0-9-]{1,16}, unique
  std::string size;  // one of board_config::sizes
  line_spec lock;
  line_spec door;                     // active = door open
  std::optional<line_spec> presence;  // active = parcel inside
  // Accessibility: the height of the door's handle above the floor, in millimetres; unknown
  // when absent (then not known to be low). EN 301 549 clause 8.3 puts a reach limit at 1220 mm.
  std::optional<int> handle_height_mm;
  [[nodiscard]] bool low() const {
    return handle_height_mm.has_value() && *handle_height_mm <= max_accessible_handle_mm;
  }
  // The highest handle a person in a wheelchair reaches (EN 301 549 clause 8.3, forward reach).
  static constexpr int max_accessible_handle_mm = 1220;
};

enum class keypad_kind { sim, matrix, evdev };

struct keypad_config {
  keypad_kind kind = keypad_kind::sim;
  // matrix: rows are driven, columns are read (edge events, pulled to inactive)
  std::vector<line_spec> rows;
  std::vector<line_spec> columns;
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

enum class scanner_kind { sim, evdev };

// A barcode/QR scanner beside the keypad: tracking numbers and pickup codes by scan.
struct scanner_config {
  scanner_kind kind = scanner_kind::sim;
  // evdev: the keyboard-wedge device by a stable path, e.g.
  // /dev/input/by-id/usb-Vendor_Scanner-event-kbd (it may be unplugged and plugged back in).
  std::string device;
  // Longer scans are discarded whole (and counted as garbled).
  std::size_t max_length = 128;
};

enum class badge_kind { wiegand, evdev };

// A courier badge reader (RFID/NFC) beside the keypad: a Wiegand 26/34-bit reader on two input
// lines (D0, D1; on every backend, from the lines' raw edges), or a HID reader that types the
// badge id like a keyboard (evdev, the same keyboard-wedge path as the scanner).
struct badge_config {
  badge_kind kind = badge_kind::wiegand;
  // wiegand: the data lines, usually active_low (the reader pulls them low for each bit).
  line_spec wiegand_d0;
  line_spec wiegand_d1;
  // evdev: the keyboard-wedge device by a stable path (it may be unplugged and back).
  std::string device;
};

struct board_config {
  std::string file;
  std::string hardware;            // a name for info/telemetry
  std::vector<std::string> sizes;  // smallest first
  std::vector<compartment_config> compartments;
  keypad_config keypad;
  display_config display;
  std::optional<scanner_config> scanner;  // none: the keypad is the only input
  std::optional<badge_config> badge;      // none: couriers log in with their PIN only
  std::optional<line_spec> buzzer;
  std::optional<line_spec> alarm_led;
  // Input, active while the cabinet runs on its backup supply (the `power` alarm).
  std::optional<line_spec> backup_power;

  // Index of a size in sizes, or -1.
  [[nodiscard]] int size_rank(const std::string& size) const;
  [[nodiscard]] const compartment_config* find(const std::string& id) const;
};

// Loads and validates a board file. Throws config_error.
board_config load_board(const std::filesystem::path& file);

}  // namespace locker::drivers
