// SPDX-License-Identifier: Apache-2.0
// locker_bench: measures the figures of design.md "Performance that matters here" on this
// machine and prints them with their goals. Real time throughout (asio_clock, real sockets,
// real processes); a figure that could not be measured is printed as such, never guessed.
// Usage: locker_bench [--quick] [--only key|mqtt|process] [--parcels N,N,...]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "daemon/app/locker_app.hpp"
#include "daemon/config/config.hpp"
#include "daemon/controller/controller.hpp"
#include "daemon/hardware/cabinet_hardware.hpp"
#include "daemon/keypad/keypad_session.hpp"
#include "daemon/keypad/screen_texts.hpp"
#include "daemon/log/log.hpp"
#include "daemon/mqtt/journal_relay.hpp"
#include "daemon/mqtt/memory/memory_link.hpp"
#include "daemon/mqtt/mqtt_link.hpp"
#include "daemon/mqtt/reporter.hpp"
#include "daemon/security/secret_key.hpp"
#include "daemon/state/state_report.hpp"
#include "daemon/store/idle_checkpoint.hpp"
#include "daemon/store/store.hpp"
#include "drivers/asio_clock.hpp"
#include "protocol/topics.hpp"
#include "simulator/cabinet_model.hpp"
#include "simulator/model_board.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/locker_processes.hpp"
#include "tests/support/mosquitto_broker.hpp"
#include "tests/support/notify_socket.hpp"
#include "tests/support/sim_control.hpp"

namespace {

namespace fs = std::filesystem;
using namespace locker;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

double ms_between(steady::time_point a, steady::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// ---- the table ----------------------------------------------------------------------------

struct row {
  std::string figure;
  std::string p50;
  std::string p99;
  std::string goal;
  std::string verdict;
};
std::vector<row> table;
std::vector<std::string> notes;  // printed under the table

std::string fmt(double v, const char* unit, int prec = 3) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f %s", prec, v, unit);
  return buf;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto idx = static_cast<std::size_t>(std::lround(p * static_cast<double>(v.size() - 1)));
  return v[std::min(idx, v.size() - 1)];
}

void add_latency(const std::string& figure, const std::vector<double>& ms, double goal_p99_ms,
                 const std::string& goal) {
  if (ms.empty()) {
    table.push_back({figure, "not measured", "not measured", goal, "not measured"});
    return;
  }
  const double p50 = percentile(ms, 0.50);
  const double p99 = percentile(ms, 0.99);
  table.push_back({figure + " (n=" + std::to_string(ms.size()) + ")", fmt(p50, "ms"),
                   fmt(p99, "ms"), goal, p99 < goal_p99_ms ? "PASS" : "FAIL"});
}
void not_measured(const std::string& figure, const std::string& goal, const std::string& why) {
  table.push_back({figure, "not measured", "not measured", goal, "not measured (" + why + ")"});
}

std::string first_line_of(const fs::path& file, std::string_view key) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with(key)) {
      const auto colon = line.find(':');
      return colon == std::string::npos ? line : line.substr(colon + 2);
    }
  return "?";
}

// The first n space-separated words of a one-line file.
std::string first_word_of(const fs::path& file, int n) {
  std::ifstream in(file);
  std::string out;
  std::string w;
  for (int i = 0; i < n && in >> w; ++i) out += (i ? " " : "") + w;
  return out;
}

void print_report() {
  utsname u{};
  ::uname(&u);
  const std::time_t now = std::time(nullptr);
  char date[64];
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&now));
  std::cout << "\nlocker_bench — " << date
            << "\nmachine: nproc=" << std::thread::hardware_concurrency()
            << ", cpu: " << first_line_of("/proc/cpuinfo", "model name") << ", kernel " << u.sysname
            << " " << u.release << " (" << u.machine << ")\nload average at the end (other work on "
            << "the machine skews every figure): " << first_word_of("/proc/loadavg", 3) << "\n\n";
  std::size_t w[4] = {6, 3, 3, 4};
  for (const auto& r : table) {
    w[0] = std::max(w[0], r.figure.size());
    w[1] = std::max(w[1], r.p50.size());
    w[2] = std::max(w[2], r.p99.size());
    w[3] = std::max(w[3], r.goal.size());
  }
  const auto pad = [](const std::string& s, std::size_t n) {
    return s + std::string(n - s.size(), ' ');
  };
  std::cout << pad("figure", w[0]) << " | " << pad("p50", w[1]) << " | "
            << pad("p99 / value", std::max<std::size_t>(w[2], 11)) << " | " << pad("goal", w[3])
            << " | verdict\n";
  std::cout << std::string(w[0] + w[1] + std::max<std::size_t>(w[2], 11) + w[3] + 22, '-') << '\n';
  for (const auto& r : table)
    std::cout << pad(r.figure, w[0]) << " | " << pad(r.p50, w[1]) << " | "
              << pad(r.p99, std::max<std::size_t>(w[2], 11)) << " | " << pad(r.goal, w[3]) << " | "
              << r.verdict << '\n';
  for (const auto& n : notes) std::cout << n << '\n';
  std::cout << std::flush;
}

// ---- a generated board and seeded state ---------------------------------------------------

