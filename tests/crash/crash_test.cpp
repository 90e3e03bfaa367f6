// SPDX-License-Identifier: Apache-2.0
// The crash test: a real lockerd against a real locker-sim (the cabinet, which outlives every
// kill), a scripted courier and recipient at the keypad, and SIGKILL at random instants.
// After every restart the state on disk must agree with what people were told and with the
// sensors: nothing is lost, the journal has no gaps or repeats, every door in the database is
// the door the sensor sees, and behind every shut door the presence sensor agrees with the
// parcels on file. Real time, so every wait is on a condition with a deadline.
//
// LOCKER_CRASH_KILLS (default 100) sets the number of kills, LOCKER_CRASH_SEED (default
// random, printed) the workload's seed, so a failure can be replayed (the instants are real
// time, so a replay takes the same path, not always to the same microsecond).
// LOCKER_CRASH_TRACE=1 prints every step; LOCKER_CRASH_KEEP=1 keeps the state folder.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include "daemon/keypad/screen_texts.hpp"
#include "daemon/security/secret_key.hpp"
#include "daemon/store/store.hpp"
#include "tests/support/failure.hpp"
#include "tests/support/locker_db.hpp"
#include "tests/support/locker_processes.hpp"
#include "tests/support/sim_control.hpp"

namespace locker::crash {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;
using steady = std::chrono::steady_clock;

constexpr std::string_view courier_pin = "246813";
constexpr std::string_view courier_name = "Crash";
// Waits that end in a failure: long enough for a loaded 2-core machine, short enough to
// keep a hung daemon from eating the test's time budget.
constexpr auto deadline = 6s;
// The least time a person's hand takes between opening a door and shutting it: longer than
// the daemon's debounce (30 ms), as any real hand is.
constexpr auto hand_time = 50ms;

using test::db_reader;
using test::fail;
using test::failure;
using test::match;

// lockerd was just killed: the interrupted step ends here.
struct killed {};

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  return std::stoull(v);
}

// ---- the rig --------------------------------------------------------------------------------

struct compartment_view {
  std::string door;  // closed | ajar | open (the simulator's physics)
  bool sensor = false;
  bool coil = false;
  bool occupied = false;
};

// What a person was told had worked: "Stored in N" or "Thank you!" for this parcel.
struct told {
  std::string type;  // stored | collected
  std::string tracking_number;
  std::string compartment;
};

// The person at the keypad right now, and what they have done so far: after a restart
// they carry on with what is physically in front of them.
struct person_task {
  enum class kind { none, deposit, pickup, dropoff } what = kind::none;
  std::string tracking_number;
  std::string compartment;    // known once the display said "Opening box N..."
  bool parcel_moved = false;  // deposit: put in; pickup: taken out
};

class crash_rig {
 public:
  crash_rig(std::uint64_t seed, const fs::path& dir) : rng_(seed), files_(dir) {}
  crash_rig(const crash_rig&) = delete;
  crash_rig& operator=(const crash_rig&) = delete;
  ~crash_rig() {
    // The daemon first, so that it never sees its cabinet vanish.
    lockerd_.stop(SIGKILL);
    control_ = nullptr;
    sim_.reset();
  }

  void run(std::uint64_t kills_wanted) {
    set_up();
    start_lockerd();
    after_start();
    while (kills_ < kills_wanted) {
      try {
        carry_on();
        between_people();
        next_action();
      } catch (const killed&) {
        ++kills_;
        start_lockerd();
        after_start();
      }
    }
    lockerd_.stop(SIGKILL);
    std::cout << "[crash] " << kills_ << " kills; " << deposits_told_ << " deposits and "
              << pickups_told_ << " pickups and " << dropoffs_told_
              << " drop-offs confirmed on the display; journal up to seq " << journal_.size()
              << "; " << stray_doors_ << " doors found open with nobody at them\n";
  }

  [[nodiscard]] std::string log_tail() const { return lockerd_.log_tail(40); }

 private:
  // ---- setting up ----

  void set_up() {
    test::make_state_dir(files_.state_dir);
    test::write_config(files_, "crash-1", board_);
    // The courier exists before the first start.
    test::add_courier(files_.state_dir, "courier-1", courier_name, courier_pin);
    announce_dropoffs();
    announce_multi_groups();
    db_ = std::make_unique<db_reader>(files_.state_dir / "lockerd.db");

    sim_ = std::make_unique<test::locker_sim_process>(LOCKER_SIM_PATH, board_, files_.sim_socket,
                                                      files_.sim_log, deadline);
    control_ = &sim_->control();
    control_->on_event = [this](std::string_view kind, std::string_view details) {
      on_event(kind, details);
    };
  }

