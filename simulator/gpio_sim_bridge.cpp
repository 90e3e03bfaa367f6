// SPDX-License-Identifier: Apache-2.0
#include "simulator/gpio_sim_bridge.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

namespace locker::simulator {

namespace fs = std::filesystem;

namespace {

// A configfs/sysfs attribute's text without the trailing newline; empty if unreadable.
std::string read_attribute(const fs::path& p) {
  std::ifstream f(p);
  std::string s;
  std::getline(f, s);
  return s;
}

// sim_gpioN for configfs's lineN: the offset is the folder's number.
std::optional<unsigned> line_offset(const std::string& folder) {
  if (!folder.starts_with("line") || folder.size() == 4) return std::nullopt;
  unsigned n = 0;
  for (char ch : std::string_view(folder).substr(4)) {
    if (ch < '0' || ch > '9') return std::nullopt;
    n = n * 10 + static_cast<unsigned>(ch - '0');
  }
  return n;
}

void log_line(const std::string& text) { std::cerr << "locker-gpio-bridge: " << text << '\n'; }

}  // namespace

std::map<std::string, fs::path> find_gpio_sim_lines(const fs::path& configfs_root,
                                                    const fs::path& platform_root) {
  std::map<std::string, fs::path> out;
  std::error_code ec;
  for (const auto& chip : fs::directory_iterator(configfs_root, ec)) {
    if (!chip.is_directory()) continue;
    // dev_name is "gpio-sim.N" once the chip is live ("none" before).
    const std::string dev = read_attribute(chip.path() / "dev_name");
    if (dev.empty() || dev == "none") continue;
    for (const auto& bank : fs::directory_iterator(chip.path(), ec)) {
      if (!bank.is_directory() || !bank.path().filename().string().starts_with("gpio-bank"))
        continue;
      const std::string gpiochip = read_attribute(bank.path() / "chip_name");
      if (gpiochip.empty() || gpiochip == "none") continue;
      for (const auto& line : fs::directory_iterator(bank.path(), ec)) {
        const auto offset = line_offset(line.path().filename().string());
        if (!offset || !line.is_directory()) continue;
        const std::string name = read_attribute(line.path() / "name");
        if (name.empty()) continue;
        const auto dir = platform_root / dev / gpiochip / ("sim_gpio" + std::to_string(*offset));
        if (!out.emplace(name, dir).second)
          throw std::runtime_error("gpio-sim line name " + name + " is used twice");
      }
    }
  }
  if (ec) throw std::runtime_error("cannot read " + configfs_root.string() + ": " + ec.message());
  return out;
}

gpio_sim_bridge::gpio_sim_bridge(boost::asio::io_context& io, cabinet_model& model,
                                 const drivers::board_config& board,
                                 const std::map<std::string, fs::path>& lines,
                                 gpio_sim_bridge_settings settings)
    : model_(model), settings_(std::move(settings)), timer_(io) {
  settings_.poll = std::max(settings_.poll, drivers::millis{1});
  auto add_output = [&](const drivers::line_spec& spec, output_role role, bool is_lock) {
    watched_output o;
    o.line = open_line(spec.name, spec.active_low, lines);
    o.role = role;
    o.is_lock = is_lock;
    o.floats_active = is_lock && settings_.locks_float_unlocked;
    outputs_.push_back(std::move(o));
  };
  auto add_input = [&](const drivers::line_spec& spec) {
    inputs_.emplace(spec.name,
                    driven_input{open_line(spec.name, spec.active_low, lines), {}, true});
  };
  for (const auto& c : board.compartments) {
    add_output(c.lock, output_role::model, true);
    add_input(c.door);
    if (c.presence) add_input(*c.presence);
  }
  // A Wiegand badge reader's data lines: the model paces its frames (its wiegand_pace), so
  // each pulse reaches the kernel line as two edges; lockerd asks for the first only and
  // reads it with its kernel timestamp.
  if (board.badge && board.badge->kind == drivers::badge_kind::wiegand) {
    for (const auto* spec : {&board.badge->wiegand_d0, &board.badge->wiegand_d1})
      inputs_.emplace(spec->name,
                      driven_input{open_line(spec->name, spec->active_low, lines), {}, false});
  }
  if (board.buzzer) add_output(*board.buzzer, output_role::model, false);
  if (board.alarm_led) add_output(*board.alarm_led, output_role::model, false);
  if (board.keypad.kind == drivers::keypad_kind::matrix) {
    for (const auto& r : board.keypad.rows) {
      rows_.push_back(outputs_.size());
      add_output(r, output_role::row, false);
    }
    for (const auto& c : board.keypad.columns)
      columns_.push_back(driven_input{open_line(c.name, c.active_low, lines), {}, false});
    keys_ = board.keypad.keys;
  }

  // A line nobody drives reads its pull: an output's pull is its inactive level, as the
  // pull-down on a real coil driver's gate keeps the lock shut while lockerd is not running;
  // a probed lock line's is its active level, so that only a driver can make it read locked.
  // (gpio-sim keeps a driven output's value whatever its pull says.)
  for (auto& o : outputs_) {
    const bool high = o.floats_active != o.line.active_low;
    const char* pull = high ? "pull-up" : "pull-down";
    if (::pwrite(o.line.pull_fd.get(), pull, std::strlen(pull), 0) < 0)
      throw std::runtime_error("cannot write " + o.line.name + "'s pull: " + std::strerror(errno));
  }
  for (const auto& [name, level] : model_.inputs()) {
    if (auto it = inputs_.find(name); it != inputs_.end()) drive(it->second, level);
  }
  for (auto& c : columns_) drive(c, false);

  input_sub_ = model_.on_input([this](const std::string& name, bool active) {
    if (auto it = inputs_.find(name); it != inputs_.end()) drive(it->second, active);
  });
  key_sub_ = model_.on_key([this](char key) { key_queue_.push_back(key); });
  schedule();
}

gpio_sim_bridge::~gpio_sim_bridge() {
  stop();
  model_.unsubscribe(input_sub_);
  model_.unsubscribe(key_sub_);
}

void gpio_sim_bridge::stop() {
  stopped_ = true;
  timer_.cancel();
}

gpio_sim_bridge::sysfs_line gpio_sim_bridge::open_line(
    const std::string& name, bool active_low, const std::map<std::string, fs::path>& lines) {
  const auto it = lines.find(name);
  if (it == lines.end()) throw std::runtime_error("line " + name + " is on no gpio-sim chip");
  sysfs_line l;
  l.name = name;
  l.active_low = active_low;
  // Kept open: every poll is one pread() at offset 0, which makes sysfs show the value anew.
  l.value_fd.reset(::open((it->second / "value").c_str(), O_RDONLY | O_CLOEXEC));
  l.pull_fd.reset(::open((it->second / "pull").c_str(), O_WRONLY | O_CLOEXEC));
  if (!l.value_fd.valid() || !l.pull_fd.valid()) {
    const std::string why = std::strerror(errno);
    throw std::runtime_error("cannot open line " + name + " at " + it->second.string() + ": " +
                             why);
  }
  return l;
}

void gpio_sim_bridge::drive(driven_input& in, bool active) {
  // sysfs speaks physical levels; the model speaks logical ones.
  const bool physical = active != in.line.active_low;
  if (in.physical == physical) return;
  const std::string_view word = physical ? "pull-up" : "pull-down";
  if (::pwrite(in.line.pull_fd.get(), word.data(), word.size(), 0) < 0) {
    log_line("cannot write " + in.line.name + "'s pull: " + std::strerror(errno));
    return;
  }
  in.physical = physical;
  if (!in.log_edges) return;
  // Read back: the kernel line follows the pull only while nobody drives it as an output.
  // The scenarios count these edges to know the bounces really reached the line.
  char buf[8] = {};
  const bool read = ::pread(in.line.value_fd.get(), buf, sizeof buf, 0) > 0;
  std::string text = "edge " + in.line.name + (physical ? " 1" : " 0");
  if (!read) {
    text += std::string(" not taken: cannot read the line: ") + std::strerror(errno);
  } else if ((buf[0] == '1') != physical) {
    text += std::string(" not taken: the line reads ") + buf[0];
  }
  log_line(text);
}

void gpio_sim_bridge::schedule() {
  if (stopped_) return;
  // Fixed rate on the steady clock; after a stall (a slow VM) it does not try to catch up.
  const auto now = std::chrono::steady_clock::now();
  auto next = timer_.expiry() + settings_.poll;
  if (next < now) next = now + settings_.poll;
  timer_.expires_at(next);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    tick();
    schedule();
  });
}

