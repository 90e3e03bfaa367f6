// SPDX-License-Identifier: Apache-2.0
#include "daemon/admin/admin.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <initializer_list>
#include <iostream>
#include <limits>
#include <list>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "base/cli/cli.hpp"
#include "daemon/admin_socket/client.hpp"
#include "daemon/config/config.hpp"
#include "daemon/parcels/parcels.hpp"
#include "daemon/security/secret_key.hpp"
#include "daemon/state_folder/state_folder.hpp"
#include "daemon/store/courier_badges_repository.hpp"
#include "daemon/store/lockout_repository.hpp"
#include "daemon/store/schema.hpp"
#include "daemon/store/store.hpp"
#include "protocol/input_rules.hpp"

namespace locker::admin {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::string_view actor = "lockeradm";
constexpr std::string_view default_config = "/etc/lockerd/lockerd.toml";
constexpr std::int64_t default_audit_limit = 20;
constexpr std::int64_t journal_page = 1000;
// How long lockerd may take to answer a change over the admin socket (it answers at once;
// this bounds a stuck daemon).
constexpr std::chrono::seconds lockerd_timeout{10};

constexpr std::string_view tool_help =
    R"(Usage: lockeradm [-c CONFIG | --state-dir DIR] COMMAND [ARGS...]

Local administration of the parcel locker, for bring-up, field technicians and tests. It works
on lockerd's database, also while lockerd runs.

Options:
  -c, --config FILE    lockerd's configuration (default /etc/lockerd/lockerd.toml): the state
                       folder and the board's compartment sizes come from it
      --state-dir DIR  work on this state folder directly (policy defaults; the sizes are
                       those of the compartments lockerd recorded there)
  -h, --help           show this help; COMMAND --help shows that command's help
      --version        show the version

Commands:
  courier add ID [--name NAME] [--disabled]    add a courier (PIN read from standard input)
  courier set-pin ID                           change a courier's PIN (read from standard input)
  courier set-badge ID                         give a courier a badge (id read from standard input)
  courier enable ID | disable ID | remove ID
  courier list
  reservation add --id RID --tracking TN --size S [--window-h H] [--code-stdin]
                  [--recipient KEY]
  reservation list
  compartments                                 compartments and the parcels in them
  in-service ID --reason TEXT                  back in service at lockerd's next start
  parcels [--all]                              parcels still in a compartment (--all: every one)
  outbound                                     drop-offs and returns waiting for a courier
  courier set-carrier ID [CARRIER]             limit a courier to a carrier's parcels (none: clear)
  journal [--limit N] [--follow]               events not yet acknowledged by the broker
  audit [--limit N]                            the newest entries of the audit log
  lockout clear [--budget pickup_code|courier] ends the keypad lockout (default: both budgets)
  check                                        the database's integrity and key binding
  backup FILE                                  a consistent copy of the database (VACUUM INTO)
  restore FILE                                 the database from a backup (lockerd stopped)
  holds                                        held compartments, and the capacity per size

PINs and pickup codes are read from standard input, one line (on a terminal: with a prompt
and no echo), never from the command line, where `ps` would show them. Every change is
written to the audit log with the actor "lockeradm".

Exit status: 0 done, 1 failed (nothing was changed), 2 bad command line.
)";

constexpr std::string_view check_help = R"(Usage: lockeradm check

Checks lockerd.db: SQLite's full integrity check and foreign keys, and that it was made with
this folder's secret.key (the fingerprint recorded in it). Prints what it found; exit status 1
when anything is wrong. Works while lockerd runs.
)";

constexpr std::string_view backup_help = R"(Usage: lockeradm backup FILE

Writes a consistent copy of lockerd.db to FILE (SQLite's VACUUM INTO), also while lockerd runs.
FILE must not exist. The copy holds the hashes of PINs and codes but not the key they were made
with: keep secret.key's own backup apart from it (the copy is of no use without that key, and
the key must not travel with it). Restore it with `lockeradm restore FILE`.
)";

constexpr std::string_view restore_help = R"(Usage: lockeradm restore FILE

Replaces lockerd.db with the backup FILE, after checking its integrity and that it was made
with this folder's secret.key. lockerd must be stopped (systemctl stop lockerd). The database
it replaces is kept as lockerd.db.before-restore. Every event journaled since the backup was
taken and not yet delivered is lost with it: the tracking system's view is newer than the
backup, and the locker's books are as they were when it was taken.
)";

constexpr std::string_view courier_help =
    R"(Usage: lockeradm courier add ID [--name NAME] [--disabled] [--badge]
       lockeradm courier set-pin ID
       lockeradm courier set-badge ID
       lockeradm courier enable ID | disable ID | remove ID
       lockeradm courier set-carrier ID [CARRIER]
       lockeradm courier list

Couriers log in at the keypad with a PIN of 6-12 digits. `add` and `set-pin` read the PIN from
standard input (one line; on a terminal it is asked twice, without echo), never from the
command line. Two couriers cannot share a PIN. Only the PIN's keyed hash is stored.
Couriers may also log in with an RFID/NFC badge (the board's [badge] reader; whether the PIN
must follow is policy.badge_login). `set-badge`, and `add` with --badge after the PIN, read the
badge id from standard input in the same way: 1-64 printable characters, "facility:card" for a
Wiegand reader (as printed on the card, e.g. 123:45678). A new badge replaces the old one; two
couriers cannot share one. Only the badge's keyed hash is stored.
`set-carrier` limits the courier to parcels of that carrier (and those of none) in the keypad's
removal menu; without CARRIER the courier takes out every parcel again.
`list` shows id, name and whether the courier may log in; never PINs, badges or hashes.
)";

constexpr std::string_view reservation_help =
    R"(Usage: lockeradm reservation add --id RID --tracking TN --size S [--window-h H] [--code-stdin]
                                   [--recipient KEY]
       lockeradm reservation list

`add` announces a parcel, as the tracking system's `reservation_create` does, so a courier can
deposit it: RID is 1-64 characters, TN 1-64 printable characters without spaces, S one of the
board's compartment sizes, H the pickup window in hours (1-720; default: the locker's policy).
With --code-stdin the pickup code (6-10 digits) is read from standard input and only its keyed
hash is stored; without it, the locker generates a code at deposit and reports it in the
`stored` event. KEY (1-64 characters) is the tracking system's recipient key: reservations
with the same KEY may share one pickup code, which opens all their compartments.
`list` shows every reservation and its state; never codes or hashes.
)";

constexpr std::string_view compartments_help = R"(Usage: lockeradm compartments

Every compartment: id, size, service state (and why), last known door state, active alarms,
and the tracking number and state of the parcel inside, if any.
)";

constexpr std::string_view holds_help = R"(Usage: lockeradm holds

The compartments held for announced reservations (reservation_create with hold_until): the
reservation, its tracking number, the compartment and until when. Then, per compartment size,
how many compartments are free, held, occupied (a parcel on file), out of service (faulty
included) and busy (a door open or an alarm), from what lockerd last saved.
)";

constexpr std::string_view in_service_help =
    R"(Usage: lockeradm in-service ID --reason TEXT

Asks lockerd to put compartment ID back in service, as the operator's compartment_set_service
(in_service true) does over MQTT: a lock_fault or sensor_fault is cleared, but only if the door
sensor then reads closed and no sensor line is down; otherwise nothing changes and the audit
log says why (in_service_request_refused). A running lockerd keeps the compartments' state in
its memory and saves it over any change made here, so the request is carried out when lockerd
next starts:

  lockeradm in-service 7 --reason "lock replaced" && systemctl restart lockerd

