// SPDX-License-Identifier: Apache-2.0
// The locker's birth and state on MQTT: after every connect the retained status (online),
// info and state; state again after every change, at most 5 per second (changes in between
// are coalesced; a rebirth too keeps to that pace); telemetry every telemetry_s at QoS 0.
// Runs on the event loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "daemon/config/config.hpp"
#include "daemon/controller/controller.hpp"
#include "daemon/mqtt/broker_link.hpp"
#include "daemon/state/state_report.hpp"
#include "daemon/store/store.hpp"
#include "drivers/clock.hpp"
#include "protocol/events.hpp"
#include "protocol/topics.hpp"

namespace locker::mqtt {

struct reporter_settings {
  std::string version;
  std::string boot_id;  // a fresh UUID per process start
  drivers::wall_time started_at{};
  std::chrono::milliseconds state_min_interval{200};  // at most 5 state messages per second
  std::chrono::seconds telemetry{300};
  std::uint64_t config_version = 0;  // the last applied cfg/desired version
  // Optional features in …/info (e.g. fw_update when a keyring is configured); the commands
  // of the contract are all there and not listed.
  std::vector<std::string> capabilities;
};

class reporter {
 public:
  // Registers itself with the link's connect notifications. Everything referenced must
  // outlive the reporter. Hook state_changed() to the controller's on_change. The state
  // published is report's (the one get_state answers too).
  reporter(broker_link& link, drivers::clock& clock, store::store& db, state::state_report& report,
           const config::locker_config& cfg, const protocol::topic_set& topics,
           reporter_settings settings);
  reporter(const reporter&) = delete;
  reporter& operator=(const reporter&) = delete;

  // Republishes status and info now, and the state as soon as the 5-per-second limit lets
  // it (the rebirth command; also after every connect).
  void rebirth();
  // Something changed: state follows, rate-limited.
  void state_changed();
  // The cfg handler applied a new version: info carries it from now on (and is republished).
  void set_config_version(std::uint64_t v);
  // A new telemetry_s: the next report comes one new period from now, then every period.
  void set_telemetry(std::chrono::seconds period);

  // The bodies as they would be published now.
  [[nodiscard]] protocol::locker_info current_info() const;
  [[nodiscard]] protocol::telemetry current_telemetry();

  [[nodiscard]] std::uint64_t states_published() const { return states_published_; }

 private:
  void connected();
  // Publishes the state now if the last one is at least state_min_interval old, else once
  // it is (changes meanwhile are in the one published then).
  void publish_state_when_due();
  void publish_state_now();
  void publish_telemetry();
  void arm_telemetry();

  broker_link& link_;
  drivers::clock& clock_;
  store::store& db_;
  state::state_report& report_;
  const config::locker_config& cfg_;
  const protocol::topic_set& topics_;
  reporter_settings settings_;
  drivers::steady_time started_steady_;
  drivers::steady_time last_state_{};
  bool state_pending_ = false;
  std::uint64_t states_published_ = 0;
  drivers::timer state_timer_;
  drivers::timer telemetry_timer_;
};

}  // namespace locker::mqtt
