// SPDX-License-Identifier: Apache-2.0
// The pieces of log output that are pure and so tested alone: the journal record's fields in
// journald's native protocol, the check that stderr is the journal stream, the line timestamp.
// journald's native protocol is spoken directly (one datagram per record, as sd_journal_send
// does) rather than through libsystemd, which the arm64 cross build does not have; the
// notifier (daemon/service) does the same for sd_notify.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/log/log.hpp"

namespace locker::log {

// journald's socket for native records.
inline constexpr std::string_view journal_socket = "/run/systemd/journal/socket";

// syslog's priority for a level (debug 7, info 6, warning 4, error 3).
[[nodiscard]] int syslog_priority(level l);

// One record as journald's native protocol carries it: "FIELD=value\n" per field (a value with
// a newline in the protocol's length-prefixed form). Fields: PRIORITY, MESSAGE
// ("<component>: <text>", both escaped), SYSLOG_IDENTIFIER, LOCKER_COMPONENT, and when given
// LOCKER_ID, COMPARTMENT, EVENT_SEQ, MESSAGE_ID.
[[nodiscard]] std::string journal_record(level l, std::string_view identifier,
                                         std::string_view component, std::string_view text,
                                         const tags& t, std::string_view locker_id);

// Whether $JOURNAL_STREAM ("<device>:<inode>") names the file open on fd: systemd's way of saying
// that fd goes to the journal (and not to a terminal or file it was redirected to since).
[[nodiscard]] bool is_journal_stream(const char* journal_stream, int fd);

// "2026-12-01T19:20:31.042Z": ISO 8601, UTC, milliseconds.
[[nodiscard]] std::string iso8601_utc(std::chrono::system_clock::time_point t);

}  // namespace locker::log
