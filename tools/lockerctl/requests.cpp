// SPDX-License-Identifier: Apache-2.0
#include "tools/lockerctl/requests.hpp"

#include <chrono>
#include <istream>
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>

#include "protocol/commands.hpp"

namespace locker::ctl {
namespace {

using nlohmann::json;

// The decoder speaks in wire field names; the operator typed options.
std::string option_for_field(std::string_view field) {
  if (field == "reservation_id") return "--reservation";
  if (field == "tracking_number") return "--tracking";
  if (field == "size") return "--size";
  if (field == "pickup_code") return "the pickup code (stdin)";
  if (field == "pickup_window_h") return "--window-h";
  if (field == "hold_until") return "--hold-until";
  if (field == "recipient") return "--recipient";
  if (field == "compartment") return "--compartment";
  if (field == "reason") return "--reason";
  if (field == "operator") return "--operator";
  if (field == "courier_id") return "--id";
  if (field == "pin") return "the PIN (stdin)";
  if (field == "name") return "--name";
  if (field == "kind") return "--kind";
  if (field == "carrier") return "--carrier";
  if (field == "dropoff_code") return "the drop-off code (stdin)";
  return std::string(field);
}

std::string operator_message(std::string_view command, const std::string& decoder_message) {
  const auto colon = decoder_message.find(": ");
  if (colon == std::string::npos) return std::string(command) + ": " + decoder_message;
  const std::string option = option_for_field(decoder_message.substr(0, colon));
  // "--size: must be …" but "the PIN (stdin) must be …"
  const std::string separator = option.starts_with("--") ? ": " : " ";
  return std::string(command) + ": " + option + separator + decoder_message.substr(colon + 2);
}

json arguments(const command_args& c, const std::optional<std::string>& secret) {
  return std::visit(
      [&](const auto& a) -> json {
        using T = std::decay_t<decltype(a)>;
        json j = json::object();
        if constexpr (std::is_same_v<T, announce_args>) {
          j["reservation_id"] = a.reservation_id;
          j["tracking_number"] = a.tracking_number;
          j["size"] = a.size;
          const bool outbound = a.kind && *a.kind != "delivery";
          if (a.code_stdin && secret) j[outbound ? "dropoff_code" : "pickup_code"] = *secret;
          if (a.window_h) j["pickup_window_h"] = *a.window_h;
          if (a.accessible) j["accessible"] = true;
          if (a.extended_time) j["extended_time"] = true;
          if (a.hold_until) j["hold_until"] = *a.hold_until;
          if (a.kind) j["kind"] = *a.kind;
          if (a.carrier) j["carrier"] = *a.carrier;
          if (a.recipient) j["recipient"] = *a.recipient;
        } else if constexpr (std::is_same_v<T, cancel_args>) {
          j["reservation_id"] = a.reservation_id;
        } else if constexpr (std::is_same_v<T, open_args>) {
          j["compartment"] = a.compartment;
          j["reason"] = a.reason;
          j["operator"] = a.operator_name;
        } else if constexpr (std::is_same_v<T, service_args>) {
          j["compartment"] = a.compartment;
          j["in_service"] = a.in_service;
          j["reason"] = a.reason;
        } else if constexpr (std::is_same_v<T, courier_upsert_args>) {
          j["courier_id"] = a.courier_id;
          if (a.new_pin) j["pin"] = secret.value_or("");
          if (a.name) j["name"] = *a.name;
          j["enabled"] = a.enabled;
          if (a.carrier) j["carrier"] = *a.carrier;
        } else if constexpr (std::is_same_v<T, courier_remove_args>) {
          j["courier_id"] = a.courier_id;
        } else if constexpr (std::is_same_v<T, reboot_args>) {
          j["reason"] = a.reason;
        } else if constexpr (std::is_same_v<T, lockout_clear_args>) {
          if (a.budget) j["budget"] = *a.budget;
        } else if constexpr (std::is_same_v<T, fw_update_args>) {
          j["job_id"] = a.job_id;
          j["url"] = a.url;
          j["sha256"] = a.sha256;
        }
        return j;
      },
      c);
}

}  // namespace

secret_kind secret_needed(const command_args& c) {
  if (const auto* a = std::get_if<announce_args>(&c); a != nullptr && a->code_stdin) {
    return secret_kind::pickup_code;
  }
  if (const auto* a = std::get_if<courier_upsert_args>(&c); a != nullptr && a->new_pin) {
    return secret_kind::pin;
  }
  return secret_kind::none;
}

std::optional<std::string> read_secret_line(std::istream& in) {
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::variant<request_plan, usage_error> build_request(const command_args& c,
                                                      std::string_view req_id,
                                                      protocol::wall_time now,
                                                      std::chrono::milliseconds timeout,
                                                      const std::optional<std::string>& secret) {
  if (const auto* raw = std::get_if<raw_args>(&c)) return request_plan{raw->name, raw->payload};
  const std::string name = command_wire_name(c);
  if (name.empty()) return usage_error{"this command sends no request"};

  switch (secret_needed(c)) {
    case secret_kind::pickup_code:
      if (!secret || secret->empty())
        return usage_error{"announce: --code-stdin given, but no pickup code on stdin"};
      break;
    case secret_kind::pin:
      if (!secret || secret->empty())
        return usage_error{"courier: the PIN is read from stdin, and none came"};
      break;
    case secret_kind::none:
      break;
  }

  json payload = arguments(c, secret);
  // Flow "hold": --hold-h hours from now, sent as the deadline the contract takes.
  if (const auto* a = std::get_if<announce_args>(&c); a != nullptr && a->hold_h)
    payload["hold_until"] = protocol::format_timestamp(now + std::chrono::hours(*a->hold_h));
  payload["req_id"] = std::string(req_id);
  payload["expires_at"] = protocol::format_timestamp(
      now + std::chrono::duration_cast<std::chrono::system_clock::duration>(timeout));
  std::string text = payload.dump();

  // The locker's own decoder: what passes here is what the locker accepts as well-formed.
  const auto decoded = protocol::decode_command(name, text, now);
  if (!decoded) {
    std::string command_word = name;
    std::visit(
        [&](const auto& a) {
          using T = std::decay_t<decltype(a)>;
          if constexpr (std::is_same_v<T, announce_args>)
            command_word = "announce";
          else if constexpr (std::is_same_v<T, cancel_args>)
            command_word = "cancel";
          else if constexpr (std::is_same_v<T, open_args>)
            command_word = "open";
          else if constexpr (std::is_same_v<T, service_args>)
            command_word = "service";
          else if constexpr (std::is_same_v<T, courier_upsert_args> ||
                             std::is_same_v<T, courier_remove_args>)
            command_word = "courier";
          else if constexpr (std::is_same_v<T, reboot_args>)
            command_word = "reboot";
          else if constexpr (std::is_same_v<T, fw_update_args>)
            command_word = "fw-update";
          else if constexpr (std::is_same_v<T, lockout_clear_args>)
            command_word = "lockout";
        },
        c);
    return usage_error{operator_message(command_word, decoded.error().message)};
  }
  return request_plan{name, std::move(text)};
}

}  // namespace locker::ctl
