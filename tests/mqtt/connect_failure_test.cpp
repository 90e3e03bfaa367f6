// SPDX-License-Identifier: Apache-2.0
// A refused broker connection says why: certificates made here with the openssl command (one
// expired, one from another CA, one for another name) on a real mosquitto, a password file with
// the wrong password, a closed port and a name that does not resolve. Then the link itself:
// one warning per distinct cause, "still failing" after.
#include "daemon/mqtt/connect_failure.hpp"

#include <mutex>
#include <vector>

#include <gtest/gtest.h>

#include "tests/mqtt/mqtt_test_support.hpp"
#include "tests/support/test_certs.hpp"

namespace locker::mqtt::testing {
namespace {

namespace fs = std::filesystem;

connect_target tls_target(const test::mosquitto_broker& b, const fs::path& ca) {
  connect_target t;
  t.host = "127.0.0.1";
  t.port = b.tls_port();
  t.tls = true;
  t.ca_file = ca.string();
  return t;
}

class connect_failure_test : public mqtt_fixture {
 protected:
  void SetUp() override {
    mqtt_fixture::SetUp();
    ASSERT_TRUE(test::make_ca(dir_, "ca"));
    ASSERT_TRUE(test::make_ca(dir_, "other-ca"));
  }
  std::unique_ptr<test::mosquitto_broker> tls_broker(const std::string& server_cert) {
    test::broker_options o;
    o.tls = test::broker_tls{dir_ / "ca.crt", dir_ / (server_cert + ".crt"),
                             dir_ / (server_cert + ".key"), false};
    return std::make_unique<test::mosquitto_broker>(o);
  }
};

TEST_F(connect_failure_test, an_expired_broker_certificate_is_named) {
  ASSERT_TRUE(test::make_cert(dir_, "expired", "ca", test::loopback_broker_cert, -1));
  auto broker = tls_broker("expired");
  const auto f = probe(tls_target(*broker, dir_ / "ca.crt"), 3s);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->kind, failure_kind::tls_server_certificate);
  EXPECT_NE(f->text.find("certificate has expired"), std::string::npos) << f->text;
}

TEST_F(connect_failure_test, a_broker_certificate_from_another_ca_is_named) {
  ASSERT_TRUE(test::make_cert(dir_, "server", "ca"));
  auto broker = tls_broker("server");
  const auto f = probe(tls_target(*broker, dir_ / "other-ca.crt"), 3s);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->kind, failure_kind::tls_server_certificate);
  EXPECT_NE(f->text.find("the CA that signed it is not in " + (dir_ / "other-ca.crt").string()),
            std::string::npos)
      << f->text;
  // The same broker with the right CA passes the probe.
  EXPECT_EQ(probe(tls_target(*broker, dir_ / "ca.crt"), 3s), std::nullopt);
}

TEST_F(connect_failure_test, a_certificate_for_another_name_is_named) {
  ASSERT_TRUE(test::make_cert(dir_, "elsewhere", "ca", "subjectAltName=DNS:broker.example"));
  auto broker = tls_broker("elsewhere");
  const auto f = probe(tls_target(*broker, dir_ / "ca.crt"), 3s);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->kind, failure_kind::tls_server_certificate);
  EXPECT_NE(f->text.find("IP address mismatch"), std::string::npos) << f->text;
}

TEST_F(connect_failure_test, a_missing_ca_file_is_named) {
  ASSERT_TRUE(test::make_cert(dir_, "server", "ca"));
  auto broker = tls_broker("server");
  const auto f = probe(tls_target(*broker, dir_ / "no-such-ca.crt"), 3s);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->kind, failure_kind::tls_local_files);
  EXPECT_NE(f->text.find("no-such-ca.crt"), std::string::npos) << f->text;
}

TEST_F(connect_failure_test, a_closed_port_and_an_unknown_host_are_named) {
  connect_target closed;
  closed.host = "127.0.0.1";
  closed.port = test::detail::free_loopback_port();
  const auto refused = probe(closed, 3s);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->kind, failure_kind::refused);
  EXPECT_NE(refused->text.find("connection refused by 127.0.0.1:"), std::string::npos);

  connect_target unknown;
  unknown.host = "no-such-broker.invalid";  // .invalid never resolves (RFC 6761)
  unknown.port = 1883;
  const auto no_name = probe(unknown, 3s);
  ASSERT_TRUE(no_name);
  EXPECT_EQ(no_name->kind, failure_kind::unknown_host);
  EXPECT_NE(no_name->text.find("cannot resolve the host name 'no-such-broker.invalid'"),
            std::string::npos)
      << no_name->text;
}

