// SPDX-License-Identifier: Apache-2.0
#include "tools/lockerctl/cli.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <list>
#include <map>
#include <set>
#include <type_traits>
#include <vector>

#include "base/cli/cli.hpp"
#include "protocol/broker_url.hpp"
#include "protocol/timestamp.hpp"
#include "protocol/topics.hpp"

namespace locker::ctl {
namespace {

// Options that take a value; every other "--x" is a flag or unknown.
const std::set<std::string, std::less<>> global_value_options = {
    "broker", "ca", "cert", "key", "username", "password-file", "locker", "timeout"};
const std::set<std::string, std::less<>> global_flags = {"json", "help", "version"};
// Short spellings of the common options.
const std::map<std::string, std::string, std::less<>> short_options = {{"-b", "--broker"},
                                                                       {"-l", "--locker"},
                                                                       {"-t", "--timeout"},
                                                                       {"-j", "--json"},
                                                                       {"-f", "--follow"}};
const std::vector<std::string> commands = {
    "reservation", "open",        "in-service", "out-of-service", "courier",   "state",
    "events",      "push-config", "rebirth",    "reboot",         "fw-update", "lockout",
    "raw",         "token",       "announce",   "cancel",         "service"};
const std::set<std::string, std::less<>> command_value_options = {
    "reservation", "tracking", "size",      "window-h", "compartment", "reason", "operator",
    "id",          "name",     "since-seq", "job-id",   "url",         "sha256", "budget",
    "hold-until",  "hold-h",   "kind",      "carrier",  "recipient"};
const std::set<std::string, std::less<>> command_flags = {
    "code-stdin", "in",  "out",        "enabled",       "disabled",  "follow",
    "show-codes", "pin", "accessible", "extended-time", "no-carrier"};

// An upper bound on --timeout: lockerctl is interactive, and a request kept waiting longer is
// better re-sent with a fresh req_id.
constexpr double max_timeout_s = 3600;

struct command_tokens {
  std::vector<std::string> positionals;
  std::map<std::string, std::string, std::less<>> values;
  std::set<std::string, std::less<>> flags;
};

std::optional<long long> parse_integer(std::string_view s) {
  long long v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::chrono::milliseconds parse_timeout(std::string_view s) {
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty() || !std::isfinite(v) || v <= 0 ||
      v > max_timeout_s) {
    usage_fail("--timeout must be a number of seconds greater than 0 and at most 3600");
  }
  return std::chrono::milliseconds(static_cast<long long>(std::ceil(v * 1000)));
}

// Command-level accessors that enforce which options a command accepts.
class command_reader {
 public:
  command_reader(std::string name, command_tokens tokens)
      : name_(std::move(name)), tokens_(std::move(tokens)) {}

  std::string required(std::string_view option) {
    used_.insert(std::string(option));
    const auto it = tokens_.values.find(option);
    if (it == tokens_.values.end())
      usage_fail(name_ + ": --" + std::string(option) + " is required");
    if (it->second.empty()) usage_fail(name_ + ": --" + std::string(option) + " must not be empty");
    return it->second;
  }

  std::optional<std::string> optional(std::string_view option) {
    used_.insert(std::string(option));
    const auto it = tokens_.values.find(option);
    if (it == tokens_.values.end()) return std::nullopt;
    if (it->second.empty()) usage_fail(name_ + ": --" + std::string(option) + " must not be empty");
    return it->second;
  }

  bool flag(std::string_view option) {
    used_.insert(std::string(option));
    return tokens_.flags.contains(option);
  }

  // Exactly one of two flags, or the default when neither (nullopt: one is required).
  bool choice(std::string_view yes, std::string_view no, std::optional<bool> fallback) {
    const bool y = flag(yes);
    const bool n = flag(no);
    if (y && n)
      usage_fail(name_ + ": give --" + std::string(yes) + " or --" + std::string(no) +
                 ", not both");
    if (!y && !n) {
      if (!fallback)
        usage_fail(name_ + ": give --" + std::string(yes) + " or --" + std::string(no));
      return *fallback;
    }
    return y;
  }

  std::vector<std::string>& positionals() { return tokens_.positionals; }

