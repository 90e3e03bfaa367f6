// SPDX-License-Identifier: Apache-2.0
// The update path with real bundles: make_bundles.sh makes a CA, signers and bundles with
// `rauc bundle`; the signature check (OpenSSL CMS), the https fetch (against `openssl s_server`
// on loopback), and whole jobs through the updater, with a recording stand-in for the RAUC
// command line (its `info` is the real one; `install` records the exact bundle it was given
// and its SHA-256) and for systemctl. Timeouts run on virtual time.
#include "daemon/update/updater.hpp"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/mqtt/memory/memory_link.hpp"
#include "daemon/store/store.hpp"
#include "daemon/update/bundle.hpp"
#include "daemon/update/fetch.hpp"
#include "daemon/update/program.hpp"
#include "drivers/virtual_clock.hpp"
#include "protocol/topics.hpp"

extern char** environ;

namespace locker::update {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;

constexpr std::string_view running_version = "0.1.0";

fs::path make_temp_dir(const std::string& prefix) {
  std::string tmpl = (fs::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string sha_of(const fs::path& p) {
  auto s = file_sha256(p);
  EXPECT_TRUE(s) << s.error();
  return s ? s.value() : std::string();
}

// The bundles and certificates, made once for the whole program and removed as it exits (CTest
// runs each case as its own program: 146 of these folders were left in /tmp by one run).
class bundle_folder {
 public:
  bundle_folder() : path_(make_temp_dir("locker-update-bundles")) {
    const std::string cmd = std::string(LOCKER_SOURCE_DIR) + "/tests/update/make_bundles.sh " +
                            path_.string() + " >/dev/null";
    if (std::system(cmd.c_str()) != 0) {
      fs::remove_all(path_);
      throw std::runtime_error("make_bundles.sh failed");
    }
  }
  bundle_folder(const bundle_folder&) = delete;
  bundle_folder& operator=(const bundle_folder&) = delete;
  ~bundle_folder() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

const fs::path& bundles() {
  static const bundle_folder folder;
  return folder.path();
}

// ---- the signature check ----------------------------------------------------------------

TEST(update_bundle, a_good_bundle_verifies_against_its_ca) {
  const auto v = verify_bundle(bundles() / "good.raucb", bundles() / "test-ca.pem");
  ASSERT_TRUE(v) << v.error();
  EXPECT_NE(v->signer.find("signer"), std::string::npos);
  EXPECT_EQ(v->layout.image_size % 4096, 0u);
}

TEST(update_bundle, a_flipped_byte_in_the_image_is_refused) {
  const auto v = verify_bundle(bundles() / "tampered.raucb", bundles() / "test-ca.pem");
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().find("bad signature"), std::string::npos) << v.error();
}

TEST(update_bundle, a_bundle_signed_under_another_ca_is_refused) {
  const auto v = verify_bundle(bundles() / "other-ca.raucb", bundles() / "test-ca.pem");
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().find("certificate verify error"), std::string::npos) << v.error();
}

TEST(update_bundle, what_is_not_a_bundle_is_refused_with_the_reason) {
  const auto dir = make_temp_dir("locker-update-junk");
  std::ofstream(dir / "junk.raucb") << std::string(10000, 'x');
  auto v = verify_bundle(dir / "junk.raucb", bundles() / "test-ca.pem");
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().find("not a RAUC bundle"), std::string::npos) << v.error();
  v = verify_bundle(dir / "missing.raucb", bundles() / "test-ca.pem");
  EXPECT_FALSE(v);
  v = verify_bundle(bundles() / "good.raucb", dir / "no-keyring.pem");
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().find("keyring"), std::string::npos) << v.error();
  fs::remove_all(dir);
}

// ---- a loop with virtual time -------------------------------------------------------------

class loop {
 public:
  // Runs the io_context until pred holds (real-time bound: a hang fails instead of blocking).
  bool run_until(const std::function<bool()>& pred, std::chrono::seconds bound = 20s) {
    const auto end = std::chrono::steady_clock::now() + bound;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > end) return false;
      io.run_one_for(20ms);
    }
    return true;
  }
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  drivers::virtual_clock clock;
};

