// SPDX-License-Identifier: Apache-2.0
#include "daemon/config/config.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "protocol/timestamp.hpp"

namespace locker::config {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const fs::path source_dir = LOCKER_SOURCE_DIR;

// A fresh folder per test, removed afterwards; the pid keeps parallel ctest runs apart.
class temp_dir {
 public:
  temp_dir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name =
        std::string("lockerd-config-") + info->test_suite_name() + "-" + info->name();
    std::replace(name.begin(), name.end(), '/', '_');
    path_ = fs::temp_directory_path() / (name + "-" + std::to_string(::getpid()));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  [[nodiscard]] const fs::path& path() const { return path_; }

  fs::path write(const fs::path& name, const std::string& text) const {
    auto file = path_ / name;
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
    return file;
  }

 private:
  fs::path path_;
};

struct failure {
  bool thrown = false;
  std::string file, key, reason;
};

template <typename F>
failure failure_of(F&& load) {
  try {
    load();
  } catch (const config_error& e) {
    return {true, e.file(), e.key(), e.reason()};
  }
  return {};
}

// ---- shipped files -----------------------------------------------------------------------

int count_size(const board_config& b, const std::string& size) {
  return static_cast<int>(std::count_if(b.compartments.begin(), b.compartments.end(),
                                        [&](const auto& c) { return c.size == size; }));
}

TEST(config_shipped, sim_config_loads) {
  const auto file = source_dir / "config/lockerd.sim.toml";
  const auto c = load_config(file);
  EXPECT_EQ(c.file, file.string());
  EXPECT_EQ(c.locker_id, "demo-1");
  EXPECT_EQ(c.backend, backend_kind::sim);
  EXPECT_EQ(c.broker.url, "mqtt://127.0.0.1:18830");
  EXPECT_EQ(c.state_dir, (source_dir / "build/demo/state").lexically_normal());
  EXPECT_EQ(c.sim_socket, (source_dir / "build/demo/locker-sim.sock").lexically_normal());
  EXPECT_EQ(c.board.file, (source_dir / "config/boards/sim-24.toml").lexically_normal().string());
  EXPECT_EQ(c.board.compartments.size(), 24U);
}

TEST(config_shipped, sim_24_board) {
  const auto b = load_board(source_dir / "config/boards/sim-24.toml");
  EXPECT_EQ(b.hardware, "locker-sim 24");
  EXPECT_EQ(b.sizes, (std::vector<std::string>{"S", "M", "L"}));
  ASSERT_EQ(b.compartments.size(), 24U);
  EXPECT_EQ(count_size(b, "S"), 12);
  EXPECT_EQ(count_size(b, "M"), 8);
  EXPECT_EQ(count_size(b, "L"), 4);
  const auto* c7 = b.find("7");
  ASSERT_NE(c7, nullptr);
  EXPECT_EQ(c7->lock.name, "LOCK_07");
  EXPECT_EQ(c7->door.name, "DOOR_07");
  ASSERT_TRUE(c7->presence.has_value());
  EXPECT_EQ(c7->presence->name, "PRESENCE_07");
  EXPECT_EQ(b.find("24")->size, "L");
  for (const auto& c : b.compartments) EXPECT_TRUE(c.presence.has_value()) << c.id;
  // Accessibility (issue 13): every compartment has its handle's height; some of each size
  // are low (at most 1220 mm), the first small ones are not.
  for (const auto& c : b.compartments) EXPECT_TRUE(c.handle_height_mm.has_value()) << c.id;
  EXPECT_EQ(b.find("1")->handle_height_mm, 1750);
  EXPECT_FALSE(b.find("1")->low());
  EXPECT_TRUE(b.find("4")->low());
  for (const auto* size : {"S", "M", "L"}) {
    EXPECT_TRUE(std::any_of(b.compartments.begin(), b.compartments.end(), [&](const auto& c) {
      return c.size == size && c.low();
    })) << size;
  }
  EXPECT_EQ(b.keypad.kind, keypad_kind::sim);
  EXPECT_EQ(b.display.kind, display_kind::sim);
  ASSERT_TRUE(b.buzzer && b.alarm_led);
  EXPECT_EQ(b.buzzer->name, "BUZZER");
  EXPECT_EQ(b.alarm_led->name, "LED_ALARM");
  ASSERT_TRUE(b.backup_power.has_value());
  EXPECT_EQ(b.backup_power->name, "POWER_BACKUP");
}

TEST(config_shipped, example_config_and_reference_board) {
  const auto c = load_config(source_dir / "config/lockerd.example.toml");
  EXPECT_EQ(c.backend, backend_kind::gpiod);
  EXPECT_EQ(c.state_dir, fs::path("/var/lib/lockerd"));
  EXPECT_EQ(c.broker.url.rfind("mqtts://", 0), 0U);
  EXPECT_EQ(c.broker.ca_file, "/etc/lockerd/tls/ca.pem");
  EXPECT_EQ(c.broker.cert_file, "/etc/lockerd/tls/locker.pem");
  EXPECT_EQ(c.broker.key_file, "/etc/lockerd/tls/locker.key");
  // The example documents the defaults, so it must hold exactly the defaults.
  const locker_config d;
  EXPECT_EQ(c.timings.lock_pulse, d.timings.lock_pulse);
  EXPECT_EQ(c.timings.lock_pulse_max, d.timings.lock_pulse_max);
  EXPECT_EQ(c.timings.coil_gap, d.timings.coil_gap);
  EXPECT_EQ(c.timings.open_detect, d.timings.open_detect);
  EXPECT_EQ(c.timings.door_left_open, d.timings.door_left_open);
  EXPECT_EQ(c.timings.debounce, d.timings.debounce);
  EXPECT_EQ(c.timings.session_idle, d.timings.session_idle);
  EXPECT_EQ(c.policy.max_code_attempts, d.policy.max_code_attempts);
  EXPECT_EQ(c.policy.pickup_code_digits, d.policy.pickup_code_digits);
  EXPECT_EQ(c.update.keyring, "/etc/lockerd/update-ca.pem");
  EXPECT_EQ(c.update.compatible, "locker-reference-board");
  EXPECT_EQ(c.update.download_ca_file, d.update.download_ca_file);
  EXPECT_EQ(c.update.max_bundle_mb, d.update.max_bundle_mb);
  EXPECT_EQ(c.update.download_timeout, d.update.download_timeout);
  EXPECT_EQ(c.update.install_timeout, d.update.install_timeout);
  EXPECT_EQ(c.update.rauc, d.update.rauc);
  EXPECT_EQ(c.update.systemctl, d.update.systemctl);
  EXPECT_EQ(c.policy.pickup_window_h, d.policy.pickup_window_h);
  EXPECT_EQ(c.policy.lockout_base, d.policy.lockout_base);
  EXPECT_EQ(c.policy.badge_login, d.policy.badge_login);
  EXPECT_EQ(c.policy.reservation_expiry_h, d.policy.reservation_expiry_h);
  EXPECT_EQ(c.store.ended_parcel_retention, d.store.ended_parcel_retention);
  EXPECT_EQ(c.display.language, d.display.language);
  EXPECT_EQ(c.telemetry, d.telemetry);
  EXPECT_EQ(c.broker.keepalive, d.broker.keepalive);
  EXPECT_EQ(c.broker.reconnect_max, d.broker.reconnect_max);
  EXPECT_EQ(c.log, log_level::info);

  const auto& b = c.board;
  EXPECT_EQ(b.file,
            (source_dir / "config/boards/reference-board.toml").lexically_normal().string());
  ASSERT_EQ(b.compartments.size(), 16U);
  EXPECT_EQ(count_size(b, "S"), 8);
  EXPECT_EQ(count_size(b, "M"), 6);
  EXPECT_EQ(count_size(b, "L"), 2);
  for (const auto& comp : b.compartments) {
    EXPECT_FALSE(comp.presence.has_value());
    EXPECT_FALSE(comp.lock.active_low);
    EXPECT_FALSE(comp.door.active_low);
    EXPECT_EQ(comp.door.bias, drivers::bias::pull_up);
  }
  EXPECT_EQ(b.find("16")->lock.name, "LOCK_16");
  EXPECT_EQ(b.keypad.kind, keypad_kind::matrix);
  ASSERT_EQ(b.keypad.rows.size(), 4U);
  ASSERT_EQ(b.keypad.columns.size(), 4U);
  EXPECT_EQ(b.keypad.rows[0].name, "KP_ROW1");
  EXPECT_TRUE(b.keypad.rows[0].active_low);
  EXPECT_EQ(b.keypad.columns[3].name, "KP_COL4");
  EXPECT_TRUE(b.keypad.columns[3].active_low);
  EXPECT_EQ(b.keypad.columns[3].bias, drivers::bias::pull_up);
  EXPECT_EQ(b.keypad.keys, (std::vector<std::string>{"123A", "456B", "789C", "*0#D"}));
  EXPECT_EQ(b.display.kind, display_kind::file);
  EXPECT_EQ(b.display.path, "/dev/tty1");
  EXPECT_EQ(b.buzzer->name, "BUZZER");
  EXPECT_EQ(b.alarm_led->name, "LED_ALARM");
}

// ---- loading -----------------------------------------------------------------------------

const std::string small_board = R"(
hardware = "test"
sizes = ["S", "M"]
[[compartment]]
id = "1"
size = "S"
lock = "LOCK_01"
door = "DOOR_01"
)";