  // Anything given that this command does not use is a mistake worth stopping for (a typo
  // would otherwise silently send a different request).
  void finish(std::size_t positionals_used) {
    for (const auto& [option, value] : tokens_.values) {
      if (!used_.contains(option)) usage_fail(name_ + ": --" + option + " does not apply here");
    }
    for (const auto& option : tokens_.flags) {
      if (!used_.contains(option)) usage_fail(name_ + ": --" + option + " does not apply here");
    }
    if (tokens_.positionals.size() > positionals_used) {
      usage_fail(name_ + ": unexpected argument '" + tokens_.positionals[positionals_used] + "'");
    }
  }

 private:
  std::string name_;
  command_tokens tokens_;
  std::set<std::string, std::less<>> used_;
};

std::string positional(command_reader& r, std::size_t index, const std::string& what,
                       const std::string& command) {
  if (r.positionals().size() <= index) usage_fail(command + ": " + what + " is required");
  return r.positionals()[index];
}

command_args read_command(const std::string& name, command_tokens tokens) {
  command_reader r(name, std::move(tokens));
  if (name == "announce") {
    announce_args a;
    a.reservation_id = r.required("reservation");
    a.tracking_number = r.required("tracking");
    a.size = r.required("size");
    a.code_stdin = r.flag("code-stdin");
    if (const auto w = r.optional("window-h")) {
      const auto v = parse_integer(*w);
      if (!v || *v < 1 || *v > 720)
        usage_fail("announce: --window-h must be a whole number of hours, 1-720");
      a.window_h = static_cast<int>(*v);
    }
    a.accessible = r.flag("accessible");
    a.extended_time = r.flag("extended-time");
    a.hold_until = r.optional("hold-until");
    if (a.hold_until && !protocol::parse_timestamp(*a.hold_until))
      usage_fail(
          "announce: --hold-until must be an RFC 3339 timestamp such as 2026-11-21T18:00:00Z");
    if (const auto h = r.optional("hold-h")) {
      const auto v = parse_integer(*h);
      if (!v || *v < 1 || *v > 720)
        usage_fail("announce: --hold-h must be a whole number of hours, 1-720");
      a.hold_h = static_cast<int>(*v);
    }
    if (a.hold_until && a.hold_h) usage_fail("announce: give --hold-until or --hold-h, not both");
    a.kind = r.optional("kind");
    a.carrier = r.optional("carrier");
    a.recipient = r.optional("recipient");  // multi
    r.finish(0);
    return a;
  }
  if (name == "cancel") {
    cancel_args a{r.required("reservation")};
    r.finish(0);
    return a;
  }
  if (name == "open") {
    open_args a;
    a.compartment = r.required("compartment");
    a.reason = r.required("reason");
    a.operator_name = r.required("operator");
    r.finish(0);
    return a;
  }
  if (name == "service") {
    service_args a;
    a.compartment = r.required("compartment");
    a.in_service = r.choice("in", "out", std::nullopt);
    a.reason = r.required("reason");
    r.finish(0);
    return a;
  }
  if (name == "courier") {
    const std::string sub = positional(r, 0, "add, set or remove", name);
    if (sub == "add" || sub == "set") {
      courier_upsert_args a;
      a.courier_id = r.required("id");
      a.name = r.optional("name");
      a.enabled = r.choice("enabled", "disabled", true);
      // A new courier needs a PIN; an existing one keeps its PIN unless --pin asks for a new
      // one (courier_upsert's pin is optional for a courier on file).
      a.new_pin = sub == "add" || r.flag("pin");
      a.carrier = r.optional("carrier");
      if (r.flag("no-carrier")) {
        if (a.carrier) usage_fail("courier: give --carrier or --no-carrier, not both");
        a.carrier = std::string{};
      }
      r.finish(1);
      return a;
    }
    if (sub == "remove") {
      courier_remove_args a{r.required("id")};
      r.finish(1);
      return a;
    }
    usage_fail("courier: expected add, set or remove, not '" + sub + "'");
  }
  if (name == "state") {
    r.finish(0);
    return state_args{};
  }
  if (name == "events") {
    events_args a;
    a.follow = r.flag("follow");
    a.show_codes = r.flag("show-codes");
    if (const auto s = r.optional("since-seq")) {
      const auto v = parse_integer(*s);
      if (!v || *v < 0) usage_fail("events: --since-seq must be a whole number >= 0");
      a.since_seq = static_cast<std::uint64_t>(*v);
    }
    r.finish(0);
    return a;
  }
  if (name == "push-config") {
    push_config_args a{positional(r, 0, "the config FILE.json", name)};
    r.finish(1);
    return a;
  }
  if (name == "rebirth") {
    r.finish(0);
    return rebirth_args{};
  }
  if (name == "reboot") {
    reboot_args a{r.required("reason")};
    r.finish(0);
    return a;
  }
  if (name == "fw-update") {
    fw_update_args a{r.required("job-id"), r.required("url"), r.required("sha256")};
    r.finish(0);
    return a;
  }
  if (name == "lockout") {
    const std::string sub = positional(r, 0, "clear", name);
    if (sub != "clear") usage_fail("lockout: expected clear, not '" + sub + "'");
    lockout_clear_args a{r.optional("budget")};
    r.finish(1);
    return a;
  }
  if (name == "raw") {
    raw_args a;
    a.name = positional(r, 0, "the command NAME", name);
    a.payload = positional(r, 1, "the JSON payload", name);
    // The name becomes one topic level: a wildcard or '/' would publish somewhere else.
    if (a.name.empty() || a.name.find_first_of("/+#") != std::string::npos) {
      usage_fail("raw: NAME must be one topic level, without '/', '+' or '#'");
    }
    r.finish(2);
    return a;
  }
  usage_fail("unknown command '" + name + "' (see lockerctl --help)");
}

// The command word of a command line: the first word that is no option and no option's value.
std::string command_word(std::span<const std::string> args) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (!a.starts_with("-") || a == "-") return a;
    const std::string name = a.substr(2, a.find('=') - 2);
    if (a.find('=') == std::string::npos &&
        (global_value_options.contains(name) || command_value_options.contains(name)))
      ++i;
  }
  return {};
}