// ---- the https fetch -----------------------------------------------------------------------

// `openssl s_server -WWW` serving the bundles folder on a loopback port it picks itself; the
// port is read from its "ACCEPT 127.0.0.1:<port>" line, printed once it listens.
class tls_server {
 public:
  explicit tls_server(const std::string& cert) {
    const std::string c = (bundles() / (cert + ".pem")).string();
    const std::string k = (bundles() / (cert + ".key")).string();
    std::vector<std::string> args{
        "/usr/bin/openssl", "s_server", "-WWW", "-accept", "127.0.0.1:0", "-cert", c, "-key", k,
        "-naccept",         "100"};
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return;
    posix_spawn_file_actions_t files;
    ::posix_spawn_file_actions_init(&files);
    ::posix_spawn_file_actions_addchdir_np(&files, bundles().c_str());
    ::posix_spawn_file_actions_adddup2(&files, out[1], STDOUT_FILENO);
    ::posix_spawn_file_actions_addopen(&files, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    ::posix_spawn_file_actions_addopen(&files, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    if (::posix_spawn(&pid_, argv[0], &files, nullptr, argv.data(), environ) != 0) pid_ = -1;
    ::posix_spawn_file_actions_destroy(&files);
    ::close(out[1]);
    // Kept open (and unread) afterwards: it prints a line or two per connection.
    out_ = out[0];
    std::string text;
    while (pid_ > 0) {
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, 10000) <= 0) break;
      char buf[256];
      const ssize_t n = ::read(out_, buf, sizeof(buf));
      if (n <= 0) break;
      text.append(buf, static_cast<std::size_t>(n));
      const auto at = text.find("ACCEPT 127.0.0.1:");
      if (at != std::string::npos && text.find('\n', at) != std::string::npos) {
        port_ = static_cast<unsigned short>(std::stoi(text.substr(at + 17)));
        break;
      }
    }
    EXPECT_NE(port_, 0) << "openssl s_server did not start: " << text;
  }
  tls_server(const tls_server&) = delete;
  tls_server& operator=(const tls_server&) = delete;
  ~tls_server() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) ::close(out_);
  }
  [[nodiscard]] std::string url(const std::string& file) const {
    return "https://127.0.0.1:" + std::to_string(port_) + "/" + file;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  unsigned short port_ = 0;
};

struct fetch_outcome {
  std::optional<outcome<std::uint64_t>> result;
};

class update_fetch : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = make_temp_dir("locker-update-fetch"); }
  void TearDown() override { fs::remove_all(dir_); }

  outcome<std::uint64_t> get(const std::string& url, fetch_settings s = {}) {
    auto source = parse_bundle_url(url);
    if (!source)
      return source.error().empty() ? protocol::fail(std::string("?"))
                                    : protocol::fail(source.error());
    std::optional<outcome<std::uint64_t>> result;
    auto f = fetch::start(l_.io, l_.clock, source.value(), dir_ / "b.raucb", std::move(s),
                          [&](outcome<std::uint64_t> r) { result = std::move(r); });
    EXPECT_TRUE(l_.run_until([&] { return result.has_value(); }));
    if (!result) return protocol::fail(std::string("no answer"));
    return *result;
  }

  fetch_settings with_ca(const std::string& ca) {
    fetch_settings s;
    s.ca_file = bundles() / (ca + ".pem");
    return s;
  }

  loop l_;
  fs::path dir_;
};

TEST_F(update_fetch, an_https_download_against_the_configured_ca_arrives_whole) {
  tls_server server("server");
  const auto r = get(server.url("good.raucb"), with_ca("test-ca"));
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r.value(), fs::file_size(bundles() / "good.raucb"));
  EXPECT_EQ(sha_of(dir_ / "b.raucb"), sha_of(bundles() / "good.raucb"));
}

