// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "drivers/clock.hpp"
#include "drivers/hardware.hpp"
#include "drivers/line.hpp"

namespace locker::drivers::gpiod_backend {

// A key matrix (3x4, 4x4, ...): rows are driven, columns are read, a pressed key joins
// its row to its column. Costs nothing while idle: all rows are driven active and it
// waits for an edge on any column. On an edge it scans one row at a time, `scan` apart
// (driving a row, waiting, reading the columns), and reports a key once it was the only
// key seen on two consecutive scans. While the key is held it pauses `hold_scan` between
// scans (no autorepeat); after two empty scans it goes back to idle. Two or more keys at once
// (including the phantom keys of ghosting) count as no key.
class matrix_scanner final : public keypad {
 public:
  // keys[r][c] is the key at row r, column c. Throws std::invalid_argument if the map
  // does not match the lines (start-up only).
  matrix_scanner(std::vector<output_line*> rows, std::vector<input_line*> columns,
                 std::vector<std::string> keys, clock& c, millis scan,
                 millis hold_scan = millis{100});
  matrix_scanner(const matrix_scanner&) = delete;
  matrix_scanner& operator=(const matrix_scanner&) = delete;
  ~matrix_scanner() override;

  void on_key(std::function<void(char key)> handler) override { handler_ = std::move(handler); }
  // True while waiting for an edge with no scan running.
  [[nodiscard]] bool idle() const { return !scanning_; }

 private:
  enum class seen { none, one, many };
  struct scan_result {
    seen what = seen::none;
    char key = 0;
  };

  void column_edge();
  void go_idle();
  void begin_scan();
  void read_row();
  void finish_scan();

  std::vector<output_line*> rows_;
  std::vector<input_line*> columns_;
  std::vector<std::string> keys_;
  millis scan_;
  millis hold_scan_;
  timer timer_;
  bool scanning_ = false;
  std::size_t row_ = 0;
  scan_result current_;  // the scan in progress
  scan_result last_;     // the previous complete scan
  char held_ = 0;        // reported and not yet released
  int empty_scans_ = 0;
  std::function<void(char)> handler_;
};

}  // namespace locker::drivers::gpiod_backend
