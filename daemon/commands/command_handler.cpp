// SPDX-License-Identifier: Apache-2.0
#include "daemon/commands/command_handler.hpp"

#include <exception>
#include <type_traits>
#include <utility>
#include <variant>

#include "daemon/commands/remote_settings.hpp"
#include "daemon/config/settings_table.hpp"
#include "daemon/log/log.hpp"
#include "daemon/parcels/parcels.hpp"
#include "daemon/security/random.hpp"
#include "daemon/store/courier_badges_repository.hpp"
#include "protocol/events.hpp"

namespace locker::commands {

namespace {

using nlohmann::json;
using protocol::error_code;

constexpr std::string_view component = "commands";
constexpr std::string_view default_actor = "mqtt";
// Old replies are deleted at most this often (one DELETE over an index).
constexpr std::chrono::hours prune_every{1};

protocol::reply refuse(const std::string& req_id, error_code code, std::string message) {
  return protocol::error_reply(req_id, code, std::move(message));
}

}  // namespace

command_handler::command_handler(controller::controller& locker, store::store& db,
                                 const security::secret_key& key, drivers::clock& clock,
                                 const protocol::topic_set& topics, publisher& out,
                                 state::state_report& report)
    : locker_(locker),
      db_(db),
      key_(key),
      clock_(clock),
      topics_(topics),
      out_(out),
      report_(report) {
  // The settings applied before a restart are in force already: lockerd laid them over the
  // configuration once, with apply_stored_settings(), before building anything. Here only
  // which version that was and what it set, for the next version's merge.
  try {
    const auto applied = load_applied_settings(db_);
    config_version_ = applied.version;
    applied_settings_ = applied.settings;
  } catch (const std::exception& e) {
    log::error(component, "reading the applied settings: ", e.what());
  }
}

command_handler::~command_handler() = default;

// --- entry points ---------------------------------------------------------------------

void command_handler::handle_command(std::string_view name, std::string_view payload,
                                     std::optional<std::string> response_topic,
                                     std::optional<std::string> correlation_data) {
  route r;
  r.name = std::string(name);
  r.response_topic = std::move(response_topic);
  r.correlation_data = std::move(correlation_data);
  run(r, payload);
}

void command_handler::handle_local(std::string_view name, std::string_view payload,
                                   std::string actor,
                                   std::function<void(std::string reply_json)> reply) {
  route r;
  r.name = std::string(name);
  r.actor = std::move(actor);
  r.local_reply = std::move(reply);
  run(r, payload);
}

void command_handler::run(const route& r, std::string_view payload) {
  const auto& name = r.name;
  std::optional<std::string> req_id;
  try {
    prune_if_due();
    // clock_sync "system": a deadline is judged only by a clock the system says was synced.
    const bool clock_trusted =
        locker_.current_config().clock_sync == config::clock_sync_kind::none ||
        clock_.wall_clock_synchronized();
    auto decoded = protocol::decode_command(name, payload, clock_.wall_now(), clock_trusted);
    req_id = decoded ? std::optional<std::string>(decoded->req_id) : decoded.error().req_id;
    // A compartment_open still waiting for its door answers once, when the door did or did
    // not open (its req_id is on file already, with the reply a restart would leave).
    if (req_id && r.name == "compartment_open" && in_flight_.contains(*req_id)) {
      log::info(component, r.name, " ", *req_id, ": repeated while still running; ignored");
      // A local caller waits for its one reply: this one says so (not saved).
      if (r.local_reply)
        send(r, protocol::encode_reply(refuse(*req_id, error_code::busy,
                                              "still running; the first request gets the reply")));
      return;
    }
    // Over the per-locker limit (MQTT only): busy, and nothing else happens. Said in the log
    // once per burst, with the count when it ends, so the flood does not fill the log either.
    if (!r.local_reply) {
      if (!rate_.admit(clock_.now())) {
        if (!rate_limited_) {
          rate_limited_ = true;
          log::warning(component, "more commands than the limit of ", command_rate_limit.burst,
                       " at once and ", command_rate_limit.per_second, " a second: answering busy");
        }
        send(r, protocol::encode_reply(refuse(req_id.value_or(""), error_code::busy,
                                              "too many commands; try again in a second")));
        return;
      }
      if (rate_limited_) {
        rate_limited_ = false;
        log::warning(component, rate_.take_refused(),
                     " commands were answered busy (over the limit)");
      }
    }
    // Before the decoder's verdict counts: a request answered before it expired is answered
    // the same way when it comes again later.
    if (req_id && replay(r, *req_id)) return;
    if (!decoded) {
      const auto& e = decoded.error();
      // The decoder's message names the field and the rule, never the value.
      log::info(component, r.name, " ", req_id.value_or("(no req_id)"), ": ",
                protocol::to_string(e.code), ": ", e.message);
      send(r, protocol::encode_reply(protocol::error_reply(e)));
      return;
    }
    dispatch(r, decoded.value());
  } catch (const std::exception& e) {
    log::error(component, r.name, ": ", e.what());
    if (req_id || r.local_reply) {
      try {
        send(r, protocol::encode_reply(
                    refuse(req_id.value_or(""), error_code::internal, "internal error")));
      } catch (const std::exception&) {
        // Nothing more can be done here; the link logs its own failures.
      }
    }
  }
}

void command_handler::handle_cfg_desired(std::string_view payload) {
  // A cleared retained message is not a configuration.
  if (payload.empty()) {
    log::debug(component, "cfg/desired cleared; ignored");
    return;
  }
  try {
    auto decoded = protocol::decode_cfg_desired(payload, config::remote_rules());
    std::optional<protocol::config_rejection> rejection;
    if (!decoded) {
      rejection = decoded.error();
    } else if (decoded->version == config_version_) {
      // Already in force (e.g. the retained message again after a reconnect).
      out_.publish(topics_.cfg_reported(), protocol::encode_cfg_applied(config_version_), 1, true,
                   std::nullopt);
      return;
    } else if (auto errors = check_settings(decoded->settings, locker_.current_config());
               !errors.empty()) {
      rejection = protocol::config_rejection{decoded->version, std::move(errors)};
    }

    if (rejection) {
      json keys = json::array();
      for (const auto& e : rejection->errors) keys.push_back(e.key);
      log::warning(component, "cfg/desired version ",
                   rejection->version ? std::to_string(*rejection->version) : "?",
                   " rejected: ", rejection->errors.empty() ? "" : rejection->errors.front().key,
                   rejection->errors.empty() ? "" : ": ",
                   rejection->errors.empty() ? "" : rejection->errors.front().message);
      db_.audit().record(
          clock_.wall_now(), default_actor, "cfg_rejected",
          {{"version", rejection->version ? json(*rejection->version) : json(nullptr)},
           {"keys", keys}});
      out_.publish(topics_.cfg_reported(), protocol::encode_cfg_rejected(*rejection), 1, true,
                   std::nullopt);
      return;
    }

    const auto& desired = decoded.value();
    for (const auto& k : desired.ignored_keys)
      log::info(component, "cfg/desired version ", desired.version, ": unknown key ", k,
                " ignored");
    applied_settings applied{desired.version, merge(applied_settings_, desired.settings)};
    try {
      store::transaction tx(db_.db());
      save_applied_settings(tx, db_, applied);
      db_.audit().record(tx, clock_.wall_now(), default_actor, "cfg_applied",
                         {{"version", desired.version}, {"settings", to_json(desired.settings)}});
      tx.commit();
    } catch (const std::exception& e) {
      // Not applied: the same version is tried again when it comes again.
      log::error(component, "saving cfg version ", desired.version, ": ", e.what());
      protocol::config_rejection failed{desired.version,
                                        {{"", "internal: could not be saved; send it again"}}};
      out_.publish(topics_.cfg_reported(), protocol::encode_cfg_rejected(failed), 1, true,
                   std::nullopt);
      return;
    }
    // In force at once: every reader of the settings is told (controller, hardware, keypad
    // session, reporter) before the answer goes out.
    locker_.settings().apply(desired.settings);
    config_version_ = desired.version;
    applied_settings_ = applied.settings;
    log::info(component, "cfg/desired version ", desired.version, " applied");
    out_.publish(topics_.cfg_reported(), protocol::encode_cfg_applied(desired.version), 1, true,
                 std::nullopt);
    if (on_settings_applied_) on_settings_applied_(locker_.current_config());
  } catch (const std::exception& e) {
    log::error(component, "cfg/desired: ", e.what());
  }
}

// --- plumbing ---------------------------------------------------------------------------

void command_handler::send(const route& r, const std::string& payload) {
  if (r.local_reply) {
    r.local_reply(payload);
    return;
  }
  const auto res = topics_.res(r.name);
  out_.publish(res, payload, 1, false, r.correlation_data);
  if (r.response_topic && !r.response_topic->empty() && *r.response_topic != res)
    out_.publish(*r.response_topic, payload, 1, false, r.correlation_data);
}

void command_handler::answer_unsaved(const route& r, const protocol::reply& reply) {
  log::info(component, r.name, " ", reply.req_id.value_or(""), ": ",
            protocol::to_string(reply.status));
  send(r, protocol::encode_reply(reply));
}

bool command_handler::replay(const route& r, const std::string& req_id) {
  const auto saved = db_.command_replies().find(req_id);
  if (!saved || saved->answered_at < clock_.wall_now() - reply_memory) return false;
  if (saved->command != r.name) {
    // Not the same request: answer it, but keep the first request's reply.
    log::info(component, r.name, " ", req_id, ": req_id already used by ", saved->command);
    send(r, protocol::encode_reply(
                refuse(req_id, error_code::conflict, "req_id already used by " + saved->command)));
    return true;
  }
  log::info(component, r.name, " ", req_id, ": answered before; reply sent again");
  send(r, saved->reply);
  return true;
}

void command_handler::prune_if_due() {
  const auto now = clock_.wall_now();
  if (last_prune_ && now - *last_prune_ < prune_every) return;
  last_prune_ = now;
  if (const auto n = db_.command_replies().prune(now - reply_memory); n > 0)
    log::debug(component, n, " old command replies deleted");
  prune_to_bound();
}

void command_handler::prune_to_bound() {
  saved_since_prune_ = 0;
  if (const auto n = db_.command_replies().prune_to(max_saved_replies); n > 0)
    log::info(component, n, " oldest command replies deleted (more than ", max_saved_replies,
              " kept)");
}

bool command_handler::execute(const route& r, const std::string& req_id, std::string_view actor,
                              const tx_body& body) {
  const auto now = clock_.wall_now();
  const auto attempt = [&](const tx_body& b) {
    store::transaction tx(db_.db());
    outcome o = b(tx);
    std::string text = protocol::encode_reply(o.reply);
    json detail = std::move(o.detail);
    detail["req_id"] = req_id;
    detail["status"] = protocol::to_string(o.reply.status);
    if (o.reply.code) detail["code"] = protocol::to_string(*o.reply.code);
    db_.audit().record(tx, now, actor, "cmd:" + r.name, detail);
    // internal means it did not happen: the same req_id may be tried again.
    const bool saved = o.reply.code != error_code::internal;
    if (saved) db_.command_replies().save(tx, req_id, r.name, text, now);
    tx.commit();
    // The bound is kept every few hundred saves too, not only hourly: a flood within the hour.
    if (saved && ++saved_since_prune_ >= max_saved_replies / 20) prune_to_bound();
    log::info(component, r.name, " ", req_id, ": ", protocol::to_string(o.reply.status),
              o.reply.code ? " " : "", o.reply.code ? protocol::to_string(*o.reply.code) : "");
    return text;
  };
  std::string text;
  bool committed = false;
  try {
    text = attempt(body);
    committed = true;
  } catch (const store::store_error& e) {
    log::warning(component, r.name, " ", req_id, ": database refused: ", e.what());
    const auto code = e.is_constraint() ? error_code::conflict : error_code::internal;
    const std::string message = e.is_constraint()
                                    ? "conflicts with what the locker holds"
                                    : "the locker could not save the change; nothing was done";
    try {
      text = attempt([&](store::transaction&) { return outcome{refuse(req_id, code, message)}; });
    } catch (const std::exception& again) {
      log::error(component, r.name, " ", req_id, ": ", again.what());
      text = protocol::encode_reply(refuse(req_id, error_code::internal, message));
    }
  } catch (const std::exception& e) {
    // Also reached from the controller's door callback: nothing may escape into it.
    log::error(component, r.name, " ", req_id, ": ", e.what());
    text = protocol::encode_reply(refuse(req_id, error_code::internal, "internal error"));
  }
  send(r, text);
  return committed;
}

// --- commands ---------------------------------------------------------------------------

bool command_handler::secrets_refused_for_now(const route& r, const std::string& req_id) {
  secret_conflict_ = false;
  if (r.local_reply || secret_conflicts_.has_room(clock_.now())) return false;
  send(r, protocol::encode_reply(
              refuse(req_id, error_code::busy,
                     "too many refused PINs, badges and pickup codes; try again later")));
  return true;
}

void command_handler::count_secret_conflict(const route& r) {
  if (!std::exchange(secret_conflict_, false) || r.local_reply) return;
  (void)secret_conflicts_.admit(clock_.now());
  if (!secret_conflicts_.has_room(clock_.now())) {
    log::warning(component, "more than ", secret_conflict_limit.burst,
                 " PINs, badges or pickup codes refused as in use: commands bringing one are "
                 "answered busy for a while (someone may be searching for them)");
  }
}

void command_handler::dispatch(const route& r, const protocol::command& cmd) {
  const std::string& id = cmd.req_id;
  const auto in_tx = [&](auto fn) { execute(r, id, r.actor, fn); };
  std::visit(
      [&](const auto& a) {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, protocol::reservation_create>) {
          if (a.pickup_code && secrets_refused_for_now(r, id)) return;
          holds_touched_ = false;
          const bool committed = execute(r, id, r.actor, [&](store::transaction& tx) {
            return reservation_create(tx, id, a);
          });
          if (a.pickup_code) count_secret_conflict(r);
          // Flow "hold": the expiry timer counts the new reservation, and a held compartment
          // is no longer free in the state.
          locker_.holds_changed();
          if (committed && holds_touched_ && on_state_change_) on_state_change_();
        } else if constexpr (std::is_same_v<T, protocol::reservation_cancel>) {
          bool parcel_changed = false;
          bool held = false;
          in_tx([&](store::transaction& tx) {
            held = db_.holds().for_reservation(a.reservation_id).has_value();
            auto o = reservation_cancel(tx, id, a);
            parcel_changed = o.detail.value("parcel_cancelled", false);
            return o;
          });
          // Flow "hold": a cancel ends the hold (its compartment is free again).
          if (held) locker_.holds_changed();
          if ((parcel_changed || held) && on_state_change_) on_state_change_();
        } else if constexpr (std::is_same_v<T, protocol::compartment_open>) {
          compartment_open(r, cmd, a);
        } else if constexpr (std::is_same_v<T, protocol::compartment_set_service>) {
          compartment_set_service(r, cmd, a);
        } else if constexpr (std::is_same_v<T, protocol::courier_upsert>) {
          // A new courier needs a PIN: bad input, answered like a decoding error and not saved.
          if (!a.pin && !db_.couriers().find(a.courier_id)) {
            send(r, protocol::encode_reply(
                        refuse(id, error_code::bad_request, "pin: required for a new courier")));
            return;
          }
          if ((a.pin || a.badge) && secrets_refused_for_now(r, id)) return;
          in_tx([&](store::transaction& tx) { return courier_upsert(tx, id, a); });
          if (a.pin || a.badge) count_secret_conflict(r);
        } else if constexpr (std::is_same_v<T, protocol::courier_remove>) {
          in_tx([&](store::transaction& tx) { return courier_remove(tx, id, a); });
        } else if constexpr (std::is_same_v<T, protocol::get_state>) {
          // Read before the reply's transaction: the report saves alarm times on its own.
          answer_unsaved(r, protocol::ok_reply(id, report_.get_state_data()));
        } else if constexpr (std::is_same_v<T, protocol::rebirth>) {
          // Saved: republishing is an action, and a redelivery must not do it twice.
          in_tx([&](store::transaction&) { return outcome{protocol::ok_reply(id)}; });
          // After the reply: the republished messages follow it.
          if (on_rebirth_) on_rebirth_();
        } else if constexpr (std::is_same_v<T, protocol::fw_update>) {
          fw_update(r, cmd, a);
        } else if constexpr (std::is_same_v<T, protocol::reboot>) {
          reboot(r, cmd, a);
        } else if constexpr (std::is_same_v<T, protocol::lockout_clear>) {
          lockout_clear(r, cmd, a);
        } else {
          static_assert(sizeof(T) == 0, "every command of the contract is handled");
        }
      },
      cmd.args);
}

