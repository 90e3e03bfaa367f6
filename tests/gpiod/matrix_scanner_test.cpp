// SPDX-License-Identifier: Apache-2.0
#include "drivers/gpiod/matrix_scanner.hpp"

#include <memory>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "drivers/virtual_clock.hpp"
#include "tests/drivers/fake_lines.hpp"

namespace locker::drivers::gpiod_backend {
namespace {

using namespace std::chrono_literals;
using drivers::testing::fake_input_line;
using drivers::testing::fake_output_line;

const std::vector<std::string> keys_3x4{"123", "456", "789", "*0#"};
const std::vector<std::string> keys_4x4{"123A", "456B", "789C", "*0#D"};

// A key matrix without diodes: a pressed key joins its row and column, and a column
// reads active when anything joined to it is an active row. Inactive rows float (open
// drain), so three keys on a rectangle's corners make the fourth appear: ghosting.
class matrix_model {
 public:
  matrix_model(virtual_clock& c, std::size_t rows, std::size_t cols) {
    for (std::size_t r = 0; r < rows; ++r) {
      rows_.push_back(std::make_unique<fake_output_line>(c));
      rows_.back()->on_set([this](bool) { update(); });
    }
    for (std::size_t i = 0; i < cols; ++i) cols_.push_back(std::make_unique<fake_input_line>(c));
  }
  void press(std::size_t r, std::size_t c) {
    pressed_.insert({r, c});
    update();
  }
  void release(std::size_t r, std::size_t c) {
    pressed_.erase({r, c});
    update();
  }
  std::vector<output_line*> rows() {
    std::vector<output_line*> v;
    for (auto& r : rows_) v.push_back(r.get());
    return v;
  }
  std::vector<input_line*> columns() {
    std::vector<input_line*> v;
    for (auto& c : cols_) v.push_back(c.get());
    return v;
  }
  // How many times any row was written: the scanner's activity.
  int row_writes() const {
    int n = 0;
    for (const auto& r : rows_) n += r->writes();
    return n;
  }
  bool all_rows_active() const {
    for (const auto& r : rows_) {
      if (!r->get()) return false;
    }
    return true;
  }

 private:
  void update() {
    const std::size_t n = rows_.size() + cols_.size();
    std::vector<std::size_t> parent(n);
    std::iota(parent.begin(), parent.end(), 0);
    auto find = [&](std::size_t x) {
      while (parent[x] != x) x = parent[x] = parent[parent[x]];
      return x;
    };
    for (const auto& [r, c] : pressed_) parent[find(r)] = find(rows_.size() + c);
    std::set<std::size_t> live;
    for (std::size_t r = 0; r < rows_.size(); ++r) {
      if (rows_[r]->get()) live.insert(find(r));
    }
    for (std::size_t c = 0; c < cols_.size(); ++c)
      cols_[c]->drive(live.count(find(rows_.size() + c)) != 0);
  }

  std::vector<std::unique_ptr<fake_output_line>> rows_;
  std::vector<std::unique_ptr<fake_input_line>> cols_;
  std::set<std::pair<std::size_t, std::size_t>> pressed_;
};

struct scanner : ::testing::Test {
  virtual_clock clock;
  std::string typed;