With a broker, `lockerctl service --compartment 7 --in --reason ...` does the same at once.
)";

constexpr std::string_view parcels_help = R"(Usage: lockeradm parcels [--all]

Parcels still in a compartment (stored, expired, cancelled), or with --all also the collected
and removed ones: id, tracking number, compartment, state, stored at, expires at, wrong codes
counted against it. Never prints pickup codes or hashes.
)";

constexpr std::string_view outbound_help = R"(Usage: lockeradm outbound

The outbound parcels (issue 13's drop-off flow): parcels a member of the public dropped off or
returned with a drop-off code, still in their compartment and waiting for a courier to take
them out: id, tracking number, kind (dropoff or return), compartment, carrier (its
reservation's; "-" for none: any courier may take it), dropped off at. Never prints codes or
hashes.
)";

constexpr std::string_view journal_help = R"(Usage: lockeradm journal [--limit N] [--follow]

The events still in the journal, i.e. not yet acknowledged by the broker: one JSON payload per
line, in seq order. --limit N prints at most N of them (the oldest, next to be published).
--follow then keeps printing new events as lockerd appends them (the database is read every
200 ms) until interrupted (Ctrl-C, SIGTERM) or standard output is closed. An event that the
broker acknowledges between two reads is not seen.

Careful: the `stored` event of a parcel whose pickup code the locker generated carries that
code in plain text, because the tracking system must tell it to the recipient. This command
prints the payloads exactly as the tracking system will receive them, code included: treat the
output as secret.
)";

constexpr std::string_view audit_help = R"(Usage: lockeradm audit [--limit N]

The newest N entries of the audit log (default 20), oldest first: time, actor, action, detail.
)";

constexpr std::string_view lockout_help =
    R"(Usage: lockeradm lockout clear [--budget pickup_code|courier]

Ends the keypad's lockout and forgets its wrong attempts and back-off, as the operator's
lockout_clear does over MQTT: for the recipients' pickup codes (pickup_code), the couriers'
PINs and badges (courier), or without --budget both. While lockerd runs it does this at once
(and ends the keypad_lockout alarm); otherwise the saved budgets are deleted from the database
and lockerd starts with nothing counted. Audited with the actor "lockeradm".
)";

// A bad command line (exit 2). `help` names the command whose --help to point at.
class usage_error : public std::runtime_error {
 public:
  usage_error(std::string help, const std::string& what)
      : std::runtime_error(what), help_(std::move(help)) {}
  [[nodiscard]] const std::string& help() const { return help_; }

 private:
  std::string help_;
};

// lockerd answered not_found (the thing was removed meanwhile).
class not_found_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Understood, but cannot be done (exit 1).
class admin_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::string in_quotes(std::string_view s) { return "'" + std::string(s) + "'"; }

// Options of one command: "--name VALUE" or "--name=VALUE", flags, and positional words.
struct parsed_args {
  std::map<std::string, std::string, std::less<>> values;
  std::set<std::string, std::less<>> flags;
  std::vector<std::string_view> positional;  // views of words
  std::list<std::string> words;
  bool help = false;

  [[nodiscard]] bool has(std::string_view flag) const { return flags.contains(flag); }
  [[nodiscard]] std::optional<std::string> value(std::string_view name) const {
    if (auto it = values.find(name); it != values.end()) return it->second;
    return std::nullopt;
  }
};

// One command's own options, parsed by CLI11 like the tool's (base/cli): "--name VALUE" or
// "--name=VALUE", flags, "--" before positional words that start with '-'.
parsed_args parse_args(const std::string& help, std::span<const std::string_view> args,
                       std::initializer_list<std::string_view> value_options,
                       std::initializer_list<std::string_view> flag_options,
                       std::size_t max_positional) {
  parsed_args p;
  CLI::App app{"", "lockeradm"};
  app.set_help_flag();
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::Throw);
  std::vector<std::pair<std::string, CLI::Option*>> values;
  std::vector<std::pair<std::string, CLI::Option*>> flags;
  for (const auto name : value_options)
    values.emplace_back(name, app.add_option(std::string(name))->expected(1));
  for (const auto name : flag_options)
    flags.emplace_back(name, app.add_flag(std::string(name))->disable_flag_override());
  std::vector<std::string> words;
  if (max_positional > 0)
    app.add_option("words", words)->expected(0, static_cast<int>(max_positional));
  // -h/--help anywhere asks for the command's help (run() looks before a command runs).
  std::vector<std::string> reversed;
  for (auto it = args.rbegin(); it != args.rend(); ++it) {
    if (*it == "-h" || *it == "--help") {
      p.help = true;
      continue;
    }
    reversed.emplace_back(*it);
  }
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    throw usage_error(help, cli::readable(e));
  }
  for (const auto& [name, opt] : values)
    if (opt->count() > 0) p.values.emplace(name, opt->as<std::string>());
  for (const auto& [name, opt] : flags)
    if (opt->count() > 0) p.flags.emplace(name);
  for (const auto& w : words) p.words.push_back(w);
  for (const auto& w : p.words) p.positional.emplace_back(w);
  return p;
}

std::string required(const parsed_args& p, const std::string& help, std::string_view name) {
  if (auto v = p.value(name)) return *v;
  throw usage_error(help, std::string(name) + " is required");
}

std::int64_t parse_int(const std::string& help, std::string_view what, std::string_view text,
                       std::int64_t min, std::int64_t max) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || v < min || v > max)
    throw usage_error(help, std::string(what) + " must be a whole number from " +
                                std::to_string(min) + " to " + std::to_string(max));
  return v;
}

// Names, sizes and reasons: lengths in bytes, without control characters (they would
// garble the tables printed here).
void check_text(const std::string& help, std::string_view what, std::string_view v, std::size_t min,
                std::size_t max) {
  if (v.size() < min || v.size() > max || protocol::rules::has_control_char(v))
    throw usage_error(help, std::string(what) + " must be " + std::to_string(min) + "-" +
                                std::to_string(max) + " characters, without control characters");
}

// Identifiers and tracking numbers as the protocol allows them (protocol/input_rules.hpp).
void check_id(const std::string& help, std::string_view what, std::string_view v) {
  if (!protocol::rules::valid_id(v))
    throw usage_error(help,
                      std::string(what) + " must be " + std::string(protocol::rules::id_rule));
}

void check_tracking_number(const std::string& help, std::string_view v) {
  if (!protocol::rules::valid_tracking_number(v))
    throw usage_error(
        help, "the tracking number must be " + std::string(protocol::rules::tracking_number_rule));
}

// The secret is never part of the message.
void check_secret(std::string_view secret, bool (*valid)(std::string_view), std::string_view rule,
                  std::string_view what) {
  if (!valid(secret))
    throw admin_error(std::string(what) + " must be " + std::string(rule) +
                      " (read from standard input)");
}