fs::path write_board(const fs::path& dir, int compartments) {
  fs::path file = dir / ("bench-" + std::to_string(compartments) + ".toml");
  std::ofstream out(file);
  out << "hardware = \"locker-sim " << compartments << "\"\nsizes = [\"S\", \"M\", \"L\"]\n"
      << "buzzer = \"BUZZER\"\nalarm_led = \"LED_ALARM\"\n"
      << "[keypad]\nkind = \"sim\"\n[display]\nkind = \"sim\"\n";
  const char* sizes[] = {"S", "M", "L"};
  for (int i = 1; i <= compartments; ++i) {
    char n[16];  // room for any int: GCC checks the format against the buffer
    std::snprintf(n, sizeof n, "%03d", i);
    out << "\n[[compartment]]\nid = \"" << i << "\"\nsize = \"" << sizes[i % 3] << "\"\n"
        << "lock = \"LOCK_" << n << "\"\ndoor = \"DOOR_" << n << "\"\npresence = \"PRESENCE_" << n
        << "\"\n";
  }
  return file;
}

std::string code_for(std::size_t i) { return std::to_string(20000000 + i * 7919); }

// `total` parcels on file: collected history spread over the compartments, then one stored
// parcel (code code_for(i)) in each compartment i. Compartments are created as the controller
// would. One transaction: the seeding is not what is measured.
void seed_parcels(store::store& db, const security::secret_key& key,
                  const config::board_config& board, std::size_t total) {
  const auto now = std::chrono::system_clock::now();
  const std::size_t n = board.compartments.size();
  store::transaction tx(db.db());
  for (const auto& c : board.compartments) db.compartments().upsert(tx, c.id, c.size, now);
  for (std::size_t i = 0; i < total; ++i) {
    const bool history = i + n < total;
    const auto& c = board.compartments[i % n];
    store::new_parcel p;
    p.tracking_number = "BENCH" + std::to_string(i);
    p.compartment_id = c.id;
    p.courier_id = "bench";
    p.pickup_code_hash =
        security::pickup_code_hash(key, history ? "h" + std::to_string(i) : code_for(i % n));
    p.stored_at = now - 1h;
    p.expires_at = now + 72h;
    const auto id = db.parcels().store(tx, p);
    if (history) db.parcels().mark(tx, id, store::parcel_state::collected, now - 30min);
  }
  tx.commit();
}

fs::path make_dir(const std::string& prefix) { return test::detail::make_temp_dir(prefix); }

// ---- in-process locker on real time -------------------------------------------------------

// A board that passes everything to the model_board it owns, noting when each lock line is set.
class timing_board final : public drivers::board {
 public:
  explicit timing_board(std::unique_ptr<drivers::board> inner) : inner_(std::move(inner)) {}
  drivers::output_line& output(const drivers::line_spec& spec) override {
    auto& line = inner_->output(spec);
    if (!spec.name.starts_with("LOCK_")) return line;
    auto w = std::make_unique<timed_output>(line, spec.name, *this);
    auto& ref = *w;
    outputs_.push_back(std::move(w));
    return ref;
  }
  drivers::input_line& input(const drivers::line_spec& spec) override {
    return inner_->input(spec);
  }
  drivers::keypad& keypad() override { return inner_->keypad(); }
  drivers::display& display() override { return inner_->display(); }
  drivers::indicator& indicator() override { return inner_->indicator(); }

  std::optional<steady::time_point> last_unlock;
  std::string last_unlock_line;

 private:
  class timed_output final : public drivers::output_line {
   public:
    timed_output(drivers::output_line& inner, std::string name, timing_board& owner)
        : inner_(inner), name_(std::move(name)), owner_(owner) {}
    std::error_code set(bool active) override {
      if (active && !inner_.get()) {
        owner_.last_unlock = steady::now();
        owner_.last_unlock_line = name_;
      }
      return inner_.set(active);
    }
    [[nodiscard]] bool get() const override { return inner_.get(); }

   private:
    drivers::output_line& inner_;
    std::string name_;
    timing_board& owner_;
  };
  std::unique_ptr<drivers::board> inner_;
  std::vector<std::unique_ptr<timed_output>> outputs_;
};

// A broker link that passes everything to lockerd's own, counting what is published while
// `counting` is set (between a final key press and its coil: nothing should be).
class counting_link final : public locker::mqtt::broker_link {
 public:
  counting_link(std::unique_ptr<locker::mqtt::broker_link> inner, std::string state_topic)
      : inner_(std::move(inner)), state_topic_(std::move(state_topic)) {}
  void start() override { inner_->start(); }
  void publish(std::string_view topic, std::string_view payload, int qos, bool retained,
               done_fn done = {}, std::string_view correlation_data = {}) override {
    if (counting) {
      ++published_while_counting;
      if (topic == state_topic_) ++states_while_counting;
    }
    if (topic == state_topic_) ++states;
    inner_->publish(topic, payload, qos, retained, std::move(done), correlation_data);
  }
  void subscribe(const std::string& filter, int qos = 1) override {
    inner_->subscribe(filter, qos);
  }
  void on_message(std::function<void(const locker::mqtt::incoming_message&)> fn) override {
    inner_->on_message(std::move(fn));
  }
  void on_connected(std::function<void()> fn) override { inner_->on_connected(std::move(fn)); }
  void on_disconnected(std::function<void()> fn) override {
    inner_->on_disconnected(std::move(fn));
  }
  [[nodiscard]] bool connected() const override { return inner_->connected(); }
  void stop(const std::string& final_topic, const std::string& final_payload,
            std::chrono::milliseconds bound, std::function<void()> done) override {
    inner_->stop(final_topic, final_payload, bound, std::move(done));
  }

  bool counting = false;
  std::uint64_t published_while_counting = 0;
  std::uint64_t states_while_counting = 0;
  std::uint64_t states = 0;

 private:
  std::unique_ptr<locker::mqtt::broker_link> inner_;
  std::string state_topic_;
};

