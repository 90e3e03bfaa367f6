// SPDX-License-Identifier: Apache-2.0
#include "daemon/log/log.hpp"

#include <atomic>
#include <string>

#include <unistd.h>

namespace locker::log {
namespace {

std::atomic<level> min_level{level::info};
std::atomic<bool> syslog_prefixes{false};

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

}  // namespace

void set_level(level l) { min_level = l; }
level current_level() { return min_level; }
void use_syslog_prefixes(bool on) { syslog_prefixes = on; }

void write(level l, std::string_view component, std::string_view text) {
  std::string line;
  line.reserve(component.size() + text.size() + 16);
  if (syslog_prefixes) {
    line += priority(l);
  } else {
    line += word(l);
    line += ' ';
  }
  line += component;
  line += ": ";
  line += text;
  line += '\n';
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

}  // namespace locker::log
