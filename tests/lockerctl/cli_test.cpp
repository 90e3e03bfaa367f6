// SPDX-License-Identifier: Apache-2.0
// lockerctl's argument parsing and request building: pure, no broker.
#include "tools/lockerctl/cli.hpp"

#include <map>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "protocol/timestamp.hpp"
#include "tools/lockerctl/requests.hpp"

namespace locker::ctl {
namespace {

using namespace std::chrono_literals;

parse_outcome parse(const std::vector<std::string>& args,
                    const std::map<std::string, std::string>& env = {}) {
  return parse_arguments(args, [env](std::string_view name) -> std::optional<std::string> {
    const auto it = env.find(std::string(name));
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  });
}

invocation parsed(const std::vector<std::string>& args,
                  const std::map<std::string, std::string>& env = {}) {
  auto out = parse(args, env);
  if (const auto* e = std::get_if<usage_error>(&out)) ADD_FAILURE() << e->message;
  EXPECT_TRUE(std::holds_alternative<invocation>(out));
  return std::holds_alternative<invocation>(out) ? std::get<invocation>(out) : invocation{};
}

std::string usage_message(const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env = {}) {
  auto out = parse(args, env);
  if (const auto* e = std::get_if<usage_error>(&out)) return e->message;
  ADD_FAILURE() << "expected a usage error";
  return {};
}

TEST(LockerctlCli, AnnounceWithEveryOption) {
  const auto inv = parsed({"--broker", "mqtt://broker:1883", "--locker", "t1", "--timeout", "2.5",
                           "announce", "--reservation", "R1", "--tracking", "TRK1", "--size", "M",
                           "--code-stdin", "--window-h", "48"});
  EXPECT_EQ(inv.connection.broker, "mqtt://broker:1883");
  EXPECT_EQ(inv.locker_id, "t1");
  EXPECT_EQ(inv.timeout, 2500ms);
  const auto& a = std::get<announce_args>(inv.command);
  EXPECT_EQ(a.reservation_id, "R1");
  EXPECT_EQ(a.tracking_number, "TRK1");
  EXPECT_EQ(a.size, "M");
  EXPECT_TRUE(a.code_stdin);
  EXPECT_EQ(a.window_h, 48);
  EXPECT_EQ(command_wire_name(inv.command), "reservation_create");
}

TEST(LockerctlCli, DefaultsComeFromTheEnvironmentAndOptionsWin) {
  const auto from_env =
      parsed({"state"}, {{"LOCKERCTL_BROKER", "mqtt://env:1"}, {"LOCKERCTL_LOCKER", "env-1"}});
  EXPECT_EQ(from_env.connection.broker, "mqtt://env:1");
  EXPECT_EQ(from_env.locker_id, "env-1");
  EXPECT_EQ(from_env.timeout, default_timeout);
  EXPECT_FALSE(from_env.json);

  const auto given = parsed({"state", "--locker=t2", "--json", "--broker", "mqtt://opt:2"},
                            {{"LOCKERCTL_BROKER", "mqtt://env:1"}, {"LOCKERCTL_LOCKER", "env-1"}});
  EXPECT_EQ(given.connection.broker, "mqtt://opt:2");
  EXPECT_EQ(given.locker_id, "t2");
  EXPECT_TRUE(given.json);

  EXPECT_EQ(parsed({"--locker", "t1", "state"}).connection.broker, default_broker);
}

TEST(LockerctlCli, EveryCommandParses) {
  EXPECT_EQ(
      std::get<cancel_args>(parsed({"--locker", "t1", "cancel", "--reservation", "R"}).command)
          .reservation_id,
      "R");
  const auto open = std::get<open_args>(parsed({"--locker", "t1", "open", "--compartment", "A3",
                                                "--reason", "stuck", "--operator", "ann"})
                                            .command);
  EXPECT_EQ(open.compartment, "A3");
  EXPECT_EQ(open.operator_name, "ann");
  EXPECT_FALSE(std::get<service_args>(parsed({"--locker", "t1", "service", "--compartment", "A3",
                                              "--out", "--reason", "broken"})
                                          .command)
                   .in_service);
  EXPECT_TRUE(std::get<service_args>(parsed({"--locker", "t1", "service", "--compartment", "A3",
                                             "--in", "--reason", "fixed"})
                                         .command)
                  .in_service);
  const auto add = std::get<courier_upsert_args>(
      parsed({"--locker", "t1", "courier", "add", "--id", "c1", "--name", "Bo"}).command);
  EXPECT_EQ(add.courier_id, "c1");
  EXPECT_EQ(add.name, "Bo");
  EXPECT_TRUE(add.enabled);
  EXPECT_FALSE(std::get<courier_upsert_args>(
                   parsed({"--locker", "t1", "courier", "set", "--id", "c1", "--disabled"}).command)
                   .enabled);
  EXPECT_EQ(std::get<courier_remove_args>(
                parsed({"--locker", "t1", "courier", "remove", "--id", "c1"}).command)
                .courier_id,
            "c1");
  const auto events = std::get<events_args>(
      parsed({"--locker", "t1", "events", "--follow", "--since-seq", "41"}).command);
  EXPECT_TRUE(events.follow);
  EXPECT_EQ(events.since_seq, 41u);
  EXPECT_FALSE(events.show_codes);
  EXPECT_TRUE(std::get<events_args>(parsed({"--locker", "t1", "events", "--show-codes"}).command)
                  .show_codes);
  EXPECT_EQ(
      std::get<push_config_args>(parsed({"--locker", "t1", "push-config", "cfg.json"}).command)
          .file,
      "cfg.json");
  EXPECT_TRUE(std::holds_alternative<rebirth_args>(parsed({"--locker", "t1", "rebirth"}).command));
  EXPECT_EQ(
      std::get<reboot_args>(parsed({"--locker", "t1", "reboot", "--reason", "update"}).command)
          .reason,
      "update");
  const auto raw = std::get<raw_args>(parsed({"--locker", "t1", "raw", "get_state", "{}"}).command);
  EXPECT_EQ(raw.name, "get_state");
  EXPECT_EQ(raw.payload, "{}");
  EXPECT_EQ(command_wire_name(parsed({"--locker", "t1", "raw", "nonsense", "{}"}).command),
            "nonsense");
}

TEST(LockerctlCli, HelpIsNotAnError) {
  EXPECT_TRUE(std::holds_alternative<help_request>(parse({"--help"})));
  EXPECT_TRUE(std::holds_alternative<help_request>(parse({"state", "-h"})));
  EXPECT_NE(usage().find("push-config"), std::string::npos);
}

// Issue 16: the conventions (base/cli) and one scheme of nouns and verbs with lockeradm.
TEST(LockerctlCli, VersionHelpPerCommandAndUsageOnNoArguments) {
  EXPECT_TRUE(std::holds_alternative<version_request>(parse({"--version"})));
  EXPECT_TRUE(std::holds_alternative<version_request>(parse({"-V"})));
  const auto open_help = parse({"open", "--help"});
  ASSERT_TRUE(std::holds_alternative<help_request>(open_help));
  EXPECT_NE(std::get<help_request>(open_help).text.find("open ID --reason"), std::string::npos);
  EXPECT_EQ(std::get<help_request>(open_help).text.find("push-config"), std::string::npos);
  EXPECT_EQ(std::get<help_request>(parse({"--help"})).text, usage());
  EXPECT_EQ(usage_message({}), "usage: lockerctl [GLOBAL OPTIONS] COMMAND [ARGS]");
  const auto e = parse({"-l", "t1", "open"});
  ASSERT_TRUE(std::holds_alternative<usage_error>(e));
  EXPECT_EQ(std::get<usage_error>(e).command, "open");
  EXPECT_EQ(usage_message({"-l", "t1", "-z", "state"}), "unknown option -z");
  for (const auto& c : command_names())
    EXPECT_NE(usage().find("\n  " + c + " "), std::string::npos) << c;
}

TEST(LockerctlCli, ShortOptionsAndTheSchemeSharedWithLockeradm) {
  const auto inv = parsed({"-b", "mqtt://h:1", "-l", "t1", "-t", "3", "-j", "events", "-f"});
  EXPECT_EQ(inv.connection.broker, "mqtt://h:1");
  EXPECT_EQ(inv.locker_id, "t1");
  EXPECT_EQ(inv.timeout, 3000ms);
  EXPECT_TRUE(inv.json);
  EXPECT_TRUE(std::get<events_args>(inv.command).follow);
  const auto add = std::get<announce_args>(
      parsed({"-l", "t1", "reservation", "add", "--id", "R1", "--tracking", "T1", "--size", "M"})
          .command);
  EXPECT_EQ(add.reservation_id, "R1");
  EXPECT_EQ(
      std::get<cancel_args>(parsed({"-l", "t1", "reservation", "cancel", "--id", "R1"}).command)
          .reservation_id,
      "R1");
  const auto out = std::get<service_args>(
      parsed({"-l", "t1", "out-of-service", "A3", "--reason", "broken"}).command);
  EXPECT_EQ(out.compartment, "A3");
  EXPECT_FALSE(out.in_service);
  EXPECT_TRUE(
      std::get<service_args>(parsed({"-l", "t1", "in-service", "A3", "--reason", "ok"}).command)
          .in_service);
  EXPECT_EQ(std::get<courier_upsert_args>(parsed({"-l", "t1", "courier", "add", "c1"}).command)
                .courier_id,
            "c1");
  EXPECT_EQ(std::get<courier_remove_args>(parsed({"-l", "t1", "courier", "remove", "c1"}).command)
                .courier_id,
            "c1");
  EXPECT_EQ(std::get<open_args>(
                parsed({"-l", "t1", "open", "A3", "--reason", "r", "--operator", "o"}).command)
                .compartment,
            "A3");
  EXPECT_NE(usage_message({"-l", "t1", "reservation", "list"}).find("add or cancel"),
            std::string::npos);
  const auto disabled =
      std::get<courier_upsert_args>(parsed({"-l", "t1", "courier", "disable", "c1"}).command);
  EXPECT_EQ(disabled.courier_id, "c1");
  EXPECT_FALSE(disabled.enabled);
  EXPECT_FALSE(disabled.new_pin);
  EXPECT_TRUE(
      std::get<courier_upsert_args>(parsed({"-l", "t1", "courier", "set-pin", "c1"}).command)
          .new_pin);
  // A command's words are its own, even when they are another command's name.
  const auto raw = std::get<raw_args>(parsed({"-l", "t1", "raw", "reboot", "{}"}).command);
  EXPECT_EQ(raw.name, "reboot");
  EXPECT_EQ(raw.payload, "{}");
}

TEST(LockerctlCli, UsageErrorsSayWhatIsWrong) {
  EXPECT_EQ(usage_message({"state"}), "--locker is required (or set LOCKERCTL_LOCKER)");
  EXPECT_NE(usage_message({"--locker", "T1!", "state"}).find("--locker must be"),
            std::string::npos);
  EXPECT_NE(usage_message({"--locker", "t1"}).find("no command"), std::string::npos);
  EXPECT_NE(usage_message({"--locker", "t1", "explode"}).find("unknown command 'explode'"),
            std::string::npos);
  EXPECT_EQ(usage_message({"--locker", "t1", "--colour", "state"}), "unknown option --colour");
  EXPECT_EQ(usage_message({"--locker", "t1", "state", "--timeout"}), "--timeout needs a value");
  EXPECT_NE(usage_message({"--locker", "t1", "--timeout", "0", "state"}).find("--timeout must be"),
            std::string::npos);
  EXPECT_NE(
      usage_message({"--locker", "t1", "--timeout", "soon", "state"}).find("--timeout must be"),
      std::string::npos);
  EXPECT_EQ(usage_message({"--locker", "t1", "--locker", "t2", "state"}), "--locker given twice");
  EXPECT_EQ(usage_message({"--locker", "t1", "cancel"}), "cancel: --reservation is required");
  EXPECT_EQ(usage_message({"--locker", "t1", "cancel", "--reservation", ""}),
            "cancel: --reservation must not be empty");
  EXPECT_EQ(
      usage_message({"--locker", "t1", "cancel", "--reservation", "R", "--compartment", "A1"}),
      "cancel: --compartment does not apply here");
  EXPECT_EQ(usage_message({"--locker", "t1", "state", "extra"}),
            "state: unexpected argument 'extra'");
  EXPECT_EQ(usage_message({"--locker", "t1", "service", "--compartment", "A1", "--reason", "x"}),
            "service: give --in or --out");
  EXPECT_EQ(usage_message({"--locker", "t1", "service", "--compartment", "A1", "--in", "--out",
                           "--reason", "x"}),
            "service: give --in or --out, not both");
  EXPECT_NE(
      usage_message({"--locker", "t1", "courier", "fire", "--id", "c"}).find("add, set or remove"),
      std::string::npos);
  EXPECT_NE(usage_message({"--locker", "t1", "announce", "--reservation", "R", "--tracking", "T",
                           "--size", "M", "--window-h", "0"})
                .find("--window-h"),
            std::string::npos);
  EXPECT_NE(usage_message({"--locker", "t1", "events", "--since-seq", "-1"}).find("--since-seq"),
            std::string::npos);
  EXPECT_NE(usage_message({"--locker", "t1", "raw", "a/b", "{}"}).find("one topic level"),
            std::string::npos);
  EXPECT_EQ(usage_message({"--locker", "t1", "push-config"}),
            "push-config: the config FILE.json is required");
  EXPECT_NE(usage_message({"--locker", "t1", "--timeout", "301", "open", "--compartment", "A1",
                           "--reason", "r", "--operator", "o"})
                .find("at most 300 s"),
            std::string::npos);
  EXPECT_NE(
      usage_message({"--locker", "t1", "--broker", "localhost:1883", "state"}).find("--broker"),
      std::string::npos);
  EXPECT_EQ(
      usage_message({"--locker", "t1", "--cert", "c.pem", "--broker", "mqtts://h:8883", "state"}),
      "--cert and --key go together");
  EXPECT_NE(usage_message({"--locker", "t1", "--ca", "ca.pem", "state"}).find("mqtts://"),
            std::string::npos);
  EXPECT_EQ(usage_message({"--locker", "t1", "--password-file", "p", "state"}),
            "--password-file needs --username");
  EXPECT_EQ(usage_message({"--locker", "t1", "--json=yes", "state"}), "--json takes no value");
}

// The same parser as lockerd's broker.url (protocol/broker_url.hpp).
TEST(LockerctlCli, BrokerUrlsAsLockerdTakesThem) {
  for (const char* url : {"mqtt://h:1883", "tcp://h:1883", "mqtts://h:8883", "ssl://h:8883",
                          "mqtt://h", "mqtts://[::1]:8883"})
    EXPECT_EQ(parsed({"--locker", "t1", "--broker", url, "state"}).connection.broker, url);
  EXPECT_TRUE(parsed({"--locker", "t1", "--broker", "ssl://h:8883", "--ca", "ca.pem", "state"})
                  .connection.ca_file);
  EXPECT_NE(usage_message({"--locker", "t1", "--broker", "ws://h:80", "state"})
                .find("must start with mqtt://, mqtts://, tcp:// or ssl://"),
            std::string::npos);
  EXPECT_NE(
      usage_message({"--locker", "t1", "--broker", "mqtt://h:99999", "state"}).find("invalid port"),
      std::string::npos);
}

TEST(LockerctlCli, TlsAndLoginOptionsParse) {
  const auto inv =
      parsed({"--locker", "t1", "--broker", "mqtts://h:8883", "--ca", "ca.pem", "--cert", "c.pem",
              "--key", "k.pem", "--username", "ops", "--password-file", "pw", "state"});
  EXPECT_EQ(inv.connection.ca_file, "ca.pem");
  EXPECT_EQ(inv.connection.cert_file, "c.pem");
  EXPECT_EQ(inv.connection.key_file, "k.pem");
  EXPECT_EQ(inv.connection.username, "ops");
  EXPECT_EQ(inv.connection.password_file, "pw");
}

const protocol::wall_time fixed_now = *protocol::parse_timestamp("2026-11-21T09:12:44.120Z");

request_plan plan_for(const std::vector<std::string>& args,
                      const std::optional<std::string>& secret = std::nullopt) {
  const auto inv = parsed(args);
  auto built = build_request(inv.command, "req-1", fixed_now, inv.timeout, secret);
  if (const auto* e = std::get_if<usage_error>(&built)) ADD_FAILURE() << e->message;
  return std::holds_alternative<request_plan>(built) ? std::get<request_plan>(built)
                                                     : request_plan{};
}

std::string refusal(const std::vector<std::string>& args,
                    const std::optional<std::string>& secret = std::nullopt) {
  const auto inv = parsed(args);
  auto built = build_request(inv.command, "req-1", fixed_now, inv.timeout, secret);
  if (const auto* e = std::get_if<usage_error>(&built)) return e->message;
  ADD_FAILURE() << "expected a refusal";
  return {};
}

TEST(LockerctlRequests, AnnounceCarriesTheCodeFromStdinAndExpiresAfterTheTimeout) {
  EXPECT_EQ(secret_needed(parsed({"--locker", "t1", "announce", "--reservation", "R", "--tracking",
                                  "T", "--size", "M", "--code-stdin"})
                              .command),
            secret_kind::pickup_code);
  const auto plan =
      plan_for({"--locker", "t1", "--timeout", "30", "announce", "--reservation", "R1",
                "--tracking", "TRK1", "--size", "M", "--code-stdin", "--window-h", "24"},
               "123456");
  EXPECT_EQ(plan.name, "reservation_create");
  const auto j = nlohmann::json::parse(plan.payload);
  EXPECT_EQ(j["req_id"], "req-1");
  EXPECT_EQ(j["expires_at"], "2026-11-21T09:13:14.120Z");
  EXPECT_EQ(j["reservation_id"], "R1");
  EXPECT_EQ(j["tracking_number"], "TRK1");
  EXPECT_EQ(j["size"], "M");
  EXPECT_EQ(j["pickup_code"], "123456");
  EXPECT_EQ(j["pickup_window_h"], 24);

  const auto without_code =
      nlohmann::json::parse(plan_for({"--locker", "t1", "announce", "--reservation", "R1",
                                      "--tracking", "TRK1", "--size", "M"})
                                .payload);
  EXPECT_FALSE(without_code.contains("pickup_code"));
  EXPECT_FALSE(without_code.contains("accessible"));
  EXPECT_FALSE(without_code.contains("extended_time"));
}

TEST(LockerctlRequests, AnnounceAsksForAccessibilityWhenTold) {
  const auto j = nlohmann::json::parse(
      plan_for({"--locker", "t1", "announce", "--reservation", "R1", "--tracking", "TRK1", "--size",
                "M", "--accessible", "--extended-time"})
          .payload);
  EXPECT_EQ(j["accessible"], true);
  EXPECT_EQ(j["extended_time"], true);
  const auto only_low =
      nlohmann::json::parse(plan_for({"--locker", "t1", "announce", "--reservation", "R1",
                                      "--tracking", "TRK1", "--size", "M", "--accessible"})
                                .payload);
  EXPECT_EQ(only_low["accessible"], true);
  EXPECT_FALSE(only_low.contains("extended_time"));
}

// Flow "hold" (issue 13): --hold-until as given, --hold-h hours from now; not both.
TEST(LockerctlRequests, AnnounceCarriesAHold) {
  const auto until = nlohmann::json::parse(
      plan_for({"--locker", "t1", "announce", "--reservation", "R1", "--tracking", "TRK1", "--size",
                "M", "--hold-until", "2026-11-21T18:00:00Z"})
          .payload);
  EXPECT_EQ(until["hold_until"], "2026-11-21T18:00:00Z");
  const auto hours =
      nlohmann::json::parse(plan_for({"--locker", "t1", "announce", "--reservation", "R1",
                                      "--tracking", "TRK1", "--size", "M", "--hold-h", "4"})
                                .payload);
  EXPECT_EQ(hours["hold_until"], "2026-11-21T13:12:44.120Z");
  EXPECT_FALSE(nlohmann::json::parse(plan_for({"--locker", "t1", "announce", "--reservation", "R1",
                                               "--tracking", "TRK1", "--size", "M"})
                                         .payload)
                   .contains("hold_until"));
  EXPECT_NE(usage_message({"--locker", "t1", "announce", "--reservation", "R", "--tracking", "T",
                           "--size", "M", "--hold-h", "4", "--hold-until", "2026-11-21T18:00:00Z"})
                .find("not both"),
            std::string::npos);
  EXPECT_NE(usage_message({"--locker", "t1", "announce", "--reservation", "R", "--tracking", "T",
                           "--size", "M", "--hold-until", "tonight"})
                .find("--hold-until"),
            std::string::npos);
  EXPECT_NE(usage_message({"--locker", "t1", "announce", "--reservation", "R", "--tracking", "T",
                           "--size", "M", "--hold-h", "0"})
                .find("--hold-h"),
            std::string::npos);
  // A deadline already past is refused by the locker's own decoder, naming the option.
  EXPECT_NE(refusal({"--locker", "t1", "announce", "--reservation", "R", "--tracking", "T",
                     "--size", "M", "--hold-until", "2026-11-21T09:00:00Z"})
                .find("--hold-until"),
            std::string::npos);
}

TEST(LockerctlRequests, EachCommandBuildsItsContractPayload) {
  const auto open =
      nlohmann::json::parse(plan_for({"--locker", "t1", "--timeout", "5", "open", "--compartment",
                                      "A3", "--reason", "stuck", "--operator", "ann"})
                                .payload);
  EXPECT_EQ(open["compartment"], "A3");
  EXPECT_EQ(open["operator"], "ann");
  EXPECT_EQ(open["expires_at"], "2026-11-21T09:12:49.120Z");
  const auto service = nlohmann::json::parse(
      plan_for({"--locker", "t1", "service", "--compartment", "A3", "--out", "--reason", "broken"})
          .payload);
  EXPECT_EQ(service["in_service"], false);
  // courier set changes what it is told and keeps the PIN: nothing is read from stdin.
  const auto courier = nlohmann::json::parse(
      plan_for({"--locker", "t1", "courier", "set", "--id", "c1", "--disabled"}).payload);
  EXPECT_FALSE(courier.contains("pin"));
  EXPECT_EQ(courier["enabled"], false);
  EXPECT_FALSE(courier.contains("name"));
  EXPECT_EQ(secret_needed(
                parsed({"--locker", "t1", "courier", "set", "--id", "c1", "--disabled"}).command),
            secret_kind::none);
  // --pin: a new PIN from stdin.
  const auto repinned = nlohmann::json::parse(
      plan_for({"--locker", "t1", "courier", "set", "--id", "c1", "--pin"}, "654321").payload);
  EXPECT_EQ(repinned["pin"], "654321");
  EXPECT_EQ(repinned["enabled"], true);
  EXPECT_EQ(plan_for({"--locker", "t1", "state"}).name, "get_state");
  EXPECT_EQ(plan_for({"--locker", "t1", "rebirth"}).name, "rebirth");
  EXPECT_EQ(nlohmann::json::parse(
                plan_for({"--locker", "t1", "reboot", "--reason", "r"}).payload)["reason"],
            "r");
}

TEST(LockerctlRequests, FwUpdateCarriesJobUrlAndDigestAndIsCheckedLocally) {
  const std::string sha(64, 'a');
  const auto plan = plan_for({"--locker", "t1", "fw-update", "--job-id", "j-7", "--url",
                              "https://updates.example.com/b.raucb", "--sha256", sha});
  EXPECT_EQ(plan.name, "fw_update");
  const auto j = nlohmann::json::parse(plan.payload);
  EXPECT_EQ(j["job_id"], "j-7");
  EXPECT_EQ(j["url"], "https://updates.example.com/b.raucb");
  EXPECT_EQ(j["sha256"], sha);
  const auto parsed_args = std::get<fw_update_args>(
      parsed({"--locker", "t1", "fw-update", "--job-id", "j", "--url", "/b", "--sha256", sha})
          .command);
  EXPECT_EQ(parsed_args.url, "/b");
}

TEST(LockerctlRequests, RawIsSentVerbatim) {
  const auto plan = plan_for({"--locker", "t1", "raw", "compartment_open", "{\"req_id\":\"x\"}"});
  EXPECT_EQ(plan.name, "compartment_open");
  EXPECT_EQ(plan.payload, "{\"req_id\":\"x\"}");
  EXPECT_EQ(plan_for({"--locker", "t1", "raw", "nope", "not json"}).payload, "not json");
}

TEST(LockerctlRequests, BadValuesAreRefusedLocallyWithoutQuotingSecrets) {
  const std::string code_message = refusal({"--locker", "t1", "announce", "--reservation", "R",
                                            "--tracking", "T", "--size", "M", "--code-stdin"},
                                           "12ab");
  EXPECT_EQ(code_message, "announce: the pickup code (stdin) must be 6-10 digits");
  EXPECT_EQ(refusal({"--locker", "t1", "courier", "add", "--id", "c1"}, "99"),
            "courier: the PIN (stdin) must be 6-12 digits");
  EXPECT_NE(refusal({"--locker", "t1", "courier", "add", "--id", "c1"}, std::nullopt).find("PIN"),
            std::string::npos);
  EXPECT_NE(refusal({"--locker", "t1", "announce", "--reservation", "R", "--tracking", "T",
                     "--size", "M", "--code-stdin"},
                    std::nullopt)
                .find("no pickup code"),
            std::string::npos);
  EXPECT_EQ(refusal({"--locker", "t1", "open", "--compartment", "A/3", "--reason", "r",
                     "--operator", "o"}),
            "open: --compartment: must be 1-16 characters of A-Z, a-z, 0-9 and '-'");
  EXPECT_EQ(refusal({"--locker", "t1", "announce", "--reservation", "R", "--tracking", "has space",
                     "--size", "M"})
                .rfind("announce: --tracking: must be", 0),
            0u);
}

TEST(LockerctlRequests, SecretLineDropsTheLineEnd) {
  std::istringstream in("123456\r\nrest\n");
  EXPECT_EQ(read_secret_line(in), "123456");
  std::istringstream empty("");
  EXPECT_EQ(read_secret_line(empty), std::nullopt);
}

TEST(LockerctlRequests, LockoutClearNamesTheBudgetOrNone) {
  const auto one = plan_for({"--locker", "t1", "lockout", "clear", "--budget", "courier"});
  EXPECT_EQ(one.name, "lockout_clear");
  EXPECT_EQ(nlohmann::json::parse(one.payload)["budget"], "courier");
  const auto both = plan_for({"--locker", "t1", "lockout", "clear"});
  EXPECT_FALSE(nlohmann::json::parse(both.payload).contains("budget"));
  // Checked with the locker's own decoder before anything is sent.
  EXPECT_NE(refusal({"--locker", "t1", "lockout", "clear", "--budget", "all"}).find("budget"),
            std::string::npos);
}

// Drop-off flow (issue 13): --kind, the drop-off code from stdin, --carrier on announce and
// courier, --no-carrier.
TEST(LockerctlRequests, DropoffAnnouncementsAndCarriers) {
  auto j = nlohmann::json::parse(
      plan_for({"--locker", "t1", "announce", "--reservation", "R1", "--tracking", "TRK1", "--size",
                "M", "--kind", "dropoff", "--code-stdin", "--carrier", "dhl"},
               "55501234")
          .payload);
  EXPECT_EQ(j["kind"], "dropoff");
  EXPECT_EQ(j["dropoff_code"], "55501234");
  EXPECT_FALSE(j.contains("pickup_code"));
  EXPECT_EQ(j["carrier"], "dhl");
  j = nlohmann::json::parse(plan_for({"--locker", "t1", "announce", "--reservation", "R2",
                                      "--tracking", "TRK2", "--size", "S", "--kind", "return"})
                                .payload);
  EXPECT_EQ(j["kind"], "return");
  EXPECT_FALSE(j.contains("dropoff_code"));
  EXPECT_NE(refusal({"--locker", "t1", "announce", "--reservation", "R3", "--tracking", "T3",
                     "--size", "S", "--kind", "parcel"})
                .find("--kind"),
            std::string::npos);

  j = nlohmann::json::parse(
      plan_for({"--locker", "t1", "courier", "set", "--id", "c-1", "--carrier", "dhl"}).payload);
  EXPECT_EQ(j["carrier"], "dhl");
  j = nlohmann::json::parse(
      plan_for({"--locker", "t1", "courier", "set", "--id", "c-1", "--no-carrier"}).payload);
  EXPECT_EQ(j["carrier"], "");
  j = nlohmann::json::parse(plan_for({"--locker", "t1", "courier", "set", "--id", "c-1"}).payload);
  EXPECT_FALSE(j.contains("carrier"));
  EXPECT_NE(usage_message({"--locker", "t1", "courier", "set", "--id", "c-1", "--carrier", "dhl",
                           "--no-carrier"})
                .find("not both"),
            std::string::npos);
}

// Several parcels, one code (multi): --recipient is reservation_create's `recipient`.
TEST(LockerctlRequests, AnnounceCarriesTheRecipientKey) {
  const auto plan = plan_for({"--locker", "t1", "announce", "--reservation", "R1", "--tracking",
                              "TRK1", "--size", "S", "--code-stdin", "--recipient", "cust-42"},
                             "31415926");
  const auto j = nlohmann::json::parse(plan.payload);
  EXPECT_EQ(j["recipient"], "cust-42");
  EXPECT_EQ(j["pickup_code"], "31415926");
  const auto without =
      nlohmann::json::parse(plan_for({"--locker", "t1", "announce", "--reservation", "R1",
                                      "--tracking", "TRK1", "--size", "S"})
                                .payload);
  EXPECT_FALSE(without.contains("recipient"));
  // Checked with the locker's own decoder before anything is sent.
  EXPECT_NE(refusal({"--locker", "t1", "announce", "--reservation", "R1", "--tracking", "TRK1",
                     "--size", "S", "--recipient", std::string(65, 'k')})
                .find("--recipient"),
            std::string::npos);
}

}  // namespace
}  // namespace locker::ctl
