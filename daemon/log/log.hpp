// SPDX-License-Identifier: Apache-2.0
// Levelled logging: one record per message, "<component>: <text>" with a level.
// Where it goes is chosen once at start (use_process_output): under systemd, when stderr is the
// journal stream ($JOURNAL_STREAM, as systemd documents it), each record goes to journald as
// fields (PRIORITY, MESSAGE, LOCKER_ID, COMPARTMENT, EVENT_SEQ, MESSAGE_ID: see journal.hpp);
// elsewhere each line on stderr starts with an ISO 8601 UTC time with milliseconds. Programs
// that never choose (tools, tests) get plain "<level> <component>: <text>" lines.
// Nothing secret (codes, PINs, keys) is ever passed here. Text from outside (a command's req_id,
// a topic, a file name) may hold anything: every line is made printable before it is written
// (see printable()), so no input can start a line of its own or send terminal escapes.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>

#include "daemon/log/message_ids.hpp"

namespace locker::log {

enum class level { debug = 0, info = 1, warning = 2, error = 3 };

// What a record is about, beyond its text: journald fields a technician can search by.
struct tags {
  // Not explicit, so a call site writes log::warning({message::broker_lost}, ...).
  tags(message k = message::none, std::string c = {}, std::optional<std::uint64_t> s = {})
      : kind(k), compartment(std::move(c)), seq(s) {}
  message kind;
  std::string compartment;           // COMPARTMENT, when the record is about one
  std::optional<std::uint64_t> seq;  // EVENT_SEQ, when the record is about a journaled event
};

void set_level(level l);
[[nodiscard]] level current_level();
// "<N>" priority prefixes instead of level words (journald's stream parser reads them).
void use_syslog_prefixes(bool on);
// An ISO 8601 UTC time with milliseconds at the start of each stderr line.
void use_timestamps(bool on);
// Native journal records on the socket at path (empty: back to stderr lines). A record that
// cannot be sent there is written to stderr instead.
void use_journal(std::string path);
// The daemon's choice at start: the journal when stderr is the journal stream, otherwise
// timestamped lines.
void use_process_output();
// LOCKER_ID on every journal record from now on.
void set_locker_id(std::string id);

// For tests: every record goes to fn instead (after the level filter), text already escaped.
using sink_fn =
    std::function<void(level, std::string_view component, std::string_view text, const tags&)>;
void set_sink(sink_fn fn);

void write(level l, std::string_view component, std::string_view text);
void write(level l, std::string_view component, std::string_view text, const tags& t);

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
void at(level l, const tags& t, std::string_view component, const Parts&... parts) {
  if (l < current_level()) return;
  std::ostringstream text;
  (text << ... << parts);
  write(l, component, text.str(), t);
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

// The same with tags: log::warning({message::broker_lost}, "mqtt", ...).
template <typename... Parts>
void debug(const tags& t, std::string_view component, const Parts&... parts) {
  at(level::debug, t, component, parts...);
}
template <typename... Parts>
void info(const tags& t, std::string_view component, const Parts&... parts) {
  at(level::info, t, component, parts...);
}
template <typename... Parts>
void warning(const tags& t, std::string_view component, const Parts&... parts) {
  at(level::warning, t, component, parts...);
}
template <typename... Parts>
void error(const tags& t, std::string_view component, const Parts&... parts) {
  at(level::error, t, component, parts...);
}

}  // namespace locker::log
