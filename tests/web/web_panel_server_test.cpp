// SPDX-License-Identifier: Apache-2.0
// The front panel's server (simulator/web_panel/web_panel.hpp) on real loopback sockets: the
// page's files over HTTP, the WebSocket's greeting, live state and events, replies to actions
// and to bad messages, views (a dummy one here: the tracking view's slot), and the Origin check.
// The server runs on its own io_context thread; the test is a plain synchronous Beast client
// and touches the model and the panel only on that thread (on_loop).
#include <future>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <gtest/gtest.h>

#include "drivers/virtual_clock.hpp"
#include "simulator/web_panel/web_assets.hpp"
#include "simulator/web_panel/web_panel.hpp"

namespace locker::simulator::web {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using boost::asio::ip::tcp;
using nlohmann::json;

drivers::board_config two_boxes() {
  drivers::board_config b;
  b.hardware = "test 2";
  b.sizes = {"S"};
  for (const char* id : {"1", "2"}) {
    drivers::compartment_config c;
    c.id = id;
    c.size = "S";
    c.lock.name = std::string("LOCK_") + id;
    c.door.name = std::string("DOOR_") + id;
    b.compartments.push_back(c);
  }
  return b;
}

class web_panel_server_test : public ::testing::Test {
 protected:
  // Runs fn on the server's thread and waits for it.
  template <typename F>
  auto on_loop(F fn) {
    std::packaged_task<decltype(fn())()> task(std::move(fn));
    auto result = task.get_future();
    boost::asio::post(io_, [&task] { task(); });
    return result.get();
  }

  void SetUp() override {
    panel_ = std::make_unique<web_panel>(io_, model_, board_, "127.0.0.1", 0);
    loop_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    on_loop([this] { panel_->stop(); });
    work_.reset();
    io_.stop();
    loop_.join();
  }

  http::response<http::string_body> get(const std::string& target) {
    boost::asio::io_context c;
    beast::tcp_stream s(c);
    s.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), panel_->port()));
    http::request<http::string_body> req(http::verb::get, target, 11);
    req.set(http::field::host, "127.0.0.1");
    http::write(s, req);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(s, buf, res);
    return res;
  }

  struct client {
    boost::asio::io_context c;
    websocket::stream<tcp::socket> ws{c};
    beast::flat_buffer buf;

    json next() {
      buf.clear();
      ws.read(buf);
      return json::parse(beast::buffers_to_string(buf.data()));
    }
    // Skips other messages until one of this type (and name, for views) comes.
    json next(const std::string& type, const std::string& name = {}) {
      for (int i = 0; i < 100; ++i) {
        auto m = next();
        if (m["type"] == type && (name.empty() || m.value("name", "") == name)) return m;
      }
      ADD_FAILURE() << "no " << type << " message in 100";
      return {};
    }
    void send(const std::string& text) { ws.write(boost::asio::buffer(text)); }
  };

  std::unique_ptr<client> connect(const std::string& origin = {}) {
    auto cl = std::make_unique<client>();
    cl->ws.next_layer().connect(
        tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), panel_->port()));
    const std::string host = "127.0.0.1:" + std::to_string(panel_->port());
    if (!origin.empty()) {
      cl->ws.set_option(websocket::stream_base::decorator(
          [origin](websocket::request_type& r) { r.set(http::field::origin, origin); }));
    }
    cl->ws.handshake(host, "/ws");
    return cl;
  }

  drivers::board_config board_ = two_boxes();
  drivers::virtual_clock clock_;
  cabinet_model model_{board_, clock_};
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      io_.get_executor()};
  std::unique_ptr<web_panel> panel_;
  std::thread loop_;
};

TEST_F(web_panel_server_test, serves_every_embedded_file_by_name_and_index_at_the_root) {
  const auto root = get("/");
  EXPECT_EQ(root.result(), http::status::ok);
  EXPECT_EQ(std::string(root[http::field::content_type]), "text/html; charset=utf-8");
  EXPECT_NE(root.body().find("id=\"view-tracking\""), std::string::npos);
  EXPECT_NE(root.body().find("<script src=\"tracking.js\">"), std::string::npos);
  for (const auto& a : embedded_assets()) {
    const auto res = get("/" + std::string(a.name));
    EXPECT_EQ(res.result(), http::status::ok) << a.name;
    EXPECT_EQ(res.body(), a.body) << a.name;
    EXPECT_EQ(std::string(res[http::field::content_type]), content_type(a.name)) << a.name;
  }
  EXPECT_EQ(std::string(get("/panel.js")[http::field::content_type]),
            "text/javascript; charset=utf-8");
  EXPECT_EQ(get("/panel.css?v=2").result(), http::status::ok);
  EXPECT_EQ(get("/no-such-file.js").result(), http::status::not_found);
  EXPECT_EQ(get("/../CMakeLists.txt").result(), http::status::not_found);
}

