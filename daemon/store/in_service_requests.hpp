// SPDX-License-Identifier: Apache-2.0
// A technician's request to put a compartment back in service. lockeradm cannot change the
// running lockerd's compartments (they live in its memory and it saves them over any change
// made here); it leaves this request, which lockerd carries out at its next start like
// compartment_set_service with in_service true. Kept in the settings table, one row per
// compartment with a request waiting.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "daemon/store/stored_settings.hpp"

namespace locker::store {

class in_service_requests {
 public:
  in_service_requests(database& db, stored_settings& settings) : db_(db), settings_(settings) {}

  void add(transaction& tx, std::string_view compartment_id, std::string_view reason);
  // The reason given, if a request is waiting.
  [[nodiscard]] std::optional<std::string> find(std::string_view compartment_id);
  void drop(transaction& tx, std::string_view compartment_id);

 private:
  database& db_;
  stored_settings& settings_;
};

}  // namespace locker::store