// Turns the terminal's echo off while a secret is typed, and back on however we leave.
class echo_off {
 public:
  echo_off() {
    if (::tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;  // the Enter key still shows, so the next prompt starts a line
    active_ = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
  }
  echo_off(const echo_off&) = delete;
  echo_off& operator=(const echo_off&) = delete;
  ~echo_off() {
    if (active_) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
  }

 private:
  termios saved_{};
  bool active_ = false;
};

// Run as root (sudo) on a fresh state folder, this tool creates the database and the key;
// they must belong to the folder's owner (lockerd's user), or lockerd could not open them.
// SQLite itself does the same for its -wal and -shm files.
void give_to_state_dir_owner(const fs::path& dir, std::ostream& err) noexcept {
  if (::geteuid() != 0) return;
  struct stat d {};
  if (::stat(dir.c_str(), &d) != 0 || d.st_uid == 0) return;
  for (const char* name : {"lockerd.db", "secret.key"}) {
    const fs::path p = dir / name;
    struct stat f {};
    if (::lstat(p.c_str(), &f) != 0 || !S_ISREG(f.st_mode) || f.st_uid == d.st_uid) continue;
    if (::chown(p.c_str(), d.st_uid, d.st_gid) != 0)
      err << "lockeradm: warning: cannot give " << p.string() << " to the state folder's owner\n";
  }
}

// Cells are printed as they are, but a name that came over MQTT must not drive the terminal.
std::string cell(std::string_view s) {
  if (s.empty()) return "-";
  std::string out(s);
  for (char& c : out)
    if (protocol::rules::has_control_char(std::string_view(&c, 1))) c = '?';
  return out;
}

void print_table(std::ostream& out, const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width(header.size());
  for (std::size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size() && i < width.size(); ++i)
      width[i] = std::max(width[i], r[i].size());
  const auto line = [&](const std::vector<std::string>& r) {
    std::string text;
    for (std::size_t i = 0; i < r.size(); ++i) {
      text += r[i];
      if (i + 1 < r.size()) text += std::string(width[i] - r[i].size() + 2, ' ');
    }
    out << text << '\n';
  };
  line(header);
  for (const auto& r : rows) line(r);
}

store::wall_time now() { return std::chrono::system_clock::now(); }

// One command's world: the streams, where the state is, and the store once opened.
class session {
 public:
  session(std::istream& in, std::ostream& out, std::ostream& err, const environment& env)
      : in_(in), out_(out), err_(err), env_(env) {}
  session(const session&) = delete;
  session& operator=(const session&) = delete;
  ~session() {
    if (touched_) give_to_state_dir_owner(state_dir_, err_);
    st_.reset();
    std::error_code ec;
    if (!empty_dir_.empty()) fs::remove_all(empty_dir_, ec);
  }

  void use_state_dir(fs::path dir) { state_dir_ = std::move(dir); }
  void use_config(const fs::path& file) {
    config::locker_config cfg;
    try {
      cfg = config::load_config(file);
    } catch (const config::config_error& e) {
      throw admin_error(std::string("bad configuration: ") + e.what());
    }
    state_dir_ = cfg.state_dir;
    board_sizes_ = cfg.board.sizes;
  }

  std::istream& in() { return in_; }
  std::ostream& out() { return out_; }
  const environment& env() const { return env_; }

  // create: a change may make the database (bring-up before lockerd's first start); a look
  // at the state must not leave an empty database behind in a mistyped folder.
  store::store& db(bool create) {
    if (st_ && !(create && empty_view_)) return *st_;
    st_.reset();
    empty_view_ = false;
    std::error_code rm;
    if (!empty_dir_.empty()) fs::remove_all(empty_dir_, rm);
    empty_dir_.clear();
    std::error_code ec;
    if (!fs::is_directory(state_dir_, ec))
      throw admin_error("the state folder " + state_dir_.string() + " does not exist");
    // A fresh install (the folder is there, lockerd has not run yet, nothing was ever kept
    // here): a look shows an empty locker, from an empty database in a temporary folder
    // (SQLite's :memory: has no WAL), and leaves nothing in the state folder.
    if (!create && !fs::exists(state_dir_ / state_folder::database_file, ec) &&
        !fs::exists(state_dir_ / state_folder::marker_file, ec)) {
      std::string tmpl = (fs::temp_directory_path() / "lockeradm-XXXXXX").string();
      if (::mkdtemp(tmpl.data()) == nullptr) throw admin_error("cannot make a temporary folder");
      empty_dir_ = tmpl;
      st_.emplace(empty_dir_ / "empty.db");
      empty_view_ = true;
      return *st_;
    }
    touched_ = true;
    // The same checks as lockerd's start (daemon/state_folder), but for the key's: a view
    // needs none, and key() makes them for what hashes a PIN or code.
    try {
      state_folder::open_database(
          state_dir_, st_,
          {.open_mode = create ? state_folder::mode::create : state_folder::mode::existing});
    } catch (const state_folder::refused& e) {
      throw admin_error(e.what());
    }
    return *st_;
  }

  // The key, for what hashes a PIN or code: refused beside a database made with another (or
  // whose key is gone); made on a first start.
  const security::secret_key& key() {
    if (key_) return *key_;
    auto& st = db(true);
    try {
      key_.emplace(state_folder::bind_key(state_dir_, st));
    } catch (const state_folder::refused& e) {
      throw admin_error(e.what());
    }
    return *key_;
  }

  [[nodiscard]] const fs::path& state_dir() const { return state_dir_; }
  // db(false) found a fresh install: nothing kept in the folder yet.
  [[nodiscard]] bool fresh_install() const { return empty_view_; }

  // Whether a lockerd answers on the folder's admin socket (any answer will do).
  bool lockerd_running() {
    try {
      return admin_socket::call(state_dir_ / "lockerd.sock", "{}", lockerd_timeout).has_value();
    } catch (const admin_socket::client_error&) {
      return true;  // something is there that does not answer: take it as running
    }
  }

  // The sizes a reservation may ask for: the board's, or those lockerd recorded.
  std::vector<std::string> sizes() {
    if (board_sizes_) return *board_sizes_;
    std::vector<std::string> out;
    for (const auto& c : db(false).compartments().all())
      if (std::find(out.begin(), out.end(), c.size) == out.end()) out.push_back(c.size);
    return out;
  }

  // One writer: while lockerd runs, a change goes to it over its admin socket (the same
  // operation as the MQTT command, journaled and audited by lockerd) and takes effect at once.
  // Returns the reply's data, throws admin_error with lockerd's message when it refused, and
  // nullopt when lockerd is not running: the caller then changes the file itself, and says so.
  std::optional<json> ask_lockerd(const json& request) {
    std::optional<std::string> reply;
    try {
      reply = admin_socket::call(state_dir_ / "lockerd.sock", request.dump(), lockerd_timeout);
    } catch (const admin_socket::client_error& e) {
      throw admin_error(std::string("lockerd runs but did not answer: ") + e.what() +
                        " (nothing was changed here)");
    }
    if (!reply) {
      err_ << "lockeradm: lockerd is not running: changing " << (state_dir_ / "lockerd.db").string()
           << " directly\n";
      return std::nullopt;
    }
    const json r = json::parse(*reply, nullptr, false);
    if (!r.is_object()) throw admin_error("lockerd answered something unreadable");
    if (r.value("status", "") == "ok" || r.value("status", "") == "accepted")
      return r.contains("data") ? r["data"] : json::object();
    const std::string code = r.value("code", "error");
    if (code == "not_found") throw not_found_error(r.value("message", "not found"));
    throw admin_error("lockerd refused: " + r.value("message", code) + " (" + code + ")");
  }

