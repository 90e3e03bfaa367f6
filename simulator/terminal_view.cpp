// SPDX-License-Identifier: Apache-2.0
#include "simulator/terminal_view.hpp"

#include <algorithm>
#include <cstdio>
#include <istream>
#include <stdexcept>

#include <boost/asio/buffers_iterator.hpp>
#include <boost/asio/read_until.hpp>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "simulator/control.hpp"

// Last, and as functions: ncurses' macros (move, erase, refresh, ...) would clash with std::move
// and the rest of the tree.
#define NCURSES_NOMACROS
#include <curses.h>

namespace locker::simulator {

// ---- line_editor --------------------------------------------------------------------------

void line_editor::insert(std::string_view text) {
  for (const char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) continue;  // no control characters
    line_.insert(line_.begin() + static_cast<std::ptrdiff_t>(cursor_), c);
    ++cursor_;
  }
}

void line_editor::press(key k) {
  switch (k) {
    case key::left:
      if (cursor_ > 0) --cursor_;
      break;
    case key::right:
      if (cursor_ < line_.size()) ++cursor_;
      break;
    case key::home:
      cursor_ = 0;
      break;
    case key::end:
      cursor_ = line_.size();
      break;
    case key::backspace:
      if (cursor_ > 0) line_.erase(--cursor_, 1);
      break;
    case key::del:
      if (cursor_ < line_.size()) line_.erase(cursor_, 1);
      break;
    case key::kill_before:
      line_.erase(0, cursor_);
      cursor_ = 0;
      break;
    case key::kill_after:
      line_.erase(cursor_);
      break;
    case key::kill_word: {
      std::size_t start = cursor_;
      while (start > 0 && line_[start - 1] == ' ') --start;
      while (start > 0 && line_[start - 1] != ' ') --start;
      line_.erase(start, cursor_ - start);
      cursor_ = start;
      break;
    }
    case key::up:
      if (browsing_ == 0) break;
      if (browsing_ == history_.size()) draft_ = line_;
      line_ = history_[--browsing_];
      cursor_ = line_.size();
      break;
    case key::down:
      if (browsing_ >= history_.size()) break;
      ++browsing_;
      line_ = browsing_ == history_.size() ? draft_ : history_[browsing_];
      cursor_ = line_.size();
      break;
  }
}

std::string line_editor::enter() {
  std::string line = std::move(line_);
  line_.clear();
  cursor_ = 0;
  draft_.clear();
  if (line.find_first_not_of(' ') != std::string::npos &&
      (history_.empty() || history_.back() != line)) {
    history_.push_back(line);
    if (history_.size() > max_history) history_.erase(history_.begin());
  }
  browsing_ = history_.size();
  return line;
}

// ---- the grid -----------------------------------------------------------------------------

namespace {

std::string pad(std::string s, std::size_t n) {
  if (s.size() < n) s.append(n - s.size(), ' ');
  return s;
}

std::string fit(std::string s, int width) {
  if (width <= 0) return {};
  if (s.size() > static_cast<std::size_t>(width)) s.resize(static_cast<std::size_t>(width));
  return s;
}

// One character for a compartment's door: what a person looks for first.
char door_mark(const compartment_status& s) {
  if (s.forced) return '!';
  if (s.jammed || s.stuck || s.chattering) return 'F';
  switch (s.door) {
    case door_state::closed:
      return s.occupied ? 'P' : '.';
    case door_state::ajar:
      return '/';
    case door_state::open:
      return 'O';
  }
  return '?';
}

std::string full_cell(const compartment_status& s, std::size_t id_width) {
  std::string door = s.forced ? "FORCED" : std::string(door_name(s.door));
  std::string flags;
  if (s.coil) flags += '*';
  if (s.occupied) flags += 'P';
  if (s.jammed) flags += 'J';
  if (s.stuck) flags += 'S';
  if (s.chattering) flags += 'C';
  std::string id = s.id;
  if (id.size() < id_width) id.insert(0, id_width - id.size(), ' ');
  return id + " " + pad(s.size, 2) + " " + pad(door, 6) + " " + pad(flags, 3);
}

}  // namespace

