// SPDX-License-Identifier: Apache-2.0
// The buzzer's patterns, one per sound, shared by every backend (the gpiod buzzer line pulses
// them, the simulator shows their name and shape), so that the sounds a person learns are the
// same on every board. Distinct in rhythm, not only in length, for people who cannot read the
// display (issue 13).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/clock.hpp"
#include "drivers/hardware.hpp"

namespace locker::drivers {

inline constexpr std::array all_sounds{sound::key,           sound::ok,     sound::error,
                                       sound::alarm,         sound::prompt, sound::door_open,
                                       sound::door_left_open};

// On, off, on, ... durations; always an odd count (ends on), at most 1 s in all.
[[nodiscard]] std::vector<millis> sound_pattern(sound s);

// What a person would call it: "key", "accepted", "error", "alarm", "prompt", "door open",
// "door left open".
[[nodiscard]] std::string_view sound_label(sound s);

// The simulator protocol's word for it ("beep ok", "beep door_open"), and back; nullopt for a
// word that names no sound.
[[nodiscard]] std::string_view sound_wire_name(sound s);
[[nodiscard]] std::optional<sound> sound_from_wire_name(std::string_view name);

// The pattern as dots and dashes: '.' a short tone (under 200 ms), '-' a long one, ' ' a
// pause of 200 ms or more between tones; e.g. ".-" for accepted.
[[nodiscard]] std::string sound_shape(sound s);

}  // namespace locker::drivers