// When each SQLite COMMIT returned (its fsync done), from SQLite's profile trace on the
// locker's own connection: the moment a pickup's intent is on disk.
class commit_watch {
 public:
  explicit commit_watch(store::database& db) : db_(db.handle()) {
    sqlite3_trace_v2(db_, SQLITE_TRACE_PROFILE, &commit_watch::traced, this);
  }
  commit_watch(const commit_watch&) = delete;
  commit_watch& operator=(const commit_watch&) = delete;
  ~commit_watch() { sqlite3_trace_v2(db_, 0, nullptr, nullptr); }

  std::optional<steady::time_point> last;   // the latest commit
  std::optional<steady::time_point> first;  // the first since reset()
  void reset() {
    first.reset();
    last.reset();
  }

 private:
  static int traced(unsigned, void* self, void* stmt, void*) {
    const char* sql = sqlite3_sql(static_cast<sqlite3_stmt*>(stmt));
    if (sql != nullptr && std::string_view(sql) == "COMMIT") {
      auto& w = *static_cast<commit_watch*>(self);
      w.last = steady::now();
      if (!w.first) w.first = w.last;
    }
    return 0;
  }
  sqlite3* db_;
};

// How the in-process locker reaches MQTT.
struct locker_options {
  std::size_t parcels = 0;
  // A real broker, reached as lockerd does (Paho's mqtt_link from the configuration), or
  // else, with in_memory_link, the in-memory link acknowledging everything; or no broker.
  std::string broker_url;
  bool in_memory_link = false;
  std::chrono::milliseconds state_min_interval =
      locker::mqtt::reporter_settings{}.state_min_interval;
  std::function<void(const locker::mqtt::memory_link::message&)> on_memory_publish;
};

// lockerd's composition root (daemon/app) on real time: the production platform, with the
// model cabinet as the board (timed) and no signals, admin socket or systemd.
struct in_process_locker {
  boost::asio::io_context io;
  drivers::asio_clock clock{io};
  config::locker_config cfg;
  std::unique_ptr<simulator::cabinet_model> model;
  timing_board* board = nullptr;  // owned by app
  counting_link* link = nullptr;  // owned by app; null without a broker
  std::unique_ptr<app::locker_app> app;

  in_process_locker(const fs::path& state_dir, const fs::path& board_file,
                    const locker_options& o) {
    cfg.file = "bench";
    cfg.locker_id = "bench";
    cfg.state_dir = state_dir;
    cfg.board = config::load_board(board_file);
    cfg.broker.url = o.broker_url;
    model = std::make_unique<simulator::cabinet_model>(
        cfg.board, clock, simulator::bounce_settings{drivers::millis{0}, 0});
    if (o.parcels > 0) {
      const auto key = security::load_or_create_key(cfg.state_dir);
      store::store db(cfg.state_dir / "lockerd.db");
      seed_parcels(db, key, cfg.board, o.parcels);
    }
    auto p = app::production_platform(io, clock);
    p.make_board = [this](const config::locker_config&, const std::function<void()>&) {
      auto b =
          std::make_unique<timing_board>(std::make_unique<simulator::model_board>(*model, clock));
      board = b.get();
      return b;
    };
    auto production_link = std::move(p.make_link);
    p.make_link =
        [this, o, production_link](
            const config::locker_config& c,
            const protocol::topic_set& topics) -> std::unique_ptr<locker::mqtt::broker_link> {
      std::unique_ptr<locker::mqtt::broker_link> inner;
      if (o.in_memory_link) {
        auto m = std::make_unique<locker::mqtt::memory_link>(clock);
        m->auto_acknowledge(true);
        if (o.on_memory_publish) m->on_publish(o.on_memory_publish);
        inner = std::move(m);
      } else {
        inner = production_link(c, topics);
      }
      if (!inner) return nullptr;
      auto l = std::make_unique<counting_link>(std::move(inner), topics.state());
      link = l.get();
      return l;
    };
    p.stopped = {};
    p.handle_signals = false;
    p.admin_socket = false;
    p.systemd = false;
    p.state_min_interval = o.state_min_interval;
    app = std::make_unique<app::locker_app>(cfg, std::move(p));
    app->ready();
  }
  ~in_process_locker() {
    link = nullptr;
    board = nullptr;
    app.reset();  // before the cabinet it drives
  }
  in_process_locker(const in_process_locker&) = delete;
  in_process_locker& operator=(const in_process_locker&) = delete;

  controller::controller& locker() { return app->locker(); }
  store::store& db() { return app->db(); }

  // Runs the loop one handler at a time until pred holds; false at the deadline.
  bool run_until(const std::function<bool()>& pred, std::chrono::milliseconds deadline = 5s) {
    const auto end = steady::now() + deadline;
    while (!pred()) {
      if (steady::now() > end) return false;
      io.restart();
      io.run_one_for(2ms);
    }
    return true;
  }
  void run_for(std::chrono::milliseconds d) {
    io.restart();
    io.run_for(d);
  }
  simulator::door_state door(const std::string& id) const {
    for (const auto& s : model->status())
      if (s.id == id) return s.door;
    return simulator::door_state::closed;
  }
  // A person opens the unlatched door fully and shuts it again, with a hand's time between.
  bool open_and_close(const std::string& id) {
    if (!run_until([&] { return door(id) == simulator::door_state::ajar; }, 2s)) return false;
    if (!model->open(id).ok()) return false;
    run_for(std::chrono::milliseconds(cfg.timings.debounce) + 10ms);
    return model->close(id).ok();
  }
  // The broker took everything journaled so far (true at once without a broker).
  bool drained(std::chrono::milliseconds deadline) {
    auto* relay = app->relay();
    if (relay == nullptr) return true;
    return run_until([&] { return link->connected() && relay->backlog() == 0; }, deadline);
  }
};