TEST_F(update_fetch, a_server_certificate_the_ca_did_not_sign_is_refused) {
  tls_server server("other-server");
  const auto r = get(server.url("good.raucb"), with_ca("test-ca"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("TLS handshake"), std::string::npos) << r.error();
  EXPECT_FALSE(fs::exists(dir_ / "b.raucb"));
}

TEST_F(update_fetch, a_certificate_for_another_host_is_refused) {
  tls_server server("wrong-name");
  const auto r = get(server.url("good.raucb"), with_ca("test-ca"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("TLS handshake"), std::string::npos) << r.error();
}

TEST_F(update_fetch, the_system_store_does_not_trust_a_private_ca) {
  tls_server server("server");
  const auto r = get(server.url("good.raucb"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("TLS handshake"), std::string::npos) << r.error();
}

TEST_F(update_fetch, a_bundle_above_the_size_limit_is_refused_over_https_and_locally) {
  tls_server server("server");
  auto s = with_ca("test-ca");
  s.max_bytes = 4096;
  auto r = get(server.url("good.raucb"), s);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("max_bundle_mb"), std::string::npos) << r.error();
  EXPECT_FALSE(fs::exists(dir_ / "b.raucb"));
  r = get((bundles() / "good.raucb").string(), s);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("max_bundle_mb"), std::string::npos) << r.error();
}

TEST_F(update_fetch, a_missing_local_file_is_named) {
  auto r = get("file:///nonexistent/b.raucb");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("no such file"), std::string::npos) << r.error();
}

