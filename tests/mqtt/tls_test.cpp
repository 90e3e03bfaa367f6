// SPDX-License-Identifier: Apache-2.0
// mqtts with a client certificate: a CA, a server and a client certificate made here with the
// openssl command; a client certificate from another CA is refused.
#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/mqtt/mqtt_test_support.hpp"

namespace locker::mqtt::testing {
namespace {

namespace fs = std::filesystem;

bool sh(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0; }

// Makes <name>.key and <name>.crt signed by the CA <ca> (self-signed when ca is empty).
bool make_cert(const fs::path& dir, const std::string& name, const std::string& ca,
               const std::string& cn, bool server) {
  const auto d = dir.string() + "/";
  if (ca.empty()) {
    return sh("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=" + cn + " -keyout " +
              d + name + ".key -out " + d + name + ".crt");
  }
  if (server) {
    std::ofstream(dir / (name + ".ext")) << "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
  } else {
    std::ofstream(dir / (name + ".ext")) << "extendedKeyUsage=clientAuth\n";
  }
  return sh("openssl req -newkey rsa:2048 -nodes -subj /CN=" + cn + " -keyout " + d + name +
            ".key -out " + d + name + ".csr") &&
         sh("openssl x509 -req -days 2 -in " + d + name + ".csr -CA " + d + ca + ".crt -CAkey " +
            d + ca + ".key -CAcreateserial -extfile " + d + name + ".ext -out " + d + name +
            ".crt");
}

class mqtt_tls : public mqtt_fixture {
 protected:
  void SetUp() override {
    mqtt_fixture::SetUp();
    ASSERT_TRUE(make_cert(dir_, "ca", "", "test-ca", false));
    ASSERT_TRUE(make_cert(dir_, "server", "ca", "127.0.0.1", true));
    ASSERT_TRUE(make_cert(dir_, "client", "ca", "locker-test", false));
    ASSERT_TRUE(make_cert(dir_, "wrong-ca", "", "wrong-ca", false));
    ASSERT_TRUE(make_cert(dir_, "intruder", "wrong-ca", "locker-test", false));
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