struct latency {
  double p50 = 0;
  double p99 = 0;
};

// One recipient after another collects the stored parcel of each of the first `samples`
// compartments with its code: the time from the final '#' to the coil, and from the last
// commit before the coil (the pickup's intent on disk) to the coil. pause: the time between
// two people (after the last one's door closed).
struct pickup_samples {
  std::vector<double> key_to_coil;
  std::vector<double> commit_to_coil;
};
pickup_samples run_pickups(in_process_locker& l, int samples, std::chrono::milliseconds pause,
                           commit_watch* commits) {
  pickup_samples out;
  const auto& comps = l.cfg.board.compartments;
  for (int i = 0; i < samples && static_cast<std::size_t>(i) < comps.size(); ++i) {
    const auto idx = static_cast<std::size_t>(i);
    l.run_for(pause);
    l.model->press("#");
    l.model->press(code_for(idx));
    l.board->last_unlock.reset();
    if (commits) commits->reset();
    if (l.link) l.link->counting = true;
    const auto t0 = steady::now();
    l.model->press("#");
    if (!l.run_until([&] { return l.board->last_unlock.has_value(); }, 2s)) {
      if (l.link) l.link->counting = false;
      throw std::runtime_error("compartment " + comps[idx].id +
                               " never unlocked; display: " + l.model->display_text());
    }
    if (l.link) l.link->counting = false;
    out.key_to_coil.push_back(ms_between(t0, *l.board->last_unlock));
    if (commits && commits->last)
      out.commit_to_coil.push_back(ms_between(*commits->last, *l.board->last_unlock));
    if (!l.open_and_close(comps[idx].id))
      throw std::runtime_error("door " + comps[idx].id + " did not open");
    // Let the close settle and the session return to idle.
    l.run_for(std::chrono::milliseconds(l.cfg.timings.debounce) + 20ms);
  }
  return out;
}

// Figure 1: final '#' of a correct pickup code → lock line set, in-process: lockerd's own
// latency (its composition root on the model board; no socket). with_reporting: on the
// in-memory link, the state built and published after every change (state_min_interval 0,
// as for people paced past the 200 ms interval), to show that none of it runs between the
// intent's commit and the coil.
void figure_key_to_lock(int samples, const fs::path& board_file, bool with_reporting) {
  const std::string name =
      with_reporting
          ? "final key press -> lock line driven, in-process, 10k parcels, state reported"
          : "final key press -> lock line driven, in-process, 10k parcels";
  const std::string goal = "p99 < 1 ms";
  try {
    const auto dir = make_dir("locker-bench-f1");
    pickup_samples got;
    std::uint64_t states_before_coil = 0;
    std::uint64_t states = 0;
    {
      locker_options o;
      o.parcels = 10'000;
      if (with_reporting) {
        o.in_memory_link = true;
        o.state_min_interval = 0ms;
      }
      in_process_locker l(dir, board_file, o);
      if (!l.drained(2s)) throw std::runtime_error("the in-memory link did not connect");
      got = run_pickups(l, samples, 5ms, nullptr);
      if (l.link) {
        states_before_coil = l.link->states_while_counting;
        states = l.link->states;
      }
    }
    fs::remove_all(dir);
    add_latency(name, got.key_to_coil, 1.0, goal);
    if (with_reporting) {
      notes.push_back("state reported: " + std::to_string(states) +
                      " states built and published, " + std::to_string(states_before_coil) +
                      " of them between a final key press and its coil (goal: 0)");
      if (states_before_coil > 0) table.back().verdict = "FAIL";
    }
  } catch (const std::exception& e) {
    not_measured(name, goal, e.what());
  }
}

// What figure 1 cannot go below on this disk: the pickup's intent is committed (one WAL
// fsync) before the coil moves, and a person's key press comes after the disk has been idle.
// One 4 KiB page written in place and fdatasync'd, after the same idle gap as figure 1's
// cycle, in the same folder.
std::optional<latency> figure_disk_floor(int samples, drivers::millis idle) {
  const std::string name = "  reference: 4 KiB write + fdatasync after " +
                           std::to_string(idle.count()) + " ms idle (this disk)";
  try {
    const auto dir = make_dir("locker-bench-disk");
    const auto file = dir / "probe";
    const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("cannot create " + file.string());
    std::vector<char> page(4096 + 24, 0);
    std::vector<double> ms;
    bool ok = true;
    for (int i = 0; i < 64 && ok; ++i)  // the file exists, as the WAL does
      ok = ::pwrite(fd, page.data(), page.size(), static_cast<off_t>(i) * 4120) ==
           static_cast<ssize_t>(page.size());
    ok = ok && ::fsync(fd) == 0;
    for (int i = 0; i < samples && ok; ++i) {
      std::this_thread::sleep_for(idle);
      const auto t0 = steady::now();
      ok = ::pwrite(fd, page.data(), page.size(), static_cast<off_t>(i % 64) * 4120) ==
               static_cast<ssize_t>(page.size()) &&
           ::fdatasync(fd) == 0;
      ms.push_back(ms_between(t0, steady::now()));
    }
    ::close(fd);
    fs::remove_all(dir);
    if (!ok) throw std::runtime_error("write or fdatasync failed");
    const latency floor{percentile(ms, 0.5), percentile(ms, 0.99)};
    table.push_back({name + " (n=" + std::to_string(ms.size()) + ")", fmt(floor.p50, "ms"),
                     fmt(floor.p99, "ms"), "(floor)", "info"});
    return floor;
  } catch (const std::exception& e) {
    not_measured(name, "(floor)", e.what());
    return std::nullopt;
  }
}

