// SPDX-License-Identifier: Apache-2.0
// The cabinet model on the far side of real kernel GPIO lines: the kernel's gpio-sim chips,
// whose sysfs attributes are the "outside world" of each line. lockerd drives and reads the
// lines through the GPIO character device (its real gpiod backend); this bridge reads what
// lockerd drives (`value`) and drives what lockerd reads (`pull`), so the physics is the same
// cabinet_model code the socket-based sim backend uses.
#pragma once

#include <cstddef>
#include <deque>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "base/unique_fd.hpp"
#include "drivers/board_file/board_file.hpp"
#include "drivers/clock.hpp"
#include "simulator/cabinet_model.hpp"

namespace locker::simulator {

// Every named line of every live gpio-sim chip configured under `configfs_root`
// (normally /sys/kernel/config/gpio-sim): line name -> its sysfs folder
// (`<platform_root>/<dev_name>/<chip_name>/sim_gpio<offset>`, holding `value` and `pull`).
// Throws std::runtime_error if a name is used twice.
[[nodiscard]] std::map<std::string, std::filesystem::path> find_gpio_sim_lines(
    const std::filesystem::path& configfs_root,
    const std::filesystem::path& platform_root = "/sys/devices/platform");

struct gpio_sim_bridge_settings {
  // How often the output lines' `value` is read: gpio-sim has no notification for it.
  drivers::millis poll{1};
  // Where lockerd's file display writes; its text is shown on the model. Empty: none.
  std::string display_file;
  // The level a lock line floats at while nothing drives it. false: locked, as the pull on
  // a real coil driver's gate keeps it. true: the unlock level, the safe-start probe: a lock
  // line then reads locked only while a program drives it so. Its coil stays off until the
  // line has been seen driven locked once (the float is the probe, not a coil current).
  bool locks_float_unlocked = false;
};

class gpio_sim_bridge {
 public:
  // Opens every line of the board in `lines`, sets every pull to what the model says (outputs
  // to their inactive level, as a released line must read, lock lines to their active level
  // if `locks_float_unlocked`) and starts polling on `io`.
  // Logs on stderr, for the scenarios to check: each output's first change from the level it
  // floats at ("LOCK_01 driven locked", "KP_ROW1 driven active"), each lock pulse ("pulse
  // LOCK_01 300 ms high": the length and the physical level of the coil current), and each
  // level written to a door or presence line, read back from the kernel ("edge DOOR_01 0";
  // "edge DOOR_01 0 not taken: the line reads 1" if the kernel line did not follow).
  // Throws std::runtime_error naming a board line that is on no gpio-sim chip.
  gpio_sim_bridge(boost::asio::io_context& io, cabinet_model& model,
                  const drivers::board_config& board,
                  const std::map<std::string, std::filesystem::path>& lines,
                  gpio_sim_bridge_settings settings);
  gpio_sim_bridge(const gpio_sim_bridge&) = delete;
  gpio_sim_bridge& operator=(const gpio_sim_bridge&) = delete;
  ~gpio_sim_bridge();

  void stop();

 private:
  struct sysfs_line {
    std::string name;
    bool active_low = false;
    base::unique_fd value_fd;
    base::unique_fd pull_fd;
  };
  enum class output_role { model, row };
  struct watched_output {
    sysfs_line line;
    output_role role = output_role::model;
    bool is_lock = false;
    bool active = false;         // logical, as last read
    bool driven = false;         // seen away from the level the line floats at
    bool floats_active = false;  // its pull is the active level (a probed lock line)
    drivers::steady_time since{};
  };
  struct driven_input {
    sysfs_line line;
    std::optional<bool> physical;  // the pull last written
    bool log_edges = false;        // doors and presence; a keypad column changes every scan
  };
  // A key the model reported, being played on the matrix.
  enum class key_phase { none, held, releasing };

  sysfs_line open_line(const std::string& name, bool active_low,
                       const std::map<std::string, std::filesystem::path>& lines);
  void drive(driven_input& in, bool active);
  void schedule();
  void tick();
  void poll_outputs();
  void play_keys(drivers::steady_time now);
  void set_columns(bool row_active_for_key);
  void poll_display();

  cabinet_model& model_;
  gpio_sim_bridge_settings settings_;
  boost::asio::steady_timer timer_;
  bool stopped_ = false;
  std::size_t ticks_ = 0;

  std::vector<watched_output> outputs_;
  std::map<std::string, driven_input, std::less<>> inputs_;  // doors, presence
  std::vector<std::size_t> rows_;                            // indices into outputs_
  std::vector<driven_input> columns_;
  std::vector<std::string> keys_;  // keys_[row][column]
  cabinet_model::subscription input_sub_ = 0;
  cabinet_model::subscription key_sub_ = 0;

  std::deque<char> key_queue_;
  key_phase phase_ = key_phase::none;
  std::size_t key_row_ = 0;
  std::size_t key_column_ = 0;
  bool key_row_solo_ = false;  // the key's row alone driven: the scanner is reading it
  drivers::steady_time column_since_{};
  int good_reads_ = 0;
  drivers::steady_time phase_since_{};
  std::string display_raw_;
};

}  // namespace locker::simulator
