// SPDX-License-Identifier: Apache-2.0
#include "tools/lockerctl/format.hpp"

#include <algorithm>
#include <array>
#include <sstream>
#include <type_traits>
#include <utility>
#include <vector>

namespace locker::ctl {
namespace {

using nlohmann::json;

// A field as text: strings bare, other JSON compact, "?" when absent.
std::string text_of(const json& obj, std::string_view key, std::string_view absent = "?") {
  if (!obj.is_object()) return std::string(absent);
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::string(absent);
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return out;
}

const json& array_or_empty(const json& obj, std::string_view key) {
  static const json empty = json::array();
  if (!obj.is_object()) return empty;
  const auto it = obj.find(key);
  return (it != obj.end() && it->is_array()) ? *it : empty;
}

}  // namespace

std::string format_seconds(std::chrono::milliseconds d) {
  const auto ms = d.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000);
  std::ostringstream out;
  out << static_cast<double>(ms) / 1000.0;
  return out.str();
}

std::string describe_success(const command_args& c, const json& reply) {
  const json data = (reply.is_object() && reply.contains("data")) ? reply["data"] : json::object();
  if (text_of(reply, "status") == "accepted") return "accepted: the locker is working on it";
  return std::visit(
      [&](const auto& a) -> std::string {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, announce_args>) {
          if (a.kind && *a.kind != "delivery") {
            // The drawn drop-off code goes to the sender: printed once, never kept here.
            const std::string code = text_of(data, "dropoff_code", "");
            return "reservation " + a.reservation_id + " announced: parcel " + a.tracking_number +
                   " may be " + (*a.kind == "return" ? "returned" : "dropped off") +
                   (code.empty() ? "" : " with drop-off code " + code);
          }
          std::string text = "reservation " + a.reservation_id +
                             " announced: a courier may deposit parcel " + a.tracking_number;
          // Flow "hold": the reply says only ok; the state shows which compartment.
          if (a.hold_until || a.hold_h) text += " (a compartment is held for it)";
          return text;
        } else if constexpr (std::is_same_v<T, cancel_args>) {
          const std::string state = text_of(data, "state");
          if (state == "cancelled") return "reservation " + a.reservation_id + " cancelled";
          if (state == "removal_pending") {
            return "reservation " + a.reservation_id +
                   ": the parcel is stored; marked for removal by a courier";
          }
          return "reservation " + a.reservation_id + ": " + state;
        } else if constexpr (std::is_same_v<T, open_args>) {
          const std::string door = text_of(data, "door");
          if (door == "opened") return "compartment " + a.compartment + ": door opened";
          if (door == "not_detected") {
            return "compartment " + a.compartment +
                   ": unlocked, but the door was not detected opening";
          }
          return "compartment " + a.compartment + ": door " + door;
        } else if constexpr (std::is_same_v<T, service_args>) {
          // Back in service after a fault: the locker says which faults it cleared.
          const std::string message = text_of(reply, "message", "");
          return "compartment " + a.compartment +
                 (a.in_service ? " is back in service" : " is out of service") +
                 (message.empty() ? "" : " (" + message + ")");
        } else if constexpr (std::is_same_v<T, courier_upsert_args>) {
          return "courier " + a.courier_id + " saved (" + (a.enabled ? "enabled" : "disabled") +
                 ")";
        } else if constexpr (std::is_same_v<T, courier_remove_args>) {
          return "courier " + a.courier_id + " removed";
        } else if constexpr (std::is_same_v<T, rebirth_args>) {
          return "rebirth: the locker republished status, info and state";
        } else if constexpr (std::is_same_v<T, reboot_args>) {
          return "reboot: the locker is restarting";
        } else if constexpr (std::is_same_v<T, lockout_clear_args>) {
          const std::string message = text_of(reply, "message", "");
          return "keypad lockout cleared (" + a.budget.value_or("both budgets") + ")" +
                 (message.empty() ? "" : ": " + message);
        } else {
          return "ok " + data.dump();
        }
      },
      c);
}

std::string describe_error(const json& reply) {
  std::string out = text_of(reply, "code", "error");
  if (const std::string message = text_of(reply, "message", ""); !message.empty()) {
    out += ": " + message;
  }
  return out;
}

std::string describe_status(const std::optional<json>& status) {
  if (!status) return "none retained";
  if (!status->is_object() || !status->contains("online")) return "unreadable";
  const json& online = (*status)["online"];
  if (online == true) {
    return "online since " + text_of(*status, "started_at") + ", version " +
           text_of(*status, "version");
  }
  return "offline (" + text_of(*status, "reason") + ")";
}

std::string no_answer_message(std::chrono::milliseconds timeout,
                              const std::optional<json>& status) {
  return "the locker did not answer within " + format_seconds(timeout) +
         " s: is it online? (last status: " + describe_status(status) + ")";
}