// The forms README documents, onto the older ones the parser below knows (which stay
// accepted): "reservation add|cancel --id R" for announce/cancel --reservation R,
// "in-service|out-of-service ID" for service --compartment ID --in|--out, "courier VERB ID"
// for --id ID, "open ID" for --compartment ID.
void to_older_forms(std::string& command, command_tokens& t) {
  const auto move_value = [&](const std::string& from, const std::string& to) {
    if (const auto it = t.values.find(from); it != t.values.end() && !t.values.contains(to)) {
      t.values.emplace(to, it->second);
      t.values.erase(it);
    }
  };
  const auto positional_to = [&](std::size_t index, const std::string& option) {
    if (t.positionals.size() > index && !t.values.contains(option)) {
      t.values.emplace(option, t.positionals[index]);
      t.positionals.erase(t.positionals.begin() + static_cast<std::ptrdiff_t>(index));
    }
  };
  if (command == "reservation") {
    if (t.positionals.empty()) usage_fail("reservation: expected add or cancel");
    const std::string sub = t.positionals.front();
    if (sub != "add" && sub != "cancel")
      usage_fail("reservation: expected add or cancel, not '" + sub + "'");
    t.positionals.erase(t.positionals.begin());
    command = sub == "add" ? "announce" : "cancel";
    move_value("id", "reservation");
    positional_to(0, "reservation");
  } else if (command == "in-service" || command == "out-of-service") {
    t.flags.insert(command == "in-service" ? "in" : "out");
    command = "service";
    positional_to(0, "compartment");
  } else if (command == "courier") {
    // lockeradm's verbs: enable, disable, set-pin are "set" with a flag here.
    if (!t.positionals.empty()) {
      auto& verb = t.positionals.front();
      if (verb == "enable" || verb == "disable" || verb == "set-pin") {
        t.flags.insert(verb == "enable" ? "enabled" : verb == "disable" ? "disabled" : "pin");
        verb = "set";
      }
    }
    positional_to(1, "id");
  } else if (command == "open") {
    positional_to(0, "compartment");
  }
}

// The names a command's help goes by: the older spellings show the newer ones' help.
std::string help_name(const std::string& command) {
  if (command == "announce" || command == "cancel") return "reservation";
  if (command == "service") return "in-service";
  return command;
}

