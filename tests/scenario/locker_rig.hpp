// SPDX-License-Identifier: Apache-2.0
// The whole locker, in-process, on one virtual clock: lockerd's own composition root
// (daemon/app: board, store, key, checkpoints, retention, controller, keypad session, the
// MQTT stack, stored settings) on a simulated cabinet instead of a socket, and an in-memory
// broker link that acknowledges every message as a loopback broker would. A person acts on the
// cabinet model; the test reads what the locker journaled (delivered or not) and what the
// display said. restart() is kill -9: the locker is destroyed without any shutdown path,
// while the cabinet and the database file stay.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "daemon/app/locker_app.hpp"
#include "daemon/compartment/compartment.hpp"
#include "daemon/config/config.hpp"
#include "daemon/controller/controller.hpp"
#include "daemon/keypad/keypad_session.hpp"
#include "daemon/log/log.hpp"
#include "daemon/mqtt/memory/memory_link.hpp"
#include "daemon/security/secret_key.hpp"
#include "daemon/state_folder/background_check.hpp"
#include "daemon/state_folder/state_folder.hpp"
#include "daemon/store/store.hpp"
#include "drivers/virtual_clock.hpp"
#include "simulator/cabinet_model.hpp"
#include "simulator/model_board.hpp"

namespace locker::scenario {

using nlohmann::json;
using namespace std::chrono_literals;

// How long a key press, and a person's move of a door, take: enough for the spring, the
// contact bounce and the debounce (30 ms) to settle, far below any timeout.
inline constexpr drivers::millis key_time{50};
inline constexpr drivers::millis move_time{200};

class locker_rig {
 public:
  // Whether the rig has lockerd's MQTT stack on the in-memory link (relay, reporter, the
  // command handler's replies), or none: for module tests that attach their own to the locker.
  enum class mqtt_stack { in_memory, none };