command_handler::outcome command_handler::reservation_create(
    store::transaction& tx, const std::string& req_id, const protocol::reservation_create& a) {
  json detail = {{"reservation_id", a.reservation_id},
                 {"tracking_number", a.tracking_number},
                 {"size", a.size},
                 {"pickup_code_given", a.pickup_code.has_value()}};
  if (a.pickup_window_h) detail["pickup_window_h"] = *a.pickup_window_h;
  if (a.accessible) detail["accessible"] = true;
  if (a.extended_time) detail["extended_time"] = true;
  if (a.hold_until) detail["hold_until"] = protocol::format_timestamp(*a.hold_until);
  if (a.recipient)
    detail["recipient_given"] = true;  // multi: the key itself stays out of the audit
  const auto& sizes = locker_.current_config().board.sizes;
  parcels::announcement ann;
  ann.reservation_id = a.reservation_id;
  ann.tracking_number = a.tracking_number;
  ann.size = a.size;
  if (a.pickup_code) ann.pickup_code_hash = security::pickup_code_hash(key_, *a.pickup_code);
  if (a.pickup_window_h) ann.pickup_window_h = *a.pickup_window_h;
  ann.accessible = a.accessible;
  ann.extended_time = a.extended_time;
  if (a.pickup_code) ann.pickup_code_as_dropoff = security::dropoff_code_hash(key_, *a.pickup_code);
  // Drop-off flow: a parcel the public brings; its code given, or drawn here and answered in
  // the reply's data (only the hash is kept on file).
  const auto drawn = dropoff_announcement(a, ann, detail);
  if (!drawn)
    return {refuse(req_id, error_code::conflict, "dropoff_code: none free; try again"), detail};
  ann.recipient = a.recipient;  // multi

  // Flow "hold": the compartment is chosen before the reservation is written and held with
  // it; none free undoes the announcement (a savepoint inside the command's transaction), so
  // nothing is created. A repeat of an announcement changes nothing, its hold included.
  const std::optional<std::string> to_hold =
      a.hold_until ? locker_.compartment_to_hold(a.size) : std::nullopt;
  if (a.hold_until) db_.db().exec("SAVEPOINT reservation_hold");
  const auto r = parcels::announce(tx, db_, ann, sizes, clock_.wall_now());
  if (a.hold_until) {
    const bool announced = r.answer == parcels::announce_answer::announced;
    if (announced && !to_hold) {
      db_.db().exec("ROLLBACK TO reservation_hold");
      db_.db().exec("RELEASE reservation_hold");
      return {refuse(req_id, error_code::no_free_compartment,
                     "no free compartment of size " + a.size + " to hold; nothing was announced"),
              detail};
    }
    if (announced) {
      db_.holds().create(tx, {a.reservation_id, *to_hold, *a.hold_until, clock_.wall_now()});
      detail["held_compartment"] = *to_hold;
      holds_touched_ = true;
    }
    db_.db().exec("RELEASE reservation_hold");
  }
  const auto conflict = [&](std::string message) {
    return outcome{refuse(req_id, error_code::conflict, std::move(message)), detail};
  };
  switch (r.answer) {
    case parcels::announce_answer::announced:
      if (!drawn->empty())
        return {protocol::ok_reply(req_id, protocol::reservation_create_data(*drawn)), detail};
      return {protocol::ok_reply(req_id), detail};
    case parcels::announce_answer::same_again:
      return {protocol::ok_reply(req_id), detail};
    case parcels::announce_answer::unknown_size: {
      std::string list;
      for (const auto& s : sizes) list += (list.empty() ? "" : ", ") + s;
      return {refuse(req_id, error_code::bad_request, "size: must be one of " + list), detail};
    }
    case parcels::announce_answer::reservation_differs:
      return conflict("reservation_id exists with different content");
    case parcels::announce_answer::reservation_cancelled:
      return conflict("reservation_id was cancelled");
    case parcels::announce_answer::already_in_locker:
      return conflict("tracking_number is already in compartment " + r.other);
    case parcels::announce_answer::already_announced:
      return conflict("tracking_number is already announced by reservation " + r.other);
    case parcels::announce_answer::code_in_use:
      // The reply says no more than that.
      secret_conflict_ = true;
      return conflict("pickup_code: not available; choose another");
  }
  return conflict("refused");
}

