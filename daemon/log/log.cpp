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
  append_printable(line, component);
  line += ": ";
  append_printable(line, text);
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
