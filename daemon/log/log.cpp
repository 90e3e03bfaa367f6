// SPDX-License-Identifier: Apache-2.0
#include "daemon/log/log.hpp"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <utility>

#include <errno.h>  // program_invocation_short_name (GNU)
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/log/journal.hpp"

namespace locker::log {
namespace {

std::atomic<level> min_level{level::info};
std::atomic<bool> syslog_prefixes{false};
std::atomic<bool> timestamps{false};

// Where records go besides stderr; set at start, read on every record (the mutex is uncontended:
// the daemon logs from its one loop thread, tools and tests from few).
struct output {
  std::mutex mutex;
  std::string journal_path;  // empty: stderr lines
  int journal_fd = -1;
  std::string locker_id;
  sink_fn sink;
};
output& out_state() {
  static output o;
  return o;
}

std::string_view word(level l) {
  switch (l) {
    case level::debug:
      return "debug";
    case level::info:
      return "info";
    case level::warning:
      return "warning";
    case level::error:
      return "error";
  }
  return "?";
}

std::string_view priority(level l) {
  switch (l) {
    case level::debug:
      return "<7>";
    case level::info:
      return "<6>";
    case level::warning:
      return "<4>";
    case level::error:
      return "<3>";
  }
  return "<6>";
}

constexpr char hex_digits[] = "0123456789abcdef";

void append_hex(std::string& out, std::string_view prefix, unsigned char byte) {
  out += prefix;
  out += hex_digits[byte >> 4];
  out += hex_digits[byte & 0x0f];
}

// The length of the valid UTF-8 sequence starting at text[i] (2..4), or 0 if there is none
// (overlong forms and surrogates are not valid).
std::size_t utf8_sequence(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const auto cont = [&](std::size_t k) { return i + k < text.size() && (byte(k) & 0xc0) == 0x80; };
  const unsigned char b0 = byte(0);
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    if (!cont(1) || !cont(2)) return 0;
    if (b0 == 0xe0 && byte(1) < 0xa0) return 0;   // overlong
    if (b0 == 0xed && byte(1) >= 0xa0) return 0;  // surrogate
    return 3;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (b0 == 0xf0 && byte(1) < 0x90) return 0;   // overlong
    if (b0 == 0xf4 && byte(1) >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

void append_printable(std::string& out, std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b >= 0x20 && b < 0x7f) {
      if (b == '\\') out += '\\';
      out += static_cast<char>(b);
      ++i;
    } else if (b == '\n') {
      out += "\\n";
      ++i;
    } else if (b == '\r') {
      out += "\\r";
      ++i;
    } else if (b == '\t') {
      out += "\\t";
      ++i;
    } else if (const auto n = b < 0x80 ? 0 : utf8_sequence(text, i); n == 0) {
      append_hex(out, "\\x", b);  // other C0 controls, DEL, or not valid UTF-8
      ++i;
    } else if (n == 2 && b == 0xc2 && static_cast<unsigned char>(text[i + 1]) < 0xa0) {
      append_hex(out, "\\u00", static_cast<unsigned char>(text[i + 1]));  // C1 control
      i += 2;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
}

}  // namespace

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_printable(out, text);
  return out;
}

int syslog_priority(level l) {
  switch (l) {
    case level::debug:
      return 7;
    case level::info:
      return 6;
    case level::warning:
      return 4;
    case level::error:
      return 3;
  }
  return 6;
}

namespace {

void append_field(std::string& record, std::string_view name, std::string_view value) {
  if (value.find('\n') == std::string_view::npos) {
    record += name;
    record += '=';
    record += value;
    record += '\n';
    return;
  }
  // The native protocol's form for a value with a newline: name, newline, the length as a
  // 64-bit little-endian integer, the value, newline.
  record += name;
  record += '\n';
  auto n = static_cast<std::uint64_t>(value.size());
  for (int i = 0; i < 8; ++i) {
    record += static_cast<char>(n & 0xff);
    n >>= 8;
  }
  record += value;
  record += '\n';
}

bool send_record(output& o, const std::string& record) {
  sockaddr_un addr{};
  if (o.journal_path.size() >= sizeof(addr.sun_path)) return false;
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, o.journal_path.data(), o.journal_path.size());
  if (o.journal_fd < 0) {
    o.journal_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (o.journal_fd < 0) return false;
  }
  const ssize_t sent = ::sendto(o.journal_fd, record.data(), record.size(), MSG_NOSIGNAL,
                                reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  return sent == static_cast<ssize_t>(record.size());
}

void write_stderr(const std::string& line) {
  // One write() per line so lines from several processes in a demo never interleave.
  const char* p = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    const ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n <= 0) return;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

const tags no_tags{};

}  // namespace

std::string journal_record(level l, std::string_view identifier, std::string_view component,
                           std::string_view text, const tags& t, std::string_view locker_id) {
  std::string message;
  message.reserve(component.size() + text.size() + 2);
  append_printable(message, component);
  message += ": ";
  append_printable(message, text);
  std::string record;
  record.reserve(message.size() + 160);
  append_field(record, "PRIORITY", std::to_string(syslog_priority(l)));
  append_field(record, "MESSAGE", message);
  if (!identifier.empty()) append_field(record, "SYSLOG_IDENTIFIER", printable(identifier));
  append_field(record, "LOCKER_COMPONENT", printable(component));
  if (!locker_id.empty()) append_field(record, "LOCKER_ID", printable(locker_id));
  if (!t.compartment.empty()) append_field(record, "COMPARTMENT", printable(t.compartment));
  if (t.seq) append_field(record, "EVENT_SEQ", std::to_string(*t.seq));
  if (const auto id = message_id(t.kind); !id.empty()) append_field(record, "MESSAGE_ID", id);
  return record;
}

bool is_journal_stream(const char* journal_stream, int fd) {
  if (journal_stream == nullptr) return false;
  // "<device>:<inode>", both decimal.
  char* end = nullptr;
  errno = 0;
  const unsigned long long dev = std::strtoull(journal_stream, &end, 10);
  if (errno != 0 || end == journal_stream || *end != ':') return false;
  const char* ino_start = end + 1;
  const unsigned long long ino = std::strtoull(ino_start, &end, 10);
  if (errno != 0 || end == ino_start || *end != '\0') return false;
  struct stat st {};
  if (::fstat(fd, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == dev &&
         static_cast<unsigned long long>(st.st_ino) == ino;
}

std::string iso8601_utc(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto ms = floor<milliseconds>(t);
  const auto day = floor<days>(ms);
  const year_month_day ymd{day};
  const hh_mm_ss hms{ms - day};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<long long>(hms.hours().count()),
                static_cast<long long>(hms.minutes().count()),
                static_cast<long long>(hms.seconds().count()),
                static_cast<long long>(hms.subseconds().count()));
  return buf;
}

void set_level(level l) { min_level = l; }
level current_level() { return min_level; }
void use_syslog_prefixes(bool on) { syslog_prefixes = on; }
void use_timestamps(bool on) { timestamps = on; }

void use_journal(std::string path) {
  auto& o = out_state();
  std::lock_guard lock(o.mutex);
  if (o.journal_fd >= 0) ::close(o.journal_fd);
  o.journal_fd = -1;
  o.journal_path = std::move(path);
}

void use_process_output() {
  if (is_journal_stream(std::getenv("JOURNAL_STREAM"), STDERR_FILENO)) {
    use_journal(std::string(journal_socket));
    use_syslog_prefixes(true);  // for a record the socket does not take, written to stderr
    use_timestamps(false);      // journald keeps its own
  } else {
    use_journal({});
    use_syslog_prefixes(false);
    use_timestamps(true);
  }
}

void set_locker_id(std::string id) {
  auto& o = out_state();
  std::lock_guard lock(o.mutex);
  o.locker_id = std::move(id);
}

void set_sink(sink_fn fn) {
  auto& o = out_state();
  std::lock_guard lock(o.mutex);
  o.sink = std::move(fn);
}

void write(level l, std::string_view component, std::string_view text) {
  write(l, component, text, no_tags);
}

void write(level l, std::string_view component, std::string_view text, const tags& t) {
  auto& o = out_state();
  std::unique_lock lock(o.mutex);
  if (o.sink) {
    auto sink = o.sink;
    lock.unlock();  // the sink may log itself or change the sink
    sink(l, printable(component), printable(text), t);
    return;
  }
  if (!o.journal_path.empty()) {
    const auto record =
        journal_record(l, program_invocation_short_name, component, text, t, o.locker_id);
    if (send_record(o, record)) return;
  }
  lock.unlock();
  std::string line;
  line.reserve(component.size() + text.size() + 48);
  if (timestamps) {
    line += iso8601_utc(std::chrono::system_clock::now());
    line += ' ';
  }
  if (syslog_prefixes) {
    line += priority(l);
  } else {
    line += word(l);
    line += ' ';
  }
  append_printable(line, component);
  line += ": ";
  append_printable(line, text);
  line += '\n';
  write_stderr(line);
}

}  // namespace locker::log
