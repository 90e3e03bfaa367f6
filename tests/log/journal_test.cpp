// SPDX-License-Identifier: Apache-2.0
// journald fields and timestamps: the native record's fields (PRIORITY, MESSAGE, LOCKER_ID,
// COMPARTMENT, EVENT_SEQ, MESSAGE_ID), a record reaching a journal socket (a datagram socket
// standing in for journald's, which this machine has none of), $JOURNAL_STREAM's check, and the
// ISO 8601 time on lines outside the journal.
#include "daemon/log/journal.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace {

using namespace locker::log;

TEST(journal_record, carries_the_fields_a_technician_searches_by) {
  const auto r = journal_record(level::warning, "lockerd", "compartment", "A3: the door\nopened",
                                tags{message::compartment_fault, "A3", 42}, "berlin-17");
  EXPECT_NE(r.find("PRIORITY=4\n"), std::string::npos) << r;
  EXPECT_NE(r.find("MESSAGE=compartment: A3: the door\\nopened\n"), std::string::npos) << r;
  EXPECT_NE(r.find("SYSLOG_IDENTIFIER=lockerd\n"), std::string::npos);
  EXPECT_NE(r.find("LOCKER_ID=berlin-17\n"), std::string::npos);
  EXPECT_NE(r.find("COMPARTMENT=A3\n"), std::string::npos);
  EXPECT_NE(r.find("EVENT_SEQ=42\n"), std::string::npos);
  EXPECT_NE(r.find("MESSAGE_ID=" + std::string(message_id(message::compartment_fault)) + "\n"),
            std::string::npos);
}

TEST(journal_record, leaves_out_what_a_record_is_not_about) {
  const auto r = journal_record(level::info, "lockerd", "mqtt", "hello", tags{}, "");
  EXPECT_EQ(r.find("COMPARTMENT="), std::string::npos);
  EXPECT_EQ(r.find("EVENT_SEQ="), std::string::npos);
  EXPECT_EQ(r.find("MESSAGE_ID="), std::string::npos);
  EXPECT_EQ(r.find("LOCKER_ID="), std::string::npos);
  EXPECT_NE(r.find("PRIORITY=6\n"), std::string::npos);
}

TEST(journal_record, an_outside_string_cannot_add_a_field) {
  const auto r = journal_record(level::info, "lockerd", "commands", "req u5\nPRIORITY=0",
                                tags{message::none, "A\nMESSAGE_ID=x"}, "");
  EXPECT_EQ(r.find("\nPRIORITY=0"), std::string::npos) << r;
  EXPECT_EQ(r.find("\nMESSAGE_ID="), std::string::npos) << r;
}

TEST(message_ids, are_128_bit_lowercase_hex_and_unique) {
  std::set<std::string_view> seen;
  const std::regex hex("[0-9a-f]{32}");
  for (const auto& k : message_kinds) {
    EXPECT_TRUE(std::regex_match(std::string(k.id), hex)) << k.id;
    EXPECT_TRUE(seen.insert(k.id).second) << k.id;
    EXPECT_EQ(message_id(k.kind), k.id);
  }
  EXPECT_TRUE(message_id(message::none).empty());
}

TEST(message_ids, each_is_in_the_catalog) {
  std::ifstream in(std::string(LOCKER_SOURCE_DIR) + "/systemd/lockerd.catalog");
  ASSERT_TRUE(in);
  std::stringstream all;
  all << in.rdbuf();
  for (const auto& k : message_kinds) {
    EXPECT_NE(all.str().find("-- " + std::string(k.id) + "\n"), std::string::npos) << k.name;
  }
}

TEST(journal_stream, matches_only_the_file_on_the_descriptor) {
  char path[] = "/tmp/journal_stream_XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  struct stat st {};
  ASSERT_EQ(::fstat(fd, &st), 0);
  const auto dev = std::to_string(st.st_dev);
  const auto ino = std::to_string(st.st_ino);
  EXPECT_TRUE(is_journal_stream((dev + ":" + ino).c_str(), fd));
  EXPECT_FALSE(is_journal_stream((dev + ":" + std::to_string(st.st_ino + 1)).c_str(), fd));
  EXPECT_FALSE(is_journal_stream("garbage", fd));
  EXPECT_FALSE(is_journal_stream((dev + ":" + ino + "x").c_str(), fd));
  EXPECT_FALSE(is_journal_stream(nullptr, fd));
  ::close(fd);
  ::unlink(path);
}

TEST(timestamps, are_iso8601_utc_with_milliseconds) {
  using namespace std::chrono;
  const sys_time<milliseconds> t = sys_days{2026y / December / 1} + 19h + 5min + 3s + 42ms;
  EXPECT_EQ(iso8601_utc(t), "2026-12-01T19:05:03.042Z");
  EXPECT_EQ(iso8601_utc(sys_days{1999y / January / 31}), "1999-01-31T00:00:00.000Z");
}

TEST(timestamps, start_each_line_outside_the_journal) {
  std::fflush(stderr);
  char path[] = "/tmp/log_ts_XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  const int saved = ::dup(STDERR_FILENO);
  ::dup2(fd, STDERR_FILENO);
  use_timestamps(true);
  write(level::info, "lockerd", "ready");
  use_timestamps(false);
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  ::close(fd);
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  ::unlink(path);
  EXPECT_TRUE(std::regex_match(
      line, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info lockerd: ready)")))
      << line;
}

TEST(journal_socket, a_record_reaches_the_journal_with_its_fields) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("journal-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto socket_path = (dir / "socket").string();
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", socket_path.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);

  use_journal(socket_path);
  set_locker_id("t1");
  info(tags{message::event_journaled, "B7", 9}, "event", "9 stored B7");
  use_journal({});
  set_locker_id({});

  char buf[4096];
  const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
  ::close(fd);
  std::filesystem::remove_all(dir);
  ASSERT_GT(n, 0);
  const std::string got(buf, static_cast<std::size_t>(n));
  EXPECT_NE(got.find("MESSAGE=event: 9 stored B7\n"), std::string::npos) << got;
  EXPECT_NE(got.find("LOCKER_ID=t1\n"), std::string::npos) << got;
  EXPECT_NE(got.find("COMPARTMENT=B7\n"), std::string::npos) << got;
  EXPECT_NE(got.find("EVENT_SEQ=9\n"), std::string::npos) << got;
  EXPECT_NE(got.find("MESSAGE_ID=" + std::string(message_id(message::event_journaled))),
            std::string::npos);
}

}  // namespace
