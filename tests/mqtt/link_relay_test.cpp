// SPDX-License-Identifier: Apache-2.0
// The link and the journal relay against a real mosquitto on loopback, with a real SQLite
// journal. Real time: every wait is a condition with a deadline.
#include <chrono>
#include <iostream>
#include <optional>
#include <thread>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/mqtt/journal_relay.hpp"
#include "protocol/events.hpp"
#include "tests/mqtt/mqtt_test_support.hpp"

namespace locker::mqtt::testing {
namespace {

TEST_F(mqtt_fixture, link_connects_with_mqtt5_and_a_persistent_session) {
  test::mosquitto_broker broker;
  mqtt_link link(io_, clock_, test_settings(broker.url(), topics_));
  int connected = 0;
  link.on_connected([&] { ++connected; });
  link.start();
  ASSERT_TRUE(run_until([&] { return link.connected(); }));
  EXPECT_EQ(connected, 1);
  // mosquitto logs "(p5, c0, ...)": protocol MQTT 5, clean start false.
  ASSERT_TRUE(run_until([&] {
    return broker.log().find("as locker-test (p5, c0") != std::string::npos;
  })) << broker.log();
}

// What the link's CONNECT says on the wire (protocol/README.md: MQTT 5, clean start false, session
// expiry >= 1 day), read by a listener that is not a broker: the first packet, byte by byte.
TEST_F(mqtt_fixture, the_connect_packet_asks_for_a_session_of_at_least_a_day) {
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ASSERT_EQ(::listen(listener, 1), 0);
  const auto url = "mqtt://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));

  // The settings lockerd builds from its configuration, not the tests' own.
  config::locker_config cfg;
  cfg.broker.url = url;
  auto settings = settings_from(cfg, topics_);
  EXPECT_GE(settings.session_expiry, std::chrono::hours(24));
  mqtt_link link(io_, clock_, settings);
  link.start();

  std::string packet;
  int conn = -1;
  ASSERT_TRUE(run_until([&] {
    if (conn < 0) {
      pollfd p{listener, POLLIN, 0};
      if (::poll(&p, 1, 0) == 1) conn = ::accept(listener, nullptr, nullptr);
      return false;
    }
    pollfd p{conn, POLLIN, 0};
    char buf[512];
    while (::poll(&p, 1, 0) == 1) {
      const auto n = ::read(conn, buf, sizeof buf);
      if (n <= 0) break;
      packet.append(buf, static_cast<std::size_t>(n));
    }
    // Complete once the remaining length (a varint after the first byte) is all there.
    std::size_t length = 0;
    for (std::size_t i = 1, shift = 0; i < packet.size() && i < 5; ++i, shift += 7) {
      const auto b = static_cast<unsigned char>(packet[i]);
      length |= static_cast<std::size_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return packet.size() >= i + 1 + length;
    }
    return false;
  })) << packet.size()
      << " bytes";
  ::close(conn);
  ::close(listener);

  // Fixed header, then "MQTT", level, flags, keepalive, then the properties.
  std::size_t at = 0;
  const auto byte = [&] { return static_cast<unsigned char>(packet.at(at++)); };
  const auto varint = [&] {
    std::uint32_t v = 0;
    for (int shift = 0;; shift += 7) {
      const auto b = byte();
      v |= static_cast<std::uint32_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
  };
  ASSERT_EQ(byte(), 0x10) << "not a CONNECT";
  (void)varint();
  ASSERT_EQ(packet.substr(at, 6), std::string("\0\4MQTT", 6));
  at += 6;
  EXPECT_EQ(byte(), 5) << "MQTT 5";
  EXPECT_EQ(byte() & 0x02, 0) << "clean start must be off";
  at += 2;  // keepalive
  const auto end = at + varint();
  std::optional<std::uint32_t> expiry;
  while (at < end) {
    const auto id = byte();
    const auto n = [&](int bytes) {
      std::uint32_t v = 0;
      for (int i = 0; i < bytes; ++i) v = (v << 8) | byte();
      return v;
    };
    switch (id) {
      case 0x11:  // session expiry interval
        expiry = n(4);
        break;
      case 0x27:  // maximum packet size
        (void)n(4);
        break;
      case 0x21:  // receive maximum
      case 0x22:  // topic alias maximum
        (void)n(2);
        break;
      case 0x17:  // request problem information
      case 0x19:  // request response information
        (void)n(1);
        break;
      case 0x26:  // user property: two strings
        for (int k = 0; k < 2; ++k) at += n(2);
        break;
      case 0x15:  // authentication method
      case 0x16:  // authentication data
        at += n(2);
        break;
      default:
        FAIL() << "unknown CONNECT property " << int{id};
    }
  }
  ASSERT_TRUE(expiry) << "no session expiry: the session would end with the connection";
  EXPECT_GE(*expiry, 24U * 3600U);
}

// The last will on kill -9 is checked with a real lockerd process in lockerd_process_test.cpp:
// a forked child cannot use Paho (its threads do not survive fork()).

// broker.url may use Paho's spelling (protocol/broker_url.hpp); the link gets mqtt(s)://.
TEST_F(mqtt_fixture, settings_take_the_broker_url_in_either_spelling) {
  config::locker_config cfg;
  cfg.broker.url = "tcp://127.0.0.1:1883";
  EXPECT_EQ(settings_from(cfg, topics_).url, "mqtt://127.0.0.1:1883");
  cfg.broker.url = "ssl://broker.local:8883";
  EXPECT_EQ(settings_from(cfg, topics_).url, "mqtts://broker.local:8883");
}

TEST_F(mqtt_fixture, a_clean_stop_leaves_the_shutdown_status_retained_and_no_will) {
  test::mosquitto_broker broker;
  mqtt_link link(io_, clock_, test_settings(broker.url(), topics_));
  link.start();
  ASSERT_TRUE(run_until([&] { return link.connected(); }));
  bool stopped = false;
  link.stop(topics_.status(), protocol::encode_status_offline(protocol::offline_reason::shutdown),
            2s, [&] { stopped = true; });
  ASSERT_TRUE(run_until([&] { return stopped; }));
  EXPECT_FALSE(link.connected());
  test::test_subscriber late(broker.url(), topics_.status());
  ASSERT_TRUE(late.wait_for([](const auto& m) { return !m.empty(); }));
  const auto msgs = late.messages();
  ASSERT_EQ(msgs.size(), 1U);  // only the retained one: no will after a normal disconnect
  EXPECT_TRUE(msgs[0].retained);
  EXPECT_EQ(json::parse(msgs[0].payload)["reason"], "shutdown");
}

TEST_F(mqtt_fixture, the_daemon_side_runs_without_a_broker_and_connects_when_one_appears) {
  const auto port = test::detail::free_loopback_port();
  mqtt_link link(io_, clock_, test_settings("mqtt://127.0.0.1:" + std::to_string(port), topics_));
  link.start();
  bool done = false;
  bool delivered = true;
  link.publish(topics_.state(), "{}", 1, true, [&](bool ok) {
    done = true;
    delivered = ok;
  });
  ASSERT_TRUE(run_until([&] { return done; }));
  EXPECT_FALSE(delivered);
  EXPECT_FALSE(link.connected());
  // No broker for a while: the link keeps trying (and nothing throws).
  io_.restart();
  io_.run_for(300ms);
  EXPECT_FALSE(link.connected());
}

TEST_F(mqtt_fixture, the_relay_publishes_in_seq_order_on_the_right_topic_and_empties_the_journal) {
  test::mosquitto_broker broker;
  test::test_subscriber sub(broker.url(), topics_.root() + "evt/#");
  // Journaled before any connect: the first 15 happened a minute ago (the locker had no
  // broker then) and go out marked queued; the next 15 a moment before the connect. Those
  // are queued only if the connect itself took longer than late_after (with a second Paho
  // client in this process, as here, Paho takes about 2 s to connect; lockerd has one, and
  // the process test checks that the events of its start go out unmarked).
  for (int i = 0; i < 30; ++i) {
    append(i % 3 == 0 ? store::journal_topic::parcel
                      : (i % 3 == 1 ? store::journal_topic::door : store::journal_topic::alarm),
           i % 3 == 0 ? "stored" : (i % 3 == 1 ? "opened" : "door_forced"), {{"n", i}},
           std::nullopt, i < 15 ? std::chrono::milliseconds(60s) : 0ms);
  }
  mqtt_link link(io_, clock_, test_settings(broker.url(), topics_));
  journal_relay relay(*db_, link, clock_, topics_);
  link.start();
  ASSERT_TRUE(run_until([&] { return sub.count() >= 30; })) << sub.count();
  for (int i = 30; i < 60; ++i) {
    append(store::journal_topic::door, "closed", {{"n", i}});
    relay.wake();
  }
  ASSERT_TRUE(run_until([&] { return sub.count() >= 60; })) << sub.count();
  ASSERT_TRUE(run_until([&] { return relay.backlog() == 0; }));
  const auto events = distinct_events(sub.messages());
  ASSERT_EQ(events.size(), 60U);
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    EXPECT_EQ(e["seq"].get<std::uint64_t>(), i + 1);
    EXPECT_EQ(e["n"].get<std::size_t>(), i);
    const std::string topic = e["_topic"];
    if (i < 30) {
      const auto want = i % 3 == 0 ? topics_.evt_parcel()
                                   : (i % 3 == 1 ? topics_.evt_door() : topics_.evt_alarm());
      EXPECT_EQ(topic, want);
      if (i < 15) {
        EXPECT_EQ(e.value("queued", false), true) << e;
      }
    } else {
      EXPECT_EQ(topic, topics_.evt_door());
      EXPECT_FALSE(e.contains("queued")) << e;
    }
  }
  EXPECT_EQ(db_->journal().pending(10).size(), 0U);
  expect_queued_exactly_when_late(sub.messages());
}

TEST_F(mqtt_fixture, a_broker_outage_loses_nothing_and_keeps_seq_order) {
  test::broker_options bo;
  bo.persistence = true;  // the subscriber's session survives the broker's restart
  test::mosquitto_broker broker(bo);
  test::subscriber_options so;
  so.persistent = true;
  so.client_id = "outage-watcher";
  test::test_subscriber sub(broker.url(), topics_.root() + "evt/#", so);
  mqtt_link link(io_, clock_, test_settings(broker.url(), topics_));
  journal_relay relay(*db_, link, clock_, topics_);
  link.start();
  ASSERT_TRUE(run_until([&] { return link.connected(); }));
  for (int i = 0; i < 20; ++i) {
    append(store::journal_topic::parcel, "stored", {{"n", i}});
    relay.wake();
  }
  ASSERT_TRUE(run_until([&] { return sub.count() >= 20; }));

  broker.stop();
  // 200 events while the broker is away: some are in flight when it goes. They happened
  // seconds before the broker is back (as in any real outage), so they go out queued.
  for (int i = 20; i < 220; ++i) {
    append(i % 2 ? store::journal_topic::door : store::journal_topic::parcel,
           i % 2 ? "closed" : "stored", {{"n", i}}, std::nullopt, 5s);
    relay.wake();
    if (i % 20 == 0) {
      io_.restart();
      io_.poll();
    }
  }
  ASSERT_TRUE(run_until([&] { return !link.connected(); }));
  EXPECT_GT(relay.backlog(), 0);
  broker.start();
  ASSERT_TRUE(run_until([&] { return distinct_events(sub.messages()).size() >= 220; }, 20s))
      << distinct_events(sub.messages()).size();
  ASSERT_TRUE(run_until([&] { return relay.backlog() == 0; }));

  const auto events = distinct_events(sub.messages());
  ASSERT_EQ(events.size(), 220U);
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i]["seq"].get<std::uint64_t>(), i + 1) << "out of order or missing";
    if (i >= 20) {
      EXPECT_EQ(events[i].value("queued", false), true) << events[i];
    } else {
      EXPECT_FALSE(events[i].contains("queued")) << events[i];
    }
  }
  EXPECT_EQ(db_->journal().pending(10).size(), 0U);
  expect_queued_exactly_when_late(sub.messages());
}

