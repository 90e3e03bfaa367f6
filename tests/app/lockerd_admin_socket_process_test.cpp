// SPDX-License-Identifier: Apache-2.0
// The real lockerd on a real locker-sim, no broker: commands over its admin socket
// (<state_dir>/lockerd.sock, one JSON object a line each way, the MQTT commands' bodies and
// replies) take effect in the running locker at once: a courier added logs in at the keypad,
// a compartment taken out of service shows in get_state, without a restart.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

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

  struct admin_result {
    int status = -1;
    std::string out;
    std::string err;
  };
  // The real lockeradm with the test's config, `input` on its standard input.
  admin_result lockeradm(const std::string& args, const std::string& input = "") {
    const auto out = files_->dir / "lockeradm.out";
    const auto err = files_->dir / "lockeradm.err";
    const std::string cmd = std::string(LOCKERADM_PATH) + " -c " + files_->config_file.string() +
                            " " + args + " >" + out.string() + " 2>" + err.string();
    FILE* p = ::popen(cmd.c_str(), "w");
    if (p == nullptr) return {};
    std::fputs(input.c_str(), p);
    const int rc = ::pclose(p);
    const auto slurp = [](const fs::path& f) {
      std::ifstream in(f);
      std::ostringstream all;
      all << in.rdbuf();
      return all.str();
    };
    return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, slurp(out), slurp(err)};
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

// One writer: lockeradm sends its change to the running lockerd, which applies, journals and
// audits it at once; it does not open the database behind lockerd's back.
TEST_F(lockerd_admin_socket, lockeradm_changes_take_effect_in_the_running_lockerd) {
  auto r = lockeradm("courier add c-8 --name Bo", "615243\n");
  ASSERT_EQ(r.status, 0) << r.err << lockerd_->log_tail();
  EXPECT_EQ(r.out, "courier c-8 added\n");
  EXPECT_EQ(r.err.find("not running"), std::string::npos) << r.err;

  auto& sim = sim_->control();
  sim.command("press *615243#");
  sim.wait_until([&] { return sim.display().starts_with("Hi Bo"); },
                 [&] { return "the courier did not log in; display: " + sim.display(); });
  sim.command("press #");  // logs out

  // Disabled while lockerd runs, without asking for the PIN again: no login any more.
  r = lockeradm("courier disable c-8");
  ASSERT_EQ(r.status, 0) << r.err;
  sim.command("press *615243#");
  sim.wait_until([&] { return !sim.display().starts_with("Enter PIN"); },
                 [&] { return "no answer to the PIN; display: " + sim.display(); });
  EXPECT_FALSE(sim.display().starts_with("Hi Bo")) << sim.display();

  // Back in service at once, not at the next start.
  ASSERT_EQ(call(R"({"command":"compartment_set_service","compartment":"7","in_service":false,)"
                 R"("reason":"check"})")
                .value("status", ""),
            "ok");
  r = lockeradm("in-service 7 --reason checked");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "compartment 7 is back in service\n");
  const auto state = call(R"({"command":"get_state"})");
  for (const auto& c : state["data"]["compartments"])
    if (c.value("id", "") == "7") {
      EXPECT_EQ(c.value("service", ""), "in_service") << c.dump();
    }

  // lockerd's own audit log names the local actor; lockeradm reads it directly.
  r = lockeradm("audit --limit 10");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("lockeradm:uid="), std::string::npos) << r.out;

  // What lockerd refuses, lockeradm reports with lockerd's reason and exit status 1.
  r = lockeradm("reservation add --id R-9 --tracking TN9 --size XXL");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("lockeradm: "), std::string::npos) << r.err;
}

TEST_F(lockerd_admin_socket, bad_lines_and_unknown_commands_are_answered) {
  const auto bad = call(R"(["not an object"])");
  EXPECT_EQ(bad.value("status", ""), "error");
  EXPECT_EQ(bad.value("code", ""), "bad_request");
  EXPECT_FALSE(bad.value("message", "").empty());
  EXPECT_EQ(call(R"({"command":7})").value("code", ""), "bad_request");

  const auto unknown = call(R"({"command":"self_destruct","req_id":"a-3"})");
  EXPECT_EQ(unknown.value("status", ""), "error");
  EXPECT_EQ(unknown.value("code", ""), "unknown_command");
  EXPECT_EQ(unknown.value("req_id", ""), "a-3");
}

}  // namespace
}  // namespace locker::app
