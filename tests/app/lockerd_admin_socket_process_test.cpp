// SPDX-License-Identifier: Apache-2.0
// The real lockerd on a real locker-sim, no broker: commands over its admin socket
// (<state_dir>/lockerd.sock, one JSON object a line each way, the MQTT commands' bodies and
// replies) take effect in the running locker at once: a courier added logs in at the keypad,
// a compartment taken out of service shows in get_state, without a restart.
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <stdlib.h>

#include "daemon/admin_socket/client.hpp"
#include "tests/support/locker_processes.hpp"

namespace locker::app {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

constexpr auto deadline = 10s;

class lockerd_admin_socket : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lockerd-admin-socket-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    files_ = std::make_unique<test::locker_files>(tmpl);
    const fs::path board = fs::path(LOCKER_SOURCE_DIR) / "config/boards/sim-24.toml";
    test::write_config(*files_, "admin-1", board);
    sim_ = std::make_unique<test::locker_sim_process>(LOCKER_SIM_PATH, board, files_->sim_socket,
                                                      files_->sim_log, deadline);
    lockerd_ = std::make_unique<test::lockerd_process>(LOCKERD_PATH, files_->config_file,
                                                       files_->lockerd_log);
    lockerd_->start(sim_->control());
  }
  void TearDown() override {
    if (lockerd_) lockerd_->stop(SIGKILL);
    sim_.reset();
    std::error_code ec;
    if (files_) fs::remove_all(files_->dir, ec);
  }

  json call(const std::string& request) {
    const auto reply = admin_socket::call(files_->state_dir / "lockerd.sock", request,
                                          std::chrono::milliseconds(deadline));
    if (!reply) ADD_FAILURE() << "nobody listens on the admin socket\n" << lockerd_->log_tail();
    return reply ? json::parse(*reply) : json();
  }

  std::unique_ptr<test::locker_files> files_;
  std::unique_ptr<test::locker_sim_process> sim_;
  std::unique_ptr<test::lockerd_process> lockerd_;
};

TEST_F(lockerd_admin_socket, a_courier_added_over_the_socket_logs_in_at_once) {
  const auto reply =
      call(R"({"command":"courier_upsert","req_id":"a-1","courier_id":"c-7","name":"Ana",)"
           R"("pin":"482913","enabled":true})");
  EXPECT_EQ(reply.value("status", ""), "ok") << reply.dump();
  EXPECT_EQ(reply.value("req_id", ""), "a-1");

  auto& sim = sim_->control();
  sim.command("press *482913#");
  sim.wait_until([&] { return sim.display().starts_with("Hi Ana"); },
                 [&] { return "the courier did not log in; display: " + sim.display(); });

  // The same req_id again: the saved reply, not a second run.
  EXPECT_EQ(call(R"({"command":"courier_upsert","req_id":"a-1","courier_id":"c-7",)"
                 R"("name":"Ana","pin":"482913","enabled":true})"),
            reply);
}

TEST_F(lockerd_admin_socket, a_compartment_out_of_service_shows_at_once) {
  // No req_id: lockerd makes one.
  const auto reply =
      call(R"({"command":"compartment_set_service","compartment":"5","in_service":false,)"
           R"("reason":"door bent"})");
  EXPECT_EQ(reply.value("status", ""), "ok") << reply.dump();
  EXPECT_FALSE(reply.value("req_id", "").empty());

  const auto state = call(R"({"command":"get_state","req_id":"a-2"})");
  ASSERT_EQ(state.value("status", ""), "ok") << state.dump();
  bool found = false;
  for (const auto& c : state["data"]["compartments"]) {
    if (c.value("id", "") != "5") continue;
    found = true;
    EXPECT_EQ(c.value("service", ""), "out_of_service") << c.dump();
  }
  EXPECT_TRUE(found) << state.dump();
}

TEST_F(lockerd_admin_socket, bad_lines_and_unknown_commands_are_answered) {
  const auto bad = call(R"(["not an object"])");
  EXPECT_EQ(bad.value("status", ""), "error");
  EXPECT_EQ(bad.value("code", ""), "bad_request");
  EXPECT_FALSE(bad.value("message", "").empty());
  EXPECT_EQ(call(R"({"command":7})").value("code", ""), "bad_request");

  const auto unknown = call(R"({"command":"lockout_clear","req_id":"a-3"})");
  EXPECT_EQ(unknown.value("status", ""), "error");
  EXPECT_EQ(unknown.value("code", ""), "unknown_command");
  EXPECT_EQ(unknown.value("req_id", ""), "a-3");
}

}  // namespace
}  // namespace locker::app
