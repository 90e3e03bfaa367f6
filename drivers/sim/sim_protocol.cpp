// SPDX-License-Identifier: Apache-2.0
#include "drivers/sim/sim_protocol.hpp"

#include <vector>

#include "drivers/sounds.hpp"

namespace locker::drivers::sim {

namespace {

// Splits on single spaces; runs of spaces count as one separator.
std::vector<std::string_view> words(std::string_view line, std::size_t max_words) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    if (i >= line.size()) break;
    if (out.size() + 1 == max_words) {
      out.push_back(line.substr(i));  // the rest, spaces included (display text)
      break;
    }
    const std::size_t end = line.find(' ', i);
    out.push_back(line.substr(i, end == std::string_view::npos ? line.size() - i : end - i));
    i = end == std::string_view::npos ? line.size() : end;
  }
  return out;
}

std::optional<bool> parse_level(std::string_view s) {
  if (s == "0") return false;
  if (s == "1") return true;
  return std::nullopt;
}

// "in X 1" / "out X 0": fills m or says what is wrong.
std::string parse_level_msg(const std::vector<std::string_view>& w, level_msg& m) {
  if (w.size() != 3) return std::string(w[0]) + " needs <line> 0|1";
  if (!valid_line_name(w[1])) return "bad line name '" + std::string(w[1]) + "'";
  const auto level = parse_level(w[2]);
  if (!level) return "level must be 0 or 1, not '" + std::string(w[2]) + "'";
  m.line = std::string(w[1]);
  m.active = *level;
  return {};
}

std::string_view rest_after(std::string_view line, std::string_view word) {
  const std::size_t at = line.find(word);
  std::string_view rest = line.substr(at + word.size());
  // Exactly one separator: the text's own leading spaces are part of it.
  if (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  return rest;
}

template <typename T>
parsed<T> fail(std::string why) {
  return {std::nullopt, std::move(why)};
}

}  // namespace

bool valid_key(char k) {
  return (k >= '0' && k <= '9') || k == '*' || k == '#' || (k >= 'A' && k <= 'D');
}

std::string_view sound_name(sound s) { return drivers::sound_wire_name(s); }

std::optional<sound> parse_sound(std::string_view name) {
  return drivers::sound_from_wire_name(name);
}

bool valid_line_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

bool valid_scan(std::string_view text) {
  if (text.empty() || text.size() > max_scan_length) return false;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return false;
  }
  return true;
}

std::string escape_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<std::string> unescape_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
      continue;
    }
    if (++i == text.size()) return std::nullopt;
    switch (text[i]) {
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case '\\':
        out += '\\';
        break;
      default:
        return std::nullopt;
    }
  }
  return out;
}

parsed<to_board> parse_to_board(std::string_view line) {
  const auto w = words(line, 2);
  if (w.empty()) return fail<to_board>("empty line");
  const std::string_view verb = w[0];
  if (verb == "ok") return {to_board{ok_msg{w.size() > 1 ? std::string(w[1]) : ""}}, {}};
  if (verb == "error") return {to_board{error_msg{w.size() > 1 ? std::string(w[1]) : ""}}, {}};
  if (verb == "ready") {
    if (w.size() != 1) return fail<to_board>("ready takes no arguments");
    return {to_board{ready_msg{}}, {}};
  }
  if (verb == "key") {
    if (w.size() != 2 || w[1].size() != 1 || !valid_key(w[1][0])) {
      return fail<to_board>("key needs one of 0-9 * # A-D");
    }
    return {to_board{key_msg{w[1][0]}}, {}};
  }
  if (verb == "scan") {
    auto text = unescape_text(w.size() > 1 ? rest_after(line, "scan") : std::string_view{});
    if (!text) return fail<to_board>("bad escape in scan text");
    if (!valid_scan(*text)) {
      return fail<to_board>("scan needs 1-" + std::to_string(max_scan_length) +
                            " characters without control characters");
    }
    return {to_board{scan_msg{std::move(*text)}}, {}};
  }
  if (verb == "in" || verb == "out") {
    const auto lw = words(line, 4);
    level_msg m;
    if (auto e = parse_level_msg(lw, m); !e.empty()) return fail<to_board>(std::move(e));
    if (verb == "in") return {to_board{input_msg{m}}, {}};
    return {to_board{output_msg{m}}, {}};
  }
  return fail<to_board>("unknown message '" + std::string(verb) + "'");
}

