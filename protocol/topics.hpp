// SPDX-License-Identifier: Apache-2.0
// MQTT topics of contract v1, all under "locker/v1/<locker_id>/".
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace locker::protocol {

// [a-z0-9-]{1,64}
[[nodiscard]] bool valid_locker_id(std::string_view id);
// A job id becomes a topic level ("…/job/<job_id>"): [A-Za-z0-9_-]{1,64}, so never '/', '+', '#'.
[[nodiscard]] bool valid_job_id(std::string_view id);

// The command names of the contract's table, in table order.
[[nodiscard]] std::span<const std::string_view> command_names();
[[nodiscard]] bool known_command(std::string_view name);

// Builds every topic of one locker. Made only through make(), so the id is always valid.
class topic_set {
 public:
  [[nodiscard]] static std::optional<topic_set> make(std::string_view locker_id);

  [[nodiscard]] const std::string& locker_id() const { return locker_id_; }
  [[nodiscard]] const std::string& root() const { return root_; }  // ends with '/'
  [[nodiscard]] std::string status() const { return root_ + "status"; }
  [[nodiscard]] std::string info() const { return root_ + "info"; }
  [[nodiscard]] std::string state() const { return root_ + "state"; }
  [[nodiscard]] std::string evt_parcel() const { return root_ + "evt/parcel"; }
  [[nodiscard]] std::string evt_door() const { return root_ + "evt/door"; }
  [[nodiscard]] std::string evt_alarm() const { return root_ + "evt/alarm"; }
  [[nodiscard]] std::string tele() const { return root_ + "tele"; }
  [[nodiscard]] std::string cmd(std::string_view name) const;
  [[nodiscard]] std::string res(std::string_view name) const;
  [[nodiscard]] std::string cfg_desired() const { return root_ + "cfg/desired"; }
  [[nodiscard]] std::string cfg_reported() const { return root_ + "cfg/reported"; }
  [[nodiscard]] std::string job(std::string_view job_id) const;
  // What the locker subscribes to: "…/cmd/+".
  [[nodiscard]] std::string cmd_filter() const { return root_ + "cmd/+"; }
  // Client id: "locker-<locker_id>".
  [[nodiscard]] std::string client_id() const { return "locker-" + locker_id_; }

 private:
  explicit topic_set(std::string_view locker_id);
  std::string locker_id_;
  std::string root_;
};

enum class incoming_kind { command, cfg_desired };

struct incoming_topic {
  incoming_kind kind;
  std::string command;  // the <name> of "…/cmd/<name>", possibly not a known command
};

// Classifies a topic the locker received. nullopt: not under this locker's root, or neither
// "…/cmd/<name>" (one non-empty level) nor "…/cfg/desired".
[[nodiscard]] std::optional<incoming_topic> parse_incoming_topic(const topic_set& topics,
                                                                 std::string_view topic);

}  // namespace locker::protocol