std::optional<std::string> command_handler::dropoff_announcement(
    const protocol::reservation_create& a, parcels::announcement& ann, json& detail) {
  ann.kind = a.kind;
  ann.carrier = a.carrier;
  if (a.kind != "delivery") detail["kind"] = a.kind;
  if (a.carrier) detail["carrier"] = *a.carrier;
  if (a.kind == "delivery") return std::string{};
  detail["dropoff_code_given"] = a.dropoff_code.has_value();
  if (a.dropoff_code) {
    ann.dropoff_code_hash = security::dropoff_code_hash(key_, *a.dropoff_code);
    ann.dropoff_code_as_pickup = security::pickup_code_hash(key_, *a.dropoff_code);
    return std::string{};
  }
  // As a locker-drawn pickup code: one no live code shares, or none rather than a shared one.
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto code = security::random_digits(locker_.current_config().policy.pickup_code_digits);
    const auto as_pickup = security::pickup_code_hash(key_, code);
    const auto as_dropoff = security::dropoff_code_hash(key_, code);
    if (parcels::code_in_use(db_, as_pickup, as_dropoff)) continue;
    ann.dropoff_code_hash = as_dropoff;
    ann.dropoff_code_as_pickup = as_pickup;
    ann.dropoff_code_drawn = true;
    return code;
  }
  return std::nullopt;
}