TEST(config_load, defaults) {
  temp_dir dir;
  dir.write("board.toml", small_board);
  const auto c =
      load_config(dir.write("lockerd.toml", "locker_id = \"a-1\"\nboard = \"board.toml\"\n"));
  const locker_config d;
  EXPECT_EQ(c.locker_id, "a-1");
  EXPECT_EQ(c.state_dir, fs::path("/var/lib/lockerd"));
  EXPECT_EQ(c.log, log_level::info);
  EXPECT_EQ(c.backend, backend_kind::sim);
  EXPECT_EQ(c.sim_socket, fs::path("/run/locker-sim/locker-sim.sock"));
  EXPECT_EQ(c.telemetry, std::chrono::seconds(300));
  EXPECT_TRUE(c.broker.url.empty());
  EXPECT_EQ(c.broker.keepalive, std::chrono::seconds(30));
  EXPECT_EQ(c.broker.reconnect_max, std::chrono::seconds(30));
  EXPECT_EQ(c.timings.lock_pulse, std::chrono::milliseconds(300));
  EXPECT_EQ(c.timings.lock_pulse_max, std::chrono::milliseconds(1000));
  EXPECT_EQ(c.timings.coil_gap, std::chrono::milliseconds(50));
  EXPECT_EQ(c.timings.open_detect, std::chrono::seconds(5));
  EXPECT_EQ(c.timings.door_left_open, std::chrono::seconds(120));
  EXPECT_EQ(c.timings.debounce, std::chrono::milliseconds(30));
  EXPECT_EQ(c.timings.session_idle, std::chrono::seconds(60));
  EXPECT_EQ(c.policy.max_code_attempts, 5);
  EXPECT_EQ(c.policy.pickup_code_digits, 8);
  EXPECT_EQ(c.policy.pickup_window_h, 72);
  EXPECT_EQ(c.policy.lockout_base, std::chrono::seconds(30));
  EXPECT_EQ(c.policy.badge_login, config::badge_login::badge_only);
  EXPECT_EQ(c.display.language, keypad::catalogue::language::en);
  EXPECT_EQ(c.policy.extended_time_factor, 3);
  EXPECT_EQ(c.policy.reservation_expiry_h, 168);
  // Updates are off until a keyring is configured.
  EXPECT_TRUE(c.update.keyring.empty());
  EXPECT_TRUE(c.update.compatible.empty());
  EXPECT_TRUE(c.update.download_ca_file.empty());
  EXPECT_EQ(c.update.max_bundle_mb, 1024U);
  EXPECT_EQ(c.update.download_timeout, std::chrono::seconds(1800));
  EXPECT_EQ(c.update.install_timeout, std::chrono::seconds(1800));
  EXPECT_EQ(c.update.rauc, fs::path("/usr/bin/rauc"));
  EXPECT_EQ(c.update.systemctl, fs::path("/usr/bin/systemctl"));
  // Board defaults: sim keypad and display, no buzzer or LED, lines active-high as-is.
  EXPECT_EQ(c.board.keypad.kind, keypad_kind::sim);
  EXPECT_EQ(c.board.display.kind, display_kind::sim);
  EXPECT_FALSE(c.board.buzzer.has_value());
  EXPECT_FALSE(c.board.alarm_led.has_value());
  EXPECT_FALSE(c.board.backup_power.has_value());
  EXPECT_FALSE(c.board.compartments[0].door.active_low);
  EXPECT_EQ(c.board.compartments[0].door.bias, drivers::bias::as_is);
  EXPECT_EQ(c.board.size_rank("M"), 1);
  EXPECT_EQ(c.board.size_rank("XL"), -1);
  EXPECT_EQ(c.board.find("2"), nullptr);
}

