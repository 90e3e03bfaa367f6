// SPDX-License-Identifier: Apache-2.0
#include "drivers/gpiod/matrix_scanner.hpp"

#include <stdexcept>

namespace locker::drivers::gpiod_backend {

matrix_scanner::matrix_scanner(std::vector<output_line*> rows, std::vector<input_line*> columns,
                               std::vector<std::string> keys, clock& c, millis scan,
                               millis hold_scan)
    : rows_(std::move(rows)),
      columns_(std::move(columns)),
      keys_(std::move(keys)),
      scan_(std::max(scan, millis{1})),
      hold_scan_(std::max(hold_scan, millis{0})),
      timer_(c) {
  if (rows_.empty() || columns_.empty())
    throw std::invalid_argument("keypad matrix needs rows and columns");
  if (keys_.size() != rows_.size()) {
    throw std::invalid_argument("keypad matrix has " + std::to_string(rows_.size()) + " rows but " +
                                std::to_string(keys_.size()) + " key rows");
  }
  for (const auto& k : keys_) {
    if (k.size() != columns_.size()) {
      throw std::invalid_argument("keypad key row \"" + k +
                                  "\" does not have one key per column (" +
                                  std::to_string(columns_.size()) + ")");
    }
  }
  for (auto* col : columns_) col->on_change([this](line_event) { column_edge(); });
  go_idle();
}

matrix_scanner::~matrix_scanner() {
  for (auto* col : columns_) col->on_change({});
}

void matrix_scanner::column_edge() {
  // While scanning, edges are our own row switching: the scan reads the columns itself.
  if (scanning_) return;
  scanning_ = true;
  empty_scans_ = 0;
  last_ = {};
  // Not from inside the edge handler: the lines may report edges while we drive rows.
  timer_.start(millis{0}, [this] { begin_scan(); });
}

void matrix_scanner::go_idle() {
  scanning_ = false;
  held_ = 0;
  for (auto* row : rows_) row->set(true);
  // A key pressed while we were switching rows may have left no edge to wake us.
  for (auto* col : columns_) {
    if (col->get()) {
      column_edge();
      return;
    }
  }
}

void matrix_scanner::begin_scan() {
  current_ = {};
  for (auto* row : rows_) row->set(false);
  row_ = 0;
  rows_[0]->set(true);
  timer_.start(scan_, [this] { read_row(); });
}

void matrix_scanner::read_row() {
  for (std::size_t c = 0; c < columns_.size(); ++c) {
    if (!columns_[c]->get()) continue;
    if (current_.what == seen::none) {
      current_ = {seen::one, keys_[row_][c]};
    } else {
      current_.what = seen::many;
    }
  }
  rows_[row_]->set(false);
  if (++row_ < rows_.size()) {
    rows_[row_]->set(true);
    timer_.start(scan_, [this] { read_row(); });
    return;
  }
  finish_scan();
}

void matrix_scanner::finish_scan() {
  const scan_result now = current_;
  if (now.what == seen::none) {
    if (++empty_scans_ >= 2) {
      go_idle();
      return;
    }
  } else {
    empty_scans_ = 0;
  }
  const bool confirmed = now.what == seen::one && last_.what == seen::one && last_.key == now.key;
  if (confirmed && held_ != now.key) {
    held_ = now.key;
    if (handler_) handler_(now.key);
  }
  last_ = now;
  // Settled on the held key: nothing can happen but its release, so look less often.
  const bool holding = confirmed && held_ == now.key;
  timer_.start(holding ? hold_scan_ : millis{0}, [this] { begin_scan(); });
}

}  // namespace locker::drivers::gpiod_backend