  std::unique_ptr<matrix_scanner> make(matrix_model& m, const std::vector<std::string>& keys) {
    auto s = std::make_unique<matrix_scanner>(m.rows(), m.columns(), keys, clock, 10ms, 100ms);
    s->on_key([this](char k) { typed += k; });
    return s;
  }
};

TEST_F(scanner, idle_drives_all_rows_and_does_nothing) {
  matrix_model m(clock, 4, 3);
  auto s = make(m, keys_3x4);
  EXPECT_TRUE(s->idle());
  EXPECT_TRUE(m.all_rows_active());
  const int writes = m.row_writes();
  clock.advance(10s);
  EXPECT_EQ(m.row_writes(), writes);  // no scanning while idle
  EXPECT_EQ(clock.pending(), 0U);     // and no timers
}

TEST_F(scanner, single_key_is_reported_once_while_held) {
  matrix_model m(clock, 4, 3);
  auto s = make(m, keys_3x4);
  m.press(1, 2);
  EXPECT_FALSE(s->idle());
  clock.advance(2s);  // long hold: no autorepeat
  EXPECT_EQ(typed, "6");
  m.release(1, 2);
  clock.advance(1s);
  EXPECT_EQ(typed, "6");
  EXPECT_TRUE(s->idle());
  EXPECT_TRUE(m.all_rows_active());
  EXPECT_EQ(clock.pending(), 0U);
}

TEST_F(scanner, key_needs_two_scans_before_it_counts) {
  matrix_model m(clock, 4, 3);
  auto s = make(m, keys_3x4);
  m.press(0, 0);
  clock.advance(40ms);  // one full scan of four rows
  EXPECT_EQ(typed, "");
  clock.advance(40ms);  // the second
  EXPECT_EQ(typed, "1");
}

TEST_F(scanner, tap_shorter_than_two_scans_is_ignored) {
  matrix_model m(clock, 4, 3);
  auto s = make(m, keys_3x4);
  m.press(2, 1);
  clock.advance(15ms);
  m.release(2, 1);
  clock.advance(1s);
  EXPECT_EQ(typed, "");
  EXPECT_TRUE(s->idle());
}

TEST_F(scanner, every_key_of_3x4_and_4x4) {
  for (const auto* keys : {&keys_3x4, &keys_4x4}) {
    typed.clear();
    matrix_model m(clock, keys->size(), (*keys)[0].size());
    auto s = make(m, *keys);
    std::string expected;
    for (std::size_t r = 0; r < keys->size(); ++r) {
      for (std::size_t c = 0; c < (*keys)[r].size(); ++c) {
        m.press(r, c);
        clock.advance(300ms);
        m.release(r, c);
        clock.advance(300ms);
        expected += (*keys)[r][c];
      }
    }
    EXPECT_EQ(typed, expected);
    EXPECT_TRUE(s->idle());
  }
}

TEST_F(scanner, bouncing_press_gives_one_key) {
  matrix_model m(clock, 4, 4);
  auto s = make(m, keys_4x4);
  for (int i = 0; i < 6; ++i) {
    m.press(3, 3);
    clock.advance(2ms);
    m.release(3, 3);
    clock.advance(3ms);
  }
  m.press(3, 3);
  clock.advance(500ms);
  for (int i = 0; i < 6; ++i) {  // bouncing release
    m.release(3, 3);
    clock.advance(3ms);
    m.press(3, 3);
    clock.advance(2ms);
  }
  m.release(3, 3);
  clock.advance(1s);
  EXPECT_EQ(typed, "D");
  EXPECT_TRUE(s->idle());
}

TEST_F(scanner, two_keys_pressed_together_give_nothing) {
  matrix_model m(clock, 4, 3);
  auto s = make(m, keys_3x4);
  m.press(0, 0);
  m.press(2, 2);
  clock.advance(1s);
  EXPECT_EQ(typed, "");
  m.release(0, 0);
  m.release(2, 2);
  clock.advance(1s);
  EXPECT_EQ(typed, "");
  EXPECT_TRUE(s->idle());
}

TEST_F(scanner, second_key_while_first_held_is_ignored_until_alone) {
  matrix_model m(clock, 4, 3);
  auto s = make(m, keys_3x4);
  m.press(0, 0);
  clock.advance(200ms);
  m.press(0, 1);  // same row: both columns active on one row
  clock.advance(1s);
  EXPECT_EQ(typed, "1");
  m.release(0, 1);  // back to the first alone: not reported again
  clock.advance(1s);
  EXPECT_EQ(typed, "1");
  m.release(0, 0);
  clock.advance(1s);
  EXPECT_EQ(typed, "1");
}

TEST_F(scanner, rolling_over_to_the_next_key_reports_it) {
  matrix_model m(clock, 4, 3);
  auto s = make(m, keys_3x4);
  m.press(0, 0);
  clock.advance(200ms);
  m.press(1, 1);
  clock.advance(200ms);
  m.release(0, 0);
  clock.advance(500ms);
  m.release(1, 1);
  clock.advance(500ms);
  EXPECT_EQ(typed, "15");
}

TEST_F(scanner, ghosting_is_ignored) {
  matrix_model m(clock, 4, 3);
  auto s = make(m, keys_3x4);
  // Three corners of a rectangle: '1', '2', '4' make '5' appear as well.
  m.press(0, 0);
  m.press(0, 1);
  m.press(1, 0);
  clock.advance(1s);
  EXPECT_EQ(typed, "");
  m.release(0, 0);
  m.release(0, 1);
  m.release(1, 0);
  clock.advance(1s);
  EXPECT_TRUE(s->idle());
}

TEST_F(scanner, scans_slowly_while_held) {
  matrix_model m(clock, 4, 3);
  auto s = make(m, keys_3x4);
  m.press(1, 1);
  clock.advance(200ms);
  ASSERT_EQ(typed, "5");
  const int before = m.row_writes();
  clock.advance(1000ms);
  // A full scan of four rows takes 40 ms and 12 row writes; held, scans are 100 ms
  // apart (7 or 8 a second), not back to back (25 a second) as while deciding.
  EXPECT_LE(m.row_writes() - before, 8 * 12);
  EXPECT_GE(m.row_writes() - before, 7 * 12);
}

TEST_F(scanner, key_pressed_while_returning_to_idle_is_not_lost) {
  matrix_model m(clock, 4, 3);
  auto s = make(m, keys_3x4);
  m.press(0, 2);
  clock.advance(300ms);
  m.release(0, 2);
  clock.advance(45ms);  // between the two empty scans
  m.press(3, 1);
  clock.advance(1s);
  EXPECT_EQ(typed, "30");
}

TEST_F(scanner, map_must_match_the_lines) {
  matrix_model m(clock, 4, 3);
  EXPECT_THROW(matrix_scanner(m.rows(), m.columns(), keys_4x4, clock, 10ms), std::invalid_argument);
  EXPECT_THROW(matrix_scanner(m.rows(), m.columns(), {"123", "456"}, clock, 10ms),
               std::invalid_argument);
  EXPECT_THROW(matrix_scanner({}, {}, {}, clock, 10ms), std::invalid_argument);
}

TEST_F(scanner, destruction_stops_scanning_and_detaches) {
  matrix_model m(clock, 4, 3);
  auto s = make(m, keys_3x4);
  m.press(0, 0);
  clock.advance(15ms);
  s.reset();
  EXPECT_EQ(clock.pending(), 0U);
  m.release(0, 0);
  m.press(1, 1);  // edges after destruction reach nobody
  clock.advance(1s);
  EXPECT_EQ(typed, "");
}

}  // namespace
}  // namespace locker::drivers::gpiod_backend