locker::mqtt::link_settings link_settings_for(const std::string& url,
                                              const protocol::topic_set& topics) {
  locker::mqtt::link_settings s;
  s.url = url;
  s.client_id = topics.client_id();
  s.will_topic = topics.status();
  s.will_payload = R"({"online":false,"reason":"lost"})";
  s.keepalive = 5s;
  s.reconnect_min = 100ms;
  s.reconnect_max = 500ms;
  s.connect_timeout = 2s;
  return s;
}

// Figure 2: debounced door-closed edge → the event's PUBACK and delete from the journal,
// lockerd's composition root connected to the broker as it ships.
void figure_door_to_puback(int samples, const fs::path& board_file,
                           test::mosquitto_broker& broker) {
  const std::string name = "door-closed edge -> PUBACK (journal delete)";
  const std::string goal = "p99 < 5 ms";
  try {
    const auto dir = make_dir("locker-bench-f2");
    std::vector<double> ms;
    std::vector<double> commit_ms;
    {
      locker_options o;
      o.broker_url = broker.url();
      in_process_locker l(dir, board_file, o);
      commit_watch commits(l.db().db());
      if (!l.drained(10s))
        throw std::runtime_error("the link did not connect or the journal did not drain");
      auto& relay = *l.app->relay();
      const auto& comps = l.cfg.board.compartments;
      for (int i = 0; i < samples; ++i) {
        const auto& id = comps[static_cast<std::size_t>(i) % comps.size()].id;
        l.locker().open_by_operator(id, "bench", "bench", [](compartment::open_outcome) {});
        if (!l.run_until([&] { return l.door(id) == simulator::door_state::ajar; }, 2s))
          throw std::runtime_error("door " + id + " did not unlatch");
        l.model->open(id);
        l.run_for(std::chrono::milliseconds(l.cfg.timings.debounce) + 10ms);
        if (!l.run_until([&] { return relay.backlog() == 0; }, 2s))
          throw std::runtime_error("the door-opened event was not acknowledged");
        // No bounce in the model: the raw edge is this call, and the debounced edge follows
        // it by exactly the debounce period (its timer's lateness is counted against us).
        commits.reset();
        const auto raw = steady::now();
        l.model->close(id);
        const auto edge = raw + std::chrono::milliseconds(l.cfg.timings.debounce);
        if (!l.run_until([&] { return commits.first.has_value() && relay.backlog() == 0; }, 2s))
          throw std::runtime_error("the door-closed event was not acknowledged");
        ms.push_back(ms_between(edge, steady::now()));
        commit_ms.push_back(ms_between(edge, *commits.first));
        l.run_for(5ms);
      }
    }
    fs::remove_all(dir);
    add_latency(name, ms, 5.0, goal);
    if (!commit_ms.empty())
      table.push_back({"  of which edge -> commit (journaled)",
                       fmt(percentile(commit_ms, 0.5), "ms"),
                       fmt(percentile(commit_ms, 0.99), "ms"), "(part)", "info"});
  } catch (const std::exception& e) {
    not_measured(name, goal, e.what());
  }
}

// Figure 1 as it ships: lockerd's composition root connected to the broker (Paho, loopback
// mosquitto), the reporter at its 200 ms state interval and people paced past it, `parcels`
// on file. Each pickup: final '#' -> coil, and the pickup's intent commit (its fsync done) ->
// coil; beside it the disk's floor after the same idle gap, measured right after. The goal is
// design.md's: key -> coil p50 <= floor p50 + 0.3 ms and p99 <= floor p99 + 1 ms; nothing is
// published (no state built) between the final key and the coil.
void figure_key_to_coil_with_broker(int samples, const fs::path& board_file,
                                    test::mosquitto_broker& broker, std::size_t parcels) {
  const auto count =
      parcels >= 1000 ? std::to_string(parcels / 1000) + "k" : std::to_string(parcels);
  const std::string name =
      "final key press -> lock line driven, in-process, broker connected, " + count + " parcels";
  const std::string goal = "p50 <= floor + 0.3, p99 <= floor + 1";
  // Past the reporter's state interval: the last change's state has gone out.
  const auto pause = locker::mqtt::reporter_settings{}.state_min_interval + 50ms;
  try {
    const auto dir = make_dir("locker-bench-f1b");
    pickup_samples got;
    std::uint64_t published_before_coil = 0;
    std::uint64_t states = 0;
    {
      locker_options o;
      o.parcels = parcels;
      o.broker_url = broker.url();
      in_process_locker l(dir, board_file, o);
      commit_watch commits(l.db().db());
      if (!l.drained(10s))
        throw std::runtime_error("the link did not connect or the journal did not drain");
      got = run_pickups(l, samples, pause, &commits);
      published_before_coil = l.link->published_while_counting;
      states = l.link->states;
    }
    fs::remove_all(dir);
    const auto floor = figure_disk_floor(samples, pause);
    if (got.key_to_coil.empty()) throw std::runtime_error("no sample");
    const double p50 = percentile(got.key_to_coil, 0.5);
    const double p99 = percentile(got.key_to_coil, 0.99);
    std::string verdict = "no floor";
    if (floor)
      verdict = p50 <= floor->p50 + 0.3 && p99 <= floor->p99 + 1.0 && published_before_coil == 0
                    ? "PASS"
                    : "FAIL";
    // The floor row was added last: this one goes above it.
    const row r{name + " (n=" + std::to_string(got.key_to_coil.size()) + ")", fmt(p50, "ms"),
                fmt(p99, "ms"), goal, verdict};
    table.insert(floor ? table.end() - 1 : table.end(), r);
    if (!got.commit_to_coil.empty())
      table.insert(floor ? table.end() - 1 : table.end(),
                   row{"  of which intent commit (fsync done) -> coil",
                       fmt(percentile(got.commit_to_coil, 0.5), "ms"),
                       fmt(percentile(got.commit_to_coil, 0.99), "ms"), "(part)", "info"});
    notes.push_back("broker connected, " + count + " parcels: " + std::to_string(states) +
                    " states published, " + std::to_string(published_before_coil) +
                    " messages between a final key press and its coil (goal: 0)");
  } catch (const std::exception& e) {
    not_measured(name, goal, e.what());
  }
}