std::string format_state_table(const json& data) {
  const std::array<std::string, 7> header = {"COMPARTMENT", "SIZE",   "DOOR",  "LOCK",
                                             "SERVICE",     "PARCEL", "ALARMS"};
  std::vector<std::array<std::string, 7>> rows;
  const json& alarms = array_or_empty(data, "alarms");

  for (const json& c : array_or_empty(data, "compartments")) {
    const std::string id = text_of(c, "id");
    std::string parcel = "-";
    if (c.is_object() && c.contains("parcel") && c["parcel"].is_object()) {
      parcel = text_of(c["parcel"], "tracking_number") + " (" + text_of(c["parcel"], "state") + ")";
    } else if (c.is_object() && c.value("occupied", false)) {
      parcel = "occupied";  // something is inside that the locker has no parcel record for
    }
    std::vector<std::string> own_alarms;
    for (const json& a : alarms) {
      if (text_of(a, "compartment", "") == id) own_alarms.push_back(text_of(a, "type"));
    }
    std::string service = text_of(c, "service");
    std::replace(service.begin(), service.end(), '_', ' ');
    rows.push_back({id, text_of(c, "size"), text_of(c, "door"), text_of(c, "lock"), service, parcel,
                    own_alarms.empty() ? "-" : join(own_alarms, ",")});
  }

  std::array<std::size_t, 7> width{};
  for (std::size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& r : rows) {
    for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  auto line = [&](const std::array<std::string, 7>& cells) {
    std::string out;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      out += cells[i];
      if (i + 1 < cells.size()) out += std::string(width[i] - cells[i].size() + 2, ' ');
    }
    return out + "\n";
  };

  std::string out = "last event seq " + text_of(data, "seq") + "\n";
  out += line(header);
  for (const auto& r : rows) out += line(r);

  std::vector<std::string> locker_alarms;
  for (const json& a : alarms) {
    if (text_of(a, "compartment", "").empty()) {
      locker_alarms.push_back(text_of(a, "type") + " (" + text_of(a, "severity") + ", since " +
                              text_of(a, "since") + ")");
    }
  }
  out += "locker alarms: " +
         (locker_alarms.empty() ? std::string("none") : join(locker_alarms, "; ")) + "\n";

  // Flow "hold" (issue 13): per size, what the compartments are now.
  if (data.is_object() && data.contains("capacity") && data["capacity"].is_object()) {
    out += "capacity (free/held/occupied/out of service/busy):\n";
    for (const auto& [size, n] : data["capacity"].items()) {
      out += "  " + size + ": " + text_of(n, "free") + "/" + text_of(n, "held") + "/" +
             text_of(n, "occupied") + "/" + text_of(n, "out_of_service") + "/" +
             text_of(n, "busy") + "\n";
    }
  }
  if (data.is_object() && data.contains("reservations")) {
    const json& reservations = array_or_empty(data, "reservations");
    out += "reservations: " +
           (reservations.empty() ? std::string("none") : std::to_string(reservations.size())) +
           "\n";
    for (const json& r : reservations) {
      out += "  " + text_of(r, "reservation_id") + "  " + text_of(r, "tracking_number") + "  " +
             text_of(r, "size") + "  created " + text_of(r, "created_at") + "\n";
    }
  }
  return out;
}

std::string format_event_line(std::string_view category, const json& event, bool show_codes) {
  std::string line = text_of(event, "seq") + " " + text_of(event, "ts") + " " +
                     std::string(category) + "." + text_of(event, "type") + " " +
                     text_of(event, "compartment", "-");
  std::vector<std::string> details;
  if (category == "alarm" && event.is_object() && event.contains("active")) {
    // Raised or cleared is the first thing an operator wants to know about an alarm.
    details.emplace_back(event["active"] == true ? "raised" : "cleared");
  }
  if (event.is_object()) {
    for (const auto& [key, value] : event.items()) {
      if (key == "seq" || key == "ts" || key == "type" || key == "compartment" ||
          key == "event_id" || (category == "alarm" && key == "active")) {
        continue;
      }
      if (key == "queued" && value != true) continue;
      const std::string shown = key == "pickup_code" && !show_codes
                                    ? "***"
                                    : (value.is_string() ? value.get<std::string>() : value.dump());
      std::string detail = key;
      detail += '=';
      detail += shown;
      details.push_back(std::move(detail));
    }
  }
  if (!details.empty()) line += " " + join(details, " ");
  return line;
}

cfg_verdict describe_cfg_reported(const json& reported) {
  cfg_verdict v;
  const std::string version = text_of(reported, "version");
  const std::string status = text_of(reported, "status");
  v.applied = status == "applied";
  v.text = "config version " + version + " " + status;
  const json& errors = array_or_empty(reported, "errors");
  if (!errors.empty()) v.text += ":";
  for (const json& e : errors) {
    const std::string key = text_of(e, "key", "");
    v.text +=
        "\n  " + (key.empty() ? std::string("(payload)") : key) + ": " + text_of(e, "message");
  }
  return v;
}

std::string format_job_line(const json& job) {
  std::string out = "job " + text_of(job, "job_id", "?") + ": " + text_of(job, "state", "?");
  if (const auto p = job.find("percent"); p != job.end() && p->is_number_integer())
    out += " " + std::to_string(p->get<int>()) + "%";
  if (const std::string message = text_of(job, "message", ""); !message.empty())
    out += ": " + message;
  return out;
}

}  // namespace locker::ctl