  // One line of a secret from standard input; on a terminal prompted, unechoed, and asked twice.
  std::string read_secret(std::string_view what) {
    const auto read_line = [&](std::string_view prompt) {
      std::string line;
      if (env_.stdin_is_terminal) {
        err_ << prompt << std::flush;
        echo_off quiet;
        if (!std::getline(in_, line)) throw admin_error("no " + std::string(what) + " typed");
      } else if (!std::getline(in_, line)) {
        throw admin_error("no " + std::string(what) + " on standard input");
      }
      if (line.ends_with('\r')) line.pop_back();
      return line;
    };
    std::string secret = read_line(std::string(what) + ": ");
    if (env_.stdin_is_terminal && !secret.empty() &&
        read_line(std::string(what) + " again: ") != secret)
      throw admin_error("the two " + std::string(what) + "s differ");
    return secret;
  }

 private:
  std::istream& in_;
  std::ostream& out_;
  std::ostream& err_;
  const environment& env_;
  fs::path state_dir_;
  std::optional<std::vector<std::string>> board_sizes_;
  std::optional<store::store> st_;
  bool empty_view_ = false;  // st_ is the empty view of a fresh install, in empty_dir_
  fs::path empty_dir_;
  std::optional<security::secret_key> key_;  // with st_
  bool touched_ = false;
};

// ---- courier ---------------------------------------------------------------------------

// The MQTT command that adds or changes a courier, as lockerd takes it over its admin socket.
json courier_upsert_request(std::string_view id, const std::optional<std::string>& pin,
                            const std::optional<std::string>& name, bool enabled,
                            const std::optional<std::string>& badge = std::nullopt) {
  json r{{"command", "courier_upsert"}, {"courier_id", id}, {"enabled", enabled}};
  if (pin) r["pin"] = *pin;
  if (badge) r["badge"] = *badge;
  if (name && !name->empty()) r["name"] = *name;
  return r;
}

const std::string courier_cmd = "courier";

[[noreturn]] void no_courier(std::string_view id) {
  throw admin_error("no courier " + in_quotes(id));
}

void refuse_shared_pin(parcels::courier_answer a) {
  if (a == parcels::courier_answer::pin_in_use)
    throw admin_error("that PIN is already used by another courier");
}

// The badge's keyed hash, after checking no other courier has it (before anything changes).
std::string free_badge_hash(session& s, store::store& st, std::string_view id,
                            std::string_view badge) {
  auto hash = security::courier_badge_hash(s.key(), badge);
  const auto owner = st.courier_badges().find_courier(hash);
  if (owner && *owner != id) throw admin_error("that badge is already used by another courier");
  return hash;
}

// "courier VERB ID", or lockerctl's spelling "courier VERB --id ID" (kept as an alias).
std::string courier_id_of(const parsed_args& p, std::string_view verb) {
  const auto given = p.value("--id");
  if (given && !p.positional.empty())
    throw usage_error(courier_cmd,
                      "give the courier ID once (courier " + std::string(verb) + " ID or --id ID)");
  if (given) return *given;
  if (p.positional.empty())
    throw usage_error(courier_cmd, "courier " + std::string(verb) + " needs an ID");
  return std::string(p.positional[0]);
}

int courier_add(session& s, std::span<const std::string_view> args) {
  const auto p = parse_args(courier_cmd, args, {"--name", "--id"}, {"--disabled", "--badge"}, 1);
  const std::string id = courier_id_of(p, "add");
  const std::string name = p.value("--name").value_or("");
  check_id(courier_cmd, "the courier ID", id);
  check_text(courier_cmd, "the name", name, 0, 128);
  const bool enabled = !p.has("--disabled");

  auto& st = s.db(true);
  if (st.couriers().find(id))
    throw admin_error("courier " + in_quotes(id) + " exists already (see set-pin)");
  const std::string pin = s.read_secret("PIN");
  check_secret(pin, protocol::rules::valid_pin, protocol::rules::pin_rule, "the PIN");
  std::optional<std::string> badge;
  if (p.has("--badge")) {
    badge = s.read_secret("badge");
    check_secret(*badge, protocol::rules::valid_badge, protocol::rules::badge_rule, "the badge");
  }
  const auto done = [&] {
    s.out() << "courier " << id << " added" << (enabled ? "" : " (disabled)")
            << (badge ? ", with a badge" : "") << '\n';
    return exit_ok;
  };
  if (s.ask_lockerd(courier_upsert_request(id, pin, name, enabled, badge))) return done();
  const auto hash = security::courier_pin_hash(s.key(), pin);

  const auto t = now();
  store::transaction tx(st.db());
  // Checked again inside the transaction: lockerd (over MQTT) may have added it meanwhile.
  if (st.couriers().find(id))
    throw admin_error("courier " + in_quotes(id) + " exists already (see set-pin)");
  const auto badge_hash = badge ? free_badge_hash(s, st, id, *badge) : std::string{};
  refuse_shared_pin(parcels::upsert_courier(tx, st, id, name, hash, enabled, t));
  if (badge) st.courier_badges().set(tx, id, badge_hash, t);
  st.audit().record(
      tx, t, actor, "courier_add",
      {{"courier_id", id}, {"name", name}, {"enabled", enabled}, {"badge", badge.has_value()}});
  tx.commit();
  return done();
}

int courier_set_badge(session& s, std::span<const std::string_view> args) {
  const auto p = parse_args(courier_cmd, args, {}, {}, 1);
  if (p.positional.empty()) throw usage_error(courier_cmd, "courier set-badge needs an ID");
  const std::string id(p.positional[0]);

  auto& st = s.db(false);
  const auto known = st.couriers().find(id);
  if (!known) no_courier(id);
  const std::string badge = s.read_secret("badge");
  check_secret(badge, protocol::rules::valid_badge, protocol::rules::badge_rule, "the badge");
  const auto done = [&] {
    s.out() << "courier " << id << ": badge changed\n";
    return exit_ok;
  };
  // PIN, name and enabled as on file: only the badge changes.
  if (s.ask_lockerd(courier_upsert_request(id, std::nullopt, std::nullopt, known->enabled, badge)))
    return done();

  const auto t = now();
  store::transaction tx(st.db());
  if (!st.couriers().find(id)) no_courier(id);
  const auto hash = free_badge_hash(s, st, id, badge);
  st.courier_badges().set(tx, id, hash, t);
  st.audit().record(tx, t, actor, "courier_set_badge", {{"courier_id", id}});
  tx.commit();
  return done();
}

int courier_set_pin(session& s, std::span<const std::string_view> args) {
  const auto p = parse_args(courier_cmd, args, {}, {}, 1);
  if (p.positional.empty()) throw usage_error(courier_cmd, "courier set-pin needs an ID");
  const std::string id(p.positional[0]);

  auto& st = s.db(false);
  const auto known = st.couriers().find(id);
  if (!known) no_courier(id);
  const std::string pin = s.read_secret("PIN");
  check_secret(pin, protocol::rules::valid_pin, protocol::rules::pin_rule, "the PIN");
  const auto done = [&] {
    s.out() << "courier " << id << ": PIN changed\n";
    return exit_ok;
  };
  // name and enabled as on file: only the PIN changes.
  if (s.ask_lockerd(courier_upsert_request(id, pin, std::nullopt, known->enabled))) return done();
  const auto hash = security::courier_pin_hash(s.key(), pin);

  const auto t = now();
  store::transaction tx(st.db());
  const auto c = st.couriers().find(id);
  if (!c) no_courier(id);
  refuse_shared_pin(parcels::upsert_courier(tx, st, id, c->name, hash, c->enabled, t));
  st.audit().record(tx, t, actor, "courier_set_pin", {{"courier_id", id}});
  tx.commit();
  return done();
}

// enable, disable, remove: one courier, no secret.
int courier_change(session& s, std::string_view verb, std::span<const std::string_view> args) {
  const auto p = parse_args(courier_cmd, args, {"--id"}, {}, 1);
  const std::string id = courier_id_of(p, verb);

  auto& st = s.db(false);
  const auto done = [&] {
    s.out() << "courier " << id << ' ' << (verb == "remove" ? "removed" : std::string(verb) + "d")
            << '\n';
    return exit_ok;
  };
  if (!st.couriers().find(id)) no_courier(id);
  try {
    const json request =
        verb == "remove" ? json{{"command", "courier_remove"}, {"courier_id", id}}
                         : courier_upsert_request(id, std::nullopt, std::nullopt, verb == "enable");
    if (s.ask_lockerd(request)) return done();
  } catch (const not_found_error&) {
    no_courier(id);
  }
  const auto t = now();
  store::transaction tx(st.db());
  const auto answer = verb == "remove"
                          ? parcels::remove_courier(tx, st, id)
                          : parcels::set_courier_enabled(tx, st, id, verb == "enable", t);
  if (answer == parcels::courier_answer::not_found) no_courier(id);
  st.audit().record(tx, t, actor, "courier_" + std::string(verb), {{"courier_id", id}});
  tx.commit();
  return done();
}

// Drop-off flow: a courier with a carrier takes out only that carrier's parcels (and those of
// none). Through lockerd's courier_upsert when it runs, else on file.
int courier_set_carrier(session& s, std::span<const std::string_view> args) {
  const auto p = parse_args(courier_cmd, args, {}, {}, 2);
  if (p.positional.empty()) throw usage_error(courier_cmd, "courier set-carrier needs an ID");
  const std::string id(p.positional[0]);
  const std::string carrier = p.positional.size() > 1 ? std::string(p.positional[1]) : "";
  if (!carrier.empty()) check_id(courier_cmd, "the carrier", carrier);
  auto& st = s.db(false);
  const auto known = st.couriers().find(id);
  if (!known) no_courier(id);
  const auto done = [&] {
    s.out() << "courier " << id << ": "
            << (carrier.empty() ? "no carrier (takes out every parcel)" : "carrier " + carrier)
            << "\n";
    return exit_ok;
  };
  auto request = courier_upsert_request(id, std::nullopt, std::nullopt, known->enabled);
  request["carrier"] = carrier;
  if (s.ask_lockerd(request)) return done();
  const auto t = now();
  store::transaction tx(st.db());
  if (!st.outbound().set_courier_carrier(
          tx, id, carrier.empty() ? std::nullopt : std::optional<std::string>(carrier)))
    no_courier(id);
  st.audit().record(tx, t, actor, "courier_set_carrier",
                    {{"courier_id", id}, {"carrier", carrier}});
  tx.commit();
  return done();
}

int courier_list(session& s, std::span<const std::string_view> args) {
  parse_args(courier_cmd, args, {}, {}, 0);
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : s.db(false).couriers().all())
    rows.push_back({cell(c.courier_id), cell(c.name), c.enabled ? "yes" : "no",
                    protocol::format_timestamp(c.updated_at)});
  print_table(s.out(), {"ID", "NAME", "ENABLED", "UPDATED"}, rows);
  return exit_ok;
}

