// SPDX-License-Identifier: Apache-2.0
// The whole locker, in-process, on one virtual clock: what lockerd assembles (board,
// cabinet hardware, store, key, controller, keypad session), wired to a simulated cabinet
// instead of a socket. A person acts on the cabinet model; the test reads what the locker
// journaled and what the display said. restart() is kill -9: the objects are destroyed
// without any shutdown path, while the cabinet and the database file stay.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "daemon/compartment/compartment.hpp"
#include "daemon/config/config.hpp"
#include "daemon/controller/controller.hpp"
#include "daemon/hardware/cabinet_hardware.hpp"
#include "daemon/keypad/keypad_session.hpp"
#include "daemon/log/log.hpp"
#include "daemon/security/secret_key.hpp"
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
  // adjust may change the configuration before anything is built.
  explicit locker_rig(const std::function<void(config::locker_config&)>& adjust = {}) {
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
  // Every journaled event not yet delivered (no relay runs here: that is all of them).
  [[nodiscard]] std::vector<json> events() {
    std::vector<json> out;
    for (const auto& e : db_->journal_pending(1'000'000)) out.push_back(json::parse(e.payload));
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
    db_->upsert_courier(id, id, security::courier_pin_hash(*key_, pin), true, clock_.wall_now());
  }
  void announce(const std::string& reservation_id, const std::string& tracking,
                const std::string& size, std::optional<std::string> code = std::nullopt,
                std::optional<std::int64_t> window_h = std::nullopt) {
    store::reservation_record r;
    r.reservation_id = reservation_id;
    r.tracking_number = tracking;
    r.size = size;
    if (code) r.pickup_code_hash = security::pickup_code_hash(*key_, *code);
    r.pickup_window_h = window_h;
    r.created_at = clock_.wall_now();
    store::transaction tx(db_->db());
    db_->create_reservation(tx, r);
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
    const auto* c = controller_->find(id);
    if (c == nullptr) throw std::out_of_range("no compartment " + std::string(id));
    return *c;
  }
  [[nodiscard]] simulator::compartment_status cabinet(std::string_view id) const {
    for (auto& s : model_->status())
      if (s.id == id) return s;
    throw std::out_of_range("no compartment " + std::string(id));
  }

  [[nodiscard]] drivers::virtual_clock& clock() { return clock_; }
  [[nodiscard]] simulator::cabinet_model& model() { return *model_; }
  [[nodiscard]] store::store& db() { return *db_; }
  [[nodiscard]] controller::controller& locker() { return *controller_; }
  [[nodiscard]] keypad::keypad_session& session() { return *session_; }
  [[nodiscard]] const config::locker_config& cfg() const { return cfg_; }
  [[nodiscard]] const security::secret_key& key() const { return *key_; }

 private:
  // In lockerd's order: locks safe first, then the state on disk, then the controller.
  void boot() {
    board_ = std::make_unique<simulator::model_board>(*model_, clock_);
    hardware_ =
        std::make_unique<hardware::cabinet_hardware>(*board_, clock_, cfg_.board, cfg_.timings);
    key_ = std::make_unique<security::secret_key>(security::load_or_create_key(cfg_.state_dir));
    db_ = std::make_unique<store::store>(cfg_.state_dir / "lockerd.db");
    controller_ = std::make_unique<controller::controller>(*db_, *key_, clock_, *hardware_, cfg_);
    keypad::session_settings session_cfg;
    session_cfg.session_idle = cfg_.timings.session_idle;
    session_ = std::make_unique<keypad::keypad_session>(board_->keypad(), board_->display(),
                                                        board_->indicator(), clock_, *controller_,
                                                        session_cfg);
    if (auto* scanner = hardware_->scanner()) session_->take_scans(*scanner);
    controller_->set_session(session_.get());
    controller_->start();
  }
  // Reverse order of construction, as the stack unwinds in lockerd; no stop, no flush.
  void crash() {
    session_.reset();
    controller_.reset();
    hardware_.reset();
    board_.reset();
    db_.reset();
    key_.reset();
  }

  std::filesystem::path dir_;
  drivers::virtual_clock clock_;
  config::locker_config cfg_;
  std::unique_ptr<simulator::cabinet_model> model_;
  std::unique_ptr<simulator::model_board> board_;
  std::unique_ptr<hardware::cabinet_hardware> hardware_;
  std::unique_ptr<security::secret_key> key_;
  std::unique_ptr<store::store> db_;
  std::unique_ptr<controller::controller> controller_;
  std::unique_ptr<keypad::keypad_session> session_;
};

}  // namespace locker::scenario
