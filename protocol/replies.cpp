// SPDX-License-Identifier: Apache-2.0
#include "protocol/replies.hpp"

#include "protocol/json_util.hpp"

namespace locker::protocol {

std::string_view to_string(reply_status s) {
  switch (s) {
    case reply_status::ok:
      return "ok";
    case reply_status::error:
      return "error";
    case reply_status::accepted:
      return "accepted";
  }
  return "error";
}

reply ok_reply(std::string req_id, nlohmann::json data) {
  return reply{std::move(req_id), reply_status::ok, std::nullopt, std::nullopt, std::move(data)};
}

reply accepted_reply(std::string req_id) {
  return reply{std::move(req_id), reply_status::accepted, std::nullopt, std::nullopt, std::nullopt};
}

reply error_reply(const error& e) {
  return reply{e.req_id, reply_status::error, e.code, e.message, std::nullopt};
}

reply error_reply(std::string req_id, error_code code, std::string message) {
  return reply{std::move(req_id), reply_status::error, code, std::move(message), std::nullopt};
}

std::string encode_reply(const reply& r) {
  nlohmann::json j;
  j["req_id"] = r.req_id ? nlohmann::json(*r.req_id) : nlohmann::json(nullptr);
  j["status"] = to_string(r.status);
  if (r.code) j["code"] = to_string(*r.code);
  if (r.message) j["message"] = *r.message;
  if (r.data) j["data"] = *r.data;
  return detail::dump_payload(j);
}

nlohmann::json reservation_cancel_data(cancel_outcome outcome) {
  return {{"state", outcome == cancel_outcome::cancelled ? "cancelled" : "removal_pending"}};
}

nlohmann::json reservation_create_data(const std::string& dropoff_code) {
  return {{"dropoff_code", dropoff_code}};
}

nlohmann::json compartment_open_data(bool door_opened) {
  return {{"door", door_opened ? "opened" : "not_detected"}};
}

}  // namespace locker::protocol
