// SPDX-License-Identifier: Apache-2.0
// Signed offline tokens at the scanner (issue 13, flow token; protocol/tokens.md), on the
// simulated cabinet and virtual time: a good token opens its parcel's compartment as its code
// would (the same door events and `collected`), once; each fault is refused with its own
// message and counted as a wrong code: replayed, another locker's, past its window, not yet
// valid, tampered, unknown key, no parcel, and a rotated key (good in the overlap, refused after
// its not_after). Enough refused tokens lock the keypad out, as wrong codes do.
#include <algorithm>
#include <chrono>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "daemon/tokens/signer.hpp"
#include "tests/scenario/locker_rig.hpp"

namespace locker::scenario {
namespace token_test {
namespace {

const std::string pin = "24681357";
const std::string idle = "Enter pickup code\n# = OK  * = courier";
const std::string menu = "Hi c-1  #=end\n1 Deposit 2 Remove";

// Where the rig's wall clock starts (drivers::virtual_clock's default).
const drivers::wall_time t0 = drivers::virtual_clock{}.wall_now();

tokens::unix_seconds unix_at(drivers::wall_time t) {
  return static_cast<tokens::unix_seconds>(
      std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
}

std::string tries_left(const std::string& first_line, int n) {
  return first_line + "\nTries left: " + std::to_string(n);
}

class token_scenario : public ::testing::Test {
 protected:
  tokens::private_key old_key_ = tokens::generate_key();
  tokens::private_key new_key_ = tokens::generate_key();
  // "2026-12" retires two hours in; "2027-01" takes over with an overlap.
  locker_rig rig_{[this](config::locker_config& c) {
    c.tokens.keys = {{"2026-12", tokens::raw_public(old_key_.get()), t0 + std::chrono::hours{2}},
                     {"2027-01", tokens::raw_public(new_key_.get()), std::nullopt}};
  }};

  struct token_spec {
    std::string subject = "R-1";
    std::string locker_id = "test";
    std::string key_id = "2027-01";
    std::chrono::seconds from{-60};  // not_before, from the rig's now
    std::chrono::seconds valid_for{3600};
    tokens::token_kind kind = tokens::token_kind::pickup_reservation;
  };
  std::string token(const token_spec& s, EVP_PKEY* key = nullptr) {
    tokens::token_claims c;
    c.kind = s.kind;
    c.key_id = s.key_id;
    c.locker_id = s.locker_id;
    c.subject = s.subject;
    const auto nb = rig_.clock().wall_now() + s.from;
    c.not_before = unix_at(nb);
    c.not_after = unix_at(nb + s.valid_for);
    c.nonce = tokens::random_nonce();
    if (key == nullptr) key = s.key_id == "2026-12" ? old_key_.get() : new_key_.get();
    return tokens::make_token(key, c);
  }

  // The tracking system announces a parcel and a courier stores it: its compartment.
  std::string store_parcel(const std::string& reservation, const std::string& tracking) {
    rig_.announce(reservation, tracking, "S", "1357" + std::to_string(++codes_) + "000");
    rig_.press("*" + pin + "#");
    EXPECT_EQ(rig_.display(), menu);
    rig_.press("1");
    rig_.press(tracking + "#");
    rig_.advance(move_time);
    const std::string shown = rig_.display();
    const std::string head = "Put in box ";
    if (!shown.starts_with(head)) {
      ADD_FAILURE() << shown;
      return {};
    }
    std::string id = shown.substr(head.size(), shown.find(',') - head.size());
    rig_.person_opens(id);
    rig_.person_puts(id);
    rig_.person_closes(id);
    rig_.press("#");
    rig_.advance(std::chrono::seconds{5});
    EXPECT_EQ(rig_.display(), idle);
    return id;
  }

  // Scans t and expects its compartment to open; the recipient takes the parcel.
  void collect_with(const std::string& t, const std::string& id) {
    rig_.scan(t);
    ASSERT_EQ(rig_.display(), "Opening box " + id + "...\nPlease wait");
    rig_.advance(move_time);
    EXPECT_EQ(rig_.display(), "Box " + id + " is open\nTake parcel, close");
    rig_.person_opens(id);
    rig_.person_takes(id);
    rig_.person_closes(id);
    rig_.advance(std::chrono::seconds{5});
  }

  // Scans t and expects it refused with `first_line`, n tries left; nothing opens.
  void refused(const std::string& t, const std::string& first_line, int n) {
    const auto before = rig_.event_count();
    rig_.scan(t);
    EXPECT_EQ(rig_.display(), tries_left(first_line, n));
    rig_.advance(std::chrono::seconds{5});
    EXPECT_EQ(rig_.display(), idle);
    EXPECT_EQ(rig_.event_count(), before) << "a refused token journals nothing";
  }

  [[nodiscard]] bool stored(const std::string& reservation) {
    const auto p = rig_.db().parcels().live_for_reservation(reservation);
    return p && p->state == store::parcel_state::stored;
  }

  void SetUp() override { rig_.add_courier("c-1", pin); }

  int codes_ = 0;
};

TEST_F(token_scenario, a_good_token_opens_its_parcel_as_its_code_would) {
  const auto id = store_parcel("R-1", "5001");
  const auto from = rig_.event_count();
  collect_with(token({}), id);
  std::vector<std::string> types;
  for (const auto& e : rig_.events_since(from)) types.push_back(e.at("type").get<std::string>());
  EXPECT_EQ(types, (std::vector<std::string>{"opened", "closed", "collected"}));
  const auto collected = rig_.events_of("collected").back();
  EXPECT_EQ(collected["tracking_number"], "5001");
  EXPECT_EQ(collected["compartment"], id);
  EXPECT_EQ(rig_.events_of("opened").back()["cause"], "pickup");
  EXPECT_FALSE(stored("R-1"));
  EXPECT_EQ(rig_.db().token_nonces().count(), 1);
  // Audited with the key, never the token.
  bool audited = false;
  for (const auto& a : rig_.db().audit().newest(20))
    if (a.action == "token_pickup") {
      audited = true;
      const auto detail = json::parse(a.detail);
      EXPECT_EQ(detail.value("key_id", ""), "2027-01");
      EXPECT_EQ(detail.value("tracking_number", ""), "5001");
    }
  EXPECT_TRUE(audited);
}

TEST_F(token_scenario, a_token_by_tracking_number_opens_too) {
  const auto id = store_parcel("R-1", "5001");
  token_spec s;
  s.kind = tokens::token_kind::pickup_tracking;
  s.subject = "5001";
  collect_with(token(s), id);
  EXPECT_EQ(rig_.events_of("collected").size(), 1U);
}

TEST_F(token_scenario, a_replayed_token_is_refused_also_after_a_restart) {
  const auto id = store_parcel("R-1", "5001");
  const auto t = token({});
  collect_with(t, id);
  refused(t, "QR code already used", 4);
  rig_.restart();
  rig_.advance(std::chrono::seconds{5});
  refused(t, "QR code already used", 3);
  EXPECT_EQ(rig_.events_of("collected").size(), 1U);
}

TEST_F(token_scenario, a_token_replayed_while_its_door_is_open_opens_nothing_more) {
  const auto id = store_parcel("R-1", "5001");
  const auto t = token({});
  rig_.scan(t);
  ASSERT_EQ(rig_.display(), "Opening box " + id + "...\nPlease wait");
  rig_.advance(move_time);
  rig_.person_opens(id);
  // Someone else scans the same code (a photo of it) while the door is open.
  rig_.scan(t);
  rig_.person_takes(id);
  rig_.person_closes(id);
  EXPECT_EQ(rig_.events_of("opened").size(), 2U) << "the deposit's and the pickup's";
  EXPECT_EQ(rig_.events_of("collected").size(), 1U);
}

TEST_F(token_scenario, another_lockers_token_is_refused) {
  store_parcel("R-1", "5001");
  token_spec s;
  s.locker_id = "other-locker";
  refused(token(s), "QR for other locker", 4);
  EXPECT_TRUE(stored("R-1"));
}

TEST_F(token_scenario, a_token_past_its_window_is_refused) {
  store_parcel("R-1", "5001");
  const auto t = token({});
  rig_.advance(std::chrono::hours{2});
  refused(t, "QR code expired", 4);
  EXPECT_TRUE(stored("R-1"));
}

TEST_F(token_scenario, a_token_before_its_window_is_refused_then_opens_in_it) {
  const auto id = store_parcel("R-1", "5001");
  token_spec s;
  s.from = std::chrono::hours{1};
  const auto t = token(s);
  refused(t, "QR not valid yet", 4);
  rig_.advance(std::chrono::hours{1});
  collect_with(t, id);
  EXPECT_FALSE(stored("R-1"));
}

TEST_F(token_scenario, a_tampered_token_is_refused) {
  store_parcel("R-1", "5001");
  store_parcel("R-2", "5002");
  // R-1's token, its payload changed to name R-2, the signature kept.
  const auto good = token({});
  const auto decoded = tokens::decode_token(good);
  ASSERT_TRUE(decoded);
  auto claims = decoded->claims;
  claims.subject = "R-2";
  refused(tokens::signed_text(claims) + good.substr(good.rfind('.')), "QR code invalid", 4);
  // Signed by a key that is not the one it names.
  const auto forger = tokens::generate_key();
  refused(token({}, forger.get()), "QR code invalid", 3);
  // Not a token at all once a character is gone.
  refused(good.substr(0, good.size() - 1), "Unreadable QR code", 2);
  EXPECT_TRUE(stored("R-1"));
  EXPECT_TRUE(stored("R-2"));
}

TEST_F(token_scenario, a_token_of_an_unknown_key_is_refused) {
  store_parcel("R-1", "5001");
  token_spec s;
  s.key_id = "2099-01";
  refused(token(s, new_key_.get()), "QR code not trusted", 4);
  EXPECT_TRUE(stored("R-1"));
}

TEST_F(token_scenario, a_token_for_no_parcel_here_is_refused) {
  token_spec s;
  s.subject = "R-9";
  refused(token(s), "No parcel for QR", 4);
}

TEST_F(token_scenario, a_rotated_key_works_in_the_overlap_and_not_after_its_end) {
  const auto a = store_parcel("R-1", "5001");
  const auto b = store_parcel("R-2", "5002");
  store_parcel("R-3", "5003");
  token_spec old_spec;
  old_spec.key_id = "2026-12";
  old_spec.valid_for = std::chrono::hours{24};
  token_spec new_spec = old_spec;
  new_spec.key_id = "2027-01";
  // In the overlap, both keys' tokens open.
  old_spec.subject = "R-1";
  collect_with(token(old_spec), a);
  new_spec.subject = "R-2";
  collect_with(token(new_spec), b);
  // The old key's not_after passes: a token it signed is refused inside its own window.
  old_spec.subject = "R-3";
  const auto late = token(old_spec);
  rig_.advance(std::chrono::hours{2});
  refused(late, "QR code key retired", 4);
  EXPECT_TRUE(stored("R-3"));
  new_spec.subject = "R-3";
  new_spec.from = std::chrono::seconds{-60};
  collect_with(token(new_spec), rig_.db().parcels().live_for_reservation("R-3")->compartment_id);
  EXPECT_FALSE(stored("R-3"));
}

TEST_F(token_scenario, refused_tokens_and_wrong_codes_share_the_budget_and_lock_out) {
  const auto id = store_parcel("R-1", "5001");
  token_spec other;
  other.locker_id = "other-locker";
  refused(token(other), "QR for other locker", 4);
  rig_.press("12121212#");
  EXPECT_EQ(rig_.display(), tries_left("Wrong code", 3));
  rig_.advance(std::chrono::seconds{5});
  refused(token(other), "QR for other locker", 2);
  refused("LK1.x.y", "Unreadable QR code", 1);
  rig_.scan(token(other));
  EXPECT_EQ(rig_.display(), "Too many tries\nWait 30 s");
  const auto alarms = rig_.events_of("keypad_lockout");
  ASSERT_EQ(alarms.size(), 1U);
  EXPECT_TRUE(alarms.back()["active"].get<bool>());
  // While locked out even a good token is not looked at (and counts nothing).
  const auto good = token({});
  rig_.scan(good);
  EXPECT_EQ(rig_.display().rfind("Too many tries\nWait ", 0), 0U) << rig_.display();
  rig_.advance(std::chrono::seconds{31});
  collect_with(good, id);
  const auto collected = rig_.events_of("collected").back();
  EXPECT_EQ(collected["failed_attempts"], 5) << "the refused tokens count as the wrong code does";
}

TEST_F(token_scenario, info_says_signed_tokens_when_keys_are_configured) {
  auto capabilities = [](locker_rig& rig) {
    rig.advance(std::chrono::seconds{1});  // connected, born
    const auto infos = rig.link().published_on("locker/v1/test/info");
    EXPECT_FALSE(infos.empty());
    return infos.empty() ? json::array() : json::parse(infos.back().payload).at("capabilities");
  };
  const auto with_keys = capabilities(rig_);
  EXPECT_NE(std::find(with_keys.begin(), with_keys.end(), "signed_tokens"), with_keys.end())
      << with_keys.dump();
  locker_rig without;
  const auto none = capabilities(without);
  EXPECT_EQ(std::find(none.begin(), none.end(), "signed_tokens"), none.end()) << none.dump();
}

TEST_F(token_scenario, a_scan_without_the_prefix_is_still_no_pickup_code) {
  rig_.scan("LK2.abc.def");
  EXPECT_EQ(rig_.display(), "Not a pickup code");
  rig_.advance(std::chrono::seconds{5});
  rig_.press("12121212#");
  EXPECT_EQ(rig_.display(), tries_left("Wrong code", 4)) << "the scan cost no attempt";
}

}  // namespace
}  // namespace token_test
}  // namespace locker::scenario