int courier(session& s, std::span<const std::string_view> args) {
  if (args.empty())
    throw usage_error(
        courier_cmd,
        "courier needs one of: add, set-pin, set-badge, set-carrier, enable, disable, "
        "remove, list");
  const auto verb = args[0];
  const auto rest = args.subspan(1);
  if (verb == "add") return courier_add(s, rest);
  if (verb == "set-pin") return courier_set_pin(s, rest);
  if (verb == "set-badge") return courier_set_badge(s, rest);
  if (verb == "set-carrier") return courier_set_carrier(s, rest);
  if (verb == "enable" || verb == "disable" || verb == "remove")
    return courier_change(s, verb, rest);
  if (verb == "list") return courier_list(s, rest);
  throw usage_error(courier_cmd, "unknown courier command " + in_quotes(verb));
}

// ---- reservation -----------------------------------------------------------------------

const std::string reservation_cmd = "reservation";

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& x : v) out += (out.empty() ? "" : ", ") + x;
  return out;
}

int reservation_add(session& s, std::span<const std::string_view> args) {
  const auto& h = reservation_cmd;
  const auto p = parse_args(h, args, {"--id", "--tracking", "--size", "--window-h", "--recipient"},
                            {"--code-stdin"}, 0);
  store::reservation_record r;
  r.reservation_id = required(p, h, "--id");
  r.tracking_number = required(p, h, "--tracking");
  r.size = required(p, h, "--size");
  check_id(h, "the reservation ID", r.reservation_id);
  check_tracking_number(h, r.tracking_number);
  check_text(h, "the size", r.size, 1, 32);
  if (auto w = p.value("--window-h")) r.pickup_window_h = parse_int(h, "--window-h", *w, 1, 720);
  // Several parcels, one code (multi): the tracking system's recipient key.
  const auto recipient = p.value("--recipient");
  if (recipient) check_text(h, "the recipient key", *recipient, 1, 64);

  auto& st = s.db(true);
  const auto sizes = s.sizes();
  if (sizes.empty())
    throw admin_error("no compartment sizes known: start lockerd once, or use -c CONFIG");
  if (std::find(sizes.begin(), sizes.end(), r.size) == sizes.end())
    throw admin_error("size " + in_quotes(r.size) + " is not one of the board's sizes (" +
                      join(sizes) + ")");
  std::optional<std::string> code;
  if (p.has("--code-stdin")) {
    code = s.read_secret("Pickup code");
    check_secret(*code, protocol::rules::valid_pickup_code, protocol::rules::pickup_code_rule,
                 "the pickup code");
  }
  const auto done = [&] {
    s.out() << "reservation " << r.reservation_id << " announced (tracking " << r.tracking_number
            << ", size " << r.size << ")\n";
    return exit_ok;
  };
  json request{{"command", "reservation_create"},
               {"reservation_id", r.reservation_id},
               {"tracking_number", r.tracking_number},
               {"size", r.size}};
  if (code) request["pickup_code"] = *code;
  if (r.pickup_window_h) request["pickup_window_h"] = *r.pickup_window_h;
  if (recipient) request["recipient"] = *recipient;
  if (s.ask_lockerd(request)) return done();
  if (code) r.pickup_code_hash = security::pickup_code_hash(s.key(), *code);

  r.created_at = now();
  store::transaction tx(st.db());
  // Checked inside the transaction, so lockerd cannot announce the same parcel or give the
  // same code in between.
  parcels::announcement a;
  a.reservation_id = r.reservation_id;
  a.tracking_number = r.tracking_number;
  a.size = r.size;
  a.pickup_code_hash = r.pickup_code_hash;
  a.pickup_window_h = r.pickup_window_h;
  a.recipient = recipient;
  const auto exists = [&] {
    return admin_error("reservation " + in_quotes(r.reservation_id) + " exists already");
  };
  try {
    const auto result = parcels::announce(tx, st, a, sizes, r.created_at);
    switch (result.answer) {
      case parcels::announce_answer::announced:
        break;
      case parcels::announce_answer::same_again:
      case parcels::announce_answer::reservation_differs:
      case parcels::announce_answer::reservation_cancelled:
        throw exists();
      case parcels::announce_answer::unknown_size:  // checked above, with the sizes listed
        throw admin_error("size " + in_quotes(r.size) + " is not one of the board's sizes (" +
                          join(sizes) + ")");
      case parcels::announce_answer::already_in_locker:
        throw admin_error("tracking number " + in_quotes(r.tracking_number) +
                          " is already in compartment " + result.other);
      case parcels::announce_answer::already_announced:
        throw admin_error("tracking number " + in_quotes(r.tracking_number) +
                          " is already announced by reservation " + in_quotes(result.other));
      case parcels::announce_answer::code_in_use:
        throw admin_error("this pickup code is not available: choose another");
    }
  } catch (const store::store_error& e) {
    if (e.is_constraint()) throw exists();
    throw;
  }
  json detail{{"reservation_id", r.reservation_id},
              {"tracking_number", r.tracking_number},
              {"size", r.size},
              {"pickup_code", r.pickup_code_hash ? "given" : "generated at deposit"}};
  if (r.pickup_window_h) detail["pickup_window_h"] = *r.pickup_window_h;
  st.audit().record(tx, r.created_at, actor, "reservation_add", detail);
  tx.commit();
  return done();
}