  // ---- lockerd ----

  void start_lockerd() {
    lockerd_.start(*control_);
    trace("lockerd ready");
  }

  // Called between every step of a person: fails if lockerd died on its own, kills it when
  // the random instant has come.
  void tick() {
    if (auto status = lockerd_.ended())
      fail("lockerd died on its own (status ", *status, "):\n", log_tail());
    if (steady::now() < kill_at_) return;
    lockerd_.stop(SIGKILL);  // and reaps it
    trace("killed lockerd (kill ", kills_ + 1, ")");
    throw killed{};
  }

  // A person's pause of min to max between two actions, the daemon's chances to be killed.
  void pause(std::chrono::milliseconds max, std::chrono::milliseconds min = 0ms) {
    const auto end = steady::now() + std::chrono::milliseconds(uniform(min.count(), max.count()));
    do {
      tick();
      control_->pump(1ms);
    } while (steady::now() < end);
  }

  // Waits, ticking, until pred holds; fails with what() after the deadline.
  void wait_until(const std::function<bool()>& pred, const std::function<std::string()>& what) {
    const auto end = steady::now() + deadline;
    while (true) {
      tick();
      control_->pump(1ms);
      if (pred()) return;
      if (steady::now() > end) fail(what());
    }
  }

  // LOCKER_CRASH_TRACE=1: every step on stdout, with the milliseconds since the start.
  template <class... A>
  void trace(const A&... parts) {
    if (!trace_) return;
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - started_).count();
    std::cout << "[crash " << ms << "] ";
    (std::cout << ... << parts);
    std::cout << '\n';
  }

  std::string send(const std::string& command) {
    trace("> ", command);
    tick();
    auto reply = control_->request(command);
    tick();
    return reply;
  }
  void press(std::string_view keys) {
    if (const auto r = send("press " + std::string(keys)); r != "ok") fail("press ", keys, ": ", r);
  }

  // ---- after every (re)start: settle, then check everything ----

  void after_start() {
    kill_at_ = steady::time_point::max();  // no kill while checking
    steps_to_kill_ = -1;
    settle();
    check();
    // The next kill comes 0-300 ms into a random one of the next few steps.
    steps_to_kill_ = uniform(0, 6);
  }

  // A person begins a step (a phase of a deposit or pickup, or carrying on after a restart).
  void step(std::string_view what) {
    trace("step: ", what);
    if (steps_to_kill_ < 0) return;
    if (steps_to_kill_-- == 0)
      kill_at_ = steady::now() + std::chrono::milliseconds(uniform(0, 300));
  }

  // Waits until no coil is energized and every door in the database is the door its sensor
  // reports, twice in a row a debounce apart; fails if lockerd does not get there.
  void settle() {
    const auto end = steady::now() + deadline;
    int agreeing = 0;
    std::string last_difference;
    while (agreeing < 2) {
      if (auto status = lockerd_.ended())
        fail("lockerd died after start (status ", *status, "):\n", log_tail());
      if (steady::now() > end)
        fail("after start, the database never agreed with the sensors: ", last_difference, "\n",
             log_tail());
      control_->pump(40ms);
      last_difference = door_difference();
      agreeing = last_difference.empty() ? agreeing + 1 : 0;
    }
  }

  // "" when every compartment's door in the database is what its sensor reports and no
  // coil is energized; else the first difference.
  std::string door_difference() {
    const auto cabinet = sim_state();
    std::map<std::string, std::string> doors;
    for (auto& r : db_->query("SELECT id, door FROM compartments")) doors[r[0]] = r[1];
    for (const auto& [id, c] : cabinet) {
      if (c.coil) return "coil " + id + " is energized";
      // Mid-bounce the contact reads the old level for a moment: not yet a fact to compare.
      if (c.sensor != (c.door != "closed")) return "door " + id + " is still bouncing";
      const auto it = doors.find(id);
      if (it == doors.end()) return "compartment " + id + " is not in the database";
      if (it->second != (c.sensor ? "open" : "closed"))
        return "compartment " + id + ": database door " + it->second + ", sensor " +
               (c.sensor ? "open" : "closed") + " (door " + c.door + ")";
    }
    return {};
  }

  void check() {
    if (auto r = db_->query("PRAGMA integrity_check"); r.size() != 1 || r[0][0] != "ok")
      fail("integrity_check after kill ", kills_, ": ", r.empty() ? "" : r[0][0]);

    // The journal: seq 1..N with no gap and no repeat (no broker, nothing is deleted), and
    // every event seen at an earlier check still there, unchanged.
    const auto rows = db_->query("SELECT seq, event_id, type, payload FROM journal ORDER BY seq");
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (rows[i][0] != std::to_string(i + 1))
        fail("journal seq ", rows[i][0], " at position ", i + 1, " after kill ", kills_,
             ": a gap or a repeat");
      if (i < journal_.size() && journal_[i] != rows[i][1])
        fail("journal seq ", i + 1, " changed its event_id after kill ", kills_);
    }
    if (rows.size() < journal_.size())
      fail("the journal lost events after kill ", kills_, ": had ", journal_.size(), ", now ",
           rows.size());
    for (std::size_t i = journal_.size(); i < rows.size(); ++i) {
      journal_.push_back(rows[i][1]);
      const auto p = json::parse(rows[i][3], nullptr, false);
      if (p.is_object())
        journaled_.insert(
            told_key(rows[i][2], p.value("tracking_number", ""), p.value("compartment", "")));
    }
    if (auto last = db_->query("SELECT last_seq FROM journal_counter");
        last.size() != 1 || last[0][0] != std::to_string(rows.size()))
      fail("journal_counter.last_seq is not the newest seq ", rows.size());

    // Everything a person was told is in the journal.
    for (const auto& t : told_) {
      if (!journaled_.contains(told_key(t.type, t.tracking_number, t.compartment)))
        fail("after kill ", kills_, " the journal has no '", t.type, "' of parcel ",
             t.tracking_number, " in ", t.compartment, ", which the display confirmed");
    }

    // No compartment holds two live parcels, and no parcel is live twice.
    for (const auto& r :
         db_->query("SELECT compartment_id, count(*) FROM parcels WHERE state IN "
                    "('stored','expired','cancelled') GROUP BY compartment_id HAVING count(*) > 1"))
      fail("compartment ", r[0], " holds ", r[1], " live parcels");
    for (const auto& r : db_->query(
             "SELECT tracking_number, count(*) FROM parcels WHERE state IN "
             "('stored','expired','cancelled') GROUP BY tracking_number HAVING count(*) > 1"))
      fail("parcel ", r[0], " is live ", r[1], " times");

    // settle() waited for the doors; they must still agree now that nobody moved.
    if (auto d = door_difference(); !d.empty()) fail("after kill ", kills_, ": ", d);

    check_presence("after restart");
  }

  static std::string told_key(std::string_view type, std::string_view tracking_number,
                              std::string_view compartment) {
    return std::string(type) + '/' + std::string(tracking_number) + '/' + std::string(compartment);
  }

  // Right when the display says so: the event must have been committed before.
  void verify_told(const told& t) {
    // Only digits and the type go into the SQL text; all of them are the test's own.
    const auto found =
        db_->query("SELECT count(*) FROM journal WHERE type = '" + t.type +
                   "' AND json_extract(payload, '$.tracking_number') = '" + t.tracking_number +
                   "' AND json_extract(payload, '$.compartment') = '" + t.compartment + "'");
    if (found.size() == 1 && found[0][0] != "0") return;
    fail("the display confirmed '", t.type, "' of parcel ", t.tracking_number, " in ",
         t.compartment, ", but the journal has no such event (kills so far: ", kills_, ")");
  }

  // ---- what the cabinet shows ----

  void on_event(std::string_view kind, std::string_view details) {
    if (kind != "display") return;
    trace("display: ", details);
    on_display();
  }
  [[nodiscard]] const std::string& display() const { return control_->display(); }

  // Records what the person was told, and checks right away that it was committed first.
  void on_display() {
    if (on_multi_display()) return;
    if (auto m = match(texts_.stored, display())) {
      if (task_.what != person_task::kind::deposit || (*m)[0] != task_.compartment)
        fail("the display says '", display(), "' but nobody deposited into ", (*m)[0]);
      told_.push_back({"stored", task_.tracking_number, task_.compartment});
      verify_told(told_.back());
      ++deposits_told_;
    } else if (display() == texts_.dropped_off) {
      if (task_.what != person_task::kind::dropoff || task_.compartment.empty())
        fail("the display says '", display(), "' but nobody was dropping off");
      told_.push_back({"dropped_off", task_.tracking_number, task_.compartment});
      verify_told(told_.back());
      ++dropoffs_told_;
    } else if (display() == texts_.thank_you) {
      if (task_.what != person_task::kind::pickup || task_.compartment.empty())
        fail("the display says '", display(), "' but nobody was collecting");
      told_.push_back({"collected", task_.tracking_number, task_.compartment});
      verify_told(told_.back());
      ++pickups_told_;
    }
  }

  std::map<std::string, compartment_view> sim_state() {
    const auto j = control_->state();
    std::map<std::string, compartment_view> out;
    for (const auto& c : j["compartments"])
      out[c["id"].get<std::string>()] = {c["door"].get<std::string>(), c["sensor"].get<bool>(),
                                         c["coil"].get<bool>(), c["occupied"].get<bool>()};
    return out;
  }

  compartment_view compartment(const std::string& id) {
    auto all = sim_state();
    const auto it = all.find(id);
    if (it == all.end()) fail("no compartment ", id, " in the simulator");
    return it->second;
  }

  // Live parcels by compartment, from the database.
  std::map<std::string, std::string> live_parcels() {
    std::map<std::string, std::string> out;
    for (auto& r : db_->query("SELECT compartment_id, tracking_number FROM parcels WHERE state IN "
                              "('stored','expired','cancelled')"))
      out[r[0]] = r[1];
    return out;
  }

  // ---- the people ----

  // Back to the idle prompt from wherever a previous session left the keypad.
  void go_idle() {
    for (int i = 0; i < 12; ++i) {
      tick();
      control_->pump(1ms);
      if (display() == texts_.idle) return;
      if (match(texts_.locked_out, display()))
        fail("the keypad locked out, but nobody typed a wrong code: ", display());
      const std::string before = display();
      // '*' clears typed input (a '#' would submit a partial code); '#' ends the rest.
      press(display().ends_with("* = clear") || display().ends_with("* = back") ? "*" : "#");
      const auto end = steady::now() + 300ms;
      while (display() == before && steady::now() < end) {
        tick();
        control_->pump(1ms);
      }
    }
    fail("the keypad does not get back to the idle prompt; it shows '", display(), "'");
  }

  void expect_display(const std::function<bool()>& pred, std::string_view waiting_for) {
    wait_until(pred, [&] {
      return "waiting for '" + std::string(waiting_for) + "', the display shows '" + display() +
             "'";
    });
  }

  void wait_door_moved(const std::string& id) {
    wait_until([&] { return compartment(id).door != "closed"; },
               [&] { return "door " + id + " never sprang open; display '" + display() + "'"; });
  }

  // A person shuts a door and makes sure it stays shut: against a coil still energized the
  // latch does not catch and the door springs ajar again.
  void shut(const std::string& id) {
    const auto end = steady::now() + deadline;
    while (true) {
      const auto c = compartment(id);
      if (c.door == "closed" && !c.coil) return;
      if (steady::now() > end) fail("door ", id, " does not stay shut");
      if (c.door != "closed") {
        if (const auto r = send("close " + id); r != "ok") fail("close ", id, ": ", r);
      }
      pause(2 * hand_time, hand_time);
    }
  }

  void deposit() {
    task_ = {person_task::kind::deposit, std::to_string(next_tracking_++), {}, false};
    step("courier login");
    go_idle();
    press("*");
    expect_display([&] { return display() == texts_.pin_prompt; }, texts_.pin_prompt);
    pause(30ms);
    press(std::string(courier_pin) + "#");
    expect_display([&] { return match(texts_.menu, display()).has_value(); }, texts_.menu);
    pause(30ms);
    step("tracking number");
    press("1");
    expect_display([&] { return display() == texts_.tracking_prompt; }, texts_.tracking_prompt);
    press(task_.tracking_number + "#");
    expect_display([&] { return match(texts_.size_menu, display()).has_value(); },
                   texts_.size_menu);
    pause(30ms);
    step("size choice");
    press(std::to_string(uniform(1, 3)));
    std::optional<std::vector<std::string>> opening;
    expect_display(
        [&] {
          opening = match(texts_.opening, display());
          return opening || match(texts_.no_free_compartment, display());
        },
        texts_.opening);
    if (!opening) {
      task_ = {};  // the courier takes the parcel away
      return;
    }
    task_.compartment = (*opening)[0];
    wait_door_moved(task_.compartment);
    step("put the parcel in");
    pause(40ms);
    if (const auto r = send("open " + task_.compartment); r != "ok")
      fail("open ", task_.compartment, ": ", r);
    if (const auto r = send("put " + task_.compartment); r != "ok")
      fail("put ", task_.compartment, ": ", r);
    task_.parcel_moved = true;
    step("close the door");
    pause(120ms, hand_time);
    shut(task_.compartment);
    expect_display([&] { return match(texts_.stored, display()).has_value(); }, texts_.stored);
    task_ = {};
    pause(20ms);
    press("#");
  }

  void pickup() {
    // A recipient with the code from the 'stored' event (what the tracking system sends).
    // Deliveries only: an outbound parcel (a drop-off) has no pickup code, and the parcels of
    // several under one code (multi) have the tracking system's.
    const auto stored = db_->query(
        "SELECT tracking_number, compartment_id FROM parcels WHERE state = 'stored' AND "
        "kind = 'delivery' AND reservation_id IS NULL");
    if (stored.empty()) return;
    const auto& parcel =
        stored[static_cast<std::size_t>(uniform(0, static_cast<std::int64_t>(stored.size()) - 1))];
    const auto codes = db_->query(
        "SELECT json_extract(payload, '$.pickup_code') FROM journal WHERE type = 'stored' AND "
        "json_extract(payload, '$.tracking_number') = '" +
        parcel[0] + "' AND json_extract(payload, '$.compartment') = '" + parcel[1] +
        "' ORDER BY seq DESC");
    const std::string code = codes.empty() ? std::string{} : codes[0][0];
    if (code.empty()) fail("no stored event with a pickup code for parcel ", parcel[0]);

    task_ = {person_task::kind::pickup, parcel[0], {}, false};
    step("type the pickup code");
    go_idle();
    press(code + "#");
    std::optional<std::vector<std::string>> opening;
    expect_display([&] { return (opening = match(texts_.opening, display())).has_value(); },
                   texts_.opening);
    if ((*opening)[0] != parcel[1])
      fail("the code of parcel ", parcel[0], " in ", parcel[1], " opened box ", (*opening)[0]);
    task_.compartment = parcel[1];
    wait_door_moved(task_.compartment);
    step("take the parcel out");
    pause(40ms);
    if (const auto r = send("open " + task_.compartment); r != "ok")
      fail("open ", task_.compartment, ": ", r);
    if (const auto r = send("take " + task_.compartment); r != "ok")
      fail("take ", task_.compartment, ": ", r);
    task_.parcel_moved = true;
    step("close the door");
    pause(120ms, hand_time);
    shut(task_.compartment);
    expect_display([&] { return display() == texts_.thank_you; }, texts_.thank_you);
    task_ = {};
  }

  // ---- drop-offs (issue 13) ----

  // Before the first start: announced drop-offs and returns, each with its drop-off code (as
  // the tracking system's reservation_create would leave them on file).
  void announce_dropoffs() {
    const auto key = security::load_or_create_key(files_.state_dir);
    store::store db(files_.state_dir / "lockerd.db");
    const std::vector<std::string> sizes{"S", "M", "L"};
    for (int i = 0; i < dropoffs_announced; ++i) {
      const std::string id = "drop-" + std::to_string(i);
      const std::string tracking = std::to_string(90000001 + i);
      const std::string code = std::to_string(55500001 + i);
      store::transaction tx(db.db());
      db.reservations().create(
          tx, {id, tracking, sizes[static_cast<std::size_t>(i % 3)], std::nullopt, std::nullopt,
               store::reservation_state::announced, std::chrono::system_clock::now()});
      db.outbound().set_reservation(
          tx, id, {i % 2 == 0 ? "dropoff" : "return", security::dropoff_code_hash(key, code), {}});
      tx.commit();
      dropoff_codes_[id] = {tracking, code};
    }
  }

  // A sender types the code of a drop-off still announced; false when none is left.
  bool dropoff() {
    const auto left = db_->query(
        "SELECT reservation_id FROM reservations WHERE state = 'announced' AND "
        "kind <> 'delivery' ORDER BY reservation_id");
    if (left.empty()) return false;
    const auto& [tracking, code] = dropoff_codes_.at(left.front()[0]);
    task_ = {person_task::kind::dropoff, tracking, {}, false};
    step("type the drop-off code");
    go_idle();
    press(code + "#");
    std::optional<std::vector<std::string>> opening;
    expect_display(
        [&] {
          opening = match(texts_.opening, display());
          return opening || display() == texts_.dropoff_no_free_compartment;
        },
        texts_.opening);
    if (!opening) {
      task_ = {};  // the sender comes back another day
      return true;
    }
    task_.compartment = (*opening)[0];
    wait_door_moved(task_.compartment);
    step("put the drop-off in");
    pause(40ms);
    if (const auto r = send("open " + task_.compartment); r != "ok")
      fail("open ", task_.compartment, ": ", r);
    if (const auto r = send("put " + task_.compartment); r != "ok")
      fail("put ", task_.compartment, ": ", r);
    task_.parcel_moved = true;
    step("close the drop-off's door");
    pause(120ms, hand_time);
    shut(task_.compartment);
    expect_display([&] { return display() == texts_.dropped_off; }, texts_.dropped_off);
    task_ = {};
    return true;
  }

  void next_action() {
    if (uniform(0, 3) == 0 && multi_round()) return;
    const auto stored =
        db_->query("SELECT count(*) FROM parcels WHERE state = 'stored' AND kind = 'delivery'");
    const int n = std::stoi(stored[0][0]);
    if (uniform(0, 5) == 0 && dropoff()) return;
    if (n == 0 || (n < 16 && uniform(0, 1) == 0)) {
      deposit();
    } else {
      pickup();
    }
  }

  // After a restart the person finishes what is in front of them: a door open for them
  // is used and shut, as a real person would, whatever the display says now.
  void carry_on() {
    carry_on_multi();
    if (task_.what == person_task::kind::none || task_.compartment.empty()) {
      task_ = {};
      return;
    }
    const std::string id = task_.compartment;
    step("carry on");
    auto c = compartment(id);
    trace("carrying on in ", id, ": door ", c.door, c.occupied ? ", occupied" : ", empty");
    if (c.door != "closed") {
      if (c.door == "ajar") send("open " + id);
      const bool bringing =
          task_.what == person_task::kind::deposit || task_.what == person_task::kind::dropoff;
      if (bringing && !task_.parcel_moved && !compartment(id).occupied) {
        if (const auto r = send("put " + id); r != "ok") fail("put ", id, ": ", r);
      }
      if (task_.what == person_task::kind::pickup && compartment(id).occupied) {
        if (const auto r = send("take " + id); r != "ok") fail("take ", id, ": ", r);
      }
      task_.parcel_moved = true;
      pause(120ms, hand_time);
      shut(id);
    }
    task_ = {};
  }

  // Between two people: once lockerd has caught up with the doors, a door still open is
  // one nobody stands at (shut it, as a passer-by would), and behind every shut door the
  // presence sensor agrees with the parcels on file. This is where a deposit or pickup that a
  // restart cut loose would show: the parcel went in or out, the database did not follow.
  void between_people() {
    wait_until([&] { return door_difference().empty(); },
               [&] { return "lockerd does not catch up with the doors: " + door_difference(); });
    bool moved = false;
    for (const auto& [id, c] : sim_state()) {
      if (c.door == "closed") continue;
      ++stray_doors_;
      trace("door ", id, " is ", c.door, " with nobody at it");
      shut(id);
      moved = true;
    }
    if (moved)
      wait_until([&] { return door_difference().empty(); },
                 [&] { return "lockerd does not see the doors shut: " + door_difference(); });
    check_presence("after the person carried on");
  }

  // Behind a shut door, the presence sensor and the parcels on file tell the same story.
  void check_presence(std::string_view when) {
    const auto live = live_parcels();
    for (const auto& [id, c] : sim_state()) {
      if (c.door != "closed") continue;
      if (c.occupied && !live.contains(id))
        fail(when, " (kill ", kills_, "): compartment ", id,
             " holds a parcel, but none is on file there");
      if (!c.occupied && live.contains(id))
        fail(when, " (kill ", kills_, "): parcel ", live.at(id), " is on file in compartment ", id,
             ", which is empty");
    }
  }

  // ---- several parcels, one code (multi) ----
  // Groups of two or three reservations announced before the first start, each group with
  // its own recipient key and one shared code. A round deposits what of the current group is
  // still announced, then its recipient types the code once: every box opens, one coil at a
  // time, and each is emptied and shut. A kill anywhere in it loses nothing: what is still
  // stored is picked up in a later round with the same code.
  struct multi_group {
    std::string recipient;
    std::string code;
    std::vector<std::string> tracking_numbers;
  };
  struct multi_pickup_task {
    bool active = false;
    std::vector<std::pair<std::string, std::string>> boxes;  // tracking number, compartment
  };

  void announce_multi_groups() {
    const auto key = security::load_or_create_key(files_.state_dir);
    store::store db(files_.state_dir / "lockerd.db");
    store::transaction tx(db.db());
    for (int g = 0; g < 8; ++g) {
      multi_group group;
      group.recipient = "crash-recipient-" + std::to_string(g);
      // Distinct per group (its digit second): codes of two recipients never meet.
      group.code = "9" + std::to_string(g) + std::to_string(100000 + uniform(0, 899999));
      const int parcels = static_cast<int>(uniform(2, 3));
      for (int i = 0; i < parcels; ++i) {
        store::reservation_record r;
        r.tracking_number = std::to_string(80000000 + g * 10 + i);
        r.reservation_id = "multi-" + r.tracking_number;
        r.size = "S";
        r.pickup_code_hash = security::pickup_code_hash(key, group.code);
        r.created_at = std::chrono::system_clock::now();
        db.reservations().create(tx, r);
        db.recipients().set(tx, r.reservation_id, group.recipient);
        group.tracking_numbers.push_back(r.tracking_number);
      }
      multi_groups_.push_back(std::move(group));
    }
    tx.commit();
  }

  // One round of the current group; false when every group is done.
  bool multi_round() {
    if (multi_next_ >= multi_groups_.size()) return false;
    const auto& g = multi_groups_[multi_next_];
    for (const auto& t : g.tracking_numbers) {
      const auto announced = db_->query(
          "SELECT count(*) FROM reservations WHERE state = 'announced' AND tracking_number = '" +
          t + "'");
      if (announced[0][0] != "0") multi_deposit(t);
    }
    multi_pickup(g);
    const auto left = db_->query(
        "SELECT count(*) FROM parcels AS p JOIN reservation_recipients AS r ON "
        "r.reservation_id = p.reservation_id WHERE p.state = 'stored' AND r.recipient = '" +
        g.recipient + "'");
    if (left[0][0] == "0") ++multi_next_;
    return true;
  }

  // As deposit(), for an announced parcel: no size menu.
  void multi_deposit(const std::string& tracking_number) {
    task_ = {person_task::kind::deposit, tracking_number, {}, false};
    step("courier login (multi)");
    go_idle();
    press("*");
    expect_display([&] { return display() == texts_.pin_prompt; }, texts_.pin_prompt);
    press(std::string(courier_pin) + "#");
    expect_display([&] { return match(texts_.menu, display()).has_value(); }, texts_.menu);
    step("announced tracking number (multi)");
    press("1");
    expect_display([&] { return display() == texts_.tracking_prompt; }, texts_.tracking_prompt);
    press(tracking_number + "#");
    std::optional<std::vector<std::string>> opening;
    expect_display(
        [&] {
          opening = match(texts_.opening, display());
          return opening || match(texts_.no_free_compartment, display());
        },
        texts_.opening);
    if (!opening) {
      task_ = {};
      return;
    }
    task_.compartment = (*opening)[0];
    wait_door_moved(task_.compartment);
    step("put the parcel in (multi)");
    if (const auto r = send("open " + task_.compartment); r != "ok")
      fail("open ", task_.compartment, ": ", r);
    if (const auto r = send("put " + task_.compartment); r != "ok")
      fail("put ", task_.compartment, ": ", r);
    task_.parcel_moved = true;
    pause(60ms, hand_time);
    shut(task_.compartment);
    expect_display([&] { return match(texts_.stored, display()).has_value(); }, texts_.stored);
    task_ = {};
    press("#");
  }

  void multi_pickup(const multi_group& g) {
    const auto stored = db_->query(
        "SELECT p.tracking_number, p.compartment_id FROM parcels AS p JOIN reservation_recipients "
        "AS r ON r.reservation_id = p.reservation_id WHERE p.state = 'stored' AND r.recipient = '" +
        g.recipient + "' ORDER BY p.id");
    if (stored.empty()) return;
    multi_ = {true, {}};
    for (const auto& r : stored) multi_.boxes.emplace_back(r[0], r[1]);
    step("type the shared pickup code");
    go_idle();
    press(g.code + "#");
    expect_display(
        [&] {
          return match(texts_.opening_many, display()) || match(texts_.opening, display()) ||
                 match(texts_.pickup_open_many, display()) || match(texts_.pickup_open, display());
        },
        texts_.opening_many);
    // Every box opens, never two coils at once.
    wait_until(
        [&] {
          const auto cabinet = sim_state();
          int coils = 0;
          for (const auto& [id, c] : cabinet) coils += c.coil ? 1 : 0;
          if (coils > 1) fail("two coils energized at once in a multi-parcel pickup");
          return std::all_of(multi_.boxes.begin(), multi_.boxes.end(),
                             [&](const auto& b) { return cabinet.at(b.second).door != "closed"; });
        },
        [&] { return "the boxes of one code did not all open; display '" + display() + "'"; });
    for (const auto& box : multi_.boxes) {
      const std::string& id = box.second;
      step("take a parcel out (multi)");
      if (const auto r = send("open " + id); r != "ok") fail("open ", id, ": ", r);
      if (const auto r = send("take " + id); r != "ok") fail("take ", id, ": ", r);
      pause(60ms, hand_time);
      shut(id);
    }
    expect_display([&] { return display() == texts_.thank_you; }, texts_.thank_you);
    multi_ = {};
  }

  // "Thank you!" after a multi-parcel pickup: every box's collected was committed before.
  bool on_multi_display() {
    if (!multi_.active || display() != texts_.thank_you) return false;
    for (const auto& [tracking, id] : multi_.boxes) {
      told_.push_back({"collected", tracking, id});
      verify_told(told_.back());
      ++pickups_told_;
    }
    return true;
  }

  // After a restart in a multi-parcel pickup: every box still open is emptied and shut.
  void carry_on_multi() {
    if (!multi_.active) return;
    step("carry on (multi)");
    for (const auto& box : multi_.boxes) {
      const std::string& id = box.second;
      const auto c = compartment(id);
      if (c.door == "closed") continue;
      if (c.door == "ajar") send("open " + id);
      if (compartment(id).occupied) {
        if (const auto r = send("take " + id); r != "ok") fail("take ", id, ": ", r);
      }
      pause(60ms, hand_time);
      shut(id);
    }
    multi_ = {};
  }

  std::vector<multi_group> multi_groups_;
  std::size_t multi_next_ = 0;  // the group being worked on
  multi_pickup_task multi_;

  std::int64_t uniform(std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng_);
  }

  std::mt19937_64 rng_;
  test::locker_files files_;
  fs::path board_ = fs::path(LOCKER_SOURCE_DIR) / "config/boards/sim-24.toml";
  const keypad::screen_texts texts_{};

  std::unique_ptr<test::locker_sim_process> sim_;
  test::control_client* control_ = nullptr;  // sim_'s, watching
  test::lockerd_process lockerd_{LOCKERD_PATH, files_.config_file, files_.lockerd_log};
  std::unique_ptr<db_reader> db_;

  steady::time_point kill_at_ = steady::time_point::max();
  std::int64_t steps_to_kill_ = -1;  // -1: the kill is armed or the daemon is being checked
  person_task task_;
  std::uint64_t next_tracking_ = 70000001;

  std::vector<told> told_;
  std::vector<std::string> journal_;  // event_id by seq - 1, as seen at the last check
  std::set<std::string> journaled_;   // told_key() of every event in journal_
  std::uint64_t kills_ = 0;
  std::uint64_t deposits_told_ = 0;
  std::uint64_t pickups_told_ = 0;
  // Drop-offs: announced before the first start (few: they stay in the cabinet).
  static constexpr int dropoffs_announced = 6;
  std::map<std::string, std::pair<std::string, std::string>> dropoff_codes_;  // tracking, code
  std::uint64_t dropoffs_told_ = 0;
  std::uint64_t stray_doors_ = 0;
  bool trace_ = env_number("LOCKER_CRASH_TRACE", 0) != 0;
  steady::time_point started_ = steady::now();
};