TEST_F(web_panel_server_test, a_page_gets_hello_state_and_events_then_every_change_live) {
  on_loop([this] { model_.show("Enter code"); });
  auto page = connect();
  const auto hello = page->next();
  EXPECT_EQ(hello["type"], "hello");
  EXPECT_EQ(hello["layout"]["columns"][0]["compartments"].size(), 2U);
  const auto state = page->next();
  EXPECT_EQ(state["type"], "state");
  EXPECT_EQ(state["state"]["display"], "Enter code");
  const auto events = page->next();
  EXPECT_EQ(events["type"], "events");
  EXPECT_EQ(events["events"].back()["kind"], "display");

  // The lock releases: the page sees the events and a state with the door ajar.
  on_loop([this] {
    model_.set_output("LOCK_1", true);
    clock_.advance(drivers::millis{100});
  });
  EXPECT_EQ(page->next("event")["details"], "1 energized");
  json s;
  for (int i = 0; i < 20; ++i) {
    s = page->next("state");
    if (s["state"]["compartments"][0]["door"] == "ajar") break;
  }
  EXPECT_EQ(s["state"]["compartments"][0]["door"], "ajar");
  EXPECT_EQ(s["state"]["compartments"][0]["coil"], true);

  // A person's action from the page: what it changed (as it happens), then the reply.
  page->send(R"({"type":"action","action":"open","id":"1","req":5})");
  EXPECT_EQ(page->next("event")["details"], "1 open");
  EXPECT_EQ(page->next("reply"), json::parse(R"({"type":"reply","req":5,"ok":true,"text":"ok"})"));
  EXPECT_EQ(on_loop([this] { return model_.status()[0].door; }), door_state::open);
}

TEST_F(web_panel_server_test, bad_json_or_an_unknown_action_gets_an_error_and_changes_nothing) {
  auto page = connect();
  page->next("events");
  const auto before = on_loop([this] { return model_.state_json(); });
  page->send("{not json");
  const auto bad = page->next();
  EXPECT_EQ(bad["type"], "reply");
  EXPECT_EQ(bad["ok"], false);
  EXPECT_EQ(bad["error"].get<std::string>().rfind("bad JSON: ", 0), 0U) << bad.dump();
  page->send(R"({"type":"action","action":"reboot","req":"r1"})");
  const auto unknown = page->next();
  EXPECT_EQ(unknown["req"], "r1");
  EXPECT_EQ(unknown["error"].get<std::string>().rfind("unknown action 'reboot'", 0), 0U);
  // Nothing but the replies came (a good action's event is next), and the model is as it was.
  page->send(R"({"type":"action","action":"press","keys":"#","req":3})");
  EXPECT_EQ(page->next(), json::parse(R"({"type":"event","kind":"key","details":"#"})"));
  EXPECT_EQ(page->next("reply")["req"], 3);
  EXPECT_EQ(on_loop([this] { return model_.state_json(); }), before);
}

TEST_F(web_panel_server_test, a_view_reaches_every_page_now_on_change_and_on_connect) {
  auto early = connect();
  early->next("events");
  int tick = 0;
  on_loop([&] { panel_->add_view("dummy", [&tick] { return json{{"tick", tick}}; }); });
  EXPECT_EQ(early->next(), json::parse(R"({"type":"view","name":"dummy","data":{"tick":0}})"));
  on_loop([&] {
    tick = 1;
    panel_->view_changed("dummy");
    panel_->view_changed("no-such-view");  // nothing to send
  });
  EXPECT_EQ(early->next("view", "dummy")["data"]["tick"], 1);
  // A page that comes later gets the view's snapshot with its greeting.
  auto late = connect();
  EXPECT_EQ(late->next("view", "dummy")["data"]["tick"], 1);
}

TEST_F(web_panel_server_test, a_websocket_from_another_sites_page_is_refused) {
  EXPECT_THROW(connect("http://evil.example"), beast::system_error);
  auto own = connect("http://127.0.0.1:" + std::to_string(panel_->port()));
  EXPECT_EQ(own->next()["type"], "hello");
}

TEST_F(web_panel_server_test, a_port_taken_is_an_error_naming_the_address) {
  boost::asio::io_context other;
  try {
    web_panel second(other, model_, board_, "127.0.0.1", panel_->port());
    ADD_FAILURE() << "bound a port already taken";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(panel_->port())),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace locker::simulator::web