TEST(connect_failure_from_paho, the_brokers_reason_code_is_named) {
  EXPECT_EQ(from_paho(0x86, 0, "CONNACK return code", "").kind, failure_kind::bad_credentials);
  const auto refused = from_paho(0x87, 0, "CONNACK return code", "");
  EXPECT_EQ(refused.kind, failure_kind::not_authorized);
  EXPECT_NE(refused.text.find("not authorized"), std::string::npos);
  EXPECT_NE(from_paho(-1, 0x8a, "", "").text.find("0x8a: banned"), std::string::npos);
  EXPECT_EQ(from_paho(5, 0, "", "").kind, failure_kind::not_authorized);  // MQTT 3.1.1
  EXPECT_EQ(connack_reason_text(0x99), "payload format invalid");
}

TEST(connect_failure_from_paho, openssls_line_is_reduced_to_its_reason) {
  const auto f = from_paho(-1, 0, "TCP/TLS connect failure",
                           "C0E63F379E7F0000:error:0A000086:SSL routines:tls_post_process_server_"
                           "certificate:certificate verify failed:../ssl/statem/statem_clnt.c:"
                           "1889:\n");
  EXPECT_EQ(f.kind, failure_kind::tls_server_certificate);
  EXPECT_NE(f.text.find("(OpenSSL: certificate verify failed)"), std::string::npos) << f.text;
  EXPECT_EQ(from_paho(-1, 0, "TCP/TLS connect failure", "").text,
            "Paho: TCP/TLS connect failure (rc -1)");
}

// Every record the link logs while the test runs.
struct captured_log {
  struct record {
    log::level level;
    std::string text;
    log::message kind;
  };
  captured_log() {
    log::set_level(log::level::debug);
    log::set_sink(
        [this](log::level l, std::string_view, std::string_view text, const log::tags& t) {
          std::lock_guard lock(mutex);
          records.push_back({l, std::string(text), t.kind});
        });
  }
  ~captured_log() {
    log::set_sink({});
    log::set_level(log::level::warning);
  }
  std::vector<record> of(log::message kind) {
    std::lock_guard lock(mutex);
    std::vector<record> out;
    for (const auto& r : records)
      if (r.kind == kind) out.push_back(r);
    return out;
  }
  std::mutex mutex;
  std::vector<record> records;
};

TEST_F(connect_failure_test, the_link_logs_a_wrong_password_once_then_still_failing) {
  const auto pw = dir_ / "passwords";
  ASSERT_TRUE(test::run_quietly("mosquitto_passwd -c -b " + pw.string() + " locker secret"));
  test::broker_options o;
  o.password_file = pw;
  test::mosquitto_broker broker(o);
  captured_log logged;
  auto s = test_settings(broker.url(), topics_);
  s.username = "locker";
  s.password = "not-the-password";
  mqtt_link link(io_, clock_, s);
  link.start();
  ASSERT_TRUE(run_until([&] { return link.failures_in_row() >= 3; }));
  ASSERT_TRUE(link.last_failure());
  EXPECT_EQ(link.last_failure()->kind, failure_kind::not_authorized);
  const auto first = logged.of(log::message::broker_connect_failed);
  ASSERT_EQ(first.size(), 1U);  // once, however many retries
  EXPECT_EQ(first[0].level, log::level::warning);
  EXPECT_NE(
      first[0].text.find("cannot connect to " + broker.url() + ": the broker refused the login"),
      std::string::npos)
      << first[0].text;
  const auto again = logged.of(log::message::broker_still_failing);
  ASSERT_GE(again.size(), 2U);
  EXPECT_NE(again[0].text.find("still failing (2 attempts)"), std::string::npos) << again[0].text;
  EXPECT_EQ(again[0].level, log::level::debug);
}

TEST_F(connect_failure_test, the_link_names_an_expired_certificate_and_a_changed_cause_again) {
  ASSERT_TRUE(test::make_cert(dir_, "expired", "ca", test::loopback_broker_cert, -1));
  auto broker = tls_broker("expired");
  captured_log logged;
  auto s = test_settings(broker->tls_url(), topics_);
  s.ca_file = dir_ / "ca.crt";
  mqtt_link link(io_, clock_, s);
  link.start();
  ASSERT_TRUE(run_until([&] { return link.failures_in_row() >= 2; }));
  ASSERT_TRUE(link.last_failure());
  EXPECT_EQ(link.last_failure()->kind, failure_kind::tls_server_certificate);
  auto first = logged.of(log::message::broker_connect_failed);
  ASSERT_EQ(first.size(), 1U);
  EXPECT_NE(first[0].text.find("certificate has expired"), std::string::npos) << first[0].text;
  // The broker goes away: a new cause, a new line.
  broker.reset();
  ASSERT_TRUE(run_until(
      [&] { return link.last_failure() && link.last_failure()->kind == failure_kind::refused; }));
  first = logged.of(log::message::broker_connect_failed);
  ASSERT_EQ(first.size(), 2U);
  EXPECT_NE(first[1].text.find("connection refused"), std::string::npos) << first[1].text;
}

}  // namespace
}  // namespace locker::mqtt::testing