parsed<from_board> parse_from_board(std::string_view line) {
  const auto w = words(line, 2);
  if (w.empty()) return fail<from_board>("empty line");
  const std::string_view verb = w[0];
  if (verb == "attach") {
    if (w.size() != 2 || w[1] != "board") return fail<from_board>("attach needs 'board'");
    return {from_board{attach_msg{}}, {}};
  }
  if (verb == "out") {
    set_output_msg m;
    if (auto e = parse_level_msg(words(line, 4), m); !e.empty()) {
      return fail<from_board>(std::move(e));
    }
    return {from_board{m}, {}};
  }
  if (verb == "display") {
    // Text may be empty (a blank display) and may hold spaces anywhere.
    auto text = unescape_text(w.size() > 1 ? rest_after(line, "display") : std::string_view{});
    if (!text) return fail<from_board>("bad escape in display text");
    return {from_board{display_msg{std::move(*text)}}, {}};
  }
  if (verb == "beep") {
    const auto s = w.size() == 2 ? parse_sound(w[1]) : std::nullopt;
    if (!s) return fail<from_board>("beep needs key|ok|error|alarm");
    return {from_board{beep_msg{*s}}, {}};
  }
  if (verb == "alarm") {
    const auto on = w.size() == 2 ? parse_level(w[1]) : std::nullopt;
    if (!on) return fail<from_board>("alarm needs 0|1");
    return {from_board{alarm_msg{*on}}, {}};
  }
  return fail<from_board>("unknown message '" + std::string(verb) + "'");
}

namespace {

std::string level_text(std::string_view verb, const level_msg& m) {
  return std::string(verb) + " " + m.line + (m.active ? " 1" : " 0");
}

template <class... F>
struct overloaded : F... {
  using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;

}  // namespace

std::string format(const to_board& m) {
  return std::visit(
      overloaded{
          [](const input_msg& x) { return level_text("in", x); },
          [](const output_msg& x) { return level_text("out", x); },
          [](const key_msg& x) { return std::string("key ") + x.key; },
          [](const scan_msg& x) { return "scan " + escape_text(x.text); },
          [](const ready_msg&) { return std::string("ready"); },
          [](const ok_msg& x) { return x.details.empty() ? std::string("ok") : "ok " + x.details; },
          [](const error_msg& x) { return "error " + x.reason; },
      },
      m);
}

std::string format(const from_board& m) {
  return std::visit(
      overloaded{
          [](const attach_msg&) { return std::string("attach board"); },
          [](const set_output_msg& x) { return level_text("out", x); },
          [](const display_msg& x) { return "display " + escape_text(x.text); },
          [](const beep_msg& x) { return "beep " + std::string(sound_name(x.what)); },
          [](const alarm_msg& x) { return std::string(x.on ? "alarm 1" : "alarm 0"); },
      },
      m);
}

void line_splitter::feed(std::string_view bytes) {
  if (broken_) return;
  for (char c : bytes) {
    if (c == '\n') {
      if (!partial_.empty() && partial_.back() == '\r') partial_.pop_back();
      lines_.push_back(std::move(partial_));
      partial_.clear();
    } else if (partial_.size() >= max_line_) {
      broken_ = true;
      return;
    } else {
      partial_ += c;
    }
  }
}

std::optional<std::string> line_splitter::next() {
  if (lines_.empty()) return std::nullopt;
  std::string l = std::move(lines_.front());
  lines_.pop_front();
  return l;
}

}  // namespace locker::drivers::sim