void gpio_sim_bridge::tick() {
  poll_outputs();
  play_keys(std::chrono::steady_clock::now());
  // The display changes at human speed: a look every 20 polls is plenty.
  if (!settings_.display_file.empty() && ++ticks_ % 20 == 0) poll_display();
}

void gpio_sim_bridge::poll_outputs() {
  for (auto& o : outputs_) {
    char buf[8] = {};
    if (::pread(o.line.value_fd.get(), buf, sizeof buf, 0) <= 0) continue;
    const bool physical = buf[0] == '1';
    const bool active = physical != o.line.active_low;
    const auto now = std::chrono::steady_clock::now();
    if (!o.driven) {
      // Still at the level it floats at: nothing has driven it away yet.
      if (active == o.floats_active) continue;
      o.driven = true;
      log_line(o.line.name + " driven " +
               (o.is_lock ? (active ? "unlocked" : "locked") : (active ? "active" : "inactive")));
      if (o.floats_active) {
        // A probed lock: its coil was held off while it floated; from now on it follows.
        o.active = active;
        o.since = now;
        continue;
      }
    }
    if (active == o.active) continue;
    if (o.is_lock && !active) {
      // The pulse as the line carried it, measured on this side: what the coil got, with
      // the physical level that energized it (low on an active-low line).
      const auto ms = std::chrono::duration_cast<drivers::millis>(now - o.since).count();
      const std::string details =
          o.line.name + " " + std::to_string(ms) + " ms " + (o.line.active_low ? "low" : "high");
      model_.announce("pulse", details);
    }
    o.active = active;
    o.since = now;
    if (o.role == output_role::model) model_.set_output(o.line.name, active);
  }
}

