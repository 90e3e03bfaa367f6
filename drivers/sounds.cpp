// SPDX-License-Identifier: Apache-2.0
#include "drivers/sounds.hpp"

#include <optional>

namespace locker::drivers {

std::vector<millis> sound_pattern(sound s) {
  using ms = std::chrono::milliseconds;
  switch (s) {
    case sound::key:  // .
      return {ms{30}};
    case sound::ok:  // .-  short then long: rising, "yes"
      return {ms{80}, ms{80}, ms{400}};
    case sound::error:  // ...  three quick
      return {ms{80}, ms{80}, ms{80}, ms{80}, ms{80}};
    case sound::alarm:  // -  one long
      return {ms{500}};
    case sound::prompt:  // . .  two short, apart: "your turn"
      return {ms{60}, ms{250}, ms{60}};
    case sound::door_open:  // --  two long
      return {ms{300}, ms{120}, ms{300}};
    case sound::door_left_open:  // ---  three long: "close the door"
      return {ms{250}, ms{120}, ms{250}, ms{120}, ms{250}};
  }
  return {ms{30}};
}

namespace {

// Each sound's two names: the simulator protocol's word ("beep <wire>") and what a person
// calls it. One table, so that a new sound gets both or the lookup below says so.
struct sound_names {
  sound s;
  std::string_view wire;
  std::string_view label;
};

constexpr std::array<sound_names, all_sounds.size()> names{{
    {sound::key, "key", "key"},
    {sound::ok, "ok", "accepted"},
    {sound::error, "error", "error"},
    {sound::alarm, "alarm", "alarm"},
    {sound::prompt, "prompt", "prompt"},
    {sound::door_open, "door_open", "door open"},
    {sound::door_left_open, "door_left_open", "door left open"},
}};

const sound_names& names_of(sound s) {
  for (const auto& n : names)
    if (n.s == s) return n;
  return names.front();
}

}  // namespace

std::string_view sound_label(sound s) { return names_of(s).label; }

std::string_view sound_wire_name(sound s) { return names_of(s).wire; }

std::optional<sound> sound_from_wire_name(std::string_view name) {
  for (const auto& n : names)
    if (n.wire == name) return n.s;
  return std::nullopt;
}

std::string sound_shape(sound s) {
  constexpr millis long_tone{200};
  constexpr millis long_pause{200};
  const auto p = sound_pattern(s);
  std::string out;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (i % 2 == 0) {
      out += p[i] < long_tone ? '.' : '-';
    } else if (p[i] >= long_pause) {
      out += ' ';
    }
  }
  return out;
}

}  // namespace locker::drivers