// Figure 5: 100,000 journaled events drained through the relay.
void figure_backlog(std::size_t events, test::mosquitto_broker& broker) {
  const std::string name = "backlog drain (" + std::to_string(events) + " events)";
  const std::string goal = "> 5000 events/s";
  try {
    const auto dir = make_dir("locker-bench-f5");
    double rate = 0;
    {
      auto db = std::make_unique<store::store>(dir / "lockerd.db");
      const auto now = std::chrono::system_clock::now();
      for (std::size_t done = 0; done < events;) {
        store::transaction tx(db->db());
        for (std::size_t k = 0; k < 1000 && done < events; ++k, ++done)
          db->journal().append(tx, store::journal_topic::door, "door_opened",
                               {{"compartment", std::to_string(done % 200 + 1)}}, now);
        tx.commit();
      }
      boost::asio::io_context io;
      drivers::asio_clock clock(io);
      store::idle_checkpoint checkpoints(db->db(), clock);  // as lockerd
      const auto topics = protocol::topic_set::make("bench");
      if (!topics) throw std::runtime_error("no topic set");
      locker::mqtt::mqtt_link link(io, clock, link_settings_for(broker.url(), *topics));
      locker::mqtt::journal_relay relay(*db, link, clock, *topics);
      const auto t0 = steady::now();
      link.start();
      if (!test::run_until(
              io, [&] { return relay.delivered() >= events; }, 120s))
        throw std::runtime_error("not drained in 120 s (" + std::to_string(relay.delivered()) +
                                 " delivered)");
      if (!test::run_until(
              io, [&] { return relay.backlog() == 0; }, 10s))
        throw std::runtime_error("delivered, but the journal kept events");
      const double s = ms_between(t0, steady::now()) / 1000.0;
      rate = static_cast<double>(events) / s;
    }
    fs::remove_all(dir);
    table.push_back({name + ", incl. MQTT connect", "-", fmt(rate, "events/s", 0), goal,
                     rate > 5000 ? "PASS" : "FAIL"});
  } catch (const std::exception& e) {
    not_measured(name, goal, e.what());
  }
}

// ---- real processes: lockerd against locker-sim -------------------------------------------

std::optional<long> status_kb(pid_t pid, std::string_view key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with(key)) return std::stol(line.substr(key.size()));
  return std::nullopt;
}

// utime + stime of a process, in clock ticks.
std::optional<long long> cpu_ticks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = all.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(all.substr(close + 2));
  std::string f;
  long long utime = 0;
  long long stime = 0;
  for (int i = 3; fields >> f; ++i) {
    if (i == 14) utime = std::stoll(f);
    if (i == 15) {
      stime = std::stoll(f);
      return utime + stime;
    }
  }
  return std::nullopt;
}

// The stored parcel of every compartment (seed_parcels) physically inside it, as on a real
// locker: before any lockerd is attached, each door is pried open, a parcel put in, the door
// shut again. Otherwise every start would find 200 parcels missing (tamper alarms).
void stock_cabinet(test::control_client& sim, const config::board_config& board) {
  for (const auto& c : board.compartments) {
    sim.command("force " + c.id);
    sim.command("put " + c.id);
    sim.command("close " + c.id);
  }
}

// Figure 1 again, through the real processes: a recipient at locker-sim's keypad collects the
// parcel of each of the first `samples` compartments with its code. Each sample is the time
// from sending the final "press #" on the control socket to reading "event coil <id>
// energized" back from it: lockerd's work plus four Unix-socket hops (control socket ->
// locker-sim -> board socket -> lockerd -> board socket -> locker-sim -> control socket).
// Then the person opens the door, takes the parcel, shuts the door and dismisses "Thank you!",
// so that the next sample starts at the idle prompt. Fails (throws) saying what did not come.
// Between two people at the keypad: longer than the coil supply's gap (coil_gap_ms, 50 ms).
constexpr auto person_pause = 100ms;

