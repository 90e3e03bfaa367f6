// SPDX-License-Identifier: Apache-2.0
// The admin socket on a real Unix socket in a temporary folder: the server runs its own
// io_context on a thread, as lockerd's loop would, and the client is lockeradm's.
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <optional>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/admin_socket/client.hpp"
#include "daemon/admin_socket/server.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using locker::admin_socket::call;
using locker::admin_socket::client_error;
using locker::admin_socket::peer;
using locker::admin_socket::reply_fn;
using locker::admin_socket::server;

class admin_socket_test : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("admin_socket_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = dir_ / "lockerd.sock";
  }
  void TearDown() override {
    stop();
    fs::remove_all(dir_);
  }

  // Starts a server on its own loop thread; handler runs on that thread.
  void serve(locker::admin_socket::request_handler handler,
             const std::set<uid_t>& allowed = {::geteuid()}) {
    std::promise<std::exception_ptr> started;
    thread_ = std::thread([this, &started, handler = std::move(handler), allowed]() mutable {
      auto guard = boost::asio::make_work_guard(io_);
      try {
        srv_.emplace(io_, path_, allowed, std::move(handler));
        srv_->start();
        started.set_value(nullptr);
      } catch (...) {
        started.set_value(std::current_exception());
        return;
      }
      io_.run();
      srv_.reset();
    });
    if (auto e = started.get_future().get()) {
      thread_.join();
      std::rethrow_exception(e);
    }
  }
  void stop() {
    if (!thread_.joinable()) return;
    boost::asio::post(io_, [this] {
      srv_.reset();
      io_.stop();
    });
    thread_.join();
  }

  // A socket file that nobody listens on any more, as a killed lockerd leaves it.
  void leave_stale_socket() const {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strcpy(addr.sun_path, path_.c_str());
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ::close(fd);
  }

  fs::path dir_;
  fs::path path_;
  boost::asio::io_context io_;
  std::optional<server> srv_;
  std::thread thread_;
};

TEST_F(admin_socket_test, a_request_gets_its_reply_and_the_peer_is_known) {
  peer seen;
  serve([&](const peer& from, std::string_view request, const reply_fn& reply) {
    seen = from;
    reply("{\"echo\":" + std::string(request) + "}");
  });
  EXPECT_EQ(fs::status(path_).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  const auto r = call(path_, R"({"command":"get_state"})", 2s);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, R"({"echo":{"command":"get_state"}})");
  EXPECT_EQ(seen.uid, ::geteuid());
  EXPECT_EQ(seen.pid, ::getpid());
}

TEST_F(admin_socket_test, a_reply_may_come_later_from_the_loop) {
  auto timer = std::make_shared<boost::asio::steady_timer>(io_);
  serve([&, timer](const peer&, std::string_view, reply_fn reply) {
    timer->expires_after(50ms);
    timer->async_wait([reply = std::move(reply)](const boost::system::error_code&) {
      reply(R"({"status":"ok","data":{"door":"opened"}})");
    });
  });
  EXPECT_EQ(call(path_, "{}", 2s).value(), R"({"status":"ok","data":{"door":"opened"}})");
}

TEST_F(admin_socket_test, several_requests_on_one_connection_are_answered_in_order) {
  serve([](const peer&, std::string_view request, const reply_fn& reply) {
    reply(std::string(request));
  });
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, path_.c_str());
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const std::string two = "{\"n\":1}\n{\"n\":2}\r\n";
  ASSERT_EQ(::write(fd, two.data(), two.size()), static_cast<ssize_t>(two.size()));
  std::string got;
  char buf[256];
  while (got.size() < 16) {
    const auto n = ::read(fd, buf, sizeof buf);
    ASSERT_GT(n, 0);
    got.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  EXPECT_EQ(got, "{\"n\":1}\n{\"n\":2}\n");
}

TEST_F(admin_socket_test, a_request_over_the_limit_is_refused_and_not_handled) {
  bool handled = false;
  serve([&](const peer&, std::string_view, const reply_fn& reply) {
    handled = true;
    reply("{}");
  });
  const std::string huge(locker::admin_socket::max_request_bytes + 10, 'x');
  const auto r = call(path_, huge, 5s);
  ASSERT_TRUE(r);
  EXPECT_NE(r->find("\"code\":\"bad_request\""), std::string::npos) << *r;
  EXPECT_NE(r->find("too long"), std::string::npos) << *r;
  stop();
  EXPECT_FALSE(handled);
}

TEST_F(admin_socket_test, a_peer_whose_uid_is_not_allowed_is_refused_before_it_is_heard) {
  bool handled = false;
  serve(
      [&](const peer&, std::string_view, const reply_fn& reply) {
        handled = true;
        reply("{}");
      },
      {::geteuid() + 1});
  const auto r = call(path_, R"({"command":"courier_remove"})", 2s);
  ASSERT_TRUE(r);
  EXPECT_NE(r->find("\"code\":\"forbidden\""), std::string::npos) << *r;
  stop();
  EXPECT_FALSE(handled);
}

TEST_F(admin_socket_test, no_lockerd_means_no_answer_rather_than_an_error) {
  EXPECT_FALSE(call(path_, "{}", 1s));  // no socket file at all
  EXPECT_FALSE(locker::admin_socket::lockerd_listens(path_));
  leave_stale_socket();
  EXPECT_FALSE(call(path_, "{}", 1s));
}

TEST_F(admin_socket_test, a_stale_socket_file_is_replaced_at_start) {
  leave_stale_socket();
  serve([](const peer&, std::string_view, const reply_fn& reply) { reply("{\"ok\":true}"); });
  EXPECT_EQ(call(path_, "{}", 2s).value(), "{\"ok\":true}");
}

TEST_F(admin_socket_test, a_second_server_on_a_live_socket_refuses_to_start) {
  serve([](const peer&, std::string_view, const reply_fn& reply) { reply("{}"); });
  boost::asio::io_context other;
  server second(other, path_, {::geteuid()}, [](const peer&, std::string_view, const reply_fn&) {});
  EXPECT_THROW(second.start(), std::runtime_error);
  EXPECT_TRUE(locker::admin_socket::lockerd_listens(path_));  // the first one still answers
}

TEST_F(admin_socket_test, a_file_that_is_not_a_socket_is_left_alone) {
  std::ofstream(path_) << "not a socket";
  boost::asio::io_context other;
  server s(other, path_, {::geteuid()}, [](const peer&, std::string_view, const reply_fn&) {});
  EXPECT_THROW(s.start(), std::runtime_error);
  EXPECT_TRUE(fs::is_regular_file(path_));
}

TEST_F(admin_socket_test, a_reply_that_never_comes_times_out_on_the_client) {
  serve([](const peer&, std::string_view, const reply_fn&) {});  // drops the reply
  EXPECT_THROW((void)call(path_, "{}", 200ms), client_error);
}

TEST_F(admin_socket_test, the_socket_file_is_removed_when_the_server_stops) {
  serve([](const peer&, std::string_view, const reply_fn& reply) { reply("{}"); });
  EXPECT_TRUE(fs::exists(path_));
  stop();
  EXPECT_FALSE(fs::exists(path_));
}

}  // namespace
