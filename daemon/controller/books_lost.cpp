// SPDX-License-Identifier: Apache-2.0
// A start in place of a damaged database (issue 15; daemon/state_folder set it aside): every
// parcel, code, courier and reservation on file is gone, so the locker cannot say what its
// compartments hold. It starts anyway, reachable over MQTT and lockeradm, with the books_lost
// alarm (critical, no compartment, moved_to naming the file set aside) raised, journaled once
// and kept across restarts. A compartment whose presence sensor looks inside is judged by it
// (something there is unexpected_contents, as at every start); every other one goes out of
// service (reason books_lost) and takes no deposit until an operator had it checked:
// compartment_set_service in_service is the operator's word that it was (a technician looked;
// or the operator puts it back and opens it with compartment_open right away, for a person on
// site to empty it). The alarm ends when the last one is back.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/controller/controller.hpp"
#include "daemon/controller/controller_internal.hpp"
#include "daemon/log/log.hpp"
#include "protocol/timestamp.hpp"

namespace locker::controller {

namespace {

constexpr std::string_view alarm_name = "books_lost";

}  // namespace

void controller::take_up_lost_books() {
  const auto text = db_.settings().get(store::books_lost_setting).value_or("");
  if (text.empty()) return;
  auto record = nlohmann::json::parse(text, nullptr, false);
  if (!record.is_object()) record = nlohmann::json::object();
  books_lost_moved_to_ = record.value("moved_to", std::string());
  books_lost_since_ =
      protocol::parse_timestamp(record.value("at", std::string())).value_or(clock_.wall_now());
  if (record.value("raised", false)) {
    log::warning("controller", "books_lost is still raised (", books_lost_moved_to_,
                 " was set aside): compartments out of service until checked");
    return;
  }
  std::vector<std::string> to_check;
  commit_together([&](store::transaction& tx) {
    for (auto& s : slots_) {
      auto& m = *s->machine;
      if (can_look_inside(m)) continue;  // check_contents_at_start() looks
      m.set_service(false, books_lost_reason);
      save(tx, *s);
      to_check.push_back(m.id());
    }
    journal(tx, store::journal_topic::alarm, alarm_name,
            {{"severity", "critical"}, {"active", true}, {"moved_to", books_lost_moved_to_}});
    db_.audit().record(tx, clock_.wall_now(), "lockerd", "books_lost",
                       {{"moved_to", books_lost_moved_to_},
                        {"problems", record.value("problems", std::string())},
                        {"to_check", to_check}});
    record["raised"] = true;
    db_.settings().set(tx, store::books_lost_setting, record.dump());
  });
  log::error("controller", "books_lost: the database was replaced (", books_lost_moved_to_,
             " set aside); ", to_check.size(),
             " compartments are out of service until an operator has each checked");
  if (to_check.empty()) {
    // Every compartment looks inside itself: nothing is left to check.
    bool ended = false;
    if (commit([&](store::transaction& tx) { ended = end_lost_books_if_checked(tx); }) && ended)
      lost_books_checked();
  }
  update_alarm_indicator();
}

bool controller::end_lost_books_if_checked(store::transaction& tx) {
  if (!books_lost_since_) return false;
  for (const auto& s : slots_) {
    const auto& m = *s->machine;
    if (m.service() == compartment::service_state::out_of_service &&
        m.service_reason() == books_lost_reason)
      return false;
  }
  journal(tx, store::journal_topic::alarm, alarm_name,
          {{"severity", "critical"}, {"active", false}});
  db_.settings().set(tx, store::books_lost_setting, "");
  return true;
}

void controller::lost_books_checked() {
  books_lost_since_.reset();
  books_lost_moved_to_.clear();
  log::info("controller", "books_lost cleared: every compartment was checked");
  update_alarm_indicator();
}

}  // namespace locker::controller