TEST_F(update_fetch, a_server_that_never_answers_times_out_on_virtual_time) {
  // Accepts TCP connections (the kernel's backlog) and never says a word of TLS.
  boost::asio::ip::tcp::acceptor silent(l_.io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  auto source = parse_bundle_url(
      "https://127.0.0.1:" + std::to_string(silent.local_endpoint().port()) + "/b.raucb");
  ASSERT_TRUE(source);
  auto s = with_ca("test-ca");
  s.deadline = 60s;
  std::optional<outcome<std::uint64_t>> result;
  auto f = fetch::start(l_.io, l_.clock, source.value(), dir_ / "b.raucb", s,
                        [&](outcome<std::uint64_t> r) { result = std::move(r); });
  l_.io.poll();
  l_.clock.advance(59s);
  l_.io.poll();
  EXPECT_FALSE(result);
  l_.clock.advance(1s);
  ASSERT_TRUE(l_.run_until([&] { return result.has_value(); }));
  ASSERT_FALSE(*result);
  EXPECT_NE(result->error().find("download_timeout_s"), std::string::npos) << result->error();
}

// ---- whole jobs --------------------------------------------------------------------------

class update_job : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir("locker-update-job");
    fs::create_directories(dir_ / "state");
    db_.emplace(dir_ / "state" / "lockerd.db");
    write_fake_rauc();
    write_fake_systemctl();
    link_.on_publish([this](const mqtt::memory_link::message& m) {
      published_.emplace_back(m.topic, json::parse(m.payload));
    });
    link_.start();
    link_.connect();
    settings_.keyring = bundles() / "test-ca.pem";
    settings_.compatible = "locker-test";
    settings_.download_ca_file = bundles() / "test-ca.pem";
    settings_.rauc = dir_ / "rauc";
    settings_.systemctl = dir_ / "systemctl";
    settings_.staging_dir = dir_ / "state" / "update";
    settings_.running_version = std::string(running_version);
    settings_.install_timeout = 600s;
  }
  void TearDown() override {
    updater_.reset();
    db_.reset();
    if (!HasFailure()) fs::remove_all(dir_);
  }

  // The stand-in for the RAUC command line. `info` is RAUC's own; `install` records the
  // exact path it got and the SHA-256 of what is there, then prints progress as RAUC does,
  // or fails, or hangs (install_mode); `status mark-good` is recorded.
  void write_fake_rauc() {
    const auto log = (dir_ / "rauc.log").string();
    std::ofstream f(dir_ / "rauc");
    f << "#!/bin/sh\n"
      << "echo \"$*\" >> '" << log << "'\n"
      << "case \"$1\" in\n"
      << "  info) exec /usr/bin/rauc \"$@\" ;;\n"
      << "  install)\n"
      << "    echo \"sha256 $(sha256sum \"$2\" | cut -d' ' -f1)\" >> '" << log << "'\n"
      << "    mode=$(cat '" << (dir_ / "install_mode").string() << "' 2>/dev/null)\n"
      << "    [ \"$mode\" = hang ] && exec sleep 3600\n"
      << "    echo '  0% Installing'; echo ' 40% Copying image to rootfs.1'\n"
      << "    echo '100% Installing done.'\n"
      << "    [ \"$mode\" = fail ] && { echo 'Installation error: no slot' >&2; exit 1; }\n"
      << "    echo \"installing \\`$2\\` succeeded\"; exit 0 ;;\n"
      << "  status) exit 0 ;;\n"
      << "esac\n"
      << "exit 9\n";
    f.close();
    fs::permissions(dir_ / "rauc", fs::perms::owner_all);
  }
  void write_fake_systemctl() {
    std::ofstream f(dir_ / "systemctl");
    f << "#!/bin/sh\necho \"$*\" >> '" << (dir_ / "systemctl.log").string() << "'\n";
    f.close();
    fs::permissions(dir_ / "systemctl", fs::perms::owner_all);
  }

  void make_updater() {
    updater_ = std::make_unique<updater>(
        l_.io, l_.clock, *db_, topics_, settings_, [this] { return busy_; }, link_);
    updater_->resume();
    updater_->connected();
  }

  protocol::reply request(const std::string& job_id, const std::string& url,
                          const std::string& sha256) {
    if (!updater_) make_updater();
    store::transaction tx(db_->db());
    auto reply = updater_->accept(tx, "req-" + job_id, {job_id, url, sha256});
    tx.commit();
    if (reply.status == protocol::reply_status::accepted) updater_->start(job_id);
    return reply;
  }

  // Runs the job to `state` (or to failed) and returns its last message.
  json run_to(const std::string& job_id, std::string_view state) {
    const bool reached = l_.run_until([&] {
      const auto j = last(job_id);
      return j && ((*j)["state"] == state || (*j)["state"] == "failed");
    });
    EXPECT_TRUE(reached) << "job " << job_id << " never reached " << state;
    return last(job_id).value_or(json());
  }
  std::optional<json> last(const std::string& job_id) {
    for (auto it = published_.rbegin(); it != published_.rend(); ++it)
      if (it->first == topics_.job(job_id)) return it->second;
    return std::nullopt;
  }
  std::vector<std::string> states(const std::string& job_id) {
    std::vector<std::string> out;
    for (const auto& [t, j] : published_)
      if (t == topics_.job(job_id) && (out.empty() || out.back() != j["state"]))
        out.push_back(j["state"]);
    return out;
  }
  [[nodiscard]] std::string rauc_log() const { return read_file(dir_ / "rauc.log"); }
  [[nodiscard]] std::string systemctl_log() const { return read_file(dir_ / "systemctl.log"); }
  [[nodiscard]] bool installed_anything() const {
    return rauc_log().find("install ") != std::string::npos;
  }

  // A refused bundle: the job fails with `why` in its message and RAUC installs nothing.
  void expect_refused(const std::string& file, const std::string& sha, const std::string& why) {
    SCOPED_TRACE(file);
    const auto reply =
        request("j-" + file.substr(0, file.find('.')), (bundles() / file).string(), sha);
    ASSERT_EQ(reply.status, protocol::reply_status::accepted) << reply.message.value_or("");
    const auto j = run_to("j-" + file.substr(0, file.find('.')), "rebooting");
    EXPECT_EQ(j["state"], "failed");
    EXPECT_NE(j.value("message", "").find(why), std::string::npos) << j.dump();
    EXPECT_FALSE(installed_anything()) << rauc_log();
    EXPECT_EQ(systemctl_log(), "");
    EXPECT_FALSE(
        fs::exists(settings_.staging_dir / ("j-" + file.substr(0, file.find('.')) + ".raucb")));
  }

  loop l_;
  fs::path dir_;
  std::optional<store::store> db_;
  update_settings settings_;
  const protocol::topic_set topics_ = *protocol::topic_set::make("t1");
  std::optional<std::string> busy_;
  std::vector<std::pair<std::string, json>> published_;
  // The updater's broker: no broker, each message recorded as it is published.
  mqtt::memory_link link_{l_.clock};
  std::unique_ptr<updater> updater_;
};

