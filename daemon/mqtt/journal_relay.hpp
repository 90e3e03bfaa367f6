// SPDX-License-Identifier: Apache-2.0
// Carries the journal (the SQLite outbox) to the broker: events in seq order at QoS 1, a
// bounded number in flight, each deleted only after its PUBACK, and only as part of an
// acknowledged prefix so the journal never has a gap. Runs on the event loop; no polling: it
// moves when the controller journals something, when a PUBACK comes back and on (re)connect.
//
// While a backlog drains (the journal holds more than the window), the relay reads it ahead
// (read_ahead_events a query), refills the window as each PUBACK comes back, as a bare
// client does, and batches the deletes after PUBACK (delete_batch events a transaction)
// instead of one transaction per burst of PUBACKs: a crash in the middle only sends those
// again, which at-least-once allows. Once the relay has caught up with the journal, every
// burst is deleted as soon as it is in.
//
// An event handed to the link more than late_after after its ts carries "queued": true: it
// waited in the journal (no broker, or a backlog after one). Events published as they happen
// (milliseconds) never do, also those of the moments before the first connect at start.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>

#include "daemon/mqtt/broker_link.hpp"
#include "daemon/store/store.hpp"
#include "drivers/clock.hpp"
#include "protocol/topics.hpp"

namespace locker::mqtt {

// How late an event may go out and still count as published when it happened.
inline constexpr std::chrono::seconds late_after{1};

// While draining a backlog: the events read from the journal at a time (at least the window).
inline constexpr std::size_t read_ahead_events = 256;
// While draining a backlog: the acknowledged events deleted in one transaction. A delete
// costs about as much per batch as per row (secure_delete, three b-trees): at 1024 the
// deletes took a sixth of the drain's CPU (locker_bench --only mqtt). 8192 is a third of a
// second of a drain here, and what a crash in a drain may send again.
inline constexpr std::uint64_t delete_batch = 8192;

class journal_relay {
 public:
  // Registers itself with the link's connect/disconnect notifications. Everything referenced
  // must outlive the relay.
  journal_relay(store::store& db, broker_link& link, drivers::clock& clock,
                const protocol::topic_set& topics, std::size_t max_in_flight = 32);
  journal_relay(const journal_relay&) = delete;
  journal_relay& operator=(const journal_relay&) = delete;

  // New events were committed (the controller's on_journal): publish them if connected.
  void wake();

  // Events not yet acknowledged by the broker.
  [[nodiscard]] std::int64_t backlog();
  [[nodiscard]] std::uint64_t delivered() const { return delivered_; }
  [[nodiscard]] std::size_t in_flight() const { return in_flight_.size(); }

 private:
  void connected();
  void disconnected();
  void pump();
  // Reads the next events after read_upto_ into ahead_; false when there are none.
  bool read_ahead();
  void forget_what_was_sent();
  // A backlog: events wait behind the window, read ahead or still in the journal.
  [[nodiscard]] bool draining() const { return !ahead_.empty() || last_read_full_; }
  void acknowledged(std::uint64_t generation, std::uint64_t seq, bool ok);
  void flush_deletes();
  void restart_from_oldest();
  [[nodiscard]] const std::string& topic_for(store::journal_topic t) const;

  store::store& db_;
  broker_link& link_;
  drivers::clock& clock_;
  // The three event topics, built once: the relay publishes on them for every event.
  std::string evt_parcel_;
  std::string evt_door_;
  std::string evt_alarm_;
  std::size_t max_in_flight_;
  bool active_ = false;
  // Bumped on every connect and disconnect: PUBACKs of an older connection are ignored
  // (the events are sent again; consumers drop duplicates by event_id).
  std::uint64_t generation_ = 0;
  // Read from the journal, not yet handed to the link: one query for many publishes.
  std::deque<store::event> ahead_;
  std::uint64_t read_upto_ = 0;  // the newest seq in ahead_ or handed out
  std::size_t read_ahead_ = 0;
  bool last_read_full_ = false;  // the last read found read_ahead_ events: maybe more behind
  std::map<std::uint64_t, bool> in_flight_;  // seq -> acknowledged
  std::uint64_t acked_upto_ = 0;             // every seq up to here is acknowledged
  std::uint64_t deleted_upto_ = 0;
  bool flush_posted_ = false;
  std::uint64_t delivered_ = 0;
  drivers::timer retry_timer_;
  drivers::timer flush_timer_;
};

}  // namespace locker::mqtt
