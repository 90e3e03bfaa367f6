// SPDX-License-Identifier: Apache-2.0
// The journal relay without a broker: the in-memory link plays the broker, on virtual time,
// with a real SQLite journal. What matters is what leaves the journal and when: only an
// acknowledged prefix, whatever order the PUBACKs come in; everything unacknowledged again
// after a reconnect or a restart; never more in flight than the window; "queued" on late ones.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "daemon/log/log.hpp"
#include "daemon/mqtt/journal_relay.hpp"
#include "daemon/mqtt/memory/memory_link.hpp"
#include "daemon/store/store.hpp"
#include "drivers/virtual_clock.hpp"
#include "protocol/topics.hpp"
#include "tests/support/mosquitto_broker.hpp"

namespace locker::mqtt::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class relay_memory_test : public ::testing::Test {
 protected:
  void SetUp() override {
    log::set_level(log::level::error);  // a refused event is a warning: expected here
    dir_ = test::detail::make_temp_dir("locker-relay-memory");
    db_ = std::make_unique<store::store>(dir_ / "lockerd.db");
  }
  void TearDown() override {
    relay_.reset();
    link_.reset();
    db_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // ago: how long before now the event happened (its ts).
  std::uint64_t append(const std::string& type, std::chrono::milliseconds ago = 0ms) {
    store::transaction tx(db_->db());
    const auto e = db_->journal().append(tx, store::journal_topic::door, type,
                                         json{{"compartment", "1"}}, clock_.wall_now() - ago);
    tx.commit();
    return e.seq;
  }
  void append_n(int n) {
    for (int i = 0; i < n; ++i) append("opened");
  }
  // A link and a relay on it, the link started (connected after the next turn of the loop).
  void boot(std::size_t max_in_flight = 32) {
    relay_.reset();
    link_ = std::make_unique<memory_link>(clock_);
    relay_ = std::make_unique<journal_relay>(*db_, *link_, clock_, topics_, max_in_flight);
    link_->start();
    turn();
  }
  void turn() { clock_.advance(0ms); }

  // The seq in a published event.
  [[nodiscard]] std::uint64_t seq_of(std::uint64_t id) const {
    return json::parse(link_->get(id).payload).at("seq").get<std::uint64_t>();
  }
  // The link's message id carrying `seq` that is waiting for its PUBACK.
  [[nodiscard]] std::uint64_t waiting_with(std::uint64_t seq) const {
    for (const auto id : link_->waiting())
      if (seq_of(id) == seq) return id;
    ADD_FAILURE() << "seq " << seq << " is not waiting";
    return 0;
  }
  void ack_seq(std::uint64_t seq) {
    ASSERT_TRUE(link_->acknowledge(waiting_with(seq)));
    turn();  // the deletes are batched after a burst of PUBACKs
  }
  // The seqs the link published, in order.
  [[nodiscard]] std::vector<std::uint64_t> seqs_published() const {
    std::vector<std::uint64_t> out;
    for (const auto& m : link_->published()) out.push_back(seq_of(m.id));
    return out;
  }
  [[nodiscard]] std::vector<std::uint64_t> seqs_in_journal() {
    std::vector<std::uint64_t> out;
    for (const auto& e : db_->journal().pending(1000)) out.push_back(e.seq);
    return out;
  }

  std::filesystem::path dir_;
  drivers::virtual_clock clock_;
  std::unique_ptr<store::store> db_;
  protocol::topic_set topics_ = *protocol::topic_set::make("test");
  std::unique_ptr<memory_link> link_;
  std::unique_ptr<journal_relay> relay_;
};

TEST_F(relay_memory_test, publishes_the_journal_in_order_at_qos1_on_the_event_topics) {
  append_n(3);
  boot();
  ASSERT_TRUE(link_->connected());
  EXPECT_EQ(seqs_published(), (std::vector<std::uint64_t>{1, 2, 3}));
  for (const auto& m : link_->published()) {
    EXPECT_EQ(m.topic, topics_.evt_door());
    EXPECT_EQ(m.qos, 1);
    EXPECT_FALSE(m.retained);
  }
  EXPECT_EQ(relay_->in_flight(), 3U);
  EXPECT_EQ(relay_->backlog(), 3) << "nothing leaves the journal before its PUBACK";
}

TEST_F(relay_memory_test, only_an_acknowledged_prefix_leaves_the_journal) {
  append_n(5);
  boot();
  // 2 and 3 acknowledged, 1 not yet: nothing may go, or the journal would have a gap.
  ack_seq(2);
  ack_seq(3);
  EXPECT_EQ(seqs_in_journal(), (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));
  ack_seq(1);
  EXPECT_EQ(seqs_in_journal(), (std::vector<std::uint64_t>{4, 5}));
  ack_seq(5);
  EXPECT_EQ(seqs_in_journal(), (std::vector<std::uint64_t>{4, 5}));
  ack_seq(4);
  EXPECT_TRUE(seqs_in_journal().empty());
  EXPECT_EQ(relay_->delivered(), 5U);
  EXPECT_EQ(relay_->in_flight(), 0U);
}

TEST_F(relay_memory_test, pubacks_in_reverse_order_delete_everything_at_the_last) {
  append_n(4);
  boot();
  for (std::uint64_t seq = 4; seq >= 2; --seq) {
    ack_seq(seq);
    EXPECT_EQ(relay_->backlog(), 4) << "after the PUBACK of " << seq;
  }
  ack_seq(1);
  EXPECT_EQ(relay_->backlog(), 0);
}

TEST_F(relay_memory_test, a_reconnect_sends_again_what_was_not_acknowledged) {
  append_n(3);
  boot();
  ack_seq(1);
  link_->disconnect();
  turn();
  EXPECT_EQ(seqs_in_journal(), (std::vector<std::uint64_t>{2, 3}));
  EXPECT_EQ(relay_->in_flight(), 0U);

  // Committed while the broker is away: it waits in the journal with the others.
  append("closed");
  turn();
  EXPECT_EQ(link_->published().size(), 3U) << "nothing is sent without a connection";

  link_->connect();
  EXPECT_EQ(seqs_published(), (std::vector<std::uint64_t>{1, 2, 3, 2, 3, 4}));
  link_->acknowledge_all();
  turn();
  EXPECT_EQ(relay_->backlog(), 0);
}

TEST_F(relay_memory_test, a_puback_of_the_old_connection_does_not_delete) {
  append_n(2);
  boot();
  const auto old_first = waiting_with(1);
  link_->disconnect();
  link_->connect();
  // The old delivery failed with the connection: acknowledging it now does nothing.
  EXPECT_FALSE(link_->acknowledge(old_first));
  turn();
  EXPECT_EQ(relay_->backlog(), 2);
  link_->acknowledge_all();
  turn();
  EXPECT_EQ(relay_->backlog(), 0);
}

TEST_F(relay_memory_test, no_more_than_the_window_is_in_flight) {
  append_n(10);
  boot(4);
  EXPECT_EQ(link_->waiting().size(), 4U);
  std::uint64_t expected = 1;
  while (!link_->waiting().empty()) {
    EXPECT_LE(link_->waiting().size(), 4U);
    EXPECT_LE(relay_->in_flight(), 4U);
    // The oldest PUBACK comes back: one more goes out, after the delete.
    ack_seq(expected++);
  }
  EXPECT_EQ(expected, 11U);
  EXPECT_EQ(seqs_published().size(), 10U) << "each event once";
  EXPECT_EQ(relay_->backlog(), 0);
}

TEST_F(relay_memory_test, a_backlog_is_deleted_in_batches_and_wholly_at_its_end) {
  append_n(40);
  boot(4);
  // Draining (more wait than the window holds): acknowledged prefixes stay for now.
  for (std::uint64_t seq = 1; seq <= 8; ++seq) ack_seq(seq);
  EXPECT_EQ(relay_->delivered(), 8U);
  EXPECT_EQ(relay_->backlog(), 40) << "deleted in one transaction later, not per burst";
  // A crash now only sends those again: a new relay starts from the oldest in the journal.
  boot(4);
  EXPECT_EQ(seqs_published().front(), 1U);
  while (!link_->waiting().empty()) {
    link_->acknowledge_all();
    turn();
  }
  EXPECT_EQ(relay_->backlog(), 0) << "caught up: everything acknowledged is deleted";
  // Caught up: a new event's delete follows its PUBACK at once again.
  append("closed");
  relay_->wake();
  link_->acknowledge_all();
  turn();
  EXPECT_EQ(relay_->backlog(), 0);
}

// The relay reads a backlog ahead of the window (read_ahead_events at a time): what it read
// goes out in seq order with what is committed meanwhile, each once; a reconnect forgets what
// was read and starts again from the oldest unacknowledged.
TEST_F(relay_memory_test, a_backlog_read_ahead_keeps_seq_order_with_new_events_and_reconnects) {
  const auto backlog = static_cast<int>(read_ahead_events) + 10;
  append_n(backlog);
  boot(4);
  for (std::uint64_t seq = 1; seq <= 6; ++seq) ack_seq(seq);
  // Committed while the read-ahead still holds older events.
  const auto late = append("closed");
  relay_->wake();
  link_->disconnect();
  turn();
  link_->connect();
  turn();
  EXPECT_EQ(seqs_published().at(10), 7U) << "again from the oldest unacknowledged";
  while (!link_->waiting().empty()) {
    link_->acknowledge_all();
    turn();
  }
  const auto sent = seqs_published();
  const std::vector<std::uint64_t> after_reconnect(sent.begin() + 10, sent.end());
  std::vector<std::uint64_t> expected;
  for (auto seq = 7U; seq <= late; ++seq) expected.push_back(seq);
  EXPECT_EQ(after_reconnect, expected) << "in seq order, each once, the new one last";
  EXPECT_EQ(relay_->backlog(), 0);
}

TEST_F(relay_memory_test, an_event_committed_while_connected_goes_out_on_wake) {
  boot();
  EXPECT_TRUE(link_->published().empty());
  append("opened");
  relay_->wake();
  ASSERT_EQ(link_->published().size(), 1U);
  EXPECT_EQ(seq_of(1), 1U);
}

TEST_F(relay_memory_test, a_restart_resumes_from_the_journal) {
  append_n(5);
  boot();
  ack_seq(1);
  ack_seq(2);
  ack_seq(4);  // acknowledged, but 3 was not: it is sent again, as is 4
  // kill -9: the relay, the link and the store go, the database file stays.
  relay_.reset();
  link_.reset();
  db_ = std::make_unique<store::store>(dir_ / "lockerd.db");
  EXPECT_EQ(seqs_in_journal(), (std::vector<std::uint64_t>{3, 4, 5}));
  boot();
  EXPECT_EQ(seqs_published(), (std::vector<std::uint64_t>{3, 4, 5}));
  link_->acknowledge_all();
  turn();
  EXPECT_EQ(relay_->backlog(), 0);
  // The next event continues the sequence.
  EXPECT_EQ(append("opened"), 6U);
}

TEST_F(relay_memory_test, an_error_puback_sends_again_from_the_oldest_a_second_later) {
  append_n(2);
  boot();
  // The broker refuses 1 (an error reason code) but takes 2: nothing may be deleted.
  ASSERT_TRUE(link_->acknowledge(waiting_with(1), false));
  ASSERT_TRUE(link_->acknowledge(waiting_with(2)));
  turn();
  EXPECT_EQ(relay_->backlog(), 2);
  clock_.advance(999ms);
  EXPECT_EQ(link_->published().size(), 2U) << "no hot loop against a refusing broker";
  clock_.advance(1ms);
  EXPECT_EQ(seqs_published(), (std::vector<std::uint64_t>{1, 2, 1, 2}));
  link_->acknowledge_all();
  turn();
  EXPECT_EQ(relay_->backlog(), 0);
}

TEST_F(relay_memory_test, queued_marks_exactly_the_events_that_waited) {
  // Old events from before the connection, one of this instant.
  append("opened", 5s);
  append("closed", 1001ms);
  append("opened", 1000ms);
  append("closed");
  boot();
  // Broker away for two seconds: the event of that moment goes out late.
  link_->acknowledge_all();
  turn();
  link_->disconnect();
  append("opened");
  clock_.advance(2s);
  link_->connect();
  // One published as it happens.
  append("closed");
  relay_->wake();

  std::vector<bool> queued;
  for (const auto& m : link_->published()) {
    const auto j = json::parse(m.payload);
    queued.push_back(j.value("queued", false));
    if (j.value("queued", false)) {
      // The flag is first, the event's own fields intact.
      EXPECT_EQ(m.payload.rfind(R"({"queued":true,)", 0), 0U) << m.payload;
      EXPECT_TRUE(j.contains("event_id") && j.contains("seq") && j.contains("ts"));
    }
  }
  EXPECT_EQ(queued, (std::vector<bool>{true, true, false, false, true, false}));
}

}  // namespace
}  // namespace locker::mqtt::testing