grid render_grid(const std::vector<compartment_status>& all, int width, int max_rows) {
  grid g;
  auto& out = g.rows;
  std::size_t id_width = 1;
  for (const auto& s : all) id_width = std::max(id_width, s.id.size());
  id_width = std::min<std::size_t>(id_width, 6);

  // Full cells: "13 M  ajar   *P " with two spaces between.
  const int cell = static_cast<int>(id_width) + 15;
  const int per_row = std::max(1, (width + 2) / (cell + 2));
  const int rows_full = static_cast<int>((all.size() + static_cast<std::size_t>(per_row) - 1) /
                                         static_cast<std::size_t>(per_row));
  if (rows_full + 1 <= max_rows) {
    for (std::size_t i = 0; i < all.size(); i += static_cast<std::size_t>(per_row)) {
      std::string row;
      for (std::size_t j = i; j < std::min(all.size(), i + static_cast<std::size_t>(per_row));
           ++j) {
        if (j > i) row += "  ";
        row += full_cell(all[j], id_width);
      }
      out.push_back(fit(row, width));
    }
    g.legend = {"* coil energized", "P parcel inside", "J jammed  S stuck", "C chattering"};
    return g;
  }

  // Compact: a character per compartment, in groups of ten, rows labelled with the first id.
  const int label = static_cast<int>(id_width) + 1;
  const int groups = std::max(1, (width - label) / 11);
  const std::size_t per_line = static_cast<std::size_t>(groups) * 10;
  const auto room = static_cast<std::size_t>(std::max(1, max_rows));
  for (std::size_t i = 0; i < all.size(); i += per_line) {
    if (out.size() + 1 == room && i + per_line < all.size()) {
      out.push_back(fit("... " + std::to_string(all.size() - i) + " more (type state)", width));
      break;
    }
    std::string row = pad(all[i].id, static_cast<std::size_t>(label));
    for (std::size_t j = i; j < std::min(all.size(), i + per_line); ++j) {
      if (j > i && (j - i) % 10 == 0) row += ' ';
      row += door_mark(all[j]);
    }
    out.push_back(fit(row, width));
  }
  g.legend = {". empty   P parcel", "/ ajar    O open", "! forced  F fault", "state: every detail"};
  return g;
}

