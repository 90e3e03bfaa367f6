// SPDX-License-Identifier: Apache-2.0
// locker_app on the simulated board, virtual time and the in-memory link: every stop path
// (lost hardware, signal, a failure escaping the loop) publishes the retained offline status
// before it ends, and the
// command handler's local entry answers only its caller, also without a broker.
#include "daemon/app/locker_app.hpp"

#include <csignal>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "daemon/log/log.hpp"
#include "daemon/mqtt/memory/memory_link.hpp"
#include "drivers/virtual_clock.hpp"
#include "simulator/cabinet_model.hpp"
#include "simulator/model_board.hpp"

namespace locker::app {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class locker_app_test : public ::testing::Test {
 protected:
  locker_app_test() {
    log::set_level(log::level::warning);
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() /
           ("locker-app-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    cfg_.file = "test";
    cfg_.locker_id = "test";
    cfg_.state_dir = dir_;
    cfg_.board = config::load_board(std::filesystem::path(LOCKER_SOURCE_DIR) / "config" / "boards" /
                                    "sim-24.toml");
    model_ = std::make_unique<simulator::cabinet_model>(cfg_.board, clock_);
  }

 public:
  ~locker_app_test() override {
    app_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

 protected:
  void start(bool with_broker, bool signals = false) {
    platform p{
        .io = io_,
        .clock = clock_,
        .make_board =
            [this](const config::locker_config&, std::function<void()> on_lost) {
              on_lost_ = std::move(on_lost);
              return std::make_unique<simulator::model_board>(*model_, clock_);
            },
        .make_link = [this, with_broker](const config::locker_config&, const protocol::topic_set&)
            -> std::unique_ptr<mqtt::broker_link> {
          if (!with_broker) return nullptr;
          auto l = std::make_unique<mqtt::memory_link>(clock_);
          l->auto_acknowledge(true);
          link_ = l.get();
          return l;
        },
        .stopped = [this] { ++stopped_; },
        .handle_signals = signals,
        .admin_socket = false,
        .systemd = false,
    };
    app_.emplace(cfg_, std::move(p));
    app_->ready();
    clock_.advance(10ms);
  }

  // The retained offline status published last on …/status, if any.
  std::optional<json> last_offline() const {
    std::optional<json> out;
    for (const auto& m : link_->published_on(app_->topics().status())) {
      const auto j = json::parse(m.payload);
      if (!j.value("online", true) && m.retained && m.qos == 1) out = j;
    }
    return out;
  }

  std::filesystem::path dir_;
  boost::asio::io_context io_;
  drivers::virtual_clock clock_;
  config::locker_config cfg_;
  std::unique_ptr<simulator::cabinet_model> model_;
  std::function<void()> on_lost_;
  mqtt::memory_link* link_ = nullptr;
  int stopped_ = 0;
  std::optional<locker_app> app_;
};

TEST_F(locker_app_test, losing_the_hardware_publishes_offline_lost_then_stops_with_failure) {
  start(true);
  ASSERT_TRUE(link_->connected());
  ASSERT_FALSE(last_offline());
  ASSERT_TRUE(on_lost_);
  on_lost_();
  EXPECT_TRUE(app_->stopping());
  EXPECT_EQ(stopped_, 0) << "not before the broker took the offline status";
  clock_.advance(10ms);
  ASSERT_TRUE(last_offline()) << "the clean disconnect suppresses the will";
  EXPECT_EQ(last_offline()->value("reason", ""), "lost");
  EXPECT_TRUE(link_->stopped());
  EXPECT_EQ(stopped_, 1);
  EXPECT_EQ(app_->exit_status(), exit_failure);
}

// A failure that escapes the loop (an exception from any handler): the same stop path, as
// "fatal error", so the retained status never stays online.
TEST_F(locker_app_test,
       a_failure_that_escapes_the_loop_publishes_offline_lost_then_stops_with_failure) {
  start(true);
  ASSERT_TRUE(link_->connected());
  boost::asio::post(io_, [] { throw std::runtime_error("a handler failed"); });
  EXPECT_EQ(app_->run(), exit_failure);  // the loop has no other work here: back at once
  EXPECT_TRUE(app_->stopping());
  clock_.advance(10ms);
  ASSERT_TRUE(last_offline()) << "the clean disconnect suppresses the will";
  EXPECT_EQ(last_offline()->value("reason", ""), "lost");
  EXPECT_EQ(stopped_, 1);
  EXPECT_EQ(app_->exit_status(), exit_failure);
}

TEST_F(locker_app_test, the_offline_status_waits_at_most_its_bound) {
  start(true);
  link_->auto_acknowledge(false);
  on_lost_();
  clock_.advance(offline_bound - 10ms);
  EXPECT_EQ(stopped_, 0);
  clock_.advance(20ms);
  EXPECT_EQ(stopped_, 1);
}

TEST_F(locker_app_test, sigterm_publishes_offline_shutdown_then_stops_cleanly) {
  start(true, true);
  ASSERT_EQ(::raise(SIGTERM), 0);
  io_.poll();  // the signal_set's handler runs on the loop
  EXPECT_TRUE(app_->stopping());
  clock_.advance(10ms);
  ASSERT_TRUE(last_offline());
  EXPECT_EQ(last_offline()->value("reason", ""), "shutdown");
  EXPECT_EQ(stopped_, 1);
  EXPECT_EQ(app_->exit_status(), exit_ok);
}

TEST_F(locker_app_test, a_second_stop_changes_nothing) {
  start(true);
  app_->stop("signal 15", protocol::offline_reason::shutdown, exit_ok);
  on_lost_();
  clock_.advance(10ms);
  EXPECT_EQ(stopped_, 1);
  EXPECT_EQ(app_->exit_status(), exit_ok);
  EXPECT_EQ(last_offline()->value("reason", ""), "shutdown");
}

TEST_F(locker_app_test, without_a_broker_a_stop_ends_at_once) {
  start(false);
  on_lost_();
  EXPECT_EQ(stopped_, 1);
  EXPECT_EQ(app_->exit_status(), exit_failure);
}

TEST_F(locker_app_test, a_local_command_runs_without_a_broker_and_answers_its_caller) {
  start(false);
  std::optional<json> reply;
  app_->commands().handle_local(
      "courier_upsert", R"({"req_id":"l-1","courier_id":"c-9","pin":"482913","enabled":true})",
      "lockeradm:uid=0", [&](const std::string& r) { reply = json::parse(r); });
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->value("status", ""), "ok") << reply->dump();
  EXPECT_EQ(reply->value("req_id", ""), "l-1");
  ASSERT_TRUE(app_->db().couriers().find("c-9"));
  const auto audit = app_->db().audit().newest(1);
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].actor, "lockeradm:uid=0");
  EXPECT_EQ(audit[0].action, "cmd:courier_upsert");

