// SPDX-License-Identifier: Apache-2.0
// The simulator's face for people: the cabinet as a compact grid, the display, the last events,
// the last command's reply and the program's own log lines, each in its own area of the
// terminal (ncurses), above an input line that is never touched by a redraw. The screen's
// contents and the line editor are pure (terminal_screen, line_editor), so tests check them
// without a terminal; terminal_view only paints them and reads keys.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/streambuf.hpp>

#include "base/liveness.hpp"
#include "drivers/clock.hpp"
#include "simulator/cabinet_model.hpp"

struct screen;  // ncurses' SCREEN

namespace locker::simulator {

// The typed line: editing and history, independent of drawing, so that whatever redraws the
// screen shows (and Enter runs) exactly what was typed.
class line_editor {
 public:
  enum class key {
    left,
    right,
    home,
    end,
    backspace,
    del,
    up,
    down,         // history: older, newer (back to the line being typed)
    kill_before,  // Ctrl-U: the text before the cursor
    kill_after,   // Ctrl-K: the text from the cursor on
    kill_word,    // Ctrl-W: the word before the cursor
  };
  static constexpr std::size_t max_history = 200;

  void insert(std::string_view text);  // printable characters at the cursor
  void press(key k);
  // The line as typed, which starts the next one empty; a line that is not blank and not the
  // same as the last one goes into the history.
  std::string enter();

  [[nodiscard]] const std::string& text() const { return line_; }
  [[nodiscard]] std::size_t cursor() const { return cursor_; }
  [[nodiscard]] const std::vector<std::string>& history() const { return history_; }

 private:
  std::string line_;
  std::size_t cursor_ = 0;
  std::vector<std::string> history_;
  std::size_t browsing_ = 0;  // index into history_; history_.size(): the line being typed
  std::string draft_;         // the line being typed, kept while browsing the history
};

// The cabinet's compartments as a grid that fits `width` columns in at most `max_rows` rows:
// a cell per compartment with its id, size, door and contents when that fits, else a single
// character per compartment in rows labelled with their first id (200 compartments fit 80x24),
// and the legend of its marks (a few short lines, shown beside the display).
struct grid {
  std::vector<std::string> rows;
  std::vector<std::string> legend;
};
[[nodiscard]] grid render_grid(const std::vector<compartment_status>& all, int width, int max_rows);

// `state`'s one JSON line as a person reads it: one key per line, each compartment one line.
[[nodiscard]] std::vector<std::string> pretty_state(const std::string& json_line);

// What the view shows, with no terminal: the model's state, the events, the reply to the last
// command, the program's log lines and the input line.
class terminal_screen {
 public:
  static constexpr std::size_t max_events = 50;
  static constexpr std::size_t max_logs = 100;

  // on_change runs after each model event (the view redraws then).
  terminal_screen(cabinet_model& model, std::function<void()> on_change);
  terminal_screen(const terminal_screen&) = delete;
  terminal_screen& operator=(const terminal_screen&) = delete;
  ~terminal_screen();

  line_editor& editor() { return editor_; }
  // Runs the typed line as a control command; false when it was `quit`.
  bool submit();
  void add_log(std::string line);
  void scroll_reply(int pages);  // PgUp (-1) / PgDn (+1) through a long reply

  // The whole screen: exactly `height` lines of at most `width` columns, the input line last;
  // cursor_column is where the cursor stands on it.
  struct frame {
    std::vector<std::string> lines;
    int cursor_column = 0;
  };
  [[nodiscard]] frame render(int width, int height);

 private:
  cabinet_model& model_;
  std::function<void()> on_change_;
  line_editor editor_;
  std::deque<std::string> events_;
  std::deque<std::string> logs_;
  std::vector<std::string> reply_;
  std::size_t reply_top_ = 0;  // first reply line shown
  int reply_rows_ = 1;         // how many fit, at the last render (for paging)
  cabinet_model::subscription sub_;
};

class terminal_view {
 public:
  // on_quit runs when the person types "quit" or closes stdin. While the view lives, the
  // program's stderr goes to the view's log area (through a pipe), and back at the end.
  terminal_view(boost::asio::io_context& io, cabinet_model& model, drivers::clock& clock,
                std::function<void()> on_quit);
  terminal_view(const terminal_view&) = delete;
  terminal_view& operator=(const terminal_view&) = delete;
  ~terminal_view();

 private:
  void wait_for_keys();
  void read_keys();
  void read_log();
  void schedule_draw();
  void draw();

  terminal_screen screen_;
  boost::asio::posix::stream_descriptor in_;
  boost::asio::posix::stream_descriptor log_;
  boost::asio::streambuf log_buf_;
  int saved_stderr_ = -1;
  ::screen* term_ = nullptr;
  drivers::timer redraw_;
  std::function<void()> on_quit_;
  base::liveness alive_;
};

}  // namespace locker::simulator
