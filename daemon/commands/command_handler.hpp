// SPDX-License-Identifier: Apache-2.0
// Runs the operator's MQTT commands (…/cmd/<name>) and settings (…/cfg/desired) of
// contract v1 (protocol.md) against the controller and the store, and answers them.
//
// Every request is decoded by protocol/ (pure), then answered exactly once per req_id:
// the reply is saved in the store in the same transaction as the change it reports, and a
// req_id answered in the last 24 hours (also before a restart) gets that saved reply again,
// without running twice. Replies go to …/res/<name> and, when the request carried them, to
// its MQTT 5 response topic with its correlation data. Every executed command leaves an
// audit entry (actor: the operator named in the request, else "mqtt"); no PIN or code is
// ever logged, audited or echoed. handle_local() runs the same path for a caller on the board
// (lockeradm over the admin socket): its reply goes only to that caller.
//
// Runs on the event loop's thread; never throws.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "base/liveness.hpp"
#include "daemon/commands/command_rate.hpp"
#include "daemon/commands/publisher.hpp"
#include "daemon/controller/controller.hpp"
#include "daemon/parcels/parcels.hpp"
#include "daemon/security/secret_key.hpp"
#include "daemon/state/state_report.hpp"
#include "daemon/store/store.hpp"
#include "daemon/update/updater.hpp"
#include "drivers/clock.hpp"
#include "protocol/commands.hpp"
#include "protocol/replies.hpp"
#include "protocol/settings.hpp"
#include "protocol/topics.hpp"

namespace locker::commands {

// How long a reply is kept to answer a repeated req_id (protocol.md: 24 hours), and how many
// at most: the oldest go first beyond that, so a flood of commands cannot fill the disk (the
// replay window is "24 h or max_saved_replies replies", protocol/README.md).
inline constexpr std::chrono::hours reply_memory{24};
inline constexpr std::int64_t max_saved_replies = 10'000;
// The per-locker limit on MQTT commands (command_rate.hpp); more is answered busy.
inline constexpr rate_limit command_rate_limit{.burst = 200, .per_second = 20};
// A refused PIN, badge or pickup code ("another courier has the same PIN", "pickup_code: not
// available") tells the sender that someone holds that secret. Those refusals are budgeted
// (MQTT only): 10, then one every 6 minutes; while the budget is spent, every command that
// brings a PIN, badge or pickup code is answered busy without being looked at, so neither a
// refusal nor a success can be used to search the space (at 10 an hour, the million 6-digit
// PINs would take 11 years). A tracking system that draws codes at random hits a taken one
// about once in 5,000 announcements at 200 parcels on file.
inline constexpr rate_limit secret_conflict_limit{.burst = 10, .per_second = 1.0 / 360};

class command_handler {
 public:
  // Everything referenced must outlive the handler. Reads which settings version was applied
  // before (the store; lockerd laid it over the configuration at start); logs and goes on if
  // it cannot. An applied cfg/desired version goes to the controller's settings in force.
  // get_state answers report's body (the one …/state publishes) plus the reservations.
  command_handler(controller::controller& locker, store::store& db, const security::secret_key& key,
                  drivers::clock& clock, const protocol::topic_set& topics, publisher& out,
                  state::state_report& report);
  command_handler(const command_handler&) = delete;
  command_handler& operator=(const command_handler&) = delete;
  ~command_handler();

  // One message from "…/cmd/<name>". compartment_open answers when the door opened or
  // did not (up to open_detect_s later); everything else answers before returning.
  void handle_command(std::string_view name, std::string_view payload,
                      std::optional<std::string> response_topic = std::nullopt,
                      std::optional<std::string> correlation_data = std::nullopt);

  // The same command from a caller on the board (lockeradm through the admin socket), run
  // exactly as handle_command runs it (decoding, req_id replay, one transaction with the change,
  // the saved reply and the audit entry), with actor in the audit entry (e.g.
  // "lockeradm:uid=0"; also the operator of a compartment_open). The reply goes only to reply,
  // never to …/res/; like compartment_open's, it may come later, on the loop.
  void handle_local(std::string_view name, std::string_view payload, std::string actor,
                    std::function<void(std::string reply_json)> reply);

  // One message from "…/cfg/desired" (retained). An empty payload (the retained message
  // was cleared) is ignored. Answers on "…/cfg/reported" (retained).
  void handle_cfg_desired(std::string_view payload);

  // Called for the "rebirth" command: the reporter republishes status, info and state.
  void on_rebirth(std::function<void()> fn) { on_rebirth_ = std::move(fn); }
  // Called after a command changed what "…/state" shows without the controller committing
  // it (a stored parcel cancelled: removal_pending); the controller's own changes come
  // through its on_change hook.
  void on_state_change(std::function<void()> fn) { on_state_change_ = std::move(fn); }
  // Called after a cfg/desired version was applied, with the configuration now in force
  // (whose readers, told by config::settings_in_force, have it already): for …/info's version.
  void on_settings_applied(std::function<void(const config::locker_config&)> fn) {
    on_settings_applied_ = std::move(fn);
  }

