// SPDX-License-Identifier: Apache-2.0
// The cabinet's power alarm (the backup_power line, kept across restarts) and the alarm
// LED that shows whether any compartment, or the database (storage_fault), has a critical
// alarm.
#include "daemon/controller/controller.hpp"
#include "daemon/controller/controller_internal.hpp"
#include "daemon/log/log.hpp"
#include "protocol/timestamp.hpp"

namespace locker::controller {

namespace {

// The settings row that keeps the power alarm across restarts: when it was raised, or "".
constexpr std::string_view power_alarm_key = "power_alarm_since";

}  // namespace

void controller::start_power_watch() {
  const auto since = db_.settings().get(power_alarm_key).value_or("");
  power_since_ = since.empty() ? std::nullopt : protocol::parse_timestamp(since);
  auto* sensor = hardware_.power();
  if (sensor == nullptr) {
    // The board file no longer names a power line: nothing could ever clear the alarm.
    if (power_since_) power_changed(false);
    return;
  }
  sensor->on_change([this](bool on_backup) {
    guarded("booking a power change", {}, [&] { power_changed(on_backup); });
  });
  sensor->on_fault([](std::error_code ec) {
    if (ec)
      log::error("controller", "the backup_power line failed (", ec.message(),
                 "): the power alarm shows its last reading");
    else
      log::info("controller", "the backup_power line answers again");
  });
  // What happened while the locker was off.
  power_changed(sensor->on_backup());
}

void controller::power_changed(bool on_backup) {
  if (on_backup == power_since_.has_value()) return;
  const auto now = clock_.wall_now();
  const bool ok = commit([&](store::transaction& tx) {
    journal(tx, store::journal_topic::alarm, "power",
            {{"severity", "warning"}, {"active", on_backup}});
    db_.settings().set(tx, power_alarm_key, on_backup ? protocol::format_timestamp(now) : "");
  });
  if (!ok) return;  // tried again at the next change or start
  power_since_ = on_backup ? std::optional<drivers::wall_time>(now) : std::nullopt;
  if (on_backup)
    log::warning("controller", "mains power lost: running on the backup supply");
  else
    log::info("controller", "mains power is back");
}

void controller::update_alarm_indicator() {
  bool critical = false;
  for (const auto& s : slots_) {
    const auto& a = s->machine->alarms();
    for (auto type : compartment::all_alarm_types)
      critical = critical || (a.has(type) && compartment::severity_of(type) ==
                                                 compartment::alarm_severity::critical);
  }
  critical = critical || storage_fault_since_.has_value() || books_lost_since_.has_value();
  hardware_.board().indicator().set_alarm(critical);
}

}  // namespace locker::controller