TEST_F(mqtt_fixture, a_plain_pickup_code_is_erased_after_delivery) {
  test::mosquitto_broker broker;
  test::test_subscriber sub(broker.url(), topics_.evt_parcel());
  const auto now = std::chrono::system_clock::now();
  db_->compartments().upsert("1", "m", now);
  std::int64_t parcel_id = 0;
  {
    store::transaction tx(db_->db());
    store::new_parcel p;
    p.tracking_number = "TN1";
    p.compartment_id = "1";
    p.courier_id = "c1";
    p.pickup_code_hash = "hash";
    p.pickup_code_plain = "12345678";
    p.stored_at = now;
    p.expires_at = now + 72h;
    parcel_id = db_->parcels().store(tx, p);
    db_->journal().append(tx, store::journal_topic::parcel, "stored",
                          {{"tracking_number", "TN1"}, {"pickup_code", "12345678"}}, now,
                          parcel_id);
    tx.commit();
  }
  ASSERT_TRUE(db_->parcels().find(parcel_id)->pickup_code_plain.has_value());
  mqtt_link link(io_, clock_, test_settings(broker.url(), topics_));
  journal_relay relay(*db_, link, clock_, topics_);
  link.start();
  ASSERT_TRUE(run_until([&] { return sub.count() >= 1; }));
  EXPECT_EQ(json::parse(sub.messages()[0].payload)["pickup_code"], "12345678");
  ASSERT_TRUE(run_until([&] { return relay.backlog() == 0; }));
  EXPECT_FALSE(db_->parcels().find(parcel_id)->pickup_code_plain.has_value());
}