  // fw_update and reboot go to the updater (which must outlive the handler); without one
  // both are answered internal ("not available").
  void set_updater(update::updater* u) { updater_ = u; }

  // The applied cfg/desired version (0: none), for …/info.
  [[nodiscard]] std::uint64_t config_version() const { return config_version_; }

 private:
  // Where the reply goes: the command's name and the request's MQTT 5 properties, or the
  // local caller; and who asks.
  struct route {
    std::string name;
    std::optional<std::string> response_topic;
    std::optional<std::string> correlation_data;
    std::string actor = "mqtt";
    std::function<void(std::string)> local_reply;  // set: the reply goes here only
  };
  void run(const route& r, std::string_view payload);
  // What one command did: the reply, and the audit entry that goes with it.
  struct outcome {
    protocol::reply reply;
    nlohmann::json detail = nlohmann::json::object();  // never a secret
  };
  using tx_body = std::function<outcome(store::transaction&)>;

  void dispatch(const route& r, const protocol::command& cmd);
  // MQTT only (secret_conflict_limit): true when the budget for refused secrets is spent;
  // the command is then answered busy here.
  bool secrets_refused_for_now(const route& r, const std::string& req_id);
  // After a command that brought a secret: counts a refusal for a secret in use.
  void count_secret_conflict(const route& r);
  // Runs body in one transaction with the audit entry and the saved reply, then sends the
  // reply. A unique index refusing the change answers conflict; any other database failure
  // answers internal (not saved: nothing happened, the same req_id may try again).
  // Returns true when body's own outcome was committed.
  bool execute(const route& r, const std::string& req_id, std::string_view actor,
               const tx_body& body);
  // Answers a known req_id from the store; false if it is not known (or too old).
  bool replay(const route& r, const std::string& req_id);
  void send(const route& r, const std::string& payload);
  // A read-only command's answer: sent, logged, neither saved for replay nor audited (a
  // repeat gets a fresh one), so that asking cannot grow the database.
  void answer_unsaved(const route& r, const protocol::reply& reply);
  void prune_if_due();
  void prune_to_bound();  // the oldest replies beyond max_saved_replies

  outcome reservation_create(store::transaction& tx, const std::string& req_id,
                             const protocol::reservation_create& a);
  // Drop-off flow: fills ann's drop-off fields from a (and the audit detail). Returns the
  // code it drew ("" when none was to be drawn), or nullopt when no free code could be.
  std::optional<std::string> dropoff_announcement(const protocol::reservation_create& a,
                                                  parcels::announcement& ann,
                                                  nlohmann::json& detail);
  outcome reservation_cancel(store::transaction& tx, const std::string& req_id,
                             const protocol::reservation_cancel& a);
  outcome courier_upsert(store::transaction& tx, const std::string& req_id,
                         const protocol::courier_upsert& a);
  outcome courier_remove(store::transaction& tx, const std::string& req_id,
                         const protocol::courier_remove& a);
  void compartment_open(const route& r, const protocol::command& cmd,
                        const protocol::compartment_open& a);
  void compartment_set_service(const route& r, const protocol::command& cmd,
                               const protocol::compartment_set_service& a);
  void fw_update(const route& r, const protocol::command& cmd, const protocol::fw_update& a);
  void reboot(const route& r, const protocol::command& cmd, const protocol::reboot& a);
  void lockout_clear(const route& r, const protocol::command& cmd,
                     const protocol::lockout_clear& a);

  controller::controller& locker_;
  // Flow "hold": the reservation_create being run wrote a hold (the state changes).
  bool holds_touched_ = false;
  store::store& db_;
  const security::secret_key& key_;
  drivers::clock& clock_;
  const protocol::topic_set& topics_;
  publisher& out_;
  state::state_report& report_;
  update::updater* updater_ = nullptr;
  std::function<void()> on_rebirth_;
  std::function<void()> on_state_change_;
  std::function<void(const config::locker_config&)> on_settings_applied_;
  std::uint64_t config_version_ = 0;
  protocol::settings_patch applied_settings_;  // every remotely set value so far
  std::optional<drivers::wall_time> last_prune_;
  std::int64_t saved_since_prune_ = 0;
  // MQTT commands only: lockeradm's, over the local socket, are a person's.
  command_rate rate_{command_rate_limit};
  bool rate_limited_ = false;  // a burst over the limit is being answered busy
  command_rate secret_conflicts_{secret_conflict_limit};
  bool secret_conflict_ = false;  // the command being run was refused for a secret in use
  // compartment_open requests waiting for their door: a redelivery meanwhile is dropped
  // (the one reply follows when the door opened or did not).
  std::set<std::string> in_flight_;
  // Outlives nothing: callbacks still held by the controller check it before touching this.
  base::liveness alive_;
};

}  // namespace locker::commands
