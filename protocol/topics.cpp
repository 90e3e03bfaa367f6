// SPDX-License-Identifier: Apache-2.0
#include "protocol/topics.hpp"

#include <algorithm>
#include <array>

namespace locker::protocol {

namespace {

// In the order of protocol::request's alternatives (command_name() indexes it).
constexpr std::array<std::string_view, 11> command_table{
    "reservation_create", "reservation_cancel",
    "compartment_open",   "compartment_set_service",
    "courier_upsert",     "courier_remove",
    "get_state",          "rebirth",
    "fw_update",          "reboot",
    "lockout_clear"};

}  // namespace

bool valid_locker_id(std::string_view id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

bool valid_job_id(std::string_view id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

std::span<const std::string_view> command_names() { return command_table; }

bool known_command(std::string_view name) {
  return std::find(command_table.begin(), command_table.end(), name) != command_table.end();
}

std::optional<topic_set> topic_set::make(std::string_view locker_id) {
  if (!valid_locker_id(locker_id)) return std::nullopt;
  return topic_set{locker_id};
}

topic_set::topic_set(std::string_view locker_id)
    : locker_id_(locker_id), root_("locker/v1/" + locker_id_ + "/") {}

std::string topic_set::cmd(std::string_view name) const {
  return root_ + "cmd/" + std::string(name);
}
std::string topic_set::res(std::string_view name) const {
  return root_ + "res/" + std::string(name);
}
std::string topic_set::job(std::string_view job_id) const {
  return root_ + "job/" + std::string(job_id);
}

std::optional<incoming_topic> parse_incoming_topic(const topic_set& topics,
                                                   std::string_view topic) {
  if (!topic.starts_with(topics.root())) return std::nullopt;
  const std::string_view rest = topic.substr(topics.root().size());
  if (rest == "cfg/desired") return incoming_topic{incoming_kind::cfg_desired, {}};
  constexpr std::string_view cmd_prefix = "cmd/";
  if (!rest.starts_with(cmd_prefix)) return std::nullopt;
  const std::string_view name = rest.substr(cmd_prefix.size());
  if (name.empty() || name.find('/') != std::string_view::npos) return std::nullopt;
  return incoming_topic{incoming_kind::command, std::string(name)};
}

}  // namespace locker::protocol
