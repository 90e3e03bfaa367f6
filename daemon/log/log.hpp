// SPDX-License-Identifier: Apache-2.0
// Levelled logging to stderr: one line per message, "<level> <component>: <text>".
// Under systemd (JOURNAL_STREAM set) the level becomes journald's "<N>" priority prefix.
// Nothing secret (codes, PINs, keys) is ever passed here. Text from outside (a command's req_id,
// a topic, a file name) may hold anything: every line is made printable before it is written
// (see printable()), so no input can start a line of its own or send terminal escapes.
#pragma once

#include <sstream>
#include <string>
#include <string_view>

namespace locker::log {

enum class level { debug = 0, info = 1, warning = 2, error = 3 };

void set_level(level l);
[[nodiscard]] level current_level();
void use_syslog_prefixes(bool on);

void write(level l, std::string_view component, std::string_view text);

// text with every byte that could forge or garble a log line escaped: control characters
// (newline, carriage return, tab, ESC...) and DEL as \n, \r, \t or \xNN, C1 controls
// (U+0080..U+009F) as \u00NN, a byte that is not valid UTF-8 as \xNN, and the backslash itself as
// \\, so that an escape in the log always means the input had that byte. Printable UTF-8 passes.
[[nodiscard]] std::string printable(std::string_view text);

template <typename... Parts>
void at(level l, std::string_view component, const Parts&... parts) {
  if (l < current_level()) return;
  std::ostringstream text;
  (text << ... << parts);
  write(l, component, text.str());
}

template <typename... Parts>
void debug(std::string_view component, const Parts&... parts) {
  at(level::debug, component, parts...);
}
template <typename... Parts>
void info(std::string_view component, const Parts&... parts) {
  at(level::info, component, parts...);
}
template <typename... Parts>
void warning(std::string_view component, const Parts&... parts) {
  at(level::warning, component, parts...);
}
template <typename... Parts>
void error(std::string_view component, const Parts&... parts) {
  at(level::error, component, parts...);
}

}  // namespace locker::log
