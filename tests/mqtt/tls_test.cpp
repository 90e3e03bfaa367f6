// SPDX-License-Identifier: Apache-2.0
// mqtts with a client certificate: a CA, a server and a client certificate made here with the
// openssl command; a client certificate from another CA is refused.
#include <gtest/gtest.h>

#include "tests/mqtt/mqtt_test_support.hpp"
#include "tests/support/test_certs.hpp"

namespace locker::mqtt::testing {
namespace {

class mqtt_tls : public mqtt_fixture {
 protected:
  void SetUp() override {
    mqtt_fixture::SetUp();
    ASSERT_TRUE(test::make_ca(dir_, "ca"));
    ASSERT_TRUE(test::make_cert(dir_, "server", "ca"));
    ASSERT_TRUE(test::make_cert(dir_, "client", "ca", test::client_cert, 2, "locker-test"));
    ASSERT_TRUE(test::make_ca(dir_, "wrong-ca"));
    ASSERT_TRUE(test::make_cert(dir_, "intruder", "wrong-ca", test::client_cert, 2, "locker-test"));
    test::broker_options o;
    o.tls = test::broker_tls{dir_ / "ca.crt", dir_ / "server.crt", dir_ / "server.key", true};
    broker_ = std::make_unique<test::mosquitto_broker>(o);
  }
  void TearDown() override {
    broker_.reset();
    mqtt_fixture::TearDown();
  }

  link_settings tls_settings(const std::string& client) {
    auto s = test_settings(broker_->tls_url(), topics_);
    s.ca_file = dir_ / "ca.crt";
    s.cert_file = dir_ / (client + ".crt");
    s.key_file = dir_ / (client + ".key");
    return s;
  }

  std::unique_ptr<test::mosquitto_broker> broker_;
};

TEST_F(mqtt_tls, the_link_connects_over_mqtts_with_its_client_certificate) {
  test::test_subscriber sub(broker_->url(), topics_.state());
  mqtt_link link(io_, clock_, tls_settings("client"));
  link.start();
  ASSERT_TRUE(run_until([&] { return link.connected(); })) << broker_->log();
  bool delivered = false;
  link.publish(topics_.state(), R"({"seq":0})", 1, false, [&](bool ok) { delivered = ok; });
  ASSERT_TRUE(run_until([&] { return delivered; }));
  EXPECT_TRUE(sub.wait_for([](const auto& m) { return !m.empty(); }));
}

TEST_F(mqtt_tls, a_client_certificate_from_another_ca_is_refused) {
  mqtt_link link(io_, clock_, tls_settings("intruder"));
  link.start();
  // Several connect attempts fit in this time; none may succeed.
  EXPECT_FALSE(run_until([&] { return link.connected(); }, 2s));
  EXPECT_EQ(link.connects(), 0U);
}

}  // namespace
}  // namespace locker::mqtt::testing