command_handler::outcome command_handler::reservation_cancel(
    store::transaction& tx, const std::string& req_id, const protocol::reservation_cancel& a) {
  json detail = {{"reservation_id", a.reservation_id}};
  const parcels::locker_activity activity{
      [this](std::string_view id) { return locker_.deposit_under_way(id); },
      [this](std::string_view id) { return locker_.in_use(id); }};
  const auto r = parcels::cancel(tx, db_, a.reservation_id, activity, clock_.wall_now());
  if (r.parcel && r.answer != parcels::cancel_answer::deposit_under_way) {
    detail["tracking_number"] = r.parcel->tracking_number;
    detail["compartment"] = r.parcel->compartment_id;
  }
  switch (r.answer) {
    case parcels::cancel_answer::cancelled:
      return {protocol::ok_reply(
                  req_id, protocol::reservation_cancel_data(protocol::cancel_outcome::cancelled)),
              detail};
    case parcels::cancel_answer::removal_pending:
      if (r.parcel_cancelled) detail["parcel_cancelled"] = true;
      return {protocol::ok_reply(req_id, protocol::reservation_cancel_data(
                                             protocol::cancel_outcome::removal_pending)),
              detail};
    case parcels::cancel_answer::not_found:
      return {refuse(req_id, error_code::not_found, "no such reservation"), detail};
    case parcels::cancel_answer::deposit_under_way:
      detail["compartment"] = r.parcel->compartment_id;
      return {refuse(req_id, error_code::busy,
                     "a courier is depositing this parcel in compartment " +
                         r.parcel->compartment_id + "; try again once the door is closed"),
              detail};
    case parcels::cancel_answer::compartment_in_use:
      return {refuse(req_id, error_code::busy, "the compartment is being opened; try again"),
              detail};
    case parcels::cancel_answer::already_left:
      break;
  }
  return {refuse(req_id, error_code::conflict, "the parcel has already left the locker"), detail};
}

