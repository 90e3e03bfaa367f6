// SPDX-License-Identifier: Apache-2.0
// The stable MESSAGE_ID of each kind of log message, in one table. journald indexes the field, so
// a technician finds every broker refusal with `journalctl MESSAGE_ID=<id>` whatever the wording
// of this version; systemd/lockerd.catalog explains each id (`journalctl -x`). An id, once
// given, never changes meaning and is never reused; new kinds get new ids (random, as
// `systemd-id128 new` makes them).
#pragma once

#include <array>
#include <string_view>

namespace locker::log {

enum class message {
  none,  // an ordinary line: no MESSAGE_ID
  started,
  stopped,
  start_refused,
  broker_connected,
  broker_connect_failed,
  broker_still_failing,
  broker_lost,
  event_journaled,
  compartment_fault,
  config_problem,
};

struct message_kind {
  message kind;
  std::string_view id;    // 32 lowercase hex digits, as journald writes MESSAGE_ID
  std::string_view name;  // a short name for the catalog and documentation
};

inline constexpr std::array<message_kind, 10> message_kinds{{
    {message::started, "691e8cb320a1467d82ac74b2fcc2e8ab", "lockerd started"},
    {message::stopped, "7486c684228d4a09bd5172937fb393d2", "lockerd stopped"},
    {message::start_refused, "ca3bb0c1ed434f8ca76f1ab0e7745a7f", "lockerd refused to start"},
    {message::broker_connected, "6b50125fb0084ec39cd3693a577eb398", "connected to the broker"},
    {message::broker_connect_failed, "5550d49ca1d549a7bfc5d5ce74d44ae2",
     "cannot connect to the broker"},
    {message::broker_still_failing, "c5be5299ec7b4a0c81458dc7ed092e64",
     "still cannot connect to the broker"},
    {message::broker_lost, "cb093deb48544884bd655c87a71ec6fd", "lost the broker"},
    {message::event_journaled, "b7756025881d413cb83163e70f6e1cf7", "event journaled"},
    {message::compartment_fault, "d1bf9e2017c4469e8f0e96afba61de86", "compartment fault"},
    {message::config_problem, "9008a238fb334df4b09c312e45088e18", "configuration problem"},
}};

// The id of a kind, empty for message::none.
[[nodiscard]] constexpr std::string_view message_id(message m) {
  for (const auto& k : message_kinds)
    if (k.kind == m) return k.id;
  return {};
}

}  // namespace locker::log
