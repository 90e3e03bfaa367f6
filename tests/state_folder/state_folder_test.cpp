// SPDX-License-Identifier: Apache-2.0
// A start that never silently forgets (issue 15): every way the state folder can be wrong
// gets its refusal, with what happened and what to do, and nothing in the folder is changed
// by the refusal; the folder as lockerd leaves it opens again.
#include "daemon/state_folder/state_folder.hpp"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "daemon/store/stored_settings.hpp"
#include "tests/store/temp_dir.hpp"
#include "tests/support/damage.hpp"

namespace locker::state_folder {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class state_folder_test : public store::testing::temp_dir_test {
 protected:
  // Opens the folder as lockerd does; the message of its refusal, or "" when it opened.
  std::string refusal(options opts = {.quick_check = true}) {
    std::optional<store::store> db;
    try {
      (void)open(dir_, db, opts);
      return "";
    } catch (const refused& e) {
      EXPECT_FALSE(db.has_value());
      return e.what();
    }
  }
  // A locker that ran: its database holds a courier, bound to its key, beside the marker.
  void a_locker_that_ran() {
    std::optional<store::store> db;
    const auto key = open(dir_, db);
    db->couriers().upsert("c-1", "Ann", security::courier_pin_hash(key, "12345678"), true,
                          std::chrono::system_clock::now());
  }
  [[nodiscard]] fs::path file(const char* name) const { return dir_ / name; }
};

TEST_F(state_folder_test, a_first_start_makes_the_key_binds_the_database_to_it_and_marks_it) {
  std::optional<store::store> db;
  const auto key = open(dir_, db);
  ASSERT_TRUE(db.has_value());
  EXPECT_TRUE(fs::exists(file("secret.key")));
  EXPECT_EQ(db->settings().get(fingerprint_setting), security::key_fingerprint(key));
  std::ifstream marker(file(marker_file));
  const std::string text((std::istreambuf_iterator<char>(marker)), {});
  EXPECT_THAT(text, HasSubstr(security::key_fingerprint(key)));
  db.reset();
  EXPECT_EQ(refusal(), "");  // and it opens again as it is
}

TEST_F(state_folder_test, a_missing_key_is_refused_not_replaced) {
  a_locker_that_ran();
  fs::remove(file("secret.key"));
  const auto why = refusal();
  EXPECT_THAT(why, HasSubstr("secret.key is missing"));
  EXPECT_THAT(why, HasSubstr("back from its backup"));
  EXPECT_FALSE(fs::exists(file("secret.key"))) << "a new key was made";
}

TEST_F(state_folder_test, a_missing_key_is_refused_even_before_anything_was_stored) {
  // The fingerprint says a key was there; codes may be announced with it any moment.
  {
    std::optional<store::store> db;
    (void)open(dir_, db);
  }
  fs::remove(file("secret.key"));
  EXPECT_THAT(refusal(), HasSubstr("secret.key is missing"));
}

TEST_F(state_folder_test, another_key_is_refused) {
  a_locker_that_ran();
  fs::remove(file("secret.key"));
  (void)security::create_key(dir_);
  const auto why = refusal();
  EXPECT_THAT(why, HasSubstr("was made with key"));
  EXPECT_THAT(why, HasSubstr("every stored PIN and pickup code would fail"));
}

TEST_F(state_folder_test, a_missing_database_where_one_was_is_refused) {
  a_locker_that_ran();
  fs::remove(file(database_file));
  fs::remove(dir_ / "lockerd.db-wal");
  fs::remove(dir_ / "lockerd.db-shm");
  const auto why = refusal();
  EXPECT_THAT(why, HasSubstr("lockerd.db is missing"));
  EXPECT_THAT(why, HasSubstr("lockeradm --state-dir " + dir_.string() + " restore BACKUP"));
  EXPECT_FALSE(fs::exists(file(database_file))) << "an empty database was made";
}

TEST_F(state_folder_test, an_emptied_database_is_refused) {
  a_locker_that_ran();
  fs::remove(dir_ / "lockerd.db-wal");
  fs::remove(dir_ / "lockerd.db-shm");
  fs::resize_file(file(database_file), 0);
  EXPECT_THAT(refusal(), HasSubstr("lockerd.db is empty"));
  EXPECT_EQ(fs::file_size(file(database_file)), 0U);
}

TEST_F(state_folder_test, removing_the_marker_starts_empty_on_purpose) {
  a_locker_that_ran();
  fs::remove(file(database_file));
  fs::remove(dir_ / "lockerd.db-wal");
  fs::remove(dir_ / "lockerd.db-shm");
  fs::remove(file(marker_file));
  fs::remove(file("secret.key"));
  EXPECT_EQ(refusal(), "");
}

TEST_F(state_folder_test, a_database_of_couriers_without_a_key_or_fingerprint_is_refused) {
  // Written before the fingerprint existed (or by hand), its key gone.
  {
    store::store db(file(database_file));
    db.couriers().upsert("c-1", "Ann", "hash", true, std::chrono::system_clock::now());
  }
  EXPECT_THAT(refusal(), HasSubstr("holds couriers or parcels"));
  EXPECT_FALSE(fs::exists(file("secret.key")));
}

TEST_F(state_folder_test, a_database_from_before_the_fingerprint_is_bound_to_its_key) {
  const auto key = security::create_key(dir_);
  {
    store::store db(file(database_file));
    db.couriers().upsert("c-1", "Ann", "hash", true, std::chrono::system_clock::now());
  }
  std::optional<store::store> db;
  (void)open(dir_, db);
  EXPECT_EQ(db->settings().get(fingerprint_setting), security::key_fingerprint(key));
}

TEST_F(state_folder_test, a_damaged_database_is_refused_with_what_to_do) {
  a_locker_that_ran();
  fs::remove(dir_ / "lockerd.db-wal");
  fs::remove(dir_ / "lockerd.db-shm");
  {
    std::fstream f(file(database_file), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(0);
    f << "this is not an SQLite database header";
  }
  const auto why = refusal();
  EXPECT_THAT(why, HasSubstr("lockerd.db is damaged"));
  EXPECT_THAT(why, HasSubstr("restore BACKUP"));
}

// lockerd (set_aside_damaged): the damaged file and its WAL are kept under one new name, a new
// database bound to the same key takes the old one's place, books_lost says what happened,
// and seq goes on after the damaged file's last.
TEST_F(state_folder_test, lockerd_sets_a_damaged_database_aside_and_starts_anew_on_the_same_key) {
  std::string fingerprint;
  {
    std::optional<store::store> db;
    const auto key = open(dir_, db);
    fingerprint = security::key_fingerprint(key);
    store::transaction tx(db->db());
    for (int i = 0; i < 5; ++i)
      (void)db->journal().append(tx, store::journal_topic::alarm, "power",
                                 {{"severity", "warning"}, {"active", true}},
                                 std::chrono::system_clock::now());
    tx.commit();
  }
  // A table's page torn: the header survives, quick_check finds it.
  test::tear_root_page(file(database_file), "couriers");
  std::optional<store::store> db;
  const auto key = open(dir_, db, {.quick_check = true, .set_aside_damaged = true});
  ASSERT_TRUE(db.has_value());
  EXPECT_EQ(security::key_fingerprint(key), fingerprint);
  EXPECT_EQ(db->settings().get(fingerprint_setting), fingerprint);
  EXPECT_EQ(integrity_problems(*db, true), "");
  EXPECT_EQ(db->journal().last_seq(), 5U) << "seq goes on after the damaged file's";
  const auto lost = nlohmann::json::parse(db->settings().get(store::books_lost_setting).value());
  const std::string moved = lost.at("moved_to");
  EXPECT_TRUE(moved.starts_with("lockerd.damaged-")) << moved;
  EXPECT_TRUE(fs::exists(dir_ / moved));
  EXPECT_FALSE(lost.at("problems").get<std::string>().empty());
  EXPECT_FALSE(fs::exists(file(set_aside_file)));
  db.reset();
  // And it opens again as it is, the record kept.
  EXPECT_EQ(refusal(), "");
}

TEST_F(state_folder_test, a_set_aside_cut_short_by_a_crash_ends_at_the_next_start) {
  a_locker_that_ran();
  // The crash came after the record and the move, before the new database took it over.
  {
    std::ofstream(file(set_aside_file))
        << R"({"moved_to":"lockerd.damaged-20261201T000000Z.db","problems":"torn","at":"2026-12-01T00:00:00.000Z","last_seq":41})";
  }
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::error_code ec;
    fs::rename(dir_ / (std::string(database_file) + suffix),
               dir_ / (std::string("lockerd.damaged-20261201T000000Z.db") + suffix), ec);
  }
  std::optional<store::store> db;
  (void)open(dir_, db, {.quick_check = true, .set_aside_damaged = true});
  ASSERT_TRUE(db.has_value());
  EXPECT_EQ(db->journal().last_seq(), 41U);
  EXPECT_NE(db->settings().get(store::books_lost_setting).value_or("").find("torn"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(file(set_aside_file)));
}

TEST_F(state_folder_test, a_view_does_not_make_a_database_in_a_mistyped_folder) {
  EXPECT_THAT(refusal({.open_mode = mode::existing}), HasSubstr("no database in"));
  EXPECT_FALSE(fs::exists(file(database_file)));
  EXPECT_FALSE(fs::exists(file("secret.key")));
}

// The key kept apart from the hashes (issue 15 item 3): under systemd the key is a credential
// in $CREDENTIALS_DIRECTORY, and the state folder holds no key at all.
class credential_key_test : public state_folder_test {
 protected:
  void SetUp() override {
    state_folder_test::SetUp();
    credentials_ = dir_ / "credentials";
    fs::create_directory(credentials_);
    ::setenv("CREDENTIALS_DIRECTORY", credentials_.c_str(), 1);  // NOLINT(concurrency-mt-unsafe)
  }
  void TearDown() override {
    ::unsetenv("CREDENTIALS_DIRECTORY");  // NOLINT(concurrency-mt-unsafe)
    state_folder_test::TearDown();
  }
  // Seals the folder's key as lockerd-seal-key does: the credential gets it, the folder loses it.
  void seal() {
    fs::permissions(file("secret.key"), fs::perms::owner_read | fs::perms::owner_write);
    fs::copy_file(file("secret.key"), credentials_ / "secret.key");
    fs::remove(file("secret.key"));
  }
  fs::path credentials_;
};

TEST_F(credential_key_test, a_sealed_key_opens_the_folder_that_holds_no_key) {
  a_locker_that_ran();
  seal();
  EXPECT_EQ(security::key_file(dir_), credentials_ / "secret.key");
  std::optional<store::store> db;
  const auto key = open(dir_, db, {.quick_check = true});
  EXPECT_EQ(db->settings().get(fingerprint_setting), security::key_fingerprint(key));
  EXPECT_FALSE(fs::exists(file("secret.key"))) << "a plain key was written beside the hashes";
}

TEST_F(credential_key_test, the_credential_wins_over_a_plain_file_and_another_key_is_refused) {
  a_locker_that_ran();
  seal();
  // Another locker's key as the credential: refused, naming the credential.
  {
    const fs::path other = dir_ / "other";
    fs::create_directory(other);
    (void)security::create_key(other);
    fs::remove(credentials_ / "secret.key");
    fs::copy_file(other / "secret.key", credentials_ / "secret.key");
  }
  const auto why = refusal();
  EXPECT_THAT(why, HasSubstr((credentials_ / "secret.key").string()));
  EXPECT_THAT(why, HasSubstr("was made with key"));
}

TEST_F(credential_key_test, without_the_credential_the_folder_key_is_used_as_before) {
  a_locker_that_ran();  // the credentials folder is empty
  EXPECT_EQ(security::key_file(dir_), dir_ / "secret.key");
  EXPECT_EQ(refusal(), "");
}

}  // namespace
}  // namespace locker::state_folder