command_handler::outcome command_handler::courier_upsert(store::transaction& tx,
                                                         const std::string& req_id,
                                                         const protocol::courier_upsert& a) {
  json detail = {{"courier_id", a.courier_id}, {"enabled", a.enabled}};
  if (a.name) detail["name"] = *a.name;
  std::string pin_hash;
  if (a.pin) {
    pin_hash = security::courier_pin_hash(key_, *a.pin);
  } else if (const auto existing = db_.couriers().find(a.courier_id)) {
    pin_hash = existing->pin_hash;  // enabled or name changed; the PIN stays
  } else {
    return {refuse(req_id, error_code::bad_request, "pin: required for a new courier"), detail};
  }
  // The badge is checked before anything is saved, so a refusal changes nothing. Only the fact
  // that it changed goes to the audit log, never the badge id.
  std::string badge_hash;
  if (a.badge) {
    badge_hash = security::courier_badge_hash(key_, *a.badge);
    detail["badge"] = "changed";
    const auto owner = db_.courier_badges().find_courier(badge_hash);
    if (owner && *owner != a.courier_id) {
      secret_conflict_ = true;
      return {refuse(req_id, error_code::conflict, "badge: another courier has the same badge"),
              detail};
    }
  }
  const auto answer = parcels::upsert_courier(tx, db_, a.courier_id, a.name, pin_hash, a.enabled,
                                              clock_.wall_now());
  if (answer == parcels::courier_answer::pin_in_use) {
    secret_conflict_ = true;
    return {refuse(req_id, error_code::conflict, "pin: another courier has the same PIN"), detail};
  }
  if (a.badge) db_.courier_badges().set(tx, a.courier_id, badge_hash, clock_.wall_now());
  // Drop-off flow: "" clears the carrier; absent keeps it.
  if (a.carrier) {
    detail["carrier"] = *a.carrier;
    db_.outbound().set_courier_carrier(
        tx, a.courier_id,
        a.carrier->empty() ? std::nullopt : std::optional<std::string>(*a.carrier));
  }
  return {protocol::ok_reply(req_id), detail};
}