// The command line, as CLI11 (base/cli) reads it: global options anywhere (fallthrough), each
// command a CLI11 command with every command option, so that read_command can say which do
// not apply to it rather than "unknown option"; the words after it are its positionals.
parse_outcome parse(std::span<const std::string> args, const env_lookup& env) {
  if (args.empty()) usage_fail("usage: lockerctl [GLOBAL OPTIONS] COMMAND [ARGS]");
  CLI::App app{"", "lockerctl"};
  const auto texts = cli::conventions(app);
  texts->set_help_text(&app, usage());
  app.set_version_flag("-V,--version", cli::version_line("lockerctl"));
  app.fallthrough();
  // One command per line: then a command's words ("raw reboot {}", "reservation cancel") are
  // its own, never taken for another command.
  app.require_subcommand(0, 1);
  const auto names = [](const std::string& option) {
    for (const auto& [short_name, long_name] : short_options)
      if (long_name == "--" + option) {
        std::string both = short_name;
        both += ',';
        both += long_name;
        return both;
      }
    return "--" + option;
  };
  std::map<std::string, CLI::Option*, std::less<>> globals;
  for (const auto& o : global_value_options) globals[o] = app.add_option(names(o))->expected(1);
  auto* json_flag = app.add_flag(names("json"))->disable_flag_override();

  struct command_options {
    CLI::App* app = nullptr;
    std::map<std::string, CLI::Option*, std::less<>> values;
    std::map<std::string, CLI::Option*, std::less<>> flags;
    std::vector<std::string> words;
  };
  std::list<command_options> subs;  // stable: CLI11 keeps pointers to words
  for (const auto& c : commands) {
    if (c == "token") continue;  // offline, with its own parser (main runs it first)
    auto& sub = subs.emplace_back();
    sub.app = app.add_subcommand(c);
    if (c == "announce" || c == "cancel" || c == "service") sub.app->group("");  // older names
    texts->set_help_text(sub.app, command_usage(help_name(c)));
    for (const auto& o : command_value_options)
      sub.values[o] = sub.app->add_option(names(o))->expected(1);
    for (const auto& o : command_flags)
      sub.flags[o] = sub.app->add_flag(names(o))->disable_flag_override();
    sub.app->add_option("words", sub.words);
  }

  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes them reversed
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    return help_request{app.help()};
  } catch (const CLI::CallForAllHelp&) {
    return help_request{app.help()};
  } catch (const CLI::CallForVersion&) {
    return version_request{};
  } catch (const CLI::ExtrasError& e) {
    const std::string message = cli::readable(e);
    if (message.starts_with("unexpected argument '") && app.get_subcommands().empty())
      usage_fail("unknown command " + message.substr(20) + " (see lockerctl --help)");
    usage_fail(message);
  } catch (const CLI::ParseError& e) {
    usage_fail(cli::readable(e));
  }

  invocation inv;
  if (auto b = env("LOCKERCTL_BROKER"); b && !b->empty()) inv.connection.broker = *b;
  if (auto l = env("LOCKERCTL_LOCKER"); l && !l->empty()) inv.locker_id = *l;
  inv.json = json_flag->count() > 0;
  const auto global = [&](std::string_view name) -> std::optional<std::string> {
    const auto* o = globals.find(name)->second;
    if (o->count() == 0) return std::nullopt;
    return o->results().front();
  };
  if (auto v = global("broker")) inv.connection.broker = *v;
  inv.connection.ca_file = global("ca");
  inv.connection.cert_file = global("cert");
  inv.connection.key_file = global("key");
  inv.connection.username = global("username");
  inv.connection.password_file = global("password-file");
  if (auto v = global("locker")) inv.locker_id = *v;
  if (auto v = global("timeout")) inv.timeout = parse_timeout(*v);

  std::optional<std::string> command;
  command_tokens tokens;
  for (auto& sub : subs) {
    if (!sub.app->parsed()) continue;
    command = sub.app->get_name();
    for (const auto& [name, o] : sub.values)
      if (o->count() > 0) tokens.values.emplace(name, o->results().front());
    for (const auto& [name, o] : sub.flags)
      if (o->count() > 0) tokens.flags.insert(name);
    tokens.positionals = sub.words;
  }
  if (!command) usage_fail("no command given (see lockerctl --help)");
  to_older_forms(*command, tokens);
  inv.command = read_command(*command, std::move(tokens));

  if (inv.locker_id.empty()) usage_fail("--locker is required (or set LOCKERCTL_LOCKER)");
  if (!protocol::valid_locker_id(inv.locker_id)) {
    usage_fail("--locker must be 1-64 characters of a-z, 0-9 and '-'");
  }
  const auto& c = inv.connection;
  const auto broker = protocol::parse_broker_url(c.broker);
  if (!broker) {
    usage_fail("--broker must be a URL like mqtt://host:1883 or mqtts://host:8883 (" +
               broker.error() + ")");
  }
  if (c.cert_file.has_value() != c.key_file.has_value()) usage_fail("--cert and --key go together");
  const bool tls_files = c.ca_file || c.cert_file;
  if (tls_files && !broker->tls) usage_fail("--ca, --cert and --key need an mqtts:// broker URL");
  if (c.password_file && !c.username) usage_fail("--password-file needs --username");
  if (std::holds_alternative<open_args>(inv.command) && inv.timeout > std::chrono::minutes(5)) {
    usage_fail("open: --timeout is at most 300 s (an open command must expire within 5 minutes)");
  }
  return inv;
}

}  // namespace