TEST_F(update_job, a_good_bundle_is_verified_then_handed_to_rauc_install_then_the_locker_reboots) {
  const auto sha = sha_of(bundles() / "good.raucb");
  const auto reply = request("j1", "file://" + (bundles() / "good.raucb").string(), sha);
  ASSERT_EQ(reply.status, protocol::reply_status::accepted);
  const auto j = run_to("j1", "rebooting");
  ASSERT_EQ(j["state"], "rebooting") << j.dump();
  ASSERT_TRUE(l_.run_until([&] { return !systemctl_log().empty(); }));
  EXPECT_EQ(systemctl_log(), "reboot\n");
  EXPECT_EQ(states("j1"),
            (std::vector<std::string>{"downloading", "verifying", "installing", "rebooting"}));
  // RAUC got the staged copy, after its signature had been read by rauc info, and what it got
  // is byte for byte the bundle whose SHA-256 the command named.
  const auto staged = (settings_.staging_dir / "j1.raucb").string();
  const auto log = rauc_log();
  const auto info = log.find("info --keyring=" + settings_.keyring.string() +
                             " --output-format=json " + staged + "\n");
  const auto install = log.find("install " + staged + "\nsha256 " + sha + "\n");
  ASSERT_NE(info, std::string::npos) << log;
  ASSERT_NE(install, std::string::npos) << log;
  EXPECT_LT(info, install);
  // Its percentages were passed on.
  bool forty = false;
  for (const auto& [t, m] : published_) forty = forty || (m.value("percent", -1) == 40);
  EXPECT_TRUE(forty);
  const auto saved = db_->update_jobs().find("j1");
  ASSERT_TRUE(saved);
  EXPECT_EQ(saved->state, store::update_state::rebooting);
  EXPECT_EQ(saved->expected_version, "0.2.0");
  EXPECT_FALSE(fs::exists(staged));
}

TEST_F(update_job, an_https_url_is_downloaded_and_installed) {
  tls_server server("server");
  const auto reply = request("j1", server.url("good.raucb"), sha_of(bundles() / "good.raucb"));
  ASSERT_EQ(reply.status, protocol::reply_status::accepted);
  EXPECT_EQ(run_to("j1", "rebooting")["state"], "rebooting");
  EXPECT_TRUE(installed_anything());
}

TEST_F(update_job, a_tampered_bundle_is_refused_before_rauc_sees_it) {
  expect_refused("tampered.raucb", sha_of(bundles() / "tampered.raucb"), "bad signature");
  EXPECT_EQ(rauc_log(), "");  // not even rauc info
}

TEST_F(update_job, a_wrong_sha256_is_refused_before_rauc_sees_it) {
  expect_refused("good.raucb", std::string(64, 'a'), "sha256 mismatch");
  EXPECT_EQ(rauc_log(), "");
}

TEST_F(update_job, a_bundle_signed_under_another_ca_is_refused_before_rauc_sees_it) {
  expect_refused("other-ca.raucb", sha_of(bundles() / "other-ca.raucb"), "certificate verify");
  EXPECT_EQ(rauc_log(), "");
}

TEST_F(update_job, a_bundle_for_another_board_is_refused) {
  expect_refused("other-board.raucb", sha_of(bundles() / "other-board.raucb"), "another-board");
}

TEST_F(update_job, the_same_version_and_an_older_one_are_refused) {
  expect_refused("same.raucb", sha_of(bundles() / "same.raucb"),
                 "not newer than the running 0.1.0");
  expect_refused("old.raucb", sha_of(bundles() / "old.raucb"), "0.0.9 is not newer");
}