command_handler::outcome command_handler::courier_remove(store::transaction& tx,
                                                         const std::string& req_id,
                                                         const protocol::courier_remove& a) {
  json detail = {{"courier_id", a.courier_id}};
  if (parcels::remove_courier(tx, db_, a.courier_id) == parcels::courier_answer::not_found)
    return {refuse(req_id, error_code::not_found, "no such courier"), detail};
  return {protocol::ok_reply(req_id), detail};
}

void command_handler::compartment_open(const route& r, const protocol::command& cmd,
                                       const protocol::compartment_open& a) {
  const std::string& req_id = cmd.req_id;
  // Over MQTT the operator named in the request; on the board, who is at the board.
  const std::string actor = r.local_reply ? r.actor : a.operator_name;
  const json detail = {{"compartment", a.compartment}, {"reason", a.reason}};
  const auto refused = [&](error_code code, std::string message) {
    execute(r, req_id, actor, [&](store::transaction&) {
      return outcome{refuse(req_id, code, std::move(message)), detail};
    });
  };
  const auto* c = locker_.find(a.compartment);
  if (c == nullptr) return refused(error_code::not_found, "no such compartment");
  // Never interleaved with a person at the compartment, nor with another opening.
  if (const auto kind = locker_.operation_kind(a.compartment); !kind.empty())
    return refused(error_code::busy, "compartment is in use (" + kind + ")");
  if (c->lock() == compartment::lock_state::unlocking)
    return refused(error_code::busy, "compartment is being unlocked");
  if (c->door() == compartment::door_state::open)
    return refused(error_code::door_open, "the door is already open");
  if (c->service() == compartment::service_state::faulty) {
    if (c->alarms().has(compartment::alarm_type::lock_fault))
      return refused(error_code::lock_fault,
                     "the lock did not open last time; once it is checked, compartment_set_service "
                     "in_service=true clears the fault");
    return refused(error_code::conflict,
                   "compartment is faulty (" + std::string(c->service_reason()) + ")");
  }
  if (c->service() == compartment::service_state::out_of_service)
    return refused(error_code::conflict,
                   "compartment is out of service (" + std::string(c->service_reason()) + ")");

  const auto alive = alive_.token();
  in_flight_.insert(req_id);
  // Saved with the unlock, in its transaction: if the locker dies before the door's result,
  // a redelivery after the restart gets this (and the unlock is not done twice). The final
  // reply replaces it once the door opened or did not.
  auto unfinished = protocol::accepted_reply(req_id);
  unfinished.message =
      "unlocked, but the locker restarted before the door reported; evt/door and the state "
      "say what the door did";
  const auto unfinished_text = protocol::encode_reply(unfinished);
  const auto status = locker_.open_by_operator(
      a.compartment, actor, a.reason,
      [this, alive, r, req_id, actor, detail](compartment::open_outcome o) {
        if (!alive) return;
        in_flight_.erase(req_id);
        const bool opened = o == compartment::open_outcome::opened;
        execute(r, req_id, actor, [&](store::transaction&) {
          auto reply = protocol::ok_reply(req_id, protocol::compartment_open_data(opened));
          // Done, with the outcome in data; a refusal ("error") would mean nothing changed,
          // but the unlock happened and the compartment is faulty now.
          if (!opened)
            reply.message = "lock_fault: the door did not open; the compartment is faulty now";
          json d = detail;
          d["door"] = opened ? "opened" : "not_detected";
          return outcome{std::move(reply), std::move(d)};
        });
      },
      [&](store::transaction& tx) {
        db_.command_replies().save(tx, req_id, r.name, unfinished_text, clock_.wall_now());
      });
  if (status == compartment::open_status::accepted) return;
  in_flight_.erase(req_id);
  switch (status) {
    case compartment::open_status::busy:
      return refused(error_code::busy, "compartment is in use");
    case compartment::open_status::door_already_open:
      return refused(error_code::door_open, "the door is already open");
    case compartment::open_status::not_in_service:
      return refused(error_code::conflict, "compartment is not in service");
    case compartment::open_status::storage_error:
      return refused(error_code::internal,
                     "the locker's database refused the unlock (storage_fault raised)");
    default:
      return refused(error_code::internal, "the compartment did not accept the unlock");
  }
}

