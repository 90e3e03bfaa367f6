// SPDX-License-Identifier: Apache-2.0
#include "daemon/keypad/catalogue/catalogue.hpp"

#include <algorithm>

#include "daemon/keypad/catalogue/translations.hpp"

namespace locker::keypad::catalogue {
namespace {

using a = arg;
using t = screen_texts;

// Every member of screen_texts, with what its "{}" stand for.
const text_id ids[] = {
    {&t::idle, "idle", {}},
    {&t::code_entry, "code_entry", {a::code_stars}},
    {&t::opening, "opening", {a::compartment}},
    {&t::pickup_open, "pickup_open", {a::compartment}},
    {&t::thank_you, "thank_you", {}},
    {&t::wrong_code, "wrong_code", {a::count}},
    {&t::locked_out, "locked_out", {a::seconds}},
    {&t::pickup_open_failed, "pickup_open_failed", {a::compartment}},
    {&t::left_inside, "left_inside", {a::compartment}},
    {&t::out_of_order, "out_of_order", {}},
    {&t::pin_prompt, "pin_prompt", {}},
    {&t::pin_entry, "pin_entry", {a::pin_stars}},
    {&t::pin_length, "pin_length", {}},
    {&t::wrong_pin, "wrong_pin", {}},
    {&t::menu, "menu", {a::name}},
    {&t::tracking_prompt, "tracking_prompt", {}},
    {&t::tracking_entry, "tracking_entry", {a::tracking}},
    {&t::size_menu, "size_menu", {a::size_choices}},
    {&t::no_free_compartment, "no_free_compartment", {a::size}},
    {&t::already_in_locker, "already_in_locker", {}},
    {&t::unknown_size, "unknown_size", {}},
    {&t::deposit_open, "deposit_open", {a::compartment}},
    {&t::opening_bigger, "opening_bigger", {a::compartment, a::compartment}},
    {&t::no_bigger, "no_bigger", {}},
    {&t::deposit_cancelled, "deposit_cancelled", {}},
    {&t::deposit_moved, "deposit_moved", {a::compartment, a::compartment}},
    {&t::deposit_failed, "deposit_failed", {}},
    {&t::stored, "stored", {a::compartment}},
    {&t::nothing_stored, "nothing_stored", {a::compartment}},
    {&t::nothing_to_remove, "nothing_to_remove", {}},
    {&t::removal_item, "removal_item", {a::tracking, a::compartment}},
    {&t::removal_open, "removal_open", {a::compartment}},
    {&t::removal_unavailable, "removal_unavailable", {a::compartment}},
    {&t::removal_faulty, "removal_faulty", {a::compartment}},
    {&t::all_done, "all_done", {}},
    {&t::scan_unexpected, "scan_unexpected", {}},
    {&t::scan_not_code, "scan_not_code", {}},
    {&t::scan_not_tracking, "scan_not_tracking", {}},
    {&t::badge_pin_prompt, "badge_pin_prompt", {}},
    {&t::unknown_badge, "unknown_badge", {}},
    {&t::badge_unexpected, "badge_unexpected", {}},
    {&t::extended_time_on, "extended_time_on", {}},
    {&t::extended_time_off, "extended_time_off", {}},
    {&t::token_unreadable, "token_unreadable", {a::count}},
    {&t::token_unknown_key, "token_unknown_key", {a::count}},
    {&t::token_bad_signature, "token_bad_signature", {a::count}},
    {&t::token_key_retired, "token_key_retired", {a::count}},
    {&t::token_other_locker, "token_other_locker", {a::count}},
    {&t::token_not_yet_valid, "token_not_yet_valid", {a::count}},
    {&t::token_expired, "token_expired", {a::count}},
    {&t::token_used, "token_used", {a::count}},
    {&t::token_no_parcel, "token_no_parcel", {a::count}},
    {&t::dropoff_open, "dropoff_open", {a::compartment}},
    {&t::dropped_off, "dropped_off", {}},
    {&t::dropoff_no_free_compartment, "dropoff_no_free_compartment", {}},
    {&t::dropoff_failed, "dropoff_failed", {}},
    {&t::opening_many, "opening_many", {a::count}},
    {&t::pickup_open_many, "pickup_open_many", {a::boxes}},
    {&t::pickup_many_failed, "pickup_many_failed", {a::boxes}},
    {&t::left_inside_many, "left_inside_many", {a::boxes}},
};

// A member of screen_texts without its line above would never be checked or translated.
static_assert(sizeof(screen_texts) == std::size(ids) * sizeof(std::string),
              "every screen_texts member needs its line in ids[]");

constexpr std::size_t line_width = 20;
constexpr std::size_t max_lines = 2;

// The widest value of a, or for the values the session cuts to fit, the room it must have.
std::string widest(arg value) {
  switch (value) {
    case arg::compartment:
      return "WW";
    case arg::count:
      return "100";
    case arg::seconds:
      return "86400";
    case arg::code_stars:
      return std::string(10, '*');
    case arg::pin_stars:
      return std::string(12, '*');
    case arg::size_choices:
      return "1=S 2=M 3=L";
    case arg::name:
      return std::string(6, 'N');
    case arg::tracking:
      return std::string(10, '9');
    case arg::size:
      return std::string(2, 'S');
    case arg::boxes:
      return "WW +99";
  }
  return {};
}

// keypad_session's cut_to_fit cuts only the first "{}" of a text.
bool is_cut(arg value) {
  return value == arg::name || value == arg::tracking || value == arg::size;
}

std::vector<std::size_t> placeholders(std::string_view text) {
  std::vector<std::size_t> at;
  for (auto p = text.find("{}"); p != std::string_view::npos; p = text.find("{}", p + 2))
    at.push_back(p);
  return at;
}

void check_text(std::string_view lang, const text_id& id, std::string_view text,
                std::vector<std::string>& problems) {
  const std::string where = std::string{lang} + ": " + std::string{id.name} + ": ";
  if (text.empty()) {
    problems.push_back(where + "empty");
    return;
  }
  if (!std::all_of(text.begin(), text.end(),
                   [](char c) { return c == '\n' || (c >= 0x20 && c < 0x7f); })) {
    problems.push_back(where + "not printable ASCII");
    return;
  }
  const auto at = placeholders(text);
  if (at.size() != id.args.size()) {
    problems.push_back(where + std::to_string(at.size()) + " \"{}\", English has " +
                       std::to_string(id.args.size()));
    return;
  }
  for (std::size_t i = 1; i < id.args.size(); ++i) {
    if (is_cut(id.args[i])) problems.push_back(where + "a value cut to fit must be the first {}");
  }
  std::string filled;
  std::size_t from = 0;
  for (std::size_t i = 0; i < at.size(); ++i) {
    filled.append(text.substr(from, at[i] - from));
    filled += widest(id.args[i]);
    from = at[i] + 2;
  }
  filled.append(text.substr(from));
  std::size_t lines = 0;
  for (std::size_t start = 0; start <= filled.size();) {
    const auto end = std::min(filled.find('\n', start), filled.size());
    if (end - start > line_width) {
      problems.push_back(where + "line " + std::to_string(lines + 1) + " is " +
                         std::to_string(end - start) + " characters with the widest values: \"" +
                         filled.substr(start, end - start) + "\"");
    }
    ++lines;
    start = end + 1;
  }
  if (lines > max_lines) problems.push_back(where + std::to_string(lines) + " lines");
}

}  // namespace

std::string_view code(language lang) {
  switch (lang) {
    case language::en:
      return "en";
    case language::de:
      return "de";
    case language::pl:
      return "pl";
  }
  return "en";
}

std::optional<language> parse_language(std::string_view code_text) {
  for (const language l : all_languages) {
    if (code(l) == code_text) return l;
  }
  return std::nullopt;
}

std::span<const text_id> text_ids() { return ids; }

std::span<const translation> table(language lang) {
  switch (lang) {
    case language::en:
      return {};
    case language::de:
      return german();
    case language::pl:
      return polish();
  }
  return {};
}

screen_texts texts(language lang) { return texts(table(lang)); }

screen_texts texts(std::span<const translation> table) {
  screen_texts out;
  for (const auto& entry : table) out.*entry.member = std::string{entry.text};
  return out;
}

std::vector<std::string> check(language lang) {
  if (lang != language::en) return check(code(lang), table(lang));
  // English is screen_texts' defaults, checked as a table of their own.
  static const screen_texts english;
  std::vector<translation> own;
  own.reserve(std::size(ids));
  for (const auto& id : ids) own.push_back({id.member, english.*id.member});
  return check(code(lang), own);
}

std::vector<std::string> check(std::string_view name, std::span<const translation> table) {
  std::vector<std::string> problems;
  std::vector<std::string screen_texts::*> seen;
  for (const auto& entry : table) {
    const auto id = std::find_if(std::begin(ids), std::end(ids),
                                 [&](const text_id& i) { return i.member == entry.member; });
    if (id == std::end(ids)) {
      problems.push_back(std::string{name} + ": a text that is not in text_ids()");
      continue;
    }
    if (std::find(seen.begin(), seen.end(), entry.member) != seen.end()) {
      problems.push_back(std::string{name} + ": " + std::string{id->name} + ": twice");
    }
    seen.push_back(entry.member);
  }
  for (const auto& id : ids) {
    const auto entry = std::find_if(table.begin(), table.end(),
                                    [&](const translation& e) { return e.member == id.member; });
    if (entry == table.end()) {
      problems.push_back(std::string{name} + ": missing " + std::string{id.name});
      continue;
    }
    check_text(name, id, entry->text, problems);
  }
  return problems;
}

}  // namespace locker::keypad::catalogue