TEST_F(update_job, a_failing_install_fails_the_job_and_does_not_reboot) {
  std::ofstream(dir_ / "install_mode") << "fail";
  request("j1", (bundles() / "good.raucb").string(), sha_of(bundles() / "good.raucb"));
  const auto j = run_to("j1", "rebooting");
  EXPECT_EQ(j["state"], "failed");
  EXPECT_NE(j.value("message", "").find("no slot"), std::string::npos) << j.dump();
  EXPECT_EQ(systemctl_log(), "");
}

TEST_F(update_job, a_hanging_install_is_killed_at_install_timeout_on_virtual_time) {
  std::ofstream(dir_ / "install_mode") << "hang";
  request("j1", (bundles() / "good.raucb").string(), sha_of(bundles() / "good.raucb"));
  ASSERT_EQ(run_to("j1", "installing")["state"], "installing");
  ASSERT_TRUE(l_.run_until([&] { return rauc_log().find("sha256") != std::string::npos; }));
  l_.clock.advance(599s);
  l_.io.poll();
  EXPECT_EQ((*last("j1"))["state"], "installing");
  l_.clock.advance(1s);
  const auto j = run_to("j1", "done");
  EXPECT_EQ(j["state"], "failed");
  EXPECT_NE(j.value("message", "").find("did not finish in time"), std::string::npos) << j.dump();
}

TEST_F(update_job, refused_while_the_locker_is_busy_and_one_job_at_a_time) {
  busy_ = "the door of compartment A1 is open";
  auto reply = request("j1", (bundles() / "good.raucb").string(), sha_of(bundles() / "good.raucb"));
  EXPECT_EQ(reply.status, protocol::reply_status::error);
  EXPECT_EQ(reply.code, protocol::error_code::busy);
  EXPECT_NE(reply.message.value_or("").find("A1 is open"), std::string::npos);
  EXPECT_FALSE(db_->update_jobs().find("j1"));
  EXPECT_EQ(updater_->reboot_refusal().value_or(""), "the door of compartment A1 is open");

  busy_.reset();
  std::ofstream(dir_ / "install_mode") << "hang";
  reply = request("j2", (bundles() / "good.raucb").string(), sha_of(bundles() / "good.raucb"));
  ASSERT_EQ(reply.status, protocol::reply_status::accepted);
  reply = request("j3", (bundles() / "good.raucb").string(), sha_of(bundles() / "good.raucb"));
  EXPECT_EQ(reply.code, protocol::error_code::busy);
  EXPECT_NE(reply.message.value_or("").find("j2 is still running"), std::string::npos);
  ASSERT_EQ(run_to("j2", "installing")["state"], "installing");
  EXPECT_NE(updater_->reboot_refusal().value_or("").find("j2 is installing"), std::string::npos);
  // A job_id is never reused.
  l_.clock.advance(settings_.install_timeout);
  ASSERT_EQ(run_to("j2", "done")["state"], "failed");
  reply = request("j2", (bundles() / "good.raucb").string(), sha_of(bundles() / "good.raucb"));
  EXPECT_EQ(reply.code, protocol::error_code::conflict);
}

TEST_F(update_job, a_door_opened_during_the_download_stops_the_job_before_install) {
  request("j1", (bundles() / "good.raucb").string(), sha_of(bundles() / "good.raucb"));
  ASSERT_EQ(run_to("j1", "verifying")["state"], "verifying");
  busy_ = "someone is using the keypad";
  const auto j = run_to("j1", "installing");
  EXPECT_EQ(j["state"], "failed");
  EXPECT_NE(j.value("message", "").find("keypad"), std::string::npos) << j.dump();
  EXPECT_FALSE(installed_anything());
}