std::vector<double> pickups_through_processes(test::control_client& sim,
                                              const config::board_config& board, int samples) {
  const keypad::screen_texts texts;
  std::string id;  // the compartment of the pickup under way
  std::optional<steady::time_point> energized;
  bool ajar = false;
  bool released = false;
  sim.on_event = [&](std::string_view kind, std::string_view details) {
    const auto at = steady::now();
    if (kind == "coil" && details == id + " energized" && !energized) energized = at;
    if (kind == "coil" && details == id + " released") released = true;
    if (kind == "door" && details == id + " ajar") ajar = true;
  };
  // The handler above reads this function's locals: gone with them, however it ends.
  struct forget_handler {
    test::control_client& sim;
    ~forget_handler() { sim.on_event = nullptr; }
  } forget{sim};
  const auto waiting_for = [&sim](std::string what) {
    return [&sim, what = std::move(what)] {
      return "pickup through the processes: waiting for " + what + ", the display shows '" +
             sim.display() + "'";
    };
  };
  std::vector<double> ms;
  for (int i = 0; i < samples && static_cast<std::size_t>(i) < board.compartments.size(); ++i) {
    const auto idx = static_cast<std::size_t>(i);
    id = board.compartments[idx].id;
    energized.reset();
    ajar = false;
    released = false;
    sim.wait_until([&] { return sim.display() == texts.idle; }, waiting_for("the idle prompt"));
    const std::string code = code_for(idx);
    sim.command("press " + code);
    // Every digit has reached lockerd before the clock starts: the display shows them all.
    sim.wait_until(
        [&] {
          const auto typed = test::match(texts.code_entry, sim.display());
          return typed && (*typed)[0] == std::string(code.size(), '*');
        },
        waiting_for("the typed code"));
    const auto t0 = steady::now();
    sim.command("press #");
    sim.wait_until([&] { return energized.has_value(); }, waiting_for("coil " + id + " energized"));
    ms.push_back(ms_between(t0, *energized));
    sim.wait_until([&] { return ajar; }, waiting_for("door " + id + " ajar"));
    sim.command("open " + id);
    sim.command("take " + id);
    // Shut against a coil still energized, the door would spring ajar again.
    sim.wait_until([&] { return released; }, waiting_for("coil " + id + " released"));
    sim.command("close " + id);
    sim.wait_until([&] { return sim.display() == texts.thank_you; }, waiting_for("'Thank you!'"));
    sim.command("press #");  // a key ends the message at once
    // The next recipient comes later than the coil supply's rest between two pulses
    // (coil_gap_ms, 50 ms): within it, the next pulse would wait for the gap, by design.
    std::this_thread::sleep_for(person_pause);
  }
  return ms;
}

