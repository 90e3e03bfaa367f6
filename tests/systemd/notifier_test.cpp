// SPDX-License-Identifier: Apache-2.0
// The notify protocol against a fake systemd socket, and the watchdog on virtual time.
#include "daemon/service/notifier.hpp"

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include "daemon/service/watchdog.hpp"
#include "drivers/virtual_clock.hpp"
#include "tests/support/notify_socket.hpp"

namespace locker::service {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::notify_socket;
using strings = std::vector<std::string>;

class notifier_test : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/locker-notify-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    // Whatever started the test (systemd itself, maybe) must not be notified by it.
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("WATCHDOG_PID");
  }
  void TearDown() override {
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("WATCHDOG_PID");
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string abstract_name() const {
    return "@locker-notify-test-" + std::to_string(::getpid()) + "-" + dir_.filename().string();
  }

  fs::path dir_;
};

TEST_F(notifier_test, sends_ready_status_and_stopping_to_a_path_socket) {
  notify_socket systemd((dir_ / "notify").string());
  ::setenv("NOTIFY_SOCKET", systemd.name().c_str(), 1);
  auto n = notifier::from_environment();
  ASSERT_TRUE(n.enabled());

  EXPECT_FALSE(n.notify_ready());
  EXPECT_FALSE(n.notify_status("16 compartments"));
  EXPECT_FALSE(n.notify_stopping());
  EXPECT_EQ(systemd.drain(), (strings{"READY=1", "STATUS=16 compartments", "STOPPING=1"}));
}

TEST_F(notifier_test, sends_to_an_abstract_socket) {
  notify_socket systemd(abstract_name());
  ::setenv("NOTIFY_SOCKET", systemd.name().c_str(), 1);
  auto n = notifier::from_environment();
  EXPECT_FALSE(n.notify_ready());
  EXPECT_FALSE(n.notify_watchdog());
  EXPECT_EQ(systemd.drain(), (strings{"READY=1", "WATCHDOG=1"}));
}

TEST_F(notifier_test, status_text_cannot_add_assignments) {
  notify_socket systemd((dir_ / "notify").string());
  notifier n(systemd.name());
  EXPECT_FALSE(n.notify_status("a\nREADY=1"));
  EXPECT_EQ(systemd.drain(), strings{"STATUS=a READY=1"});
}

TEST_F(notifier_test, sends_nothing_when_notify_socket_is_unset) {
  notify_socket systemd((dir_ / "notify").string());
  auto n = notifier::from_environment();  // NOTIFY_SOCKET unset in SetUp
  EXPECT_FALSE(n.enabled());
  EXPECT_FALSE(n.notify_ready());
  EXPECT_FALSE(n.notify_status("x"));
  EXPECT_FALSE(n.notify_stopping());
  drivers::virtual_clock clock;
  watchdog dog(n, clock, 1s);
  dog.start();
  clock.advance(5s);
  EXPECT_TRUE(systemd.drain().empty());
}

TEST_F(notifier_test, reports_a_missing_socket_and_a_relative_path) {
  notifier gone((dir_ / "nobody-listens").string());
  EXPECT_TRUE(gone.notify_ready());
  notifier relative("relative/notify");
  EXPECT_EQ(relative.notify_ready(), std::make_error_code(std::errc::invalid_argument));
}

TEST_F(notifier_test, watchdog_pings_at_half_the_interval_on_virtual_time) {
  notify_socket systemd(abstract_name());
  ::setenv("NOTIFY_SOCKET", systemd.name().c_str(), 1);
  ::setenv("WATCHDOG_USEC", "10000000", 1);  // WatchdogSec=10s
  auto n = notifier::from_environment();
  const auto interval = watchdog_interval_from_environment();
  ASSERT_TRUE(interval);
  EXPECT_EQ(*interval, 10s);

  drivers::virtual_clock clock;
  watchdog dog(n, clock, *interval);
  EXPECT_EQ(dog.period(), 5s);
  dog.start();
  EXPECT_EQ(systemd.drain(), strings{"WATCHDOG=1"});  // at once, not half an interval late

  clock.advance(4999ms);
  EXPECT_TRUE(systemd.drain().empty());
  clock.advance(1ms);
  EXPECT_EQ(systemd.drain(), strings{"WATCHDOG=1"});
  clock.advance(10s);
  EXPECT_EQ(systemd.drain(), (strings{"WATCHDOG=1", "WATCHDOG=1"}));

  // A loop that no longer runs its timers (here: stopped) sends nothing more.
  dog.stop();
  clock.advance(60s);
  EXPECT_TRUE(systemd.drain().empty());
  EXPECT_EQ(clock.pending(), 0u);
}

TEST_F(notifier_test, watchdog_is_off_unless_it_is_meant_for_this_process) {
  const pid_t self = ::getpid();
  const std::string me = std::to_string(self);
  EXPECT_FALSE(parse_watchdog(nullptr, nullptr, self));
  EXPECT_FALSE(parse_watchdog("0", nullptr, self));
  EXPECT_FALSE(parse_watchdog("ten", nullptr, self));
  EXPECT_FALSE(parse_watchdog("-5", nullptr, self));
  EXPECT_FALSE(parse_watchdog("1000000", std::to_string(self + 1).c_str(), self));
  EXPECT_FALSE(parse_watchdog("1000000", "x", self));
  EXPECT_EQ(parse_watchdog("1000000", me.c_str(), self), std::optional<microseconds>(1s));
  EXPECT_EQ(parse_watchdog("3000", nullptr, self), std::optional<microseconds>(3ms));

  EXPECT_FALSE(watchdog_interval_from_environment());
  ::setenv("WATCHDOG_USEC", "2000000", 1);
  ::setenv("WATCHDOG_PID", me.c_str(), 1);
  EXPECT_EQ(watchdog_interval_from_environment(), std::optional<microseconds>(2s));
}

TEST_F(notifier_test, a_tiny_interval_still_pings_every_millisecond) {
  notifier n;
  drivers::virtual_clock clock;
  watchdog dog(n, clock, microseconds{500});
  EXPECT_EQ(dog.period(), 1ms);
}

}  // namespace
}  // namespace locker::service
