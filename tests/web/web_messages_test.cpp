// SPDX-License-Identifier: Apache-2.0
// The front panel's messages (simulator/web_panel/web_messages.hpp): the cabinet's layout from
// the board file, the state and events the page gets, and the browser's actions: a good one
// runs through the control interface; bad JSON, an unknown action or a wrong field gets a clear
// error back and changes nothing.
#include "simulator/web_panel/web_messages.hpp"

#include <gtest/gtest.h>

#include "drivers/board_file/board_file.hpp"
#include "drivers/virtual_clock.hpp"

namespace locker::simulator::web {
namespace {

using nlohmann::json;

drivers::compartment_config box(const std::string& id, const std::string& size,
                                std::optional<int> handle) {
  drivers::compartment_config c;
  c.id = id;
  c.size = size;
  c.lock.name = "LOCK_" + id;
  c.door.name = "DOOR_" + id;
  c.handle_height_mm = handle;
  return c;
}

// Two S columns of two (handles 1500, 1300), one L below nothing (handle 1000).
drivers::board_config small_board() {
  drivers::board_config b;
  b.hardware = "test 5";
  b.sizes = {"S", "M", "L"};
  b.compartments = {box("1", "S", 1500), box("2", "S", 1300), box("3", "S", 1500),
                    box("4", "S", 1300), box("5", "L", 1000)};
  return b;
}

class web_messages_test : public ::testing::Test {
 protected:
  drivers::board_config board_ = small_board();
  drivers::virtual_clock clock_;
  cabinet_model model_{board_, clock_};
};

TEST_F(web_messages_test, the_layout_stacks_falling_handles_and_sizes_boxes_by_their_step) {
  const json l = cabinet_layout(board_);
  ASSERT_EQ(l["columns"].size(), 3U) << l.dump();
  const auto& first = l["columns"][0]["compartments"];
  ASSERT_EQ(first.size(), 2U);
  EXPECT_EQ(first[0]["id"], "1");
  EXPECT_EQ(first[1]["id"], "2");
  // The step between handles is an S box's height; a handle sits at the middle of its door.
  EXPECT_EQ(first[0]["height_mm"], 200);
  EXPECT_EQ(first[0]["y_mm"], 1400);
  EXPECT_EQ(first[1]["y_mm"], 1200);
  EXPECT_EQ(first[0]["handle_mm"], 1500);
  EXPECT_EQ(l["columns"][1]["compartments"][0]["id"], "3");
  EXPECT_EQ(l["columns"][1]["x_mm"], 400);
  // L has no step to learn from: its rank's default height.
  const auto& big = l["columns"][2]["compartments"][0];
  EXPECT_EQ(big["id"], "5");
  EXPECT_EQ(big["height_mm"], 500);
  EXPECT_EQ(big["y_mm"], 750);
  EXPECT_EQ(l["width_mm"], 1200);
  EXPECT_EQ(l["height_mm"], 1600 + 100);  // the highest top, and headroom
}

TEST_F(web_messages_test, a_board_without_handle_heights_stacks_each_size_from_the_top) {
  drivers::board_config b;
  b.sizes = {"S", "M"};
  b.compartments = {box("1", "S", std::nullopt), box("2", "S", std::nullopt),
                    box("3", "M", std::nullopt)};
  const json l = cabinet_layout(b);
  ASSERT_EQ(l["columns"].size(), 2U) << l.dump();
  const auto& s = l["columns"][0]["compartments"];
  EXPECT_EQ(s[0]["y_mm"], 1700);
  EXPECT_EQ(s[1]["y_mm"], 1500);
  EXPECT_TRUE(s[0]["handle_mm"].is_null());
  EXPECT_EQ(l["columns"][1]["compartments"][0]["height_mm"], 350);
}

TEST_F(web_messages_test, the_sim_board_draws_its_columns_as_its_handles_say) {
  const auto b = drivers::load_board(std::string(LOCKER_SOURCE_DIR) + "/config/boards/sim-24.toml");
  const json l = cabinet_layout(b);
  // Two columns of each size: six S, four M, two L in each.
  ASSERT_EQ(l["columns"].size(), 6U) << l.dump();
  EXPECT_EQ(l["columns"][0]["compartments"].size(), 6U);
  EXPECT_EQ(l["columns"][2]["compartments"].size(), 4U);
  EXPECT_EQ(l["columns"][4]["compartments"].size(), 2U);
  EXPECT_EQ(l["columns"][0]["compartments"][0]["height_mm"], 200);
  EXPECT_EQ(l["columns"][2]["compartments"][0]["height_mm"], 300);
  EXPECT_EQ(l["columns"][4]["compartments"][0]["height_mm"], 600);
}

TEST_F(web_messages_test, hello_state_event_and_view_messages_carry_what_the_page_draws) {
  const json hello = hello_message(board_, model_);
  EXPECT_EQ(hello["type"], "hello");
  EXPECT_EQ(hello["hardware"], "test 5");
  EXPECT_EQ(hello["layout"], cabinet_layout(board_));
  EXPECT_EQ(hello["scanner"], false);
  EXPECT_EQ(hello["badge"], false);

  model_.show("Enter code");
  const json state = state_message(model_);
  EXPECT_EQ(state["type"], "state");
  EXPECT_EQ(state["state"]["display"], "Enter code");
  EXPECT_EQ(state["state"]["compartments"].size(), 5U);
  EXPECT_EQ(state["state"]["compartments"][0]["door"], "closed");

  EXPECT_EQ(event_message({"door", "7 ajar"}),
            json::parse(R"({"type":"event","kind":"door","details":"7 ajar"})"));
  EXPECT_EQ(events_message({{"key", "5"}, {"door", "1 open"}})["events"][1]["details"], "1 open");
  EXPECT_EQ(view_message("tracking", {{"parcels", 2}}),
            json::parse(R"({"type":"view","name":"tracking","data":{"parcels":2}})"));
}

TEST_F(web_messages_test, each_action_becomes_its_control_line) {
  const auto line = [](const char* text) {
    const auto a = parse_action(text);
    EXPECT_TRUE(a.error.empty()) << text << ": " << a.error;
    return a.command;
  };
  EXPECT_EQ(line(R"({"type":"action","action":"press","keys":"12#"})"), "press 12#");
  EXPECT_EQ(line(R"({"type":"action","action":"scan","text":"1Z 99"})"), "scan 1Z 99");
  EXPECT_EQ(line(R"({"type":"action","action":"badge","id":"12:3456"})"), "badge 12:3456");
  EXPECT_EQ(line(R"({"type":"action","action":"wiegand","bits":"1011"})"), "wiegand 1011");
  for (const char* a :
       {"open", "close", "put", "take", "jam", "unjam", "force", "chatter", "unstick"}) {
    const std::string msg = std::string(R"({"type":"action","action":")") + a + R"(","id":"7"})";
    EXPECT_EQ(line(msg.c_str()), std::string(a) + " 7");
  }
  EXPECT_EQ(line(R"({"type":"action","action":"stuck","id":"3","level":"closed"})"),
            "stuck 3 closed");
  EXPECT_EQ(line(R"({"type":"action","action":"power","on":false})"), "power off");
  EXPECT_EQ(line(R"({"type":"action","action":"bounce","ms":0,"count":0})"), "bounce 0 0");
  EXPECT_EQ(parse_action(R"({"type":"action","action":"open","id":"7","req":41})").req, 41);
}

TEST_F(web_messages_test, a_good_action_runs_on_the_model_and_is_answered_with_its_req) {
  std::string keys;
  model_.on_key([&](char k) { keys += k; });
  const json r =
      handle_message(model_, R"({"type":"action","action":"press","keys":"4#","req":7})");
  EXPECT_EQ(r, json::parse(R"({"type":"reply","req":7,"ok":true,"text":"ok"})"));
  EXPECT_EQ(keys, "4#");

  // Refused by the model, as the control interface refuses it: its reason, nothing changed.
  const auto before = model_.state_json();
  const json locked = handle_message(model_, R"({"type":"action","action":"open","id":"1"})");
  EXPECT_EQ(locked["ok"], false);
  EXPECT_EQ(locked["error"], "door 1 is locked");
  EXPECT_TRUE(locked["req"].is_null());
  EXPECT_EQ(model_.state_json(), before);
  EXPECT_EQ(handle_message(model_, R"({"type":"action","action":"take","id":"99"})")["error"],
            "no compartment '99'");

  EXPECT_EQ(handle_message(model_, R"({"type":"action","action":"jam","id":"2"})")["ok"], true);
  EXPECT_NE(model_.state_json(), before);
}

TEST_F(web_messages_test, bad_messages_get_a_clear_error_and_change_nothing) {
  int events = 0;
  model_.on_event([&](const cabinet_event&) { ++events; });
  std::string keys;
  model_.on_key([&](char k) { keys += k; });
  const auto before = model_.state_json();
  const auto refused = [&](const char* text) {
    const json r = handle_message(model_, text);
    EXPECT_EQ(r["type"], "reply") << text;
    EXPECT_EQ(r["ok"], false) << text;
    EXPECT_FALSE(r.contains("text")) << text;
    return r.value("error", std::string());
  };
  EXPECT_EQ(refused("{\"type\":\"action\",").rfind("bad JSON: parse error", 0), 0U)
      << refused("{\"type\":\"action\",");
  EXPECT_EQ(refused("[1,2]"), "a message must be a JSON object");
  EXPECT_EQ(refused(R"({"type":"state"})"),
            R"(unknown message type "state": the panel sends {"type":"action",...})");
  EXPECT_EQ(refused(R"({"action":"open","id":"1"})"),
            R"(unknown message type (none): the panel sends {"type":"action",...})");
  EXPECT_EQ(refused(R"({"type":"action"})"), R"(an action needs "action" (a name))");
  const auto unknown = refused(R"({"type":"action","action":"fly","id":"1"})");
  EXPECT_EQ(unknown.rfind("unknown action 'fly' (one of press, scan, badge", 0), 0U) << unknown;
  // What the control interface has but a page has no business with.
  EXPECT_EQ(refused(R"({"type":"action","action":"attach","id":"board"})")
                .rfind("unknown action 'attach'", 0),
            0U);
  EXPECT_EQ(refused(R"({"type":"action","action":"quit"})").rfind("unknown action 'quit'", 0), 0U);
  EXPECT_EQ(refused(R"({"type":"action","action":"open"})"), R"(action 'open' needs "id")");
  EXPECT_EQ(refused(R"({"type":"action","action":"open","id":7})"), R"("id" has the wrong type)");
  EXPECT_EQ(refused(R"({"type":"action","action":"open","id":"1 2"})"),
            R"("id" must not contain spaces)");
  EXPECT_EQ(refused(R"({"type":"action","action":"press","keys":"1\n#"})"),
            R"("keys" must be non-empty text without control characters)");
  EXPECT_EQ(refused(R"({"type":"action","action":"stuck","id":"1","level":"ajar"})"),
            R"("level" must be "open" or "closed")");
  EXPECT_EQ(refused(R"({"type":"action","action":"power","on":"off"})"),
            R"("on" has the wrong type)");
  EXPECT_EQ(refused(R"({"type":"action","action":"press","keys":"1","req":[1]})"),
            R"("req" must be a number or a string)");
  EXPECT_EQ(refused(R"({"type":"action","action":"press","keys":"x"})"),
            "'x' is not a key (0-9 * # A-D)");
  EXPECT_EQ(model_.state_json(), before);
  EXPECT_EQ(events, 0);
  EXPECT_EQ(keys, "");
}

}  // namespace
}  // namespace locker::simulator::web