void usage_fail(std::string message) { throw usage_failure{std::move(message)}; }

parse_outcome parse_arguments(std::span<const std::string> args, const env_lookup& env) {
  try {
    return parse(args, env);
  } catch (usage_failure& f) {
    std::vector<std::string> normalized;
    for (const auto& a : args) {
      const auto it = short_options.find(a);
      normalized.push_back(it == short_options.end() ? a : it->second);
    }
    std::string c = command_word(normalized);
    if (std::find(commands.begin(), commands.end(), c) == commands.end()) c.clear();
    return usage_error{std::move(f.message), c};
  }
}

std::string command_usage(std::string_view command) {
  // Its lines of usage()'s "Commands:" list, with their continuation lines.
  const std::string all = usage();
  std::string body;
  bool in_commands = false;
  bool taking = false;
  std::size_t at = 0;
  while (at < all.size()) {
    const auto end = std::min(all.find('\n', at), all.size());
    const std::string line = all.substr(at, end - at);
    at = end + 1;
    if (line == "Commands:") {
      in_commands = true;
      continue;
    }
    if (!in_commands) continue;
    if (line.empty()) break;
    if (line.starts_with("  ") && !line.starts_with("   ")) {
      const std::string word = line.substr(2, line.find(' ', 2) - 2);
      taking = word == command;
    }
    if (taking) body += line + "\n";
  }
  if (body.empty()) return usage();
  return "Usage: lockerctl [GLOBAL OPTIONS] " + std::string(command) + " [ARGS]\n\nArguments of " +
         std::string(command) + ":\n" + body + "\nGlobal options: see lockerctl --help.\n";
}

std::vector<std::string> command_names() {
  // What --help lists; the older spellings (announce, cancel, service) stay accepted.
  return {commands.begin(), commands.begin() + 14};
}

std::string command_wire_name(const command_args& c) {
  return std::visit(
      [](const auto& a) -> std::string {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, announce_args>)
          return "reservation_create";
        else if constexpr (std::is_same_v<T, cancel_args>)
          return "reservation_cancel";
        else if constexpr (std::is_same_v<T, open_args>)
          return "compartment_open";
        else if constexpr (std::is_same_v<T, service_args>)
          return "compartment_set_service";
        else if constexpr (std::is_same_v<T, courier_upsert_args>)
          return "courier_upsert";
        else if constexpr (std::is_same_v<T, courier_remove_args>)
          return "courier_remove";
        else if constexpr (std::is_same_v<T, state_args>)
          return "get_state";
        else if constexpr (std::is_same_v<T, rebirth_args>)
          return "rebirth";
        else if constexpr (std::is_same_v<T, reboot_args>)
          return "reboot";
        else if constexpr (std::is_same_v<T, fw_update_args>)
          return "fw_update";
        else if constexpr (std::is_same_v<T, raw_args>)
          return a.name;
        else if constexpr (std::is_same_v<T, lockout_clear_args>)
          return "lockout_clear";
        else
          return "";
      },
      c);
}

