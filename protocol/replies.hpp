// SPDX-License-Identifier: Apache-2.0
// Replies of contract v1 ("…/res/<name>" and the MQTT 5 response topic).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "protocol/errors.hpp"

namespace locker::protocol {

enum class reply_status { ok, error, accepted };

[[nodiscard]] std::string_view to_string(reply_status s);

struct reply {
  // nullopt only when the request's req_id could not be read: encoded as "req_id": null.
  std::optional<std::string> req_id;
  reply_status status = reply_status::ok;
  std::optional<error_code> code;      // set exactly when status is error
  std::optional<std::string> message;  // human-readable; never holds a secret
  std::optional<nlohmann::json> data;  // an object
};

[[nodiscard]] reply ok_reply(std::string req_id, nlohmann::json data = nlohmann::json::object());
[[nodiscard]] reply accepted_reply(std::string req_id);
[[nodiscard]] reply error_reply(const error& e);
[[nodiscard]] reply error_reply(std::string req_id, error_code code, std::string message);

// {"req_id","status","code"?,"message"?,"data"?} as compact JSON text.
[[nodiscard]] std::string encode_reply(const reply& r);

// reply data of reservation_cancel: {"state": …}
enum class cancel_outcome { cancelled, removal_pending };
[[nodiscard]] nlohmann::json reservation_cancel_data(cancel_outcome outcome);
// reservation_create's data for a drop-off or return whose code the locker drew (drop-off
// flow, v1 addition): {"dropoff_code": "<digits>"}; every other reservation_create answers {}.
[[nodiscard]] nlohmann::json reservation_create_data(const std::string& dropoff_code);

// reply data of compartment_open: {"door": "opened"|"not_detected"}
[[nodiscard]] nlohmann::json compartment_open_data(bool door_opened);

}  // namespace locker::protocol
