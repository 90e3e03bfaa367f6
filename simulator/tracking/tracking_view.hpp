// SPDX-License-Identifier: Apache-2.0
// The tracking system's view of one locker, built only from what arrives over MQTT (contract
// v1, protocol/README.md): each parcel's timeline and what the recipient's tracking page would
// say about it now, the open alarms, and the locker's liveness. Pure: messages in, a JSON
// snapshot out, no I/O and no clock of its own (the caller says when a message arrived).
//
// Delivery is at least once and the journal re-sends after a reconnect, so copies of an event
// (its seq seen already, with the same event_id) are dropped; a repeated seq with another
// event_id is taken and shown as a fault. A timeline is ordered by seq, whatever order the
// copies came in. Unknown event types and bad
// payloads are counted and shown, never thrown: the view is what an operator looks at when
// something is wrong.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/timestamp.hpp"

namespace locker::tracking {

using protocol::wall_time;

class tracking_view {
 public:
  explicit tracking_view(std::string locker_id);

  // One message as the broker delivered it. Topics outside locker/v1/<locker_id>/ and topics
  // the view has no use for (cfg/, job/, other commands) are ignored.
  void on_message(std::string_view topic, std::string_view payload, wall_time received);

  // Grows by one with every message that changed what snapshot() returns.
  [[nodiscard]] std::uint64_t changes() const { return changes_; }

  // Everything shown (see simulator/README.md, "The tracking view", for the fields).
  [[nodiscard]] nlohmann::json snapshot() const;

  // One line of a parcel's timeline.
  struct entry {
    std::optional<std::uint64_t> seq;  // events only
    wall_time ts{};                    // the event's ts, or when a request or reply arrived
    std::string kind;                  // the event type, or announced, cancelled, ...
    std::string text;                  // for the operator: what happened
    bool queued = false;               // the event waited in the locker's journal
    // The parcel's status after this line, for lines that change it.
    std::optional<std::string> status;
    std::string status_text;  // what the recipient's tracking page says from then on
  };

  struct parcel {
    std::string tracking_number;
    std::string reservation_id;
    std::string kind = "delivery";
    std::string size;
    std::string compartment;
    std::string carrier;
    std::optional<wall_time> expires_at;
    std::string pickup_code;    // as the stored event gave it to the tracking system
    std::string dropoff_code;   // as the reply to a drop-off's announcement gave it
    std::vector<entry> events;  // sorted by seq
    std::vector<entry> notes;   // requests and replies, in arrival order
    std::uint64_t touched = 0;  // arrival number of the last change, newest first in snapshots
  };

 private:
  struct pending_request {
    std::string command;
    std::string reservation_id;
    std::string tracking_number;
    std::string kind;
    std::string size;
    wall_time received{};
  };
  struct alarm {
    std::string type;
    std::string compartment;
    std::string severity;
    wall_time since{};
  };

  void handle_event(std::string_view topic_rest, const nlohmann::json& j, wall_time received);
  void handle_parcel_event(const nlohmann::json& j, const entry& base, std::string_view type);
  void handle_alarm_event(const nlohmann::json& j, const entry& base);
  void handle_door_event(const nlohmann::json& j, const entry& base, std::string_view type);
  void handle_status(const nlohmann::json& j, wall_time received);
  void handle_state(const nlohmann::json& j, wall_time received);
  void handle_request(std::string_view command, const nlohmann::json& j, wall_time received);
  void handle_reply(std::string_view command, const nlohmann::json& j, wall_time received);

  parcel& parcel_for(const std::string& tracking_number);
  parcel* parcel_by_reservation(const std::string& reservation_id);
  void add_event(parcel& p, entry e);
  void add_note(parcel& p, entry e);
  void remember(entry e, const std::string& tracking_number);
  void bad(std::string_view topic, std::string reason, wall_time received);
  void unknown(std::string_view topic, std::string type, wall_time received);
  void problem(std::string_view topic, const char* what, std::string detail, wall_time received);
  void trim_parcels();
  [[nodiscard]] nlohmann::json parcel_json(const parcel& p) const;
  [[nodiscard]] std::string until(wall_time t) const;

  // Seqs seen, as disjoint closed ranges [first, last] keyed by first.
  [[nodiscard]] bool seen_seq(std::uint64_t seq) const;
  void mark_seq(std::uint64_t seq);

  std::string locker_id_;
  std::string root_;
  std::uint64_t changes_ = 0;
  std::uint64_t arrivals_ = 0;
  wall_time received_{};  // when the message being read arrived

  std::map<std::string, parcel> parcels_;           // by tracking number
  std::map<std::string, pending_request> pending_;  // by req_id
  std::vector<alarm> open_alarms_;
  std::deque<nlohmann::json> alarm_history_;  // newest first, bounded
  std::uint64_t last_alarm_seq_ = 0;
  std::deque<nlohmann::json> recent_;    // every event and note, newest first, bounded
  std::deque<nlohmann::json> problems_;  // bad payloads and unknown types, newest first, bounded

  std::map<std::uint64_t, std::uint64_t> seqs_;     // first -> last
  std::map<std::uint64_t, std::string> event_ids_;  // seq -> event_id, the newest only
  std::optional<std::uint64_t> state_seq_;

  // Liveness: the retained status topic and when anything last came from the locker.
  std::optional<bool> online_;
  std::string offline_reason_;
  std::string version_;
  std::string boot_id_;
  std::optional<wall_time> started_at_;
  std::optional<wall_time> status_received_;
  std::optional<wall_time> last_seen_;
  std::size_t compartments_ = 0;
  std::size_t free_compartments_ = 0;

  struct counters {
    std::uint64_t messages = 0;
    std::uint64_t events = 0;
    std::uint64_t duplicates = 0;
    std::uint64_t seq_conflicts = 0;
    std::uint64_t unknown = 0;
    std::uint64_t bad_payloads = 0;
  } counters_;
};

}  // namespace locker::tracking