TEST(crash, sigkill_at_random_points_loses_nothing) {
  const std::uint64_t kills = env_number("LOCKER_CRASH_KILLS", 100);
  const std::uint64_t seed = env_number("LOCKER_CRASH_SEED", std::random_device{}());
  std::cout << "[crash] LOCKER_CRASH_SEED=" << seed << " LOCKER_CRASH_KILLS=" << kills << std::endl;
  RecordProperty("seed", std::to_string(seed));

  char tmpl[] = "/tmp/locker-crash-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const fs::path dir = tmpl;
  bool ok = false;
  {
    crash_rig rig(seed, dir);
    try {
      rig.run(kills);
      ok = true;
    } catch (const failure& f) {
      ADD_FAILURE() << f.what() << "\nreplay with LOCKER_CRASH_SEED=" << seed << "; state kept in "
                    << dir;
    }
  }
  std::error_code ec;
  // LOCKER_CRASH_KEEP=1 keeps the state, the logs and the database of a passing run too.
  if (ok && env_number("LOCKER_CRASH_KEEP", 0) == 0) fs::remove_all(dir, ec);
  if (!ok || env_number("LOCKER_CRASH_KEEP", 0) != 0) std::cout << "[crash] kept " << dir << '\n';
}

}  // namespace
}  // namespace locker::crash