// Not a timed assertion: prints how fast a backlog drains (design.md wants > 5,000/s).
TEST_F(mqtt_fixture, a_backlog_drains_and_the_rate_is_reported) {
  test::mosquitto_broker broker;
  constexpr int n = 5000;
  {
    store::transaction tx(db_->db());
    for (int i = 0; i < n; ++i) {
      db_->journal().append(tx, store::journal_topic::door, "closed", {{"n", i}},
                            std::chrono::system_clock::now());
    }
    tx.commit();
  }
  test::test_subscriber sub(broker.url(), topics_.evt_door());
  mqtt_link link(io_, clock_, test_settings(broker.url(), topics_));
  journal_relay relay(*db_, link, clock_, topics_);
  link.start();
  ASSERT_TRUE(run_until([&] { return link.connected(); }));
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(run_until([&] { return relay.backlog() == 0; }, 60s)) << relay.backlog();
  const auto s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "[ figures  ] drained " << n << " events in " << s << " s: " << n / s
            << " events/s\n";
  ASSERT_TRUE(run_until([&] { return sub.count() >= n; }, 20s));
  EXPECT_EQ(distinct_events(sub.messages()).size(), static_cast<std::size_t>(n));
}

// A flood while the loop is busy (here: not running at all) fills the bounded inbox and the
// rest is dropped and counted, so memory stays bounded (issue 15); once the loop runs again
// the inbox takes messages again.
TEST_F(mqtt_fixture, a_flood_while_the_loop_is_busy_is_bounded_and_the_rest_dropped) {
  test::mosquitto_broker broker;
  auto settings = test_settings(broker.url(), topics_);
  settings.inbox_messages = 50;
  mqtt_link link(io_, clock_, settings);
  std::vector<std::string> seen;
  link.on_message([&](const incoming_message& m) { seen.push_back(m.payload); });
  link.subscribe(topics_.root() + "cmd/#", 1);
  link.start();
  ASSERT_TRUE(run_until([&] { return link.connected(); }));
  test::test_subscriber sender(broker.url(), topics_.root() + "unused");
  // The subscription is in place once a probe comes through.
  ASSERT_TRUE(run_until([&] {
    if (seen.empty()) sender.publish(topics_.root() + "cmd/probe", "probe");
    return !seen.empty();
  }));
  const auto before = link.inbox_arrived();

  constexpr int flood = 300;
  for (int i = 0; i < flood; ++i) sender.publish(topics_.root() + "cmd/x", std::to_string(i));
  // Paho's thread hands every message over although the loop is not running.
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (link.inbox_arrived() < before + flood && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_EQ(link.inbox_arrived(), before + flood);
  EXPECT_EQ(link.inbox_dropped(), static_cast<std::uint64_t>(flood - 50));

  seen.clear();
  io_.restart();
  io_.poll();
  ASSERT_EQ(seen.size(), 50U);
  EXPECT_EQ(seen.front(), "0");  // the first ones in, in order
  EXPECT_EQ(seen.back(), "49");

  // Drained: the next message is taken again.
  sender.publish(topics_.root() + "cmd/x", "after");
  ASSERT_TRUE(run_until([&] { return seen.size() == 51; }));
  EXPECT_EQ(seen.back(), "after");
  EXPECT_EQ(link.inbox_dropped(), static_cast<std::uint64_t>(flood - 50));
}

}  // namespace
}  // namespace locker::mqtt::testing