int reservation_list(session& s, std::span<const std::string_view> args) {
  parse_args(reservation_cmd, args, {}, {}, 0);
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : s.db(false).reservations().all())
    rows.push_back({cell(r.reservation_id), cell(r.tracking_number), cell(r.size),
                    std::string(store::to_string(r.state)),
                    r.pickup_window_h ? std::to_string(*r.pickup_window_h) : "default",
                    r.pickup_code_hash ? "given" : "at deposit",
                    protocol::format_timestamp(r.created_at)});
  print_table(s.out(), {"ID", "TRACKING", "SIZE", "STATE", "WINDOW_H", "CODE", "CREATED"}, rows);
  return exit_ok;
}

int reservation(session& s, std::span<const std::string_view> args) {
  if (args.empty()) throw usage_error(reservation_cmd, "reservation needs one of: add, list");
  if (args[0] == "add") return reservation_add(s, args.subspan(1));
  if (args[0] == "list") return reservation_list(s, args.subspan(1));
  throw usage_error(reservation_cmd, "unknown reservation command " + in_quotes(args[0]));
}

// ---- looking at the state ----------------------------------------------------------------

// "2" before "10", "A2" before "A10": compartment ids as a person counts them.
bool natural_less(std::string_view a, std::string_view b) {
  std::size_t i = 0;
  std::size_t j = 0;
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  while (i < a.size() && j < b.size()) {
    if (digit(a[i]) && digit(b[j])) {
      std::size_t ie = i;
      std::size_t je = j;
      while (ie < a.size() && digit(a[ie])) ++ie;
      while (je < b.size() && digit(b[je])) ++je;
      auto na = a.substr(i, ie - i);
      auto nb = b.substr(j, je - j);
      while (na.size() > 1 && na.front() == '0') na.remove_prefix(1);
      while (nb.size() > 1 && nb.front() == '0') nb.remove_prefix(1);
      if (na.size() != nb.size()) return na.size() < nb.size();
      if (na != nb) return na < nb;
      i = ie;
      j = je;
      continue;
    }
    if (a[i] != b[j]) return a[i] < b[j];
    ++i;
    ++j;
  }
  return a.size() - i < b.size() - j;
}

int compartments(session& s, std::span<const std::string_view> args) {
  parse_args("compartments", args, {}, {}, 0);
  auto& st = s.db(false);
  std::map<std::string, store::parcel_record, std::less<>> inside;
  for (auto& p : parcels::live_parcels(st)) inside.emplace(p.compartment_id, std::move(p));
  std::vector<std::vector<std::string>> rows;
  auto all = st.compartments().all();
  std::stable_sort(all.begin(), all.end(),
                   [](const auto& x, const auto& y) { return natural_less(x.id, y.id); });
  for (const auto& c : all) {
    std::string service(store::to_string(c.service));
    if (!c.service_reason.empty()) service += " (" + c.service_reason + ")";
    const auto p = inside.find(c.id);
    rows.push_back({cell(c.id), cell(c.size), cell(service), std::string(store::to_string(c.door)),
                    cell(c.alarms), p == inside.end() ? "-" : cell(p->second.tracking_number),
                    p == inside.end() ? "-" : std::string(store::to_string(p->second.state))});
  }
  print_table(s.out(), {"ID", "SIZE", "SERVICE", "DOOR", "ALARMS", "PARCEL", "STATE"}, rows);
  return exit_ok;
}

// Flow "hold" (issue 13): the held compartments and the capacity per size.
int holds(session& s, std::span<const std::string_view> args) {
  parse_args("holds", args, {}, {}, 0);
  auto& st = s.db(false);
  std::map<std::string, store::hold_record, std::less<>> held;
  std::vector<std::vector<std::string>> rows;
  for (auto& h : st.holds().all()) {
    const auto r = st.reservations().find(h.reservation_id);
    rows.push_back({cell(h.reservation_id), r ? cell(r->tracking_number) : "-",
                    cell(h.compartment_id), r ? cell(r->size) : "-",
                    protocol::format_timestamp(h.until)});
    held.emplace(h.compartment_id, std::move(h));
  }
  print_table(s.out(), {"RESERVATION", "TRACKING", "COMPARTMENT", "SIZE", "HELD_UNTIL"}, rows);
  std::set<std::string, std::less<>> inside;
  for (auto& p : parcels::live_parcels(st)) inside.insert(p.compartment_id);
  // Sizes in the order the compartments list them.
  std::vector<std::string> sizes;
  std::map<std::string, std::array<int, 5>, std::less<>> counts;
  for (const auto& c : st.compartments().all()) {
    if (!counts.contains(c.size)) sizes.push_back(c.size);
    auto& n = counts[c.size];
    if (c.service != store::service_state::in_service)
      ++n[3];
    else if (inside.contains(c.id))
      ++n[2];
    else if (held.contains(c.id))
      ++n[1];
    else if (c.door == store::door_state::closed && c.alarms.empty())
      ++n[0];
    else
      ++n[4];
  }
  std::vector<std::vector<std::string>> capacity;
  for (const auto& size : sizes) {
    std::vector<std::string> row{cell(size)};
    for (const int n : counts[size]) row.push_back(std::to_string(n));
    capacity.push_back(std::move(row));
  }
  s.out() << '\n';
  print_table(s.out(), {"SIZE", "FREE", "HELD", "OCCUPIED", "OUT_OF_SERVICE", "BUSY"}, capacity);
  return exit_ok;
}

int in_service(session& s, std::span<const std::string_view> args) {
  const std::string h = "in-service";
  const auto p = parse_args(h, args, {"--reason"}, {}, 1);
  if (p.positional.empty()) throw usage_error(h, "in-service needs a compartment ID");
  const std::string id(p.positional[0]);
  const std::string reason = required(p, h, "--reason");
  check_text(h, "the reason", reason, 1, 200);
  auto& st = s.db(false);
  const auto c = st.compartments().find(id);
  if (!c) throw admin_error("no compartment " + in_quotes(id));
  // While lockerd runs: at once, as compartment_set_service does (faults cleared only while
  // the door sensor reads closed and steady; lockerd says so when not).
  if (s.ask_lockerd({{"command", "compartment_set_service"},
                     {"compartment", id},
                     {"in_service", true},
                     {"reason", reason}})) {
    s.out() << "compartment " << id << " is back in service\n";
    return exit_ok;
  }
  const auto t = now();
  store::transaction tx(st.db());
  st.in_service_requests().add(tx, id, reason);
  st.audit().record(tx, t, actor, "in_service_requested",
                    {{"compartment", id}, {"reason", reason}});
  tx.commit();
  s.out() << "compartment " << id << " goes back in service when lockerd next starts"
          << (c->alarms.empty() ? "" : " (clearing " + c->alarms + " if its sensors agree)")
          << ": systemctl restart lockerd\n";
  return exit_ok;
}