TEST_F(update_job, the_reboot_waits_for_the_locker_to_be_free) {
  request("j1", (bundles() / "good.raucb").string(), sha_of(bundles() / "good.raucb"));
  ASSERT_TRUE(l_.run_until([&] { return rauc_log().find("sha256") != std::string::npos; }));
  busy_ = "the door of compartment B2 is open";
  ASSERT_EQ(run_to("j1", "rebooting")["state"], "rebooting");
  EXPECT_NE((*last("j1")).value("message", "").find("B2"), std::string::npos);
  const auto said = published_.size();
  l_.clock.advance(settings_.busy_retry);
  l_.io.poll();
  EXPECT_EQ(systemctl_log(), "");
  EXPECT_EQ(published_.size(), said);  // the same reason is not repeated
  busy_.reset();
  l_.clock.advance(settings_.busy_retry);
  ASSERT_TRUE(l_.run_until([&] { return !systemctl_log().empty(); }));
  EXPECT_EQ(systemctl_log(), "reboot\n");
}

// After the reboot: a new updater on the same database, as the new process would have.
TEST_F(update_job, after_the_restart_the_expected_version_is_marked_good_and_done) {
  request("j1", (bundles() / "good.raucb").string(), sha_of(bundles() / "good.raucb"));
  ASSERT_EQ(run_to("j1", "rebooting")["state"], "rebooting");
  ASSERT_TRUE(l_.run_until([&] { return !systemctl_log().empty(); }));
  updater_.reset();
  published_.clear();
  settings_.running_version = "0.2.0";
  updater_ = std::make_unique<updater>(
      l_.io, l_.clock, *db_, topics_, settings_, [this] { return busy_; }, link_);
  updater_->resume();
  l_.io.poll();
  EXPECT_EQ(rauc_log().find("status mark-good"), std::string::npos);  // not before the broker
  updater_->connected();
  const auto j = run_to("j1", "done");
  EXPECT_EQ(j["state"], "done") << j.dump();
  EXPECT_NE(rauc_log().find("status mark-good\n"), std::string::npos);
  const auto saved = db_->update_jobs().find("j1");
  ASSERT_TRUE(saved);
  EXPECT_EQ(saved->state, store::update_state::done);
  EXPECT_TRUE(saved->reported);
  // The next connect reports nothing again.
  published_.clear();
  updater_->connected();
  l_.io.poll();
  EXPECT_TRUE(published_.empty());
}

TEST_F(update_job, after_a_fallback_the_old_version_reports_the_job_failed) {
  request("j1", (bundles() / "good.raucb").string(), sha_of(bundles() / "good.raucb"));
  ASSERT_EQ(run_to("j1", "rebooting")["state"], "rebooting");
  updater_.reset();
  published_.clear();
  make_updater();  // still 0.1.0: RAUC booted the old slot
  const auto j = run_to("j1", "done");
  EXPECT_EQ(j["state"], "failed");
  EXPECT_NE(j.value("message", "").find("fell back"), std::string::npos) << j.dump();
  EXPECT_EQ(rauc_log().find("mark-good"), std::string::npos);
}

TEST_F(update_job, a_job_interrupted_by_a_restart_is_failed_and_reported_on_connect) {
  std::ofstream(dir_ / "install_mode") << "hang";
  request("j1", (bundles() / "good.raucb").string(), sha_of(bundles() / "good.raucb"));
  ASSERT_EQ(run_to("j1", "installing")["state"], "installing");
  updater_.reset();  // the process ends (the stand-in is killed with it)
  published_.clear();
  updater_ = std::make_unique<updater>(
      l_.io, l_.clock, *db_, topics_, settings_, [this] { return busy_; }, link_);
  updater_->resume();
  EXPECT_TRUE(published_.empty());  // no broker yet
  EXPECT_EQ(db_->update_jobs().find("j1")->state, store::update_state::failed);
  updater_->connected();
  const auto j = last("j1");
  ASSERT_TRUE(j);
  EXPECT_EQ((*j)["state"], "failed");
  EXPECT_NE(j->value("message", "").find("interrupted"), std::string::npos) << j->dump();
  EXPECT_TRUE(db_->update_jobs().unreported().empty());
  // A new job may start now.
  std::ofstream(dir_ / "install_mode") << "ok";
  EXPECT_EQ(
      request("j2", (bundles() / "good.raucb").string(), sha_of(bundles() / "good.raucb")).status,
      protocol::reply_status::accepted);
}