  // The same req_id again: the saved reply, not a second run.
  std::optional<json> again;
  app_->commands().handle_local(
      "courier_upsert", R"({"req_id":"l-1","courier_id":"c-9","pin":"482913","enabled":true})",
      "lockeradm:uid=0", [&](const std::string& r) { again = json::parse(r); });
  EXPECT_EQ(again, reply);
  EXPECT_EQ(app_->db().audit().newest(10).size(), 1u);
}

TEST_F(locker_app_test, a_local_reply_is_not_published_on_res) {
  start(true);
  const auto before = link_->published().size();
  std::optional<json> reply;
  app_->commands().handle_local("compartment_set_service",
                                R"({"req_id":"l-2","compartment":"5","in_service":false,)"
                                R"("reason":"door bent"})",
                                "lockeradm:uid=0",
                                [&](const std::string& r) { reply = json::parse(r); });
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->value("status", ""), "ok") << reply->dump();
  clock_.advance(10ms);
  for (std::size_t i = before; i < link_->published().size(); ++i)
    EXPECT_EQ(link_->published()[i].topic.find("/res/"), std::string::npos)
        << link_->published()[i].topic;
  EXPECT_EQ(app_->locker().find("5")->service(), compartment::service_state::out_of_service);
}

}  // namespace
}  // namespace locker::app