// A key press on a matrix: the key joins its row to its column, so its column reads active
// exactly while its row is driven. It is held until lockerd's scanner has read it (3 scans
// of its row with the column already set, one more than the scanner needs to confirm a key),
// then let go; the next key waits until the scanner is idle again (all rows driven), or a
// repeated key would look like one long press.
void gpio_sim_bridge::play_keys(drivers::steady_time now) {
  if (rows_.empty()) return;
  bool all_rows = true;
  for (auto i : rows_) all_rows = all_rows && outputs_[i].active;
  constexpr drivers::millis give_up{5000};

  if (phase_ == key_phase::none) {
    if (key_queue_.empty() || !all_rows) return;
    const char key = key_queue_.front();
    key_queue_.pop_front();
    bool found = false;
    for (std::size_t r = 0; r < keys_.size() && !found; ++r) {
      const auto c = keys_[r].find(key);
      if (c != std::string::npos) {
        key_row_ = r;
        key_column_ = c;
        found = true;
      }
    }
    if (!found) {
      log_line(std::string("key '") + key + "' is not on this keypad");
      return;
    }
    phase_ = key_phase::held;
    phase_since_ = now;
    good_reads_ = 0;
    key_row_solo_ = false;
  }

  if (phase_ == key_phase::held) {
    const bool row_active = outputs_[rows_[key_row_]].active;
    const bool solo = row_active && !all_rows;
    if (key_row_solo_ && !solo) {
      // The scanner read the columns just before it switched the row off. It saw the key
      // if the column was set at least one poll before the switch was seen.
      if (now - column_since_ >= 2 * settings_.poll) ++good_reads_;
    }
    if (solo && !key_row_solo_) column_since_ = now;
    key_row_solo_ = solo;
    if (good_reads_ >= 3 || now - phase_since_ > give_up) {
      if (good_reads_ < 3) log_line("lockerd's scanner never read a key; letting it go");
      phase_ = key_phase::releasing;
      phase_since_ = now;
      set_columns(false);
      return;
    }
    set_columns(row_active);
    return;
  }

  // releasing
  if (all_rows || now - phase_since_ > give_up) phase_ = key_phase::none;
}

void gpio_sim_bridge::set_columns(bool row_active_for_key) {
  for (std::size_t c = 0; c < columns_.size(); ++c)
    drive(columns_[c], row_active_for_key && c == key_column_ && phase_ == key_phase::held);
}

void gpio_sim_bridge::poll_display() {
  std::ifstream f(settings_.display_file, std::ios::binary);
  if (!f) return;
  std::stringstream ss;
  ss << f.rdbuf();
  std::string raw = ss.str();
  if (raw == display_raw_) return;
  // lockerd rewrites the file (truncate, write): take only a complete screen.
  constexpr std::string_view clear = "\x1b[2J\x1b[H";
  if (!raw.starts_with(clear) || !raw.ends_with('\n')) return;
  display_raw_ = raw;
  model_.show(raw.substr(clear.size(), raw.size() - clear.size() - 1));
}

}  // namespace locker::simulator