std::vector<std::string> pretty_state(const std::string& json_line) {
  const auto j = nlohmann::json::parse(json_line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return {json_line};
  std::vector<std::string> out{"{"};
  std::size_t n = 0;
  for (const auto& [key, value] : j.items()) {
    const char* comma = ++n < j.size() ? "," : "";
    std::string line = "  \"";
    line.append(key).append("\": ");
    if (value.is_array() && !value.empty() && value.front().is_object()) {
      out.push_back(line.append("["));
      for (std::size_t i = 0; i < value.size(); ++i) {
        out.push_back(
            std::string("    ").append(value[i].dump()).append(i + 1 < value.size() ? "," : ""));
      }
      out.push_back(std::string("  ]").append(comma));
    } else {
      out.push_back(line.append(value.dump()).append(comma));
    }
  }
  out.emplace_back("}");
  return out;
}

// ---- terminal_screen ----------------------------------------------------------------------

namespace {

std::string_view first_word(std::string_view line) {
  const auto start = line.find_first_not_of(" \t");
  if (start == std::string_view::npos) return {};
  const auto end = line.find_first_of(" \t", start);
  return line.substr(start, end == std::string_view::npos ? end : end - start);
}

}  // namespace

terminal_screen::terminal_screen(cabinet_model& model, std::function<void()> on_change)
    : model_(model), on_change_(std::move(on_change)) {
  sub_ = model_.on_event([this](const cabinet_event& e) {
    // A person who cannot hear the buzzer here reads what it played: "beep: accepted (.-)".
    events_.push_back(e.kind == "beep" ? "beep: " + describe_sound(e.details)
                                       : e.kind + " " + e.details);
    while (events_.size() > max_events) events_.pop_front();
    if (on_change_) on_change_();
  });
  reply_ = {"type 'help' for commands; up/down: history, PgUp/PgDn: this reply"};
}

terminal_screen::~terminal_screen() { model_.unsubscribe(sub_); }

bool terminal_screen::submit() {
  const std::string line = editor_.enter();
  if (line.find_first_not_of(" \t") == std::string::npos) return true;
  const control_reply r = run_control(model_, line);
  if (r.action == control_action::quit) return false;
  reply_ = {"> " + line};
  reply_top_ = 0;
  if (r.action == control_action::attach_board) {
    reply_.emplace_back("error only a socket client can attach as the board");
  } else if (r.action == control_action::watch) {
    reply_.emplace_back("ok (this view always watches)");
  } else if (first_word(line) == "state" && r.lines.size() == 1 && r.lines[0].starts_with('{')) {
    for (auto& l : pretty_state(r.lines[0])) reply_.push_back(std::move(l));
  } else {
    reply_.insert(reply_.end(), r.lines.begin(), r.lines.end());
  }
  return true;
}

void terminal_screen::add_log(std::string line) {
  logs_.push_back(std::move(line));
  while (logs_.size() > max_logs) logs_.pop_front();
}

void terminal_screen::scroll_reply(int pages) {
  const auto page = static_cast<std::ptrdiff_t>(std::max(1, reply_rows_ - 1));
  const auto last = static_cast<std::ptrdiff_t>(reply_.size()) - 1;
  auto top = static_cast<std::ptrdiff_t>(reply_top_) + pages * page;
  top = std::clamp<std::ptrdiff_t>(top, 0, std::max<std::ptrdiff_t>(0, last));
  reply_top_ = static_cast<std::size_t>(top);
}

terminal_screen::frame terminal_screen::render(int width, int height) {
  // A small pane loses the lowest areas first; the input line is always there.
  width = std::max(width, 20);
  height = std::max(height, 2);
  frame f;
  auto& out = f.lines;
  auto rule = [&](const std::string& title) {
    std::string s = "-- " + title + " ";
    out.push_back(
        fit(s + std::string(
                    static_cast<std::size_t>(std::max(0, width - static_cast<int>(s.size()))), '-'),
            width));
  };

  const std::string power = model_.on_battery() ? "BATTERY" : model_.powered() ? "on" : "OFF";
  out.push_back(fit("locker-sim  power " + power + "  alarm " + (model_.alarm() ? "ON" : "off") +
                        "  buzzer " + (model_.buzzer() ? "ON" : "off") + "  last beep " +
                        (model_.last_beep().empty() ? "-" : describe_sound(model_.last_beep())),
                    width));

  // Rows below the grid: the display and the legend (4), at least 3 each for events, reply and
  // logs (a rule and two lines), the input line.
  constexpr int fixed_below = 4 + 3 * 3 + 1;
  auto g = render_grid(model_.status(), width, std::max(2, height - 1 - fixed_below));
  for (auto& l : g.rows) out.push_back(std::move(l));

  // The display as the cabinet shows it (two lines of up to 40 characters), the grid's legend
  // beside it.
  const std::string& text = model_.display_text();
  const auto nl = text.find('\n');
  const std::string line1 = text.substr(0, nl);
  const std::string line2 = nl == std::string::npos ? "" : text.substr(nl + 1);
  const std::string border = "+" + std::string(42, '-') + "+";
  const std::string box[] = {border, "| " + pad(line1.substr(0, 40), 40) + " |",
                             "| " + pad(line2.substr(0, 40), 40) + " |", border};
  for (std::size_t i = 0; i < 4; ++i) {
    out.push_back(fit(box[i] + (i < g.legend.size() ? "   " + g.legend[i] : ""), width));
  }

  // What is left goes to events, the reply and the logs, about 2:2:1, each a rule and lines;
  // in a small pane the logs go first, then the events: the reply answers what was typed.
  const int left = std::max(0, height - 1 - static_cast<int>(out.size()));
  const int log_rows = left >= 9 ? std::max(3, left / 5) : 0;
  const int event_rows = left >= 9 ? std::max(3, (left - log_rows) / 2) : left >= 5 ? left / 2 : 0;
  const int reply_rows = std::max(2, left - log_rows - event_rows);

  if (event_rows >= 2) rule("events");
  const auto shown_events = static_cast<std::size_t>(std::max(0, event_rows - 1));
  const std::size_t first_event = events_.size() > shown_events ? events_.size() - shown_events : 0;
  for (std::size_t i = 0; i < shown_events; ++i) {
    out.push_back(first_event + i < events_.size() ? fit("  " + events_[first_event + i], width)
                                                   : "");
  }

  reply_rows_ = reply_rows - 1;
  const auto shown_reply = static_cast<std::size_t>(reply_rows_);
  const bool more = reply_.size() > shown_reply;
  rule(more ? "reply, lines " + std::to_string(reply_top_ + 1) + "-" +
                  std::to_string(std::min(reply_.size(), reply_top_ + shown_reply)) + " of " +
                  std::to_string(reply_.size()) + " (PgUp/PgDn)"
            : "reply");
  for (std::size_t i = 0; i < shown_reply; ++i) {
    const std::size_t k = reply_top_ + i;
    out.push_back(k < reply_.size() ? fit(reply_[k], width) : "");
  }

  if (log_rows >= 2) rule("log");
  const auto shown_logs = static_cast<std::size_t>(std::max(0, log_rows - 1));
  const std::size_t first_log = logs_.size() > shown_logs ? logs_.size() - shown_logs : 0;
  for (std::size_t i = 0; i < shown_logs; ++i) {
    out.push_back(first_log + i < logs_.size() ? fit(logs_[first_log + i], width) : "");
  }

  // Exactly height - 1 lines above the input line (a short terminal loses the lowest areas).
  out.resize(static_cast<std::size_t>(height - 1));

  // The input line scrolls sideways to keep the cursor in view.
  const std::string& typed = editor_.text();
  const int room = width - 3;
  const int cursor = static_cast<int>(editor_.cursor());
  const int start = cursor > room ? cursor - room : 0;
  out.push_back("> " +
                typed.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(room)));
  f.cursor_column = 2 + cursor - start;
  return f;
}

