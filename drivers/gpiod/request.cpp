// SPDX-License-Identifier: Apache-2.0
#include "drivers/gpiod/request.hpp"

namespace locker::drivers::gpiod_backend {

::gpiod::line_request request_for(const line_spec& spec, direction dir,
                                  const std::string& consumer) {
  ::gpiod::line_request r;
  r.consumer = consumer;
  switch (dir) {
    case direction::output:
      r.request_type = ::gpiod::line_request::DIRECTION_OUTPUT;
      break;
    case direction::input:
      r.request_type = ::gpiod::line_request::EVENT_BOTH_EDGES;
      break;
    case direction::pulse_input:
      // Logical: with FLAG_ACTIVE_LOW the kernel triggers on the falling edge and reports it
      // as rising, without reading the level.
      r.request_type = ::gpiod::line_request::EVENT_RISING_EDGE;
      break;
  }
  r.flags = 0;
  if (spec.active_low) r.flags |= ::gpiod::line_request::FLAG_ACTIVE_LOW;
  switch (spec.bias) {
    case bias::as_is:
      break;
    case bias::disabled:
      r.flags |= ::gpiod::line_request::FLAG_BIAS_DISABLE;
      break;
    case bias::pull_up:
      r.flags |= ::gpiod::line_request::FLAG_BIAS_PULL_UP;
      break;
    case bias::pull_down:
      r.flags |= ::gpiod::line_request::FLAG_BIAS_PULL_DOWN;
      break;
  }
  return r;
}

std::optional<line_event> decode_event(const raw_event& e, steady_time now) {
  bool active = false;
  if (e.type == ::gpiod::line_event::RISING_EDGE) {
    active = true;
  } else if (e.type != ::gpiod::line_event::FALLING_EDGE) {
    return std::nullopt;
  }
  const steady_time stamped{std::chrono::duration_cast<steady_time::duration>(e.stamp)};
  const bool plausible = stamped <= now && now - stamped <= std::chrono::seconds{1};
  return line_event{active, plausible ? stamped : now};
}

std::string describe_failure(const line_spec& spec, std::string_view reason) {
  std::string out = "gpio line ";
  out += spec.describe();
  out += ": ";
  out += reason;
  return out;
}

}  // namespace locker::drivers::gpiod_backend
