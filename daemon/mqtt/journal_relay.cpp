// SPDX-License-Identifier: Apache-2.0
#include "daemon/mqtt/journal_relay.hpp"

#include <algorithm>
#include <exception>
#include <string>
#include <string_view>

#include "daemon/log/log.hpp"
#include "protocol/timestamp.hpp"

namespace locker::mqtt {

namespace {
constexpr std::string_view relay_log = "relay";

// The journal's payload is a JSON object with event_id, seq, ts and type (never empty, never
// "queued": the store refuses that field): the flag goes in front, without a parse.
std::string with_queued(std::string_view payload) {
  constexpr std::string_view flag = R"({"queued":true,)";
  if (payload.size() < 2 || payload.front() != '{') return std::string(payload);
  std::string out;
  out.reserve(flag.size() + payload.size() - 1);
  out.append(flag).append(payload.substr(1));
  return out;
}

// After a refused publish while connected (an error PUBACK), wait before trying again so a
// broker that refuses everything does not get a hot loop.
constexpr drivers::millis retry_delay{1000};
}  // namespace

journal_relay::journal_relay(store::store& db, broker_link& link, drivers::clock& clock,
                             const protocol::topic_set& topics, std::size_t max_in_flight)
    : db_(db),
      link_(link),
      clock_(clock),
      evt_parcel_(topics.evt_parcel()),
      evt_door_(topics.evt_door()),
      evt_alarm_(topics.evt_alarm()),
      max_in_flight_(max_in_flight == 0 ? 1 : max_in_flight),
      retry_timer_(clock),
      flush_timer_(clock) {
  read_ahead_ = std::max(max_in_flight_, read_ahead_events);
  link_.on_connected([this] { connected(); });
  link_.on_disconnected([this] { disconnected(); });
  if (link_.connected()) connected();
}

const std::string& journal_relay::topic_for(store::journal_topic t) const {
  switch (t) {
    case store::journal_topic::parcel:
      return evt_parcel_;
    case store::journal_topic::door:
      return evt_door_;
    case store::journal_topic::alarm:
      return evt_alarm_;
  }
  return evt_parcel_;
}

std::int64_t journal_relay::backlog() {
  try {
    return db_.journal().backlog();
  } catch (const std::exception& e) {
    log::error(relay_log, "cannot count the journal: ", e.what());
    return -1;
  }
}

void journal_relay::wake() {
  if (active_) pump();
}

void journal_relay::forget_what_was_sent() {
  in_flight_.clear();
  ahead_.clear();
  read_upto_ = 0;
  last_read_full_ = false;
}

void journal_relay::connected() {
  flush_deletes();
  active_ = true;
  ++generation_;
  forget_what_was_sent();
  if (const auto waiting = backlog(); waiting > 0)
    log::info(relay_log, waiting, " events waiting in the journal");
  pump();
}

void journal_relay::disconnected() {
  flush_deletes();
  active_ = false;
  ++generation_;
  forget_what_was_sent();
  retry_timer_.cancel();
}

bool journal_relay::read_ahead() {
  try {
    auto batch = db_.journal().pending(static_cast<std::int64_t>(read_ahead_), read_upto_);
    last_read_full_ = batch.size() == read_ahead_;
    for (auto& e : batch) {
      read_upto_ = e.seq;
      ahead_.push_back(std::move(e));
    }
  } catch (const std::exception& e) {
    log::error(relay_log, "cannot read the journal: ", e.what());
    return false;
  }
  return !ahead_.empty();
}

void journal_relay::pump() {
  if (!active_ || !link_.connected()) return;
  const auto late = clock_.wall_now() - late_after;
  while (in_flight_.size() < max_in_flight_ && (!ahead_.empty() || read_ahead())) {
    const store::event e = std::move(ahead_.front());
    ahead_.pop_front();
    in_flight_.emplace(e.seq, false);
    const auto generation = generation_;
    const auto seq = e.seq;
    const auto ts = protocol::parse_timestamp(e.ts);
    // Only a queued event gets a new payload; the others go out as the journal holds them.
    const std::string flagged = ts && *ts < late ? with_queued(e.payload) : std::string();
    const std::string_view payload = flagged.empty() ? std::string_view(e.payload) : flagged;
    link_.publish(topic_for(e.topic), payload, 1, false,
                  [this, generation, seq](bool ok) { acknowledged(generation, seq, ok); });
    // A publish that fails at once disconnects: what is left waits for the next connect.
    if (!active_ || !link_.connected()) return;
  }
}

void journal_relay::acknowledged(std::uint64_t generation, std::uint64_t seq, bool ok) {
  if (generation != generation_) return;
  if (!ok) {
    // Dropped connection: disconnected() follows and the next connect sends it again.
    if (!link_.connected()) return;
    log::warning(relay_log, "broker refused event ", seq, "; sending again from the oldest");
    active_ = false;
    ++generation_;
    retry_timer_.start(retry_delay, [this] { restart_from_oldest(); });
    return;
  }
  auto it = in_flight_.find(seq);
  if (it == in_flight_.end()) return;
  it->second = true;
  ++delivered_;
  // Only a contiguous acknowledged prefix may leave the journal: no gap, ever.
  bool advanced = false;
  while (!in_flight_.empty() && in_flight_.begin()->second) {
    acked_upto_ = in_flight_.begin()->first;
    in_flight_.erase(in_flight_.begin());
    advanced = true;
  }
  if (!advanced) return;
  // The window refilled at once, as a bare client keeps it full.
  pump();
  if (draining()) {
    // While a backlog drains: one delete every delete_batch events.
    if (acked_upto_ - deleted_upto_ >= delete_batch) flush_deletes();
    return;
  }
  if (!flush_posted_) {
    // PUBACKs arrive in bursts: delete them in one transaction, after this burst (and the
    // rest of a drain at its end).
    flush_posted_ = true;
    flush_timer_.start(drivers::millis(0), [this] {
      flush_posted_ = false;
      flush_deletes();
    });
  }
}

void journal_relay::restart_from_oldest() {
  flush_deletes();
  active_ = link_.connected();
  forget_what_was_sent();
  pump();
}

void journal_relay::flush_deletes() {
  if (acked_upto_ <= deleted_upto_) return;
  try {
    db_.journal().remove_upto(acked_upto_);
    deleted_upto_ = acked_upto_;
  } catch (const std::exception& e) {
    // Kept: they are sent again after the next connect (at least once).
    log::error(relay_log, "cannot delete delivered events: ", e.what());
  }
}

}  // namespace locker::mqtt
