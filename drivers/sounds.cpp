// SPDX-License-Identifier: Apache-2.0
#include "drivers/sounds.hpp"

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

std::string_view sound_label(sound s) {
  switch (s) {
    case sound::key:
      return "key";
    case sound::ok:
      return "accepted";
    case sound::error:
      return "error";
    case sound::alarm:
      return "alarm";
    case sound::prompt:
      return "prompt";
    case sound::door_open:
      return "door open";
    case sound::door_left_open:
      return "door left open";
  }
  return "key";
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
