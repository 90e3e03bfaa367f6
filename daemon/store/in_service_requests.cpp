// SPDX-License-Identifier: Apache-2.0
#include "daemon/store/in_service_requests.hpp"

#include "daemon/store/columns.hpp"

namespace locker::store {

namespace {
std::string request_key(std::string_view compartment_id) {
  return "in_service_request:" + std::string(compartment_id);
}
}  // namespace

void in_service_requests::add(transaction& tx, std::string_view compartment_id,
                              std::string_view reason) {
  settings_.set(tx, request_key(compartment_id), reason);
}

std::optional<std::string> in_service_requests::find(std::string_view compartment_id) {
  return settings_.get(request_key(compartment_id));
}

void in_service_requests::drop(transaction& tx, std::string_view compartment_id) {
  check_same_db(db_, tx);
  db_.prepare("DELETE FROM settings WHERE key = ?1").bind(1, request_key(compartment_id)).run();
}

}  // namespace locker::store
