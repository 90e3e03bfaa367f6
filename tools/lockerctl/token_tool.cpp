// SPDX-License-Identifier: Apache-2.0
#include "tools/lockerctl/token_tool.hpp"

#include <charconv>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>

#include <fcntl.h>
#include <unistd.h>

#include "daemon/tokens/signer.hpp"
#include "protocol/timestamp.hpp"
#include "protocol/topics.hpp"
#include "tools/lockerctl/cli.hpp"

namespace locker::ctl {
namespace {

// "<verb>: <before><what><after>", for the refusals inside read_options' loop.
[[noreturn]] void option_fail(const std::string& verb, std::string_view before,
                              std::string_view what, std::string_view after) {
  std::string m = verb;
  m.append(": ").append(before).append(what).append(after);
  usage_fail(std::move(m));
}

// "--name value" pairs only; every option here takes a value.
std::map<std::string, std::string, std::less<>> read_options(std::span<const std::string> args,
                                                             const std::set<std::string>& known,
                                                             const std::string& verb) {
  std::map<std::string, std::string, std::less<>> out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    if (!a.starts_with("--")) option_fail(verb, "unexpected argument '", a, "'");
    std::string name = a.substr(2);
    std::string value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    } else {
      if (i + 1 >= args.size()) option_fail(verb, "--", name, " needs a value");
      value = args[++i];
    }
    if (!known.contains(name)) option_fail(verb, "unknown option --", name, "");
    if (value.empty()) option_fail(verb, "--", name, " must not be empty");
    if (!out.emplace(name, value).second) option_fail(verb, "--", name, " given twice");
  }
  return out;
}

// "90s", "15m", "1h", "2d" (or plain seconds).
std::chrono::seconds parse_duration(const std::string& text) {
  long long n = 0;
  const auto* end = text.data() + text.size();
  const auto [p, ec] = std::from_chars(text.data(), end, n);
  long long unit = 1;
  if (p != end) {
    const std::string_view u(p, static_cast<std::size_t>(end - p));
    if (u == "s")
      unit = 1;
    else if (u == "m")
      unit = 60;
    else if (u == "h")
      unit = 3600;
    else if (u == "d")
      unit = 86400;
    else
      unit = 0;
  }
  if (ec != std::errc{} || unit == 0 || n <= 0 || n > 366LL * 86400 / unit)
    usage_fail("token make: --valid-for must be like 90s, 15m, 1h or 2d (at most a year)");
  return std::chrono::seconds{n * unit};
}

tokens::unix_seconds unix_at(std::chrono::system_clock::time_point t) {
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  if (s < 0 || s > 0xffffffffLL) usage_fail("token make: the window is outside 1970-2106");
  return static_cast<tokens::unix_seconds>(s);
}

int keygen(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
  const auto o = read_options(args, {"out"}, "token keygen");
  if (!o.contains("out")) usage_fail("token keygen: --out PRIVATE.pem is required");
  const std::string path = o.at("out");
  const auto key = tokens::generate_key();
  const auto pem = tokens::private_key_pem(key.get());
  // Never over an existing file (it may be the tracking system's live key), and never
  // readable by others.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    err << "lockerctl: token keygen: cannot create " << path
        << (errno == EEXIST ? ": it exists already" : "") << "\n";
    return exit_error_reply;
  }
  const bool written = ::write(fd, pem.data(), pem.size()) == static_cast<ssize_t>(pem.size());
  const bool closed = ::close(fd) == 0;
  if (!written || !closed) {
    err << "lockerctl: token keygen: could not write " << path << "\n";
    return exit_error_reply;
  }
  out << tokens::public_key_base64(key.get()) << "\n";
  err << "private key written to " << path
      << "; for the locker's config:\n  [tokens]\n  keys = [{ id = \"KEY-ID\", public_key = \""
      << tokens::public_key_base64(key.get()) << "\" }]\n";
  return exit_ok;
}

int make(std::span<const std::string> args, std::ostream& out,
         std::chrono::system_clock::time_point now) {
  const auto o = read_options(
      args, {"key", "key-id", "locker", "reservation", "tracking", "valid-for", "not-before"},
      "token make");
  for (const char* required : {"key", "key-id", "locker"})
    if (!o.contains(required))
      usage_fail(std::string("token make: --") + required + " is required");
  if (o.contains("reservation") == o.contains("tracking"))
    usage_fail("token make: give --reservation R or --tracking T (one of them)");
  tokens::token_claims c;
  c.key_id = o.at("key-id");
  if (!tokens::valid_key_id(c.key_id))
    usage_fail("token make: --key-id must match [A-Za-z0-9._-]{1,32}");
  c.locker_id = o.at("locker");
  if (!protocol::valid_locker_id(c.locker_id))
    usage_fail("token make: --locker must match [a-z0-9-]{1,64}");
  if (o.contains("reservation")) {
    c.kind = tokens::token_kind::pickup_reservation;
    c.subject = o.at("reservation");
  } else {
    c.kind = tokens::token_kind::pickup_tracking;
    c.subject = o.at("tracking");
  }
  const auto valid_for = parse_duration(o.contains("valid-for") ? o.at("valid-for") : "1h");
  // By default from five minutes ago: a locker whose clock is a little behind still takes it.
  auto not_before = now - std::chrono::minutes{5};
  if (o.contains("not-before")) {
    const auto at = protocol::parse_timestamp(o.at("not-before"));
    if (!at) usage_fail("token make: --not-before must be an RFC 3339 date-time");
    not_before = *at;
  }
  const auto not_after = (o.contains("not-before") ? not_before : now) + valid_for;
  c.not_before = unix_at(not_before);
  c.not_after = unix_at(not_after);
  c.nonce = tokens::random_nonce();
  if (!tokens::valid_claims(c))
    usage_fail("token make: the subject must be 1-64 printable ASCII characters, no spaces");
  const auto key = tokens::load_private_key_file(o.at("key"));
  out << tokens::make_token(key.get(), c) << "\n";
  return exit_ok;
}

}  // namespace

int run_token_command(std::span<const std::string> args, std::ostream& out, std::ostream& err,
                      std::chrono::system_clock::time_point now) {
  try {
    if (args.empty()) {
      err << token_usage();
      return exit_usage;
    }
    if (args[0] == "--help") {
      out << token_usage();
      return exit_ok;
    }
    if (args[0] == "keygen") return keygen(args.subspan(1), out, err);
    if (args[0] == "make") return make(args.subspan(1), out, now);
    usage_fail("token: unknown command '" + args[0] + "' (keygen or make)");
  } catch (const usage_failure& p) {
    err << "lockerctl: " << p.message << "\n(see lockerctl token --help)\n";
    return exit_usage;
  } catch (const std::exception& e) {
    err << "lockerctl: token: " << e.what() << "\n";
    return exit_error_reply;
  }
}

std::string token_usage() {
  return R"(usage: lockerctl token keygen --out PRIVATE.pem
       lockerctl token make --key PRIVATE.pem --key-id ID --locker ID
                            (--reservation R | --tracking T)
                            [--valid-for 1h] [--not-before RFC3339]

Signed offline tokens (protocol/tokens.md), for tests and demos; nothing is sent.
  keygen   writes a new Ed25519 private key (PEM, mode 0600, never over a file) and prints
           its public key (base64) for the locker's [tokens] keys
  make     prints a token for the parcel of reservation R (or tracking number T) at locker
           ID, signed with the key; valid from --not-before (default: 5 minutes ago) for
           --valid-for (90s, 15m, 1h, 2d; default 1h, counted from now without --not-before)
)";
}

}  // namespace locker::ctl