int parcels(session& s, std::span<const std::string_view> args) {
  const auto p = parse_args("parcels", args, {}, {"--all"}, 0);
  auto& st = s.db(false);
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : p.has("--all") ? st.parcels().all() : parcels::live_parcels(st))
    rows.push_back({std::to_string(r.id), cell(r.tracking_number), cell(r.compartment_id),
                    std::string(store::to_string(r.state)), protocol::format_timestamp(r.stored_at),
                    protocol::format_timestamp(r.expires_at), std::to_string(r.failed_attempts)});
  print_table(s.out(),
              {"ID", "TRACKING", "COMPARTMENT", "STATE", "STORED_AT", "EXPIRES_AT", "FAILED"},
              rows);
  return exit_ok;
}

int outbound(session& s, std::span<const std::string_view> args) {
  parse_args("outbound", args, {}, {}, 0);
  auto& st = s.db(false);
  std::vector<std::vector<std::string>> rows;
  for (const auto id : st.outbound().outbound_parcels()) {
    const auto r = st.parcels().find(id);
    if (!r) continue;
    rows.push_back({std::to_string(r->id), cell(r->tracking_number),
                    st.outbound().parcel_kind(r->id), cell(r->compartment_id),
                    cell(st.outbound().parcel_carrier(r->id).value_or("-")),
                    protocol::format_timestamp(r->stored_at)});
  }
  print_table(s.out(), {"ID", "TRACKING", "KIND", "COMPARTMENT", "CARRIER", "DROPPED_AT"}, rows);
  return exit_ok;
}

int journal(session& s, std::span<const std::string_view> args) {
  const std::string h = "journal";
  const auto p = parse_args(h, args, {"--limit"}, {"--follow"}, 0);
  std::int64_t left = std::numeric_limits<std::int64_t>::max();
  if (auto l = p.value("--limit")) left = parse_int(h, "--limit", *l, 1, left);
  auto& st = s.db(false);
  auto& out = s.out();

  // Anything appended after this is new to --follow, even if --limit cut the backlog short.
  const std::uint64_t last_at_start = st.journal().last_seq();
  std::uint64_t after = 0;
  // Paged, so a large backlog does not have to fit in memory at once.
  while (left > 0) {
    const auto page = st.journal().pending(std::min(left, journal_page), after);
    for (const auto& e : page) out << e.payload << '\n';
    if (page.empty()) break;
    after = page.back().seq;
    left -= static_cast<std::int64_t>(page.size());
  }
  out.flush();
  if (!p.has("--follow")) return exit_ok;

  after = std::max(after, last_at_start);
  const auto& env = s.env();
  while (out && !(env.stop_requested && env.stop_requested())) {
    std::this_thread::sleep_for(env.poll_interval);
    for (;;) {
      const auto page = st.journal().pending(journal_page, after);
      for (const auto& e : page) out << e.payload << '\n';
      if (page.empty()) break;
      after = page.back().seq;
    }
    out.flush();
  }
  return exit_ok;
}

int audit(session& s, std::span<const std::string_view> args) {
  const std::string h = "audit";
  const auto p = parse_args(h, args, {"--limit"}, {}, 0);
  std::int64_t limit = default_audit_limit;
  if (auto l = p.value("--limit")) limit = parse_int(h, "--limit", *l, 1, 1'000'000);
  auto entries = s.db(false).audit().newest(limit);
  std::reverse(entries.begin(), entries.end());  // read like a log: oldest first
  std::vector<std::vector<std::string>> rows;
  rows.reserve(entries.size());
  for (const auto& e : entries)
    rows.push_back(
        {protocol::format_timestamp(e.ts), cell(e.actor), cell(e.action), cell(e.detail)});
  print_table(s.out(), {"TIME", "ACTOR", "ACTION", "DETAIL"}, rows);
  return exit_ok;
}

// ---- lockout -----------------------------------------------------------------------------

int lockout(session& s, std::span<const std::string_view> args) {
  const std::string h = "lockout";
  if (args.empty() || args[0] != "clear") throw usage_error(h, "lockout needs: clear");
  const auto p = parse_args(h, args.subspan(1), {"--budget"}, {}, 0);
  const auto budget = p.value("--budget");
  if (budget && *budget != "pickup_code" && *budget != "courier")
    throw usage_error(h, "--budget must be pickup_code or courier");
  auto& st = s.db(false);
  json request{{"command", "lockout_clear"}};
  if (budget) request["budget"] = *budget;
  if (s.ask_lockerd(request)) {
    s.out() << "keypad lockout cleared (" << budget.value_or("both budgets") << ")\n";
    return exit_ok;
  }
  auto& budgets = st.lockouts();
  const auto t = now();
  store::transaction tx(st.db());
  json cleared = json::array();
  for (const char* b : {"pickup_code", "courier"})
    if ((!budget || *budget == b) && budgets.clear(tx, b)) cleared.push_back(b);
  st.audit().record(
      tx, t, actor, "lockout_clear",
      {{"budgets", budget ? json::array({*budget}) : json::array({"pickup_code", "courier"})},
       {"cleared", cleared}});
  tx.commit();
  s.out() << "keypad lockout cleared (" << budget.value_or("both budgets")
          << "): lockerd starts with nothing counted\n";
  return exit_ok;
}

// ---- check, backup, restore --------------------------------------------------------------

int check(session& s, std::span<const std::string_view> args) {
  parse_args("check", args, {}, {}, 0);
  auto& st = s.db(false);
  auto& out = s.out();
  if (s.fresh_install()) {
    out << s.state_dir().string()
        << ": fresh: no database yet (lockerd makes it at its first start)\n";
    return exit_ok;
  }
  auto problems = state_folder::integrity_problems(st, true);
  {
    auto fk = st.db().prepare("PRAGMA foreign_key_check");
    int bad = 0;
    while (fk.step()) ++bad;
    if (bad > 0) {
      if (!problems.empty()) problems += "; ";
      problems += std::to_string(bad) + " rows name rows that do not exist (foreign_key_check)";
    }
  }
  const auto recorded = st.settings().get(state_folder::fingerprint_setting);
  const auto key = security::load_key(s.state_dir());
  const auto add = [&](const std::string& p) { problems += (problems.empty() ? "" : "; ") + p; };
  if (!key) {
    add("secret.key is missing");
  } else if (recorded && security::key_fingerprint(*key) != *recorded) {
    add("secret.key is key " + security::key_fingerprint(*key) + ", not the database's " +
        *recorded);
  }
  const auto file = (s.state_dir() / state_folder::database_file).string();
  if (!problems.empty()) {
    out << file << ": damaged: " << problems << '\n';
    return exit_failure;
  }
  out << file << ": ok (schema " << store::schema_version() << ", key "
      << recorded.value_or(security::key_fingerprint(*key)) << ")\n";
  return exit_ok;
}