void command_handler::compartment_set_service(const route& r, const protocol::command& cmd,
                                              const protocol::compartment_set_service& a) {
  const std::string& req_id = cmd.req_id;
  const json detail = {
      {"compartment", a.compartment}, {"in_service", a.in_service}, {"reason", a.reason}};
  const auto result =
      locker_.set_service_by_operator(a.compartment, a.in_service, r.actor, a.reason);
  protocol::reply reply = protocol::ok_reply(req_id);
  json audit = detail;
  switch (result.answer) {
    case controller::controller::service_answer::done:
      if (!result.detail.empty()) {
        reply.message = "cleared: " + result.detail;
        audit["cleared"] = result.detail;
      }
      break;
    case controller::controller::service_answer::not_found:
      reply = refuse(req_id, error_code::not_found, "no such compartment");
      break;
    case controller::controller::service_answer::busy:
      reply = refuse(req_id, error_code::busy, "compartment is in use");
      break;
    case controller::controller::service_answer::sensors_disagree:
      // The fault stays: the operator's check is not what the sensors say now.
      reply = refuse(req_id, error_code::conflict, "compartment is faulty and " + result.detail);
      break;
    case controller::controller::service_answer::failed:
      reply = refuse(req_id, error_code::internal, "the locker could not save the change");
      break;
  }
  execute(r, req_id, r.actor, [&](store::transaction&) {
    return outcome{std::move(reply), audit};
  });
}