std::string usage() {
  return R"(Usage: lockerctl [GLOBAL OPTIONS] COMMAND [ARGS]

The operator's tool for one parcel locker, over MQTT (contract v1): announce parcels, open
compartments, manage couriers, read the state and follow the events. The options may come
before or after the command.

Options:
  -b, --broker URL      mqtt://host:port or mqtts://host:port
                        (default: $LOCKERCTL_BROKER, else mqtt://127.0.0.1:1883)
      --ca FILE --cert FILE --key FILE
                        TLS: CA bundle (default: the system's), client certificate
                        and key (with mqtts://); the broker's certificate must name its host
      --username U --password-file F
                        broker login; the password is the first line of F
  -l, --locker ID       the locker (default: $LOCKERCTL_LOCKER)
  -j, --json            print the replies and events as JSON (events with topic and kind)
  -t, --timeout S       seconds to wait for an answer (default 10; at most 300 for open)
  -h, --help            print this help, or COMMAND --help for that command's, and exit
  -V, --version         print the version and exit

Commands:
  reservation add --id R --tracking T --size S [--code-stdin] [--window-h H]
           [--accessible] [--extended-time] [--hold-until TIMESTAMP | --hold-h H]
           [--recipient K] [--kind dropoff|return] [--carrier C]
                        announce a parcel (reservation_create); with --code-stdin the
                        pickup code is read from stdin; --accessible asks for a low
                        compartment, --extended-time for more time at the pickup;
                        --hold-until/--hold-h hold a free compartment of the size until
                        then (none free: nothing announced); announcements with the same
                        --recipient key may share one pickup code; --kind dropoff|return:
                        a parcel the public drops off or returns at the keypad (with
                        --code-stdin its drop-off code is read from stdin, else the locker
                        draws one and prints it; --carrier limits who collects it)
  reservation cancel --id R
                        cancel an announced parcel
  open ID --reason TEXT --operator NAME
                        open compartment ID
  in-service ID --reason TEXT
                        take compartment ID back into service
  out-of-service ID --reason TEXT
                        take compartment ID out of service
  courier add ID [--name N] [--enabled|--disabled] [--carrier C]
                        add a courier (the PIN is read from stdin)
  courier set ID [--name N] [--enabled|--disabled] [--pin] [--carrier C | --no-carrier]
                        change a courier; the PIN stays unless --pin (then read from
                        stdin); --carrier C: the courier takes out only carrier C's parcels
  courier enable ID | disable ID | set-pin ID
                        as lockeradm says it: courier set ID --enabled, --disabled, --pin
  courier remove ID
  state                 compartments, parcels and alarms as a table
  events [-f|--follow] [--since-seq N] [--show-codes]
                        print events live (only those with seq > N); --follow reconnects
                        when the broker drops and resumes after the last seq shown;
                        without it, stop after --timeout seconds of silence; pickup codes
                        show as *** unless --show-codes
  push-config FILE.json publish the desired config and wait for the locker's verdict
  rebirth               ask the locker to republish status, info and state
  reboot --reason TEXT
  fw-update --job-id J --url URL --sha256 HEX
                        install a signed update bundle (https:// or a file on the
                        locker); follows job J until done (exit 0) or failed (exit 1)
  lockout clear [--budget pickup_code|courier]
                        end the keypad lockout (default: both budgets) and forget the
                        wrong attempts and back-off
  raw NAME JSON         send any payload to cmd/NAME (for testing the locker's validation)
  token keygen|make ...  make signed offline tokens for tests and demos (no broker;
                        see lockerctl token --help)

The same things have the same names in lockeradm. Older spellings stay accepted: announce
--reservation R (reservation add), cancel --reservation R, service --compartment N --in|--out,
open --compartment N, courier VERB --id C.

Exit status: 0 ok or accepted, 1 error reply or rejected config, 2 usage error,
3 no answer within --timeout, 4 broker unreachable.
)";
}

}  // namespace locker::ctl