int backup(session& s, std::span<const std::string_view> args) {
  const auto p = parse_args("backup", args, {}, {}, 1);
  if (p.positional.empty()) throw usage_error("backup", "no FILE given");
  const fs::path target(p.positional[0]);
  std::error_code ec;
  if (fs::exists(target, ec))
    throw admin_error(target.string() + " exists: give a new file (nothing was written)");
  auto& st = s.db(false);
  auto vacuum = st.db().prepare("VACUUM INTO ?1");
  vacuum.bind(1, target.string());
  vacuum.run();
  s.out() << "backed up to " << target.string() << " (key "
          << st.settings().get(state_folder::fingerprint_setting).value_or("?")
          << "; keep secret.key's own backup apart from it)\n";
  return exit_ok;
}

int restore(session& s, std::span<const std::string_view> args) {
  const auto p = parse_args("restore", args, {}, {}, 1);
  if (p.positional.empty()) throw usage_error("restore", "no FILE given");
  const fs::path source(p.positional[0]);
  const fs::path dir = s.state_dir();
  std::error_code ec;
  if (!fs::is_regular_file(source, ec)) throw admin_error(source.string() + " is not a file");
  if (s.lockerd_running())
    throw admin_error(
        "lockerd is running: stop it first (systemctl stop lockerd); nothing changed");
  const auto key = security::load_key(dir);
  if (!key)
    throw admin_error((dir / "secret.key").string() +
                      " is missing: put the locker's key back first (the backup's PINs and codes "
                      "were hashed with it); nothing changed");
  const fs::path file = dir / state_folder::database_file;
  const fs::path staged = dir / (std::string(state_folder::database_file) + ".restoring");
  fs::remove(staged, ec);
  fs::copy_file(source, staged);
  try {
    store::store backup_db(staged);  // brings an older backup's schema up to date
    if (const auto problems = state_folder::integrity_problems(backup_db, true); !problems.empty())
      throw admin_error(source.string() + " is damaged (" + problems + "); nothing changed");
    const auto fp = security::key_fingerprint(*key);
    const auto recorded = backup_db.settings().get(state_folder::fingerprint_setting);
    if (recorded && *recorded != fp)
      throw admin_error(source.string() + " was made with key " + *recorded + ", not with " +
                        (dir / "secret.key").string() + " (key " + fp +
                        "): it is another locker's, or needs its own key; nothing changed");
    if (!recorded) backup_db.settings().set(state_folder::fingerprint_setting, fp);
  } catch (...) {
    fs::remove(staged, ec);
    throw;
  }
  fs::remove(fs::path(staged.string() + "-wal"), ec);
  fs::remove(fs::path(staged.string() + "-shm"), ec);
  if (fs::exists(file, ec)) fs::rename(file, dir / "lockerd.db.before-restore");
  fs::remove(fs::path(file.string() + "-wal"), ec);
  fs::remove(fs::path(file.string() + "-shm"), ec);
  fs::rename(staged, file);
  state_folder::write_marker(dir, security::key_fingerprint(*key));
  s.out() << "restored " << file.string() << " from " << source.string()
          << " (the one it replaced is lockerd.db.before-restore)\n";
  return exit_ok;
}

// ---- the tool ----------------------------------------------------------------------------

using command_fn = int (*)(session&, std::span<const std::string_view>);

struct command_entry {
  std::string_view name;
  std::string_view help;
  command_fn run;
};

constexpr command_entry commands[] = {
    {"courier", courier_help, courier},
    {"reservation", reservation_help, reservation},
    {"compartments", compartments_help, compartments},
    {"in-service", in_service_help, in_service},
    {"parcels", parcels_help, parcels},
    {"outbound", outbound_help, outbound},
    {"journal", journal_help, journal},
    {"audit", audit_help, audit},
    {"lockout", lockout_help, lockout},
    {"check", check_help, check},
    {"backup", backup_help, backup},
    {"restore", restore_help, restore},
    {"holds", holds_help, holds},
};

const command_entry* find_command(std::string_view name) {
  for (const auto& c : commands)
    if (c.name == name) return &c;
  return nullptr;
}

// Messages are one line, whatever a library put into them.
std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

// "help COMMAND" from before CLI11: the command's help, as "COMMAND --help" prints it.
const std::string_view help_command_help = "Usage: lockeradm help [COMMAND]\n";

int run(std::span<const std::string_view> args, session& s, std::ostream& out, std::ostream& err) {
  CLI::App app{"", "lockeradm"};
  const auto help_texts = cli::conventions(app);
  help_texts->set_help_text(&app, std::string(tool_help));
  std::optional<std::string> config_file;
  std::optional<std::string> state_dir;
  app.add_option("-c,--config", config_file)->type_name("FILE");
  app.add_option("--state-dir", state_dir)->type_name("DIR");
  app.require_subcommand(1);
  // Each command parses its own arguments (parse_args): CLI11 hands it everything after its
  // name; -h/--help right after the name is CLI11's.
  std::vector<std::pair<const command_entry*, CLI::App*>> subs;
  for (const auto& c : commands) {
    auto* sub = app.add_subcommand(std::string(c.name));
    sub->prefix_command();
    help_texts->set_help_text(sub, std::string(c.help));
    subs.emplace_back(&c, sub);
  }
  auto* help = app.add_subcommand("help")->prefix_command()->group("");
  help_texts->set_help_text(help, std::string(help_command_help));

  std::vector<std::string> words(args.begin(), args.end());
  if (const auto status = cli::parse(app, words, out, err, true)) return *status;

  if (help->parsed()) {
    const auto rest = help->remaining();
    if (rest.empty()) {
      out << tool_help;
      return exit_ok;
    }
    const auto* c = find_command(rest[0]);
    if (!c) throw usage_error("", "unknown command " + in_quotes(rest[0]));
    out << c->help;
    return exit_ok;
  }
  for (const auto& [c, sub] : subs) {
    if (!sub->parsed()) continue;
    const std::vector<std::string> rest_words = sub->remaining();
    const std::vector<std::string_view> rest(rest_words.begin(), rest_words.end());
    if (std::any_of(rest.begin(), rest.end(), [](auto a) { return a == "-h" || a == "--help"; })) {
      out << c->help;
      return exit_ok;
    }
    if (config_file && state_dir) throw usage_error("", "give either --config or --state-dir");
    if (state_dir) {
      s.use_state_dir(*state_dir);
    } else {
      s.use_config(config_file.value_or(std::string(default_config)));
    }
    return c->run(s, rest);
  }
  throw usage_error("", "no command given");
}

}  // namespace

int run_admin(std::span<const std::string_view> args, std::istream& in, std::ostream& out,
              std::ostream& err, const environment& env) {
  try {
    session s(in, out, err, env);
    return run(args, s, out, err);
  } catch (const usage_error& e) {
    err << cli::error_line("lockeradm", one_line(e.what()), e.help()) << '\n';
    return exit_usage;
  } catch (const store::store_error& e) {
    if (e.is_busy())
      err << "lockeradm: the database stayed busy (lockerd is writing): try again\n";
    else
      err << "lockeradm: database: " << one_line(e.what()) << '\n';
    return exit_failure;
  } catch (const std::exception& e) {
    err << "lockeradm: " << one_line(e.what()) << '\n';
    return exit_failure;
  }
}

int run_admin(std::span<const std::string_view> args, std::istream& in, std::ostream& out,
              std::ostream& err) {
  environment env;
  env.stdin_is_terminal = &in == &std::cin && ::isatty(STDIN_FILENO) == 1;
  return run_admin(args, in, out, err, env);
}

}  // namespace locker::admin