// Figures 3 and 4, and figure 1 through the processes: lockerd (sim backend) attached to a real
// locker-sim, with 200 compartments and 10,000 parcels on file.
void figure_processes(int runs, std::chrono::seconds idle, int pickups,
                      const fs::path& board_file) {
  const std::string start_name = "cold start exec -> READY=1 (200 comp., 10k parcels)";
  const std::string rss_name = "lockerd VmRSS (200 comp., 10k parcels)";
  const std::string cpu_name = "lockerd idle CPU over " + std::to_string(idle.count()) + " s";
  const std::string pickup_name =
      "final key press -> coil energized, lockerd + locker-sim, 4 socket hops (*), 10k parcels";
  notes.emplace_back(
      "(*) measured on locker-sim's control socket: 'press #' sent -> 'event coil N energized' "
      "read, so it includes the Unix-socket hops control -> locker-sim -> lockerd -> locker-sim "
      "-> control; lockerd's own part is the in-process row");
  const std::string pickup_goal = "p99 < 1 ms (hops incl.)";
  try {
    const test::locker_files files(make_dir("locker-bench-proc"));
    test::make_state_dir(files.state_dir);
    const auto board = config::load_board(board_file);
    {
      const auto key = security::load_or_create_key(files.state_dir);
      store::store db(files.state_dir / "lockerd.db");
      seed_parcels(db, key, board, 10'000);
    }
    test::config_extras quiet;
    quiet.log_level = "warning";
    test::write_config(files, "bench-1", board_file, quiet);
    test::locker_sim_process sim(LOCKER_SIM_PATH, board_file, files.sim_socket, files.sim_log, 5s);
    auto& control = sim.control();
    stock_cabinet(control, board);
    test::notify_socket notify((files.dir / "notify.sock").string());
    std::vector<double> start_ms;
    std::optional<long> rss_kb;
    std::optional<double> idle_cpu_ms;
    std::vector<double> pickup_ms;
    std::string pickup_failed;
    for (int r = 0; r < runs; ++r) {
      // locker-sim takes one board client: the next lockerd once it has seen this one detach.
      control.wait_until([&] { return !control.board_attached(); },
                         [] { return std::string("locker-sim never saw lockerd detach"); });
      test::child_process lockerd;
      const auto t0 = steady::now();
      lockerd.start({LOCKERD_PATH, "-c", files.config_file.string()}, files.lockerd_log,
                    {"NOTIFY_SOCKET=" + notify.name()});
      const auto ready = notify.wait_for("READY=1", 5s);
      if (!ready)
        throw std::runtime_error("lockerd sent no READY=1 in 5 s; see " +
                                 files.lockerd_log.string());
      start_ms.push_back(ms_between(t0, *ready));
      control.wait_until([&] { return control.board_attached(); },
                         [] { return std::string("locker-sim never saw lockerd attach"); });
      if (r == runs - 1) {
        // Settle after start-up, then measure idle CPU and resident memory.
        std::this_thread::sleep_for(500ms);
        const auto before = cpu_ticks(lockerd.pid());
        std::this_thread::sleep_for(idle);
        const auto after = cpu_ticks(lockerd.pid());
        rss_kb = status_kb(lockerd.pid(), "VmRSS:");
        if (before && after)
          idle_cpu_ms = static_cast<double>(*after - *before) * 1000.0 /
                        static_cast<double>(::sysconf(_SC_CLK_TCK));
        try {
          pickup_ms = pickups_through_processes(control, board, pickups);
        } catch (const std::exception& e) {
          pickup_failed = e.what();
        }
      }
      lockerd.stop(SIGTERM);
    }
    sim.stop(SIGTERM);
    if (pickup_failed.empty())
      fs::remove_all(files.dir);
    else
      pickup_failed += " (logs kept in " + files.dir.string() + ")";
    add_latency(start_name, start_ms, 200.0, "p99 < 200 ms");
    if (rss_kb)
      table.push_back({rss_name, "-", fmt(static_cast<double>(*rss_kb) / 1024.0, "MB", 1),
                       "< 16 MB", *rss_kb < 16L * 1024 ? "PASS" : "FAIL"});
    else
      not_measured(rss_name, "< 16 MB", "no /proc status");
    if (idle_cpu_ms)
      table.push_back({cpu_name, "-", fmt(*idle_cpu_ms, "ms CPU", 0),
                       "~ 0 (tick = " + std::to_string(1000 / ::sysconf(_SC_CLK_TCK)) + " ms)",
                       *idle_cpu_ms <= 20.0 ? "PASS" : "FAIL"});
    else
      not_measured(cpu_name, "~ 0", "no /proc stat");
    if (pickup_failed.empty())
      add_latency(pickup_name, pickup_ms, 1.0, pickup_goal);
    else
      not_measured(pickup_name, pickup_goal, pickup_failed);
  } catch (const std::exception& e) {
    not_measured(start_name, "p99 < 200 ms", e.what());
    not_measured(rss_name, "< 16 MB", "see above");
    not_measured(cpu_name, "~ 0", "see above");
    not_measured(pickup_name, pickup_goal, "see above");
  }
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  std::vector<std::size_t> key_parcels = {1'000, 10'000, 100'000};
  std::string only;  // one group of figures, for profiling it alone
  const std::set<std::string, std::less<>> groups = {"key", "mqtt", "process"};
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--quick") {
      quick = true;
    } else if (a == "--only" && i + 1 < argc && groups.contains(std::string_view(argv[i + 1]))) {
      only = argv[++i];
    } else if (a == "--parcels" && i + 1 < argc) {
      // The parcels on file for the broker-connected key press rows, e.g. 1000,10000.
      key_parcels.clear();
      std::istringstream list(argv[++i]);
      for (std::string n; std::getline(list, n, ',');) key_parcels.push_back(std::stoul(n));
    } else if (a == "-h" || a == "--help") {
      std::cout << "Usage: locker_bench [--quick] [--only key|mqtt|process] [--parcels N,N,...]\n"
                   "Measures design.md's performance figures; --only runs one group (key: key "
                   "press -> lock in-process; mqtt: door -> PUBACK and the backlog; process: "
                   "lockerd and locker-sim as processes); --parcels sets the parcels on file for "
                   "the key press "
                   "rows with the broker connected (default 1000,10000,100000).\n";
      return 0;
    } else {
      std::cerr << "locker_bench: unknown option '" << a << "'\n";
      return 2;
    }
  }
  ::signal(SIGPIPE, SIG_IGN);
  log::set_level(log::level::error);
  const auto started = steady::now();
  try {
    const auto dir = make_dir("locker-bench-boards");
    const auto board200 = write_board(dir, 200);
    const int latency_samples = quick ? 50 : 200;

    const auto wanted = [&](std::string_view group) { return only.empty() || only == group; };
    if (wanted("key")) {
      std::cerr << "[bench] 1: key press -> lock\n";
      figure_key_to_lock(latency_samples, board200, false);
      figure_key_to_lock(latency_samples, board200, true);
      figure_disk_floor(latency_samples, 50ms);
      std::optional<test::mosquitto_broker> broker;
      try {
        broker.emplace();
      } catch (const std::exception& e) {
        std::cerr << "[bench] no broker: " << e.what() << '\n';
      }
      for (const std::size_t parcels : key_parcels) {
        std::cerr << "[bench] 1: key press -> lock, broker connected, " << parcels << " parcels\n";
        if (broker)
          figure_key_to_coil_with_broker(latency_samples, board200, *broker, parcels);
        else
          not_measured("final key press -> lock line driven, broker connected",
                       "p50 <= floor + 0.3, p99 <= floor + 1", "mosquitto did not start");
      }
    }
    if (wanted("mqtt")) {
      std::optional<test::mosquitto_broker> broker;
      try {
        broker.emplace();
      } catch (const std::exception& e) {
        std::cerr << "[bench] no broker: " << e.what() << '\n';
      }
      std::cerr << "[bench] 2: door closed -> PUBACK\n";
      if (broker)
        figure_door_to_puback(latency_samples, board200, *broker);
      else
        not_measured("door-closed edge -> PUBACK", "p99 < 5 ms", "mosquitto did not start");
      std::cerr << "[bench] 5: backlog drain\n";
      if (broker)
        figure_backlog(quick ? 10'000 : 100'000, *broker);
      else
        not_measured("backlog drain", "> 5000 events/s", "mosquitto did not start");
    }
    if (wanted("process")) {
      std::cerr << "[bench] 3+4 and 1 through the processes: lockerd and locker-sim\n";
      figure_processes(quick ? 3 : 10, quick ? 2s : 5s, latency_samples, board200);
    }
    fs::remove_all(dir);
  } catch (const std::exception& e) {
    std::cerr << "locker_bench: " << e.what() << '\n';
  }
  print_report();
  std::cout << "\ntotal run time " << fmt(ms_between(started, steady::now()) / 1000.0, "s", 1)
            << (quick ? " (--quick)" : "") << '\n';
  return 0;
}