void command_handler::fw_update(const route& r, const protocol::command& cmd,
                                const protocol::fw_update& a) {
  const std::string& req_id = cmd.req_id;
  // The url may carry a token in its query: only the job and the digest are audited.
  const json detail = {{"job_id", a.job_id}, {"sha256", a.sha256}};
  if (updater_ == nullptr) {
    // The contract has no "not supported" code; internal is not saved, so the same req_id
    // works once the locker can do it.
    execute(r, req_id, r.actor, [&](store::transaction&) {
      return outcome{refuse(req_id, error_code::internal, "fw_update is not available here"),
                     detail};
    });
    return;
  }
  bool accepted = false;
  const bool committed = execute(r, req_id, r.actor, [&](store::transaction& tx) {
    auto reply = updater_->accept(tx, req_id, a);
    accepted = reply.status == protocol::reply_status::accepted;
    return outcome{std::move(reply), detail};
  });
  // Only once the job and the accepted reply are on disk.
  if (committed && accepted) updater_->start(a.job_id);
}

void command_handler::reboot(const route& r, const protocol::command& cmd,
                             const protocol::reboot& a) {
  const std::string& req_id = cmd.req_id;
  const json detail = {{"reason", a.reason}};
  if (updater_ == nullptr) {
    execute(r, req_id, r.actor, [&](store::transaction&) {
      return outcome{refuse(req_id, error_code::internal, "reboot is not available here"), detail};
    });
    return;
  }
  const auto why = updater_->reboot_refusal();
  const bool committed = execute(r, req_id, r.actor, [&](store::transaction&) {
    if (why) return outcome{refuse(req_id, error_code::busy, *why + "; try again later"), detail};
    return outcome{protocol::ok_reply(req_id), detail};
  });
  // The reply goes out first: the reboot stops this process.
  if (committed && !why) updater_->reboot(a.reason, r.actor);
}

}  // namespace locker::commands

namespace locker::commands {

void command_handler::lockout_clear(const route& r, const protocol::command& cmd,
                                    const protocol::lockout_clear& a) {
  const std::string& req_id = cmd.req_id;
  using budget = controller::controller::access_budget;
  std::optional<budget> which;
  if (a.budget) which = *a.budget == "courier" ? budget::courier : budget::pickup_code;
  json detail = {{"budget", a.budget ? json(*a.budget) : json("all")}};
  // The controller commits the clearing with its own audit entry and the alarm's end; this
  // saves the reply with the command's audit entry, as compartment_set_service does.
  const auto result = locker_.clear_lockout(which, r.actor);
  protocol::reply reply = protocol::ok_reply(req_id);
  if (!result.done) {
    reply = refuse(req_id, error_code::internal, "the locker could not save the change");
  } else {
    detail["cleared"] = result.cleared;
    detail["unlocked"] = result.unlocked;
    if (!result.unlocked.empty()) {
      std::string list;
      for (const auto& b : result.unlocked) list += (list.empty() ? "" : ", ") + b;
      reply.message = "lockout ended: " + list;
    }
  }
  execute(r, req_id, r.actor, [&](store::transaction&) {
    return outcome{std::move(reply), detail};
  });
}

}  // namespace locker::commands