  // adjust may change the configuration before anything is built.
  explicit locker_rig(const std::function<void(config::locker_config&)>& adjust = {},
                      mqtt_stack mqtt = mqtt_stack::in_memory)
      : mqtt_(mqtt) {
    log::set_level(log::level::warning);  // the events are checked, not the log
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() /
           ("locker-scenario-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(dir_);
    std::filesystem::permissions(dir_, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace);
    cfg_.file = "scenario";
    cfg_.locker_id = "test";
    cfg_.state_dir = dir_;
    cfg_.board = config::load_board(std::filesystem::path(LOCKER_SOURCE_DIR) / "config" / "boards" /
                                    "sim-24.toml");
    if (adjust) adjust(cfg_);
    model_ = std::make_unique<simulator::cabinet_model>(cfg_.board, clock_);
    boot();
  }
  locker_rig(const locker_rig&) = delete;
  locker_rig& operator=(const locker_rig&) = delete;
  ~locker_rig() {
    crash();
    model_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // ---- time and people ----
  void advance(drivers::millis d) { clock_.advance(d); }
  // Each key, then a little time (the keypad is typed by a person).
  void press(std::string_view keys) {
    for (const char k : keys) {
      const auto r = model_->press(std::string_view(&k, 1));
      EXPECT_TRUE(r.ok()) << r.error;
      advance(key_time);
    }
  }
  // A barcode or QR code held to the cabinet's scanner, then a little time.
  void scan(std::string_view text) {
    const auto r = model_->scan(text);
    EXPECT_TRUE(r.ok()) << "scan " << text << ": " << r.error;
    advance(key_time);
  }
  void person_opens(std::string_view id) {
    const auto r = model_->open(id);
    EXPECT_TRUE(r.ok()) << "open " << id << ": " << r.error;
    advance(move_time);
  }
  void person_closes(std::string_view id) {
    const auto r = model_->close(id);
    EXPECT_TRUE(r.ok()) << "close " << id << ": " << r.error;
    advance(move_time);
  }
  void person_puts(std::string_view id) {
    const auto r = model_->put(id);
    EXPECT_TRUE(r.ok()) << "put " << id << ": " << r.error;
    advance(move_time);
  }
  void person_takes(std::string_view id) {
    const auto r = model_->take(id);
    EXPECT_TRUE(r.ok()) << "take " << id << ": " << r.error;
    advance(move_time);
  }

  // ---- what the locker said ----
  // Every event the locker journaled, in seq order: those the broker took (kept here across
  // restarts, without the relay's "queued" flag) and those still in the journal.
  [[nodiscard]] std::vector<json> events() {
    auto all = delivered_;
    for (const auto& e : db().journal().pending(1'000'000))
      all.emplace(e.seq, json::parse(e.payload));
    std::vector<json> out;
    out.reserve(all.size());
    for (auto& [seq, e] : all) out.push_back(std::move(e));
    return out;
  }
  [[nodiscard]] std::vector<json> events_of(std::string_view type) {
    std::vector<json> out;
    for (auto& e : events())
      if (e.value("type", std::string{}) == type) out.push_back(std::move(e));
    return out;
  }
  // The events after `from` (a count of events(), taken earlier).
  [[nodiscard]] std::vector<json> events_since(std::size_t from) {
    auto all = events();
    return {all.begin() + static_cast<std::ptrdiff_t>(std::min(from, all.size())), all.end()};
  }
  [[nodiscard]] std::size_t event_count() { return events().size(); }
  [[nodiscard]] const std::string& display() const { return model_->display_text(); }

  // ---- what the operator set up ----
  void add_courier(const std::string& id, const std::string& pin) {
    db().couriers().upsert(id, id, security::courier_pin_hash(key(), pin), true, clock_.wall_now());
  }
  void announce(const std::string& reservation_id, const std::string& tracking,
                const std::string& size, std::optional<std::string> code = std::nullopt,
                std::optional<std::int64_t> window_h = std::nullopt) {
    store::reservation_record r;
    r.reservation_id = reservation_id;
    r.tracking_number = tracking;
    r.size = size;
    if (code) r.pickup_code_hash = security::pickup_code_hash(key(), *code);
    r.pickup_window_h = window_h;
    r.created_at = clock_.wall_now();
    store::transaction tx(db().db());
    db().reservations().create(tx, r);
    tx.commit();
  }

  // kill -9 and start again: nothing is shut down, everything is destroyed; the cabinet
  // and the database file stay. while_down runs between the two (the locker is off).
  void restart(const std::function<void()>& while_down = {}) {
    crash();
    if (while_down) while_down();
    boot();
  }

  [[nodiscard]] const compartment::compartment& compartment(std::string_view id) const {
    const auto* c = app_->locker().find(id);
    if (c == nullptr) throw std::out_of_range("no compartment " + std::string(id));
    return *c;
  }
  [[nodiscard]] simulator::compartment_status cabinet(std::string_view id) const {
    for (auto& s : model_->status())
      if (s.id == id) return s;
    throw std::out_of_range("no compartment " + std::string(id));
  }

  // The integrity check lockerd runs after READY, run now and handed to the locker as the
  // loop would; what it found ("" when ok).
  std::string check_integrity() {
    auto problems = state_folder::quick_check_problems(dir_ / state_folder::database_file);
    app_->integrity_checked(problems, 0);
    return problems;
  }

  [[nodiscard]] drivers::virtual_clock& clock() { return clock_; }
  [[nodiscard]] simulator::cabinet_model& model() { return *model_; }
  [[nodiscard]] store::store& db() { return app_->db(); }
  [[nodiscard]] controller::controller& locker() { return app_->locker(); }
  [[nodiscard]] keypad::keypad_session& session() { return app_->session(); }
  [[nodiscard]] const config::locker_config& cfg() const { return cfg_; }
  [[nodiscard]] const security::secret_key& key() const { return app_->key(); }
  [[nodiscard]] app::locker_app& app() { return *app_; }
  // The in-memory broker (mqtt_stack::in_memory only).
  [[nodiscard]] mqtt::memory_link& link() { return *link_; }

 private:
  // lockerd's composition root on the simulated board, virtual time and the in-memory link.
  void boot() {
    app::platform p{
        .io = io_,
        .clock = clock_,
        .make_board =
            [this](const config::locker_config&, const std::function<void()>&) {
              return std::make_unique<simulator::model_board>(*model_, clock_);
            },
        .make_link = [this](const config::locker_config&, const protocol::topic_set& topics)
            -> std::unique_ptr<mqtt::broker_link> {
          if (mqtt_ == mqtt_stack::none) return nullptr;
          auto l = std::make_unique<mqtt::memory_link>(clock_);
          l->auto_acknowledge(true);
          const std::vector<std::string> evt{topics.evt_parcel(), topics.evt_door(),
                                             topics.evt_alarm()};
          l->on_publish([this, evt](const mqtt::memory_link::message& m) {
            if (std::find(evt.begin(), evt.end(), m.topic) == evt.end()) return;
            auto e = json::parse(m.payload);
            e.erase("queued");
            const auto seq = e.at("seq").get<std::uint64_t>();
            delivered_[seq] = std::move(e);
          });
          link_ = l.get();
          return l;
        },
        .stopped = {},
        .handle_signals = false,
        .admin_socket = false,
        .systemd = false,
        // The loop never runs here: check_integrity() runs the check when a test asks.
        .integrity_check = false,
    };
    app_ = std::make_unique<app::locker_app>(cfg_, std::move(p));
    app_->ready();
  }
  // Destroyed as a kill -9 leaves it: no stop, no flush.
  void crash() {
    link_ = nullptr;
    app_.reset();
  }

  mqtt_stack mqtt_;
  std::filesystem::path dir_;
  drivers::virtual_clock clock_;
  boost::asio::io_context io_;  // never run: everything here runs on the virtual clock
  config::locker_config cfg_;
  std::unique_ptr<simulator::cabinet_model> model_;
  std::unique_ptr<app::locker_app> app_;
  mqtt::memory_link* link_ = nullptr;
  std::map<std::uint64_t, json> delivered_;  // by seq
};

}  // namespace locker::scenario