// ---- terminal_view ------------------------------------------------------------------------

terminal_view::terminal_view(boost::asio::io_context& io, cabinet_model& model,
                             drivers::clock& clock, std::function<void()> on_quit)
    : screen_(model, [this] { schedule_draw(); }),
      in_(io, ::dup(STDIN_FILENO)),
      log_(io),
      redraw_(clock),
      on_quit_(std::move(on_quit)) {
  ::setenv("ESCDELAY", "25", 0);  // Esc-sequences of arrow keys arrive at once on a local tty
  // ncurses draws on stdout and reads stdin; stderr goes to the log area (below).
  term_ = ::newterm(nullptr, stdout, stdin);
  if (term_ == nullptr) throw std::runtime_error("cannot drive this terminal (is TERM set?)");
  ::set_term(term_);
  // The program's stderr (its own messages, any library's) goes to the log area: written to
  // the terminal it would land in the middle of the screen or the input line.
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) == 0) {
    ::fcntl(fds[0], F_SETPIPE_SZ, 1 << 20);
    std::fflush(stderr);
    saved_stderr_ = ::dup(STDERR_FILENO);
    ::dup2(fds[1], STDERR_FILENO);
    ::close(fds[1]);
    log_.assign(fds[0]);
    read_log();
  }
  ::cbreak();
  ::noecho();
  ::nonl();
  ::keypad(stdscr, TRUE);
  ::nodelay(stdscr, TRUE);
  draw();
  wait_for_keys();
}