TEST_F(update_job, without_a_keyring_fw_update_is_refused_and_reboot_still_works) {
  settings_.keyring.clear();
  make_updater();
  const auto reply = request("j1", (bundles() / "good.raucb").string(), std::string(64, '0'));
  EXPECT_EQ(reply.code, protocol::error_code::conflict);
  EXPECT_NE(reply.message.value_or("").find("not configured"), std::string::npos);
  EXPECT_FALSE(updater_->reboot_refusal());
  updater_->reboot("maintenance", "mqtt");
  ASSERT_TRUE(l_.run_until([&] { return !systemctl_log().empty(); }));
  EXPECT_EQ(systemctl_log(), "reboot\n");
  EXPECT_EQ(db_->audit().newest(1).front().action, "reboot");
}

TEST_F(update_job, a_url_that_is_not_accepted_is_a_bad_request) {
  const auto reply = request("j1", "http://example.com/b.raucb", std::string(64, '0'));
  EXPECT_EQ(reply.code, protocol::error_code::bad_request);
  EXPECT_FALSE(db_->update_jobs().find("j1"));
}

TEST(update_program, reports_exit_status_output_and_a_missing_program) {
  loop l;
  std::optional<program_result> r;
  std::vector<std::string> lines;
  auto p = program_run::start(
      l.io, l.clock, {"/bin/sh", "-c", "echo one; echo two; echo oops >&2; exit 3"}, 10s,
      [&](const std::string& line) { lines.push_back(line); },
      [&](const program_result& res) { r = res; });
  ASSERT_TRUE(l.run_until([&] { return r.has_value(); }));
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(lines, (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(r->describe(), "exit status 3: oops");
  r.reset();
  p = program_run::start(l.io, l.clock, {"/nonexistent/rauc", "info"}, 10s, nullptr,
                         [&](const program_result& res) { r = res; });
  ASSERT_TRUE(l.run_until([&] { return r.has_value(); }));
  EXPECT_FALSE(r->started);
  EXPECT_NE(r->describe().find("cannot start /nonexistent/rauc"), std::string::npos);
}

// The job's progress goes through the broker link's interface (no broker here): on the job's
// topic, QoS 1, not retained, sent while the link is up.
TEST_F(update_job, progress_goes_to_the_broker_link_at_qos_1_not_retained) {
  const auto sha = sha_of(bundles() / "good.raucb");
  request("j1", "file://" + (bundles() / "good.raucb").string(), sha);
  ASSERT_EQ(run_to("j1", "rebooting")["state"], "rebooting");
  ASSERT_FALSE(link_.published().empty());
  for (const auto& m : link_.published()) {
    EXPECT_EQ(m.topic, topics_.job("j1"));
    EXPECT_EQ(m.qos, 1);
    EXPECT_FALSE(m.retained);
    EXPECT_TRUE(m.sent);
  }
}

// While the link is down nothing is handed to it; the final state follows on the next connect.
TEST_F(update_job, nothing_is_published_while_the_link_is_down_and_the_final_state_follows) {
  make_updater();
  link_.disconnect();
  updater_->disconnected();
  const auto before = link_.published().size();
  request("j1", (bundles() / "good.raucb").string(), std::string(64, '0'));  // not its SHA-256
  ASSERT_TRUE(l_.run_until([&] {
    const auto j = db_->update_jobs().find("j1");
    return j && j->state == store::update_state::failed;
  }));
  EXPECT_EQ(link_.published().size(), before);
  link_.connect();
  updater_->connected();
  l_.io.poll();
  ASSERT_GT(link_.published().size(), before);
  const auto& m = link_.published().back();
  EXPECT_EQ(m.topic, topics_.job("j1"));
  EXPECT_TRUE(m.sent);
  EXPECT_EQ(json::parse(m.payload)["state"], "failed");
}

}  // namespace
}  // namespace locker::update
