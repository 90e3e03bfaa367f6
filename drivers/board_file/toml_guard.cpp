// SPDX-License-Identifier: Apache-2.0
#include "drivers/board_file/toml_guard.hpp"

namespace locker::drivers::toml_file {

namespace {

bool bare_key_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

// A small TOML lexer: it follows strings, comments, values and brackets only as far as needed
// to know where a table header begins (a '[' that starts a line outside every string and
// value). It never rejects a file for anything else: the parser reports every other error.
class scanner {
 public:
  explicit scanner(std::string_view text) : text_(text) {}

  std::optional<std::string> run() {
    bool line_start = true;  // only blanks so far on this line, outside any value
    while (i_ < text_.size()) {
      const char c = text_[i_];
      if (c == '\n') {
        ++line_;
        ++i_;
        if (open_.empty()) {
          in_value_ = false;
          line_start = true;
        }
        continue;
      }
      if (c == ' ' || c == '\t' || c == '\r') {
        ++i_;
        continue;
      }
      if (c == '#') {
        skip_comment();
        continue;
      }
      if (c == '"' || c == '\'') {
        skip_string(c);
        line_start = false;
        continue;
      }
      if (line_start && !in_value_ && c == '[') {
        if (auto why = check_header()) return why;
        line_start = false;
        continue;
      }
      line_start = false;
      if (c == '=' && open_.empty()) in_value_ = true;
      if (in_value_ && (c == '[' || c == '{')) open_.push_back(c);
      if (in_value_ && (c == ']' || c == '}') && !open_.empty()) {
        // "s=[}", "s=[1,}": the parser takes the '}' for the start of a value and trips an
        // assertion in parse_value. A '}' never belongs in an array; the file is wrong either
        // way, and is refused here before the parser.
        if (c == '}' && open_.back() == '[') {
          return "line " + std::to_string(line_) +
                 ": a '}' inside an array (an array ends with ']', an inline table with '}')";
        }
        open_.pop_back();
      }
      ++i_;
    }
    return std::nullopt;
  }

 private:
  void skip_comment() {
    while (i_ < text_.size() && text_[i_] != '\n') ++i_;
  }

  // From an opening quote past the closing one (a multi-line string may hold newlines).
  void skip_string(char quote) {
    const bool multi = text_.substr(i_, 3) == std::string(3, quote);
    i_ += multi ? 3 : 1;
    while (i_ < text_.size()) {
      const char c = text_[i_];
      if (c == '\\' && quote == '"') {
        if (i_ + 1 < text_.size() && text_[i_ + 1] == '\n') ++line_;
        i_ += 2;
        continue;
      }
      if (c == '\n') {
        ++line_;
        if (!multi) return;  // an unterminated string: the parser says so
      }
      if (c == quote && (!multi || text_.substr(i_, 3) == std::string(3, quote))) {
        i_ += multi ? 3 : 1;
        return;
      }
      ++i_;
    }
  }

  // At the '[' of a table header ("[a]" or "[[a]]"): what follows must be a key.
  std::optional<std::string> check_header() {
    ++i_;
    const bool array = i_ < text_.size() && text_[i_] == '[';  // "[[": an array of tables
    if (array) ++i_;
    while (i_ < text_.size() && (text_[i_] == ' ' || text_[i_] == '\t')) ++i_;
    if (i_ == text_.size()) return std::nullopt;  // the parser reports the early end
    const char c = text_[i_];
    // A key, the premature ']' and "[ [" (both reported by the parser): anything else trips
    // it, a third '[' after "[[" included ("[[[").
    if (!bare_key_char(c) && c != '"' && c != '\'' && c != ']' && (c != '[' || array)) {
      return "line " + std::to_string(line_) +
             ": a table header must start with a key after '[' (a bare key, or a quoted one)";
    }
    // The rest of the header, to its closing ']' (quoted segments may hold one).
    while (i_ < text_.size() && text_[i_] != '\n') {
      const char h = text_[i_];
      if (h == '"' || h == '\'') {
        skip_string(h);
        continue;
      }
      ++i_;
      if (h == ']') {
        if (i_ < text_.size() && text_[i_] == ']') ++i_;
        break;
      }
    }
    return std::nullopt;
  }

  std::string_view text_;
  std::size_t i_ = 0;
  std::size_t line_ = 1;
  std::string open_;       // the '[' and '{' open inside the current value, innermost last
  bool in_value_ = false;  // after a key's '=' and before the line (or the brackets) end
};

}  // namespace

std::optional<std::string> refusal(std::string_view text) {
  if (text.size() > max_file_bytes) {
    return "too large: more than " + std::to_string(max_file_bytes) +
           " bytes (no config or board file is nearly that big)";
  }
  // Any non-ASCII byte, strings and comments included: the parser's Unicode tables are
  // consulted for it on more paths than TOML's grammar suggests (an invalid value is scanned
  // on into the string after it), and they are undefined behaviour for most code points.
  std::size_t line = 1;
  for (const char c : text) {
    if (c == '\n') ++line;
    if (static_cast<unsigned char>(c) >= 0x80) {
      return "line " + std::to_string(line) +
             ": a non-ASCII character (config and board files are ASCII, comments included)";
    }
  }
  return scanner(text).run();
}

}  // namespace locker::drivers::toml_file