terminal_view::~terminal_view() {
  redraw_.cancel();
  ::endwin();
  ::delscreen(term_);
  boost::system::error_code ignored;
  in_.close(ignored);
  if (saved_stderr_ >= 0) {
    std::fflush(stderr);
    ::dup2(saved_stderr_, STDERR_FILENO);
    ::close(saved_stderr_);
  }
  // What was logged but not shown yet goes to the real stderr: a stopping program's last words.
  if (log_.is_open()) {
    std::string rest(boost::asio::buffers_begin(log_buf_.data()),
                     boost::asio::buffers_end(log_buf_.data()));
    char chunk[4096];
    log_.non_blocking(true, ignored);
    for (std::size_t n = 0; (n = log_.read_some(boost::asio::buffer(chunk), ignored)) > 0;) {
      rest.append(chunk, n);
    }
    if (!rest.empty()) std::fwrite(rest.data(), 1, rest.size(), stderr);
  }
  log_.close(ignored);
}

void terminal_view::wait_for_keys() {
  in_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                 [this, alive = alive_.token()](boost::system::error_code ec) {
                   if (!alive) return;
                   if (ec) {
                     on_quit_();
                     return;
                   }
                   read_keys();
                 });
}

void terminal_view::read_keys() {
  using key = line_editor::key;
  auto& ed = screen_.editor();
  bool more = true;
  for (int ch = ::getch(); ch != ERR; ch = ::getch()) {
    switch (ch) {
      case KEY_LEFT:
        ed.press(key::left);
        break;
      case KEY_RIGHT:
        ed.press(key::right);
        break;
      case KEY_HOME:
      case 1:
        ed.press(key::home);
        break;  // Ctrl-A
      case KEY_END:
      case 5:
        ed.press(key::end);
        break;  // Ctrl-E
      case KEY_BACKSPACE:
      case 127:
      case 8:
        ed.press(key::backspace);
        break;
      case KEY_DC:
        ed.press(key::del);
        break;
      case KEY_UP:
      case 16:
        ed.press(key::up);
        break;  // Ctrl-P
      case KEY_DOWN:
      case 14:
        ed.press(key::down);
        break;  // Ctrl-N
      case 21:
        ed.press(key::kill_before);
        break;  // Ctrl-U
      case 11:
        ed.press(key::kill_after);
        break;  // Ctrl-K
      case 23:
        ed.press(key::kill_word);
        break;  // Ctrl-W
      case KEY_PPAGE:
        screen_.scroll_reply(-1);
        break;
      case KEY_NPAGE:
        screen_.scroll_reply(1);
        break;
      case 12:
        ::clearok(stdscr, TRUE);
        break;  // Ctrl-L
      case 4:   // Ctrl-D on an empty line
        if (ed.text().empty()) more = false;
        break;
      case KEY_ENTER:
      case '\r':
      case '\n':
        more = screen_.submit();
        break;
      case KEY_RESIZE:
        break;
      default:
        if (ch >= 0x20 && ch < 0x7f) ed.insert(std::string(1, static_cast<char>(ch)));
        break;
    }
    if (!more) break;
  }
  if (!more) {
    on_quit_();
    return;
  }
  draw();
  wait_for_keys();
}

void terminal_view::read_log() {
  boost::asio::async_read_until(
      log_, log_buf_, '\n',
      [this, alive = alive_.token()](boost::system::error_code ec, std::size_t) {
        if (!alive || ec) return;
        std::istream is(&log_buf_);
        std::string line;
        std::getline(is, line);
        screen_.add_log(std::move(line));
        schedule_draw();
        read_log();
      });
}

void terminal_view::schedule_draw() {
  // Bounces come in bursts: one redraw per burst is enough for eyes.
  if (!redraw_.armed()) redraw_.start(drivers::millis{50}, [this] { draw(); });
}

void terminal_view::draw() {
  const int rows = ::getmaxy(stdscr);
  const int cols = ::getmaxx(stdscr);
  const auto f = screen_.render(cols, rows);
  ::erase();
  for (std::size_t y = 0; y < f.lines.size() && static_cast<int>(y) < rows; ++y) {
    ::mvaddnstr(static_cast<int>(y), 0, f.lines[y].c_str(), cols);
  }
  ::move(static_cast<int>(f.lines.size()) - 1, std::min(f.cursor_column, cols - 1));
  ::refresh();
}

}  // namespace locker::simulator