TEST(config_load, every_value_read) {
  temp_dir dir;
  dir.write("board.toml", small_board);
  const auto c = load_config(dir.write("lockerd.toml", R"(
locker_id = "x"
board = "board.toml"
log_level = "debug"
telemetry_s = 1
[hardware]
backend = "gpiod"
[broker]
url = "mqtts://[::1]:8883"
username = "locker"
password_file = "/etc/pw"
ca_file = "/ca.pem"
keepalive_s = 10
reconnect_max_s = 2
[timings]
lock_pulse_ms = 2000
lock_pulse_max_ms = 2000
coil_gap_ms = 0
open_detect_s = 3
door_left_open_s = 30
debounce_ms = 5
session_idle_s = 20
[policy]
max_code_attempts = 1
pickup_code_digits = 10
pickup_window_h = 24
lockout_base_s = 60
badge_login = "badge_and_pin"
[store]
ended_parcel_retention_days = 0
[display]
language = "pl"
[update]
keyring = "keys/update-ca.pem"
compatible = "locker-x"
download_ca_file = "/etc/ssl/update-server-ca.pem"
max_bundle_mb = 64
download_timeout_s = 120
install_timeout_s = 600
rauc = "/opt/rauc/bin/rauc"
systemctl = "/bin/systemctl"
)"));
  EXPECT_EQ(c.update.keyring, dir.path() / "keys/update-ca.pem");  // relative to the file
  EXPECT_EQ(c.update.compatible, "locker-x");
  EXPECT_EQ(c.update.download_ca_file, "/etc/ssl/update-server-ca.pem");
  EXPECT_EQ(c.update.max_bundle_mb, 64U);
  EXPECT_EQ(c.update.download_timeout, std::chrono::seconds(120));
  EXPECT_EQ(c.update.install_timeout, std::chrono::seconds(600));
  EXPECT_EQ(c.update.rauc, "/opt/rauc/bin/rauc");
  EXPECT_EQ(c.update.systemctl, "/bin/systemctl");
  EXPECT_EQ(c.log, log_level::debug);
  EXPECT_EQ(c.telemetry, std::chrono::seconds(1));
  EXPECT_EQ(c.backend, backend_kind::gpiod);
  EXPECT_EQ(c.broker.username, "locker");
  EXPECT_EQ(c.broker.password_file, "/etc/pw");
  EXPECT_EQ(c.broker.keepalive, std::chrono::seconds(10));
  EXPECT_EQ(c.broker.reconnect_max, std::chrono::seconds(2));
  EXPECT_EQ(c.timings.lock_pulse, std::chrono::milliseconds(2000));
  EXPECT_EQ(c.timings.coil_gap, std::chrono::milliseconds(0));
  EXPECT_EQ(c.timings.open_detect, std::chrono::seconds(3));
  EXPECT_EQ(c.timings.door_left_open, std::chrono::seconds(30));
  EXPECT_EQ(c.timings.debounce, std::chrono::milliseconds(5));
  EXPECT_EQ(c.timings.session_idle, std::chrono::seconds(20));
  EXPECT_EQ(c.policy.max_code_attempts, 1);
  EXPECT_EQ(c.policy.pickup_code_digits, 10);
  EXPECT_EQ(c.store.ended_parcel_retention, std::chrono::days(0));
  EXPECT_EQ(c.policy.pickup_window_h, 24);
  EXPECT_EQ(c.policy.lockout_base, std::chrono::seconds(60));
  EXPECT_EQ(c.policy.badge_login, config::badge_login::badge_and_pin);
  EXPECT_EQ(c.display.language, keypad::catalogue::language::pl);
}

TEST(config_load, relative_paths_resolve_against_the_main_file) {
  temp_dir dir;
  dir.write("boards/b.toml", small_board);
  const auto main = dir.write("etc/lockerd.toml", R"(
locker_id = "x"
board = "../boards/b.toml"
state_dir = "state"
[hardware]
sim_socket = "run/sim.sock"
[broker]
url = "mqtts://broker.local:8883"
password_file = "pw"
ca_file = "tls/ca.pem"
cert_file = "/abs/cert.pem"
key_file = "tls/key.pem"
)");
  // From another working directory, to show the daemon's cwd does not matter.
  const auto old_cwd = fs::current_path();
  fs::current_path(fs::temp_directory_path());
  const auto c = load_config(main);
  fs::current_path(old_cwd);
  const auto etc = dir.path() / "etc";
  EXPECT_EQ(c.board.file, (dir.path() / "boards/b.toml").string());
  EXPECT_EQ(c.board.compartments.size(), 1U);
  EXPECT_EQ(c.state_dir, etc / "state");
  EXPECT_EQ(c.sim_socket, etc / "run/sim.sock");
  EXPECT_EQ(c.broker.password_file, (etc / "pw").string());
  EXPECT_EQ(c.broker.ca_file, (etc / "tls/ca.pem").string());
  EXPECT_EQ(c.broker.cert_file, "/abs/cert.pem");
  EXPECT_EQ(c.broker.key_file, (etc / "tls/key.pem").string());
}

TEST(config_load, line_forms_and_defaults) {
  temp_dir dir;
  const auto b = load_board(dir.write("board.toml", R"(
hardware = "test"
sizes = ["S"]
buzzer = { chip = "gpiochip0", offset = 18, active_low = true }
alarm_led = "gpiochip0:17"
backup_power = { name = "PWR_GOOD", active_low = true }
[defaults]
door = { active_low = true, bias = "pull-up" }
presence = { bias = "pull-down" }
[[compartment]]
id = "A-1"
size = "S"
lock = "gpiochip2:7"
door = "DOOR_01"
presence = { name = "P1", active_low = true }
[[compartment]]
id = "A-2"
size = "S"
lock = { name = "LOCK_02" }
door = { chip = "/dev/gpiochip3", offset = 0, active_low = false, bias = "disabled" }
)"));
  const auto& c1 = b.compartments[0];
  EXPECT_EQ(c1.lock.chip, "gpiochip2");
  EXPECT_EQ(c1.lock.offset, 7U);
  EXPECT_TRUE(c1.lock.name.empty());
  EXPECT_FALSE(c1.lock.active_low);
  EXPECT_EQ(c1.door.name, "DOOR_01");
  EXPECT_TRUE(c1.door.active_low);
  EXPECT_EQ(c1.door.bias, drivers::bias::pull_up);
  EXPECT_EQ(c1.presence->name, "P1");
  EXPECT_TRUE(c1.presence->active_low);
  EXPECT_EQ(c1.presence->bias, drivers::bias::pull_down);
  const auto& c2 = b.compartments[1];
  EXPECT_EQ(c2.lock.name, "LOCK_02");
  EXPECT_EQ(c2.door.chip, "/dev/gpiochip3");
  EXPECT_EQ(c2.door.offset, 0U);
  EXPECT_FALSE(c2.door.active_low);
  EXPECT_EQ(c2.door.bias, drivers::bias::disabled);
  EXPECT_FALSE(c2.presence.has_value());
  EXPECT_EQ(b.buzzer->describe(), "gpiochip0:18");
  EXPECT_TRUE(b.buzzer->active_low);
  EXPECT_EQ(b.alarm_led->offset, 17U);
  EXPECT_EQ(b.backup_power->name, "PWR_GOOD");
  EXPECT_TRUE(b.backup_power->active_low);
}

TEST(config_load, evdev_keypad_and_none_display) {
  temp_dir dir;
  const auto b = load_board(dir.write("board.toml", small_board + R"(
[keypad]
kind = "evdev"
device = "/dev/input/event3"
[display]
kind = "none"
)"));
  EXPECT_EQ(b.keypad.kind, keypad_kind::evdev);
  EXPECT_EQ(b.keypad.device, "/dev/input/event3");
  EXPECT_EQ(b.display.kind, display_kind::none);
}

TEST(config_load, evdev_scanner) {
  temp_dir dir;
  const auto b = load_board(dir.write("board.toml", small_board + R"(
[scanner]
kind = "evdev"
device = "/dev/input/by-id/usb-Scanner-event-kbd"
max_length = 80
)"));
  ASSERT_TRUE(b.scanner.has_value());
  EXPECT_EQ(b.scanner->kind, drivers::scanner_kind::evdev);
  EXPECT_EQ(b.scanner->device, "/dev/input/by-id/usb-Scanner-event-kbd");
  EXPECT_EQ(b.scanner->max_length, 80U);
}

TEST(config_load, badge_readers) {
  temp_dir dir;
  EXPECT_FALSE(load_board(dir.write("a.toml", small_board)).badge.has_value());
  const auto w = load_board(dir.write("b.toml", small_board + R"(
[badge]
wiegand_d0 = { chip = "gpiochip0", offset = 5, active_low = true }
wiegand_d1 = { chip = "gpiochip0", offset = 6, active_low = true }
)"));
  ASSERT_TRUE(w.badge.has_value());
  EXPECT_EQ(w.badge->kind, drivers::badge_kind::wiegand);  // the default
  EXPECT_EQ(w.badge->wiegand_d0.offset, 5U);
  EXPECT_TRUE(w.badge->wiegand_d1.active_low);
  const auto e = load_board(dir.write("c.toml", small_board + R"(
[badge]
kind = "evdev"
device = "/dev/input/by-id/usb-Badge_Reader-event-kbd"
)"));
  ASSERT_TRUE(e.badge.has_value());
  EXPECT_EQ(e.badge->kind, drivers::badge_kind::evdev);
  EXPECT_EQ(e.badge->device, "/dev/input/by-id/usb-Badge_Reader-event-kbd");
}

TEST(config_load, no_scanner_without_the_table_and_defaults_with_it) {
  temp_dir dir;
  EXPECT_FALSE(load_board(dir.write("a.toml", small_board)).scanner.has_value());
  const auto b = load_board(dir.write("b.toml", small_board + "[scanner]\n"));
  ASSERT_TRUE(b.scanner.has_value());
  EXPECT_EQ(b.scanner->kind, drivers::scanner_kind::sim);
  EXPECT_EQ(b.scanner->max_length, 128U);
}

// ---- whole-file failures -----------------------------------------------------------------

TEST(config_reject, missing_file) {
  temp_dir dir;
  const auto file = dir.path() / "nope.toml";
  const auto f = failure_of([&] { (void)load_config(file); });
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.file, file.string());
  EXPECT_EQ(f.key, "");
  EXPECT_THAT(f.reason, HasSubstr("no such file"));
}

TEST(config_reject, directory_instead_of_file) {
  temp_dir dir;
  const auto f = failure_of([&] { (void)load_board(dir.path()); });
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.file, dir.path().string());
  EXPECT_THAT(f.reason, HasSubstr("is a directory"));
}

TEST(config_reject, unreadable_file) {
  temp_dir dir;
  const auto file = dir.write("lockerd.toml", "locker_id = \"x\"\n");
  fs::permissions(file, fs::perms::none);
  const auto check = [&] {
    const auto f = failure_of([&] { (void)load_config(file); });
    return f.thrown && f.file == file.string() && f.reason.find("cannot read") != std::string::npos;
  };
  if (::geteuid() != 0) {
    EXPECT_TRUE(check());
    return;
  }
  // Root reads any file: the check runs in a child that has become an ordinary user.
  fs::permissions(dir.path(),
                  fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const bool dropped = ::setgid(65534) == 0 && ::setuid(65534) == 0;
    ::_exit(!dropped ? 3 : check() ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0)
      << "3: could not become uid 65534; 1: not refused as unreadable";
}

TEST(config_reject, syntax_error_gives_line_and_column) {
  temp_dir dir;
  const auto file = dir.write("lockerd.toml", "locker_id = \"x\"\nboard = = \"b\"\n");
  const auto f = failure_of([&] { (void)load_config(file); });
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.file, file.string());
  EXPECT_EQ(f.key, "");
  EXPECT_THAT(f.reason, HasSubstr("TOML syntax error at 2:"));
}

TEST(config_reject, board_errors_name_the_board_file) {
  temp_dir dir;
  const auto board = dir.write("boards/b.toml", small_board + "colour = 1\n");
  const auto main = dir.write("lockerd.toml", "locker_id = \"x\"\nboard = \"boards/b.toml\"\n");
  const auto f = failure_of([&] { (void)load_config(main); });
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.file, board.string());
  EXPECT_EQ(f.key, "compartment[0].colour");  // after [[compartment]], so inside it
  EXPECT_THAT(f.reason, HasSubstr("unknown key"));
}

TEST(config_reject, board_file_missing) {
  temp_dir dir;
  const auto main = dir.write("lockerd.toml", "locker_id = \"x\"\nboard = \"nope.toml\"\n");
  const auto f = failure_of([&] { (void)load_config(main); });
  ASSERT_TRUE(f.thrown);
  EXPECT_EQ(f.file, main.string());
  EXPECT_EQ(f.key, "board");
  EXPECT_THAT(f.reason, HasSubstr("no such board file"));
}

// ---- one case per rejection: the text, the key and part of the reason --------------------

struct rejection {
  const char* name;
  std::string text;
  const char* key;
  const char* reason;
};

// gtest looks this name up; it prints the case name instead of raw bytes.
void PrintTo(const rejection& r, std::ostream* os) {  // NOLINT(readability-identifier-naming)
  *os << r.name;
}

std::string param_name(const ::testing::TestParamInfo<rejection>& info) { return info.param.name; }

// Board fragments: top-level keys must come before any table.
const std::string head = "hardware = \"t\"\nsizes = [\"S\", \"M\"]\n";
std::string comp(const std::string& id, const std::string& extra = "", const std::string& lock = "",
                 const std::string& door = "") {
  return "[[compartment]]\nid = \"" + id +
         "\"\nsize = \"S\"\nlock = " + (lock.empty() ? "\"LOCK_" + id + "\"" : lock) +
         "\ndoor = " + (door.empty() ? "\"DOOR_" + id + "\"" : door) + "\n" + extra;
}
const std::string matrix = R"([keypad]
kind = "matrix"
rows = ["R1", "R2", "R3", "R4"]
columns = ["C1", "C2", "C3"]
)";

class board_rejection : public ::testing::TestWithParam<rejection> {};

TEST_P(board_rejection, names_file_key_and_reason) {
  temp_dir dir;
  const auto file = dir.write("board.toml", GetParam().text);
  const auto f = failure_of([&] { (void)load_board(file); });
  ASSERT_TRUE(f.thrown) << GetParam().text;
  EXPECT_EQ(f.file, file.string());
  EXPECT_EQ(f.key, GetParam().key) << f.reason;
  EXPECT_THAT(f.reason, HasSubstr(GetParam().reason));
}

INSTANTIATE_TEST_SUITE_P(
    config, board_rejection,
    ::testing::Values(
        rejection{"syntax", head + "sizes = [\n", "", "TOML syntax error at 3:"},
        rejection{"unknown_top_key", head + "colour = 1\n" + comp("1"), "colour", "unknown key"},
        rejection{"unknown_compartment_key", head + comp("1", "dor = \"X\"\n"),
                  "compartment[0].dor", "unknown key"},
        rejection{"unknown_line_key",
                  head + comp("1", "", "", "{ name = \"D\", activ_low = true }"),
                  "compartment[0].door.activ_low", "unknown key"},
        rejection{"unknown_defaults_kind",
                  head + "[defaults]\nlok = { active_low = true }\n" + comp("1"), "defaults.lok",
                  "unknown key"},
        rejection{"unknown_defaults_key",
                  head + "[defaults]\ndoor = { pull = \"up\" }\n" + comp("1"), "defaults.door.pull",
                  "unknown key"},
        rejection{"unknown_keypad_key", head + "[keypad]\nkind = \"sim\"\nscan = 1\n" + comp("1"),
                  "keypad.scan", "unknown key"},
        rejection{"unknown_display_key",
                  head + "[display]\nkind = \"sim\"\npth = \"x\"\n" + comp("1"), "display.pth",
                  "unknown key"},
        rejection{"hardware_type", "hardware = 3\nsizes = [\"S\"]\n" + comp("1"), "hardware",
                  "wrong type: expected a string, got an integer"},
        rejection{"hardware_missing", "sizes = [\"S\"]\n" + comp("1"), "hardware", "missing"},
        rejection{"sizes_type", "hardware = \"t\"\nsizes = \"S\"\n" + comp("1"), "sizes",
                  "expected an array"},
        rejection{"sizes_empty", "hardware = \"t\"\nsizes = []\n" + comp("1"), "sizes", "empty"},
        rejection{"sizes_missing", "hardware = \"t\"\n" + comp("1"), "sizes", "missing"},
        rejection{"size_twice", "hardware = \"t\"\nsizes = [\"S\", \"S\"]\n" + comp("1"),
                  "sizes[1]", "twice"},
        rejection{"size_not_string", "hardware = \"t\"\nsizes = [\"S\", 2]\n" + comp("1"),
                  "sizes[1]", "wrong type"},
        rejection{"no_compartments", head, "compartment", "missing"},
        rejection{"compartments_empty", head + "compartment = []\n", "compartment", "empty"},
        rejection{"compartment_not_array", head + "[compartment]\nid = \"1\"\n", "compartment",
                  "array of tables"},
        rejection{"duplicate_id",
                  head + comp("1") +
                      "[[compartment]]\nid = \"1\"\nsize = \"S\"\nlock = \"L2\"\ndoor = \"D2\"\n",
                  "compartment[1].id", "duplicate compartment id \"1\""},
        rejection{"id_invalid", head + comp("a b", "", "\"L\"", "\"D\""), "compartment[0].id",
                  "must match [A-Za-z0-9-]{1,16}"},
        rejection{"id_type",
                  head + "[[compartment]]\nid = 1\nsize = \"S\"\nlock = \"L\"\ndoor = \"D\"\n",
                  "compartment[0].id", "wrong type"},
        rejection{"size_unknown",
                  head + "[[compartment]]\nid = \"1\"\nsize = \"XL\"\nlock = \"L\"\ndoor = \"D\"\n",
                  "compartment[0].size", "\"XL\" is not in sizes"},
        rejection{"door_missing",
                  head + "[[compartment]]\nid = \"1\"\nsize = \"S\"\nlock = \"L\"\n",
                  "compartment[0].door", "missing"},
        rejection{"line_type", head + comp("1", "", "7"), "compartment[0].lock", "wrong type"},
        rejection{"line_empty", head + comp("1", "", "\"\""), "compartment[0].lock",
                  "empty line name"},
        rejection{"line_bad_chip_offset", head + comp("1", "", "\"gpiochip1:x\""),
                  "compartment[0].lock", "chip:offset"},
        rejection{"line_name_and_chip",
                  head + comp("1", "", "{ name = \"L\", chip = \"gpiochip0\", offset = 1 }"),
                  "compartment[0].lock", "either name or chip"},
        rejection{"line_chip_without_offset", head + comp("1", "", "{ chip = \"gpiochip0\" }"),
                  "compartment[0].lock.offset", "missing"},
        rejection{"line_offset_negative",
                  head + comp("1", "", "{ chip = \"gpiochip0\", offset = -1 }"),
                  "compartment[0].lock.offset", "out of range"},
        rejection{"line_bias", head + comp("1", "", "", "{ name = \"D\", bias = \"up\" }"),
                  "compartment[0].door.bias", "must be one of as-is, disabled, pull-up, pull-down"},
        rejection{"line_active_low_type",
                  head + comp("1", "", "", "{ name = \"D\", active_low = 1 }"),
                  "compartment[0].door.active_low", "expected a boolean"},
        rejection{"duplicate_line_name", head + comp("1") + comp("2", "", "\"LOCK_1\""),
                  "compartment[1].lock", "line LOCK_1 is already used by compartment[0].lock"},
        rejection{"duplicate_lock_and_door", head + comp("1", "", "\"X\"", "\"X\""),
                  "compartment[0].door", "already used by compartment[0].lock"},
        rejection{"duplicate_chip_offset",
                  head + comp("1", "", "\"gpiochip1:3\"") +
                      comp("2", "", "", "{ chip = \"/dev/gpiochip1\", offset = 3 }"),
                  "compartment[1].door", "already used by compartment[0].lock"},
        rejection{"duplicate_presence", head + comp("1", "presence = \"DOOR_1\"\n"),
                  "compartment[0].presence", "already used by compartment[0].door"},
        rejection{"handle_height_negative", head + comp("1", "handle_height_mm = -1\n"),
                  "compartment[0].handle_height_mm", "must be between 0 and 3000, got -1"},
        rejection{"handle_height_type", head + comp("1", "handle_height_mm = \"low\"\n"),
                  "compartment[0].handle_height_mm", "wrong type"},
        rejection{
            "duplicate_keypad_row",
            head +
                "[keypad]\nkind = \"matrix\"\nrows = [\"R1\", \"DOOR_1\"]\ncolumns = [\"C1\"]\n" +
                "keys = [\"1\", \"2\"]\n" + comp("1"),
            "keypad.rows[1]", "already used by compartment[0].door"},
        rejection{"duplicate_keypad_column",
                  head +
                      "[keypad]\nkind = \"matrix\"\nrows = [\"R1\"]\ncolumns = [\"C1\", \"R1\"]\n" +
                      comp("1"),
                  "keypad.columns[1]", "already used by keypad.rows[0]"},
        rejection{"duplicate_buzzer", "buzzer = \"LOCK_1\"\n" + head + comp("1"), "buzzer",
                  "already used by compartment[0].lock"},
        rejection{"duplicate_alarm_led", "buzzer = \"B\"\nalarm_led = \"B\"\n" + head + comp("1"),
                  "alarm_led", "already used by buzzer"},
        rejection{"duplicate_backup_power", "backup_power = \"DOOR_1\"\n" + head + comp("1"),
                  "backup_power", "already used by compartment[0].door"},
        rejection{"backup_power_type", "backup_power = 5\n" + head + comp("1"), "backup_power",
                  "wrong type"},
        rejection{"keypad_kind", head + "[keypad]\nkind = \"usb\"\n" + comp("1"), "keypad.kind",
                  "must be one of sim, matrix, evdev"},
        rejection{"keypad_keys_rows",
                  head + matrix + "keys = [\"123\", \"456\", \"789\"]\n" + comp("1"), "keypad.keys",
                  "shape: 3 strings for 4 rows"},
        rejection{"keypad_keys_columns",
                  head + matrix + "keys = [\"123\", \"4567\", \"789\", \"*0#\"]\n" + comp("1"),
                  "keypad.keys[1]", "shape: 4 keys for 3 columns"},
        rejection{"keypad_keys_missing", head + matrix + comp("1"), "keypad.keys", "missing"},
        rejection{"keypad_key_invalid",
                  head + matrix + "keys = [\"123\", \"456\", \"789\", \"*0x\"]\n" + comp("1"),
                  "keypad.keys[3]", "invalid key 'x'"},
        rejection{"keypad_key_twice",
                  head + matrix + "keys = [\"123\", \"456\", \"789\", \"*1#\"]\n" + comp("1"),
                  "keypad.keys[3]", "key '1' appears twice"},
        rejection{"keypad_no_hash",
                  head + matrix + "keys = [\"123\", \"456\", \"789\", \"*0A\"]\n" + comp("1"),
                  "keypad.keys", "key '#' is missing"},
        rejection{"keypad_no_rows",
                  head + "[keypad]\nkind = \"matrix\"\ncolumns = [\"C1\"]\n" + comp("1"),
                  "keypad.rows", "missing"},
        rejection{"keypad_evdev_without_device", head + "[keypad]\nkind = \"evdev\"\n" + comp("1"),
                  "keypad.device", "an evdev keypad needs a device"},
        rejection{"keypad_rows_on_sim",
                  head + "[keypad]\nkind = \"sim\"\nrows = [\"R1\"]\n" + comp("1"), "keypad.rows",
                  "only used by a matrix keypad"},
        rejection{"keypad_device_on_matrix",
                  head + matrix +
                      "keys = [\"123\", \"456\", \"789\", \"*0#\"]\ndevice = \"/dev/x\"\n" +
                      comp("1"),
                  "keypad.device", "only used by an evdev keypad"},
        rejection{"scanner_kind", head + "[scanner]\nkind = \"usb\"\n" + comp("1"), "scanner.kind",
                  "must be one of sim, evdev"},
        rejection{"scanner_evdev_without_device",
                  head + "[scanner]\nkind = \"evdev\"\n" + comp("1"), "scanner.device",
                  "an evdev scanner needs a device"},
        rejection{"scanner_sim_with_device",
                  head + "[scanner]\nkind = \"sim\"\ndevice = \"/dev/input/event4\"\n" + comp("1"),
                  "scanner.device", "only used by an evdev scanner"},
        rejection{"scanner_max_length_zero",
                  head + "[scanner]\nkind = \"sim\"\nmax_length = 0\n" + comp("1"),
                  "scanner.max_length", "out of range"},
        rejection{"scanner_unknown_key",
                  head + "[scanner]\nkind = \"sim\"\nbeep = true\n" + comp("1"), "scanner.beep",
                  "unknown"},
        rejection{"keypad_scan_ms",
                  head + matrix + "keys = [\"123\", \"456\", \"789\", \"*0#\"]\nscan_ms = 0\n" +
                      comp("1"),
                  "keypad.scan_ms", "out of range"},
        rejection{"badge_kind", head + "[badge]\nkind = \"rfid\"\n" + comp("1"), "badge.kind",
                  "must be one of wiegand, evdev"},
        rejection{"badge_wiegand_one_line", head + "[badge]\nwiegand_d0 = \"W0\"\n" + comp("1"),
                  "badge.wiegand_d1", "needs both lines"},
        rejection{"badge_evdev_without_device", head + "[badge]\nkind = \"evdev\"\n" + comp("1"),
                  "badge.device", "an evdev badge reader needs a device"},
        rejection{"badge_evdev_with_lines",
                  head + "[badge]\nkind = \"evdev\"\ndevice = \"/dev/x\"\nwiegand_d0 = \"W0\"\n" +
                      comp("1"),
                  "badge.wiegand_d0", "only used by a wiegand badge reader"},
        rejection{
            "badge_unknown_key",
            head + "[badge]\nwiegand_d0 = \"W0\"\nwiegand_d1 = \"W1\"\nbeep = 1\n" + comp("1"),
            "badge.beep", "unknown"},
        rejection{"display_file_without_path", head + "[display]\nkind = \"file\"\n" + comp("1"),
                  "display.path", "a file display needs a path"},
        rejection{"display_kind", head + "[display]\nkind = \"lcd\"\n" + comp("1"), "display.kind",
                  "must be one of sim, none, file"}),
    param_name);

// Main-file cases: the board is valid, so every error is the main file's.
const std::string minimal_main = "locker_id = \"t-1\"\nboard = \"board.toml\"\n";
// RFC 8032's first two test public keys, as the config writes them (standard base64).
const std::string test_public_key = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
const std::string test_public_key_2 = "PUAXw+hDiVqStwqnTRt+vJyYLM8uxJaMwM1V8Sr0Zgw=";

// lockerctl's spelling of the schemes (Paho's) is lockerd's too: protocol/broker_url.hpp.
TEST(config_load, broker_url_takes_paho_schemes_too) {
  temp_dir dir;
  dir.write("board.toml", small_board);
  auto c = load_config(
      dir.write("lockerd.toml", minimal_main + "[broker]\nurl = \"tcp://10.0.0.2:1883\"\n"));
  EXPECT_EQ(c.broker.url, "tcp://10.0.0.2:1883");
  c = load_config(dir.write("lockerd.toml", minimal_main +
                                                "[broker]\nurl = \"ssl://broker.local:8883\"\n"
                                                "ca_file = \"/ca.pem\"\n"));
  EXPECT_EQ(c.broker.url, "ssl://broker.local:8883");
  EXPECT_EQ(c.broker.ca_file, "/ca.pem");
}

class main_rejection : public ::testing::TestWithParam<rejection> {};

TEST_P(main_rejection, names_file_key_and_reason) {
  temp_dir dir;
  dir.write("board.toml", small_board);
  const auto file = dir.write("lockerd.toml", GetParam().text);
  const auto f = failure_of([&] { (void)load_config(file); });
  ASSERT_TRUE(f.thrown) << GetParam().text;
  EXPECT_EQ(f.file, file.string());
  EXPECT_EQ(f.key, GetParam().key) << f.reason;
  EXPECT_THAT(f.reason, HasSubstr(GetParam().reason));
}

INSTANTIATE_TEST_SUITE_P(
    config, main_rejection,
    ::testing::Values(
        rejection{"locker_id_missing", "board = \"board.toml\"\n", "locker_id", "missing"},
        rejection{"locker_id_upper", "locker_id = \"Demo_1\"\nboard = \"board.toml\"\n",
                  "locker_id", "must match [a-z0-9-]{1,64}"},
        rejection{"locker_id_empty", "locker_id = \"\"\nboard = \"board.toml\"\n", "locker_id",
                  "must match"},
        rejection{"locker_id_too_long",
                  "locker_id = \"" + std::string(65, 'a') + "\"\nboard = \"board.toml\"\n",
                  "locker_id", "must match"},
        rejection{"locker_id_type", "locker_id = 7\nboard = \"board.toml\"\n", "locker_id",
                  "wrong type"},
        rejection{"board_missing", "locker_id = \"x\"\n", "board", "missing"},
        rejection{"unknown_top_key", minimal_main + "lockerid = \"x\"\n", "lockerid",
                  "unknown key"},
        rejection{"unknown_table", minimal_main + "[timing]\n", "timing", "unknown key"},
        rejection{"unknown_timings_key", minimal_main + "[timings]\nlock_pulse = 300\n",
                  "timings.lock_pulse", "unknown key"},
        rejection{"unknown_hardware_key",
                  minimal_main + "[hardware]\nbackend = \"sim\"\nsocket = \"x\"\n",
                  "hardware.socket", "unknown key"},
        rejection{"unknown_broker_key", minimal_main + "[broker]\nuser = \"x\"\n", "broker.user",
                  "unknown key"},
        rejection{"unknown_policy_key", minimal_main + "[policy]\ncode_digits = 8\n",
                  "policy.code_digits", "unknown key"},
        rejection{"badge_login_word", minimal_main + "[policy]\nbadge_login = \"badge\"\n",
                  "policy.badge_login", "must be one of badge_only, badge_and_pin"},
        rejection{"unknown_store_key", minimal_main + "[store]\nretention_days = 8\n",
                  "store.retention_days", "unknown key"},
        rejection{"retention_negative",
                  minimal_main + "[store]\nended_parcel_retention_days = -1\n",
                  "store.ended_parcel_retention_days", "out of range"},
        rejection{"retired_debug_table", minimal_main + "[debug]\nkeypad_open = true\n", "debug",
                  "unknown key"},
        rejection{"hardware_not_table", minimal_main + "hardware = \"gpiod\"\n", "hardware",
                  "wrong type: expected a table, got a string"},
        rejection{"pulse_type", minimal_main + "[timings]\nlock_pulse_ms = \"300\"\n",
                  "timings.lock_pulse_ms", "wrong type: expected an integer, got a string"},
        rejection{"telemetry_float", minimal_main + "telemetry_s = 1.5\n", "telemetry_s",
                  "got a float"},
        rejection{"log_level", minimal_main + "log_level = \"verbose\"\n", "log_level",
                  "must be one of debug, info, warning, error"},
        rejection{"backend", minimal_main + "[hardware]\nbackend = \"gpio\"\n", "hardware.backend",
                  "must be one of sim, gpiod"},
        rejection{"state_dir_empty", minimal_main + "state_dir = \"\"\n", "state_dir",
                  "empty path"},
        rejection{"pulse_above_max", minimal_main + "[timings]\nlock_pulse_ms = 1500\n",
                  "timings.lock_pulse_ms", "longer than lock_pulse_max_ms (1000)"},
        rejection{"pulse_above_lowered_max", minimal_main + "[timings]\nlock_pulse_max_ms = 200\n",
                  "timings.lock_pulse_ms", "longer than lock_pulse_max_ms (200)"},
        rejection{"pulse_max_coil", minimal_main + "[timings]\nlock_pulse_max_ms = 2500\n",
                  "timings.lock_pulse_max_ms", "above 2000 ms a lock coil may overheat"},
        rejection{"pulse_zero", minimal_main + "[timings]\nlock_pulse_ms = 0\n",
                  "timings.lock_pulse_ms", "out of range"},
        rejection{"open_detect_range", minimal_main + "[timings]\nopen_detect_s = 0\n",
                  "timings.open_detect_s", "must be between 1 and 60, got 0"},
        rejection{"open_detect_within_the_pulse",
                  minimal_main + "[timings]\nlock_pulse_ms = 1000\nopen_detect_s = 1\n",
                  "timings.open_detect_s", "longer than the lock pulse (lock_pulse_ms 1000)"},
        rejection{"digits_low", minimal_main + "[policy]\npickup_code_digits = 5\n",
                  "policy.pickup_code_digits", "must be between 6 and 10, got 5"},
        rejection{"digits_high", minimal_main + "[policy]\npickup_code_digits = 11\n",
                  "policy.pickup_code_digits", "must be between 6 and 10, got 11"},
        rejection{"attempts_zero", minimal_main + "[policy]\nmax_code_attempts = 0\n",
                  "policy.max_code_attempts", "out of range"},
        rejection{"extended_time_factor_zero",
                  minimal_main + "[policy]\nextended_time_factor = 0\n",
                  "policy.extended_time_factor", "must be between 1 and 10, got 0"},
        rejection{"extended_time_factor_high",
                  minimal_main + "[policy]\nextended_time_factor = 11\n",
                  "policy.extended_time_factor", "must be between 1 and 10, got 11"},
        // Each value in range, together over the guessing bound (README "Guessing pickup codes").
        rejection{"guessing_bound", minimal_main + "[policy]\npickup_code_digits = 6\n", "policy",
                  "probability up to 0.0017"},
        rejection{"url_scheme", minimal_main + "[broker]\nurl = \"ws://h:1883\"\n", "broker.url",
                  "must start with mqtt://, mqtts://, tcp:// or ssl://"},
        rejection{"ssl_without_ca", minimal_main + "[broker]\nurl = \"ssl://host:8883\"\n",
                  "broker.ca_file", "mqtts needs ca_file"},
        rejection{"url_no_port", minimal_main + "[broker]\nurl = \"mqtt://host\"\n", "broker.url",
                  "missing port"},
        rejection{"url_port_zero", minimal_main + "[broker]\nurl = \"mqtt://host:0\"\n",
                  "broker.url", "invalid port"},
        rejection{"url_port_big", minimal_main + "[broker]\nurl = \"mqtt://host:65536\"\n",
                  "broker.url", "invalid port"},
        rejection{"url_path", minimal_main + "[broker]\nurl = \"mqtt://host:1883/x\"\n",
                  "broker.url", "invalid port"},
        rejection{"url_no_host", minimal_main + "[broker]\nurl = \"mqtt://:1883\"\n", "broker.url",
                  "invalid host"},
        rejection{"url_credentials", minimal_main + "[broker]\nurl = \"mqtt://u:p@host:1883\"\n",
                  "broker.url", "invalid host"},
        rejection{"mqtts_without_ca", minimal_main + "[broker]\nurl = \"mqtts://host:8883\"\n",
                  "broker.ca_file", "mqtts needs ca_file"},
        rejection{"tls_files_without_mqtts",
                  minimal_main + "[broker]\nurl = \"mqtt://host:1883\"\nca_file = \"c\"\n",
                  "broker.url", "need an mqtts:// URL"},
        rejection{"cert_without_key",
                  minimal_main +
                      "[broker]\nurl = \"mqtts://host:8883\"\nca_file = \"c\"\ncert_file = \"x\"\n",
                  "broker.key_file", "cert_file and key_file go together"},
        rejection{"inline_password",
                  minimal_main + "[broker]\nurl = \"mqtt://host:1883\"\npassword = \"hunter2\"\n",
                  "broker.password", "use password_file"},
        rejection{"keepalive_zero", minimal_main + "[broker]\nkeepalive_s = 0\n",
                  "broker.keepalive_s", "out of range"},
        rejection{"unknown_update_key", minimal_main + "[update]\nkeyring_file = \"k\"\n",
                  "update.keyring_file", "unknown key"},
        rejection{"keyring_without_compatible", minimal_main + "[update]\nkeyring = \"k.pem\"\n",
                  "update.compatible", "keyring and compatible go together"},
        rejection{"compatible_without_keyring", minimal_main + "[update]\ncompatible = \"b\"\n",
                  "update.keyring", "keyring and compatible go together"},
        rejection{"compatible_control_char",
                  minimal_main + "[update]\nkeyring = \"k\"\ncompatible = \"a\\tb\"\n",
                  "update.compatible", "printable ASCII"},
        rejection{"bundle_size_zero", minimal_main + "[update]\nmax_bundle_mb = 0\n",
                  "update.max_bundle_mb", "must be between 1 and 16384"},
        rejection{"download_timeout_type", minimal_main + "[update]\ndownload_timeout_s = \"1h\"\n",
                  "update.download_timeout_s", "wrong type"},
        rejection{"install_timeout_short", minimal_main + "[update]\ninstall_timeout_s = 5\n",
                  "update.install_timeout_s", "must be between 60 and 86400"},
        rejection{"rauc_relative", minimal_main + "[update]\nrauc = \"rauc\"\n", "update.rauc",
                  "must be an absolute path"},
        rejection{"systemctl_empty", minimal_main + "[update]\nsystemctl = \"\"\n",
                  "update.systemctl", "must be an absolute path"},
        rejection{"reconnect_max_zero", minimal_main + "[broker]\nreconnect_max_s = 0\n",
                  "broker.reconnect_max_s", "out of range"},
        rejection{"telemetry_zero", minimal_main + "telemetry_s = 0\n", "telemetry_s",
                  "out of range"},
        rejection{"unknown_language", minimal_main + "[display]\nlanguage = \"fr\"\n",
                  "display.language", "must be one of en, de, pl"},
        rejection{"language_case", minimal_main + "[display]\nlanguage = \"DE\"\n",
                  "display.language", "must be one of en, de, pl"},
        rejection{"unknown_display_key", minimal_main + "[display]\nlang = \"de\"\n",
                  "display.lang", "unknown key"},
        // Flow "token": the tracking system's public keys.
        rejection{"token_key_not_base64",
                  minimal_main + "[tokens]\nkeys = [{ id = \"k1\", public_key = \"abc!\" }]\n",
                  "tokens.keys[0].public_key", "raw 32-byte Ed25519 public key"},
        rejection{"token_key_short",
                  minimal_main + "[tokens]\nkeys = [{ id = \"k1\", public_key = \"" +
                      std::string(40, 'A') + "\" }]\n",
                  "tokens.keys[0].public_key", "raw 32-byte Ed25519 public key"},
        rejection{"token_key_missing", minimal_main + "[tokens]\nkeys = [{ id = \"k1\" }]\n",
                  "tokens.keys[0].public_key", "missing"},
        rejection{"token_key_id_bad",
                  minimal_main + "[tokens]\nkeys = [{ id = \"a b\", public_key = \"" +
                      test_public_key + "\" }]\n",
                  "tokens.keys[0].id", "must match [A-Za-z0-9._-]{1,32}"},
        rejection{"token_key_id_twice",
                  minimal_main + "[tokens]\nkeys = [{ id = \"k1\", public_key = \"" +
                      test_public_key + "\" }, { id = \"k1\", public_key = \"" + test_public_key +
                      "\" }]\n",
                  "tokens.keys[1].id", "duplicate key id"},
        rejection{"token_key_not_after",
                  minimal_main + "[tokens]\nkeys = [{ id = \"k1\", public_key = \"" +
                      test_public_key + "\", not_after = \"2027-13-01\" }]\n",
                  "tokens.keys[0].not_after", "RFC 3339"},
        rejection{"token_key_unknown_field",
                  minimal_main + "[tokens]\nkeys = [{ id = \"k1\", public_key = \"" +
                      test_public_key + "\", valid = 1 }]\n",
                  "tokens.keys[0].valid", "unknown key"},
        rejection{"token_key_not_a_table", minimal_main + "[tokens]\nkeys = [\"k1\"]\n",
                  "tokens.keys[0]", "wrong type"},
        rejection{"tokens_unknown_key", minimal_main + "[tokens]\nkey = []\n", "tokens.key",
                  "unknown key"}),
    param_name);

TEST(config_load, token_keys_for_a_rotation) {
  temp_dir dir;
  dir.write("board.toml", small_board);
  const auto c = load_config(dir.write(
      "lockerd.toml", minimal_main + "[tokens]\nkeys = [\n  { id = \"2026-12\", public_key = \"" +
                          test_public_key +
                          "\", not_after = \"2027-01-31T00:00:00Z\" },\n  { id = \"2027-01\", "
                          "public_key = \"" +
                          test_public_key_2 + "\" },\n]\n"));
  ASSERT_EQ(c.tokens.keys.size(), 2U);
  EXPECT_EQ(c.tokens.keys[0].id, "2026-12");
  EXPECT_EQ(c.tokens.keys[0].key[0], 0xd7);
  ASSERT_TRUE(c.tokens.keys[0].not_after);
  EXPECT_EQ(protocol::format_timestamp(*c.tokens.keys[0].not_after), "2027-01-31T00:00:00.000Z");
  EXPECT_EQ(c.tokens.keys[1].id, "2027-01");
  EXPECT_EQ(c.tokens.keys[1].key[0], 0x3d);
  EXPECT_FALSE(c.tokens.keys[1].not_after);
  // None configured: no key, and every token is refused.
  EXPECT_TRUE(load_config(dir.write("lockerd.toml", minimal_main)).tokens.keys.empty());
}

TEST(config_reject, inline_password_is_not_echoed) {
  temp_dir dir;
  dir.write("board.toml", small_board);
  const auto file = dir.write("lockerd.toml", minimal_main + "[broker]\npassword = \"hunter2\"\n");
  try {
    (void)load_config(file);
    FAIL() << "accepted an inline password";
  } catch (const config_error& e) {
    EXPECT_THAT(std::string(e.what()), ::testing::Not(HasSubstr("hunter2")));
  }
}

}  // namespace
}  // namespace locker::config
