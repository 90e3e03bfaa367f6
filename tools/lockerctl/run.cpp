// SPDX-License-Identifier: Apache-2.0
#include "tools/lockerctl/run.hpp"

#include <fstream>
#include <iostream>
#include <iterator>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <sys/socket.h>

#include "daemon/config/settings_table.hpp"
#include "daemon/security/random.hpp"
#include "protocol/broker_url.hpp"
#include "protocol/settings.hpp"
#include "protocol/topics.hpp"
#include "tools/lockerctl/broker_link.hpp"
#include "tools/lockerctl/format.hpp"
#include "tools/lockerctl/requests.hpp"

namespace locker::ctl {
namespace {

using nlohmann::json;
using steady = std::chrono::steady_clock;

// How often a wait looks at the interrupt flag.
constexpr std::chrono::milliseconds interrupt_poll{100};
constexpr int exit_interrupted = 130;

std::optional<json> parse_object(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

// Waits for the next message until deadline, waking up to notice an interrupt.
broker_link::wait_result next_message(broker_link& link, steady::time_point deadline,
                                      const std::atomic<bool>& interrupted, received& out,
                                      bool& was_interrupted) {
  was_interrupted = false;
  for (;;) {
    if (interrupted.load()) {
      was_interrupted = true;
      return broker_link::wait_result::timeout;
    }
    const auto slice = std::min(deadline, steady::now() + interrupt_poll);
    const auto r = link.next(slice, out);
    if (r != broker_link::wait_result::timeout || steady::now() >= deadline) return r;
  }
}

// Why a connection to the broker failed, in words that name the host and the reason rather
// than Paho's "MQTT error [-1]". One function on purpose: lockerd's describer (daemon/mqtt)
// can take its place.
std::string connect_failure_message(const std::string& broker, const std::string& reason) {
  // The cause itself (name, port, TLS, credentials) is found where lockerd's is
  // (daemon/mqtt/connect_failure, through connect_error.hpp); what is left here is what only
  // lockerctl's own options explain.
  std::string why = reason;
  if (reason == "no answer to CONNECT")
    why = "no answer within --timeout (a firewall, or not an MQTT broker?)";
  return "cannot reach the broker at " + broker + ": " + why;
}

class runner {
 public:
  runner(const invocation& inv, std::istream& in, std::ostream& out, std::ostream& err,
         const std::atomic<bool>& interrupted)
      : inv_(inv),
        topics_(*protocol::topic_set::make(inv.locker_id)),
        in_(in),
        out_(out),
        err_(err),
        interrupted_(interrupted) {}

  int run() {
    std::optional<std::string> password;
    if (inv_.connection.password_file) {
      std::ifstream file(*inv_.connection.password_file);
      password = file ? read_secret_line(file) : std::nullopt;
      if (!password)
        return usage("cannot read the password file " + *inv_.connection.password_file);
    }

    // Everything local is checked before the broker is contacted.
    if (const auto* e = std::get_if<events_args>(&inv_.command)) {
      return events_run(password, *e);
    }
    if (const auto* p = std::get_if<push_config_args>(&inv_.command)) {
      std::string payload;
      std::uint64_t version = 0;
      if (const int rc = read_config(p->file, payload, version); rc != exit_ok) return rc;
      return with_link(password,
                       [&](broker_link& link) { return push_config(link, payload, version); });
    }

    std::optional<std::string> secret;
    if (const auto kind = secret_needed(inv_.command); kind != secret_kind::none) {
      secret = read_secret_line(in_);
    }
    const std::string req_id = security::uuid_v4();
    auto built =
        build_request(inv_.command, req_id, std::chrono::system_clock::now(), inv_.timeout, secret);
    if (auto* e = std::get_if<usage_error>(&built)) return usage(e->message);
    const auto& plan = std::get<request_plan>(built);
    return with_link(password, [&](broker_link& link) { return request(link, plan, req_id); });
  }

 private:
  int usage(const std::string& message) {
    err_ << "lockerctl: " << message << "\n";
    return exit_usage;
  }

  template <class F>
  int with_link(const std::optional<std::string>& password, F&& body) {
    std::unique_ptr<broker_link> link;
    try {
      link = std::make_unique<broker_link>(inv_.connection, password, inv_.timeout);
    } catch (const link_error& e) {
      err_ << "lockerctl: " << connect_failure_message(inv_.connection.broker, e.what()) << "\n";
      return exit_unreachable;
    }
    try {
      return body(*link);
    } catch (const link_error& e) {
      return lost(e.what());
    }
  }

  int lost(const std::string& reason) {
    err_ << "lockerctl: lost the broker at " << inv_.connection.broker << ": " << reason << "\n";
    return exit_unreachable;
  }

  void note_status(const received& m) {
    if (m.topic == topics_.status()) last_status_ = parse_object(m.payload);
  }

  int request(broker_link& link, const request_plan& plan, const std::string& req_id) {
    const std::string res_topic = topics_.res(plan.name);
    const auto* update = std::get_if<fw_update_args>(&inv_.command);
    // Subscribed before the command goes out: the first progress follows the reply at once.
    const std::string job_topic = update ? topics_.job(update->job_id) : std::string();
    if (update) {
      link.subscribe({link.response_topic(), res_topic, topics_.status(), job_topic});
    } else {
      link.subscribe({link.response_topic(), res_topic, topics_.status()});
    }
    // "raw" may carry its own req_id; the …/res/<name> copy of the reply is matched by it.
    std::string payload_req_id = req_id;
    if (std::holds_alternative<raw_args>(inv_.command)) {
      const auto raw = parse_object(plan.payload);
      payload_req_id = (raw && raw->contains("req_id") && (*raw)["req_id"].is_string())
                           ? (*raw)["req_id"].get<std::string>()
                           : std::string();
    }
    link.publish(topics_.cmd(plan.name), plan.payload, false,
                 reply_route{link.response_topic(), req_id});

    const auto deadline = steady::now() + inv_.timeout;
    received m;
    for (;;) {
      bool was_interrupted = false;
      const auto r = next_message(link, deadline, interrupted_, m, was_interrupted);
      if (was_interrupted) return exit_interrupted;
      if (r == broker_link::wait_result::lost) return lost("connection lost");
      if (r == broker_link::wait_result::timeout) {
        err_ << "lockerctl: " << no_answer_message(inv_.timeout, last_status_) << "\n";
        return exit_no_answer;
      }
      note_status(m);
      const auto reply = parse_object(m.payload);
      bool ours = false;
      if (m.topic == link.response_topic()) {
        ours = m.correlation_data ? *m.correlation_data == req_id
                                  : (reply && reply->value("req_id", json()) == payload_req_id);
      } else if (m.topic == res_topic) {
        ours = !payload_req_id.empty() && reply && reply->value("req_id", json()) == payload_req_id;
      }
      if (update && m.topic == job_topic) {
        early_jobs_.push_back(m.payload);  // before the reply: shown after it
        continue;
      }
      if (!ours) continue;
      if (!reply) {
        err_ << "lockerctl: the locker's reply is not a JSON object\n";
        return exit_error_reply;
      }
      const int rc = show_reply(*reply);
      if (!update || rc != exit_ok) return rc;
      return follow_job(link, job_topic);
    }
  }

  // Prints each progress message of the job until done (exit 0) or failed (exit 1). A reboot
  // is part of the job: the wait has no deadline (SIGINT stops it; the job goes on).
  int follow_job(broker_link& link, const std::string& job_topic) {
    received m;
    const auto show = [&](const std::string& payload) -> std::optional<int> {
      const auto job = parse_object(payload);
      if (!job) return std::nullopt;
      if (inv_.json)
        out_ << payload << std::endl;
      else
        out_ << format_job_line(*job) << std::endl;
      const std::string state = job->value("state", "");
      if (state == "done") return exit_ok;
      if (state == "failed") return exit_error_reply;
      return std::nullopt;
    };
    for (const auto& p : early_jobs_)
      if (const auto rc = show(p)) return *rc;
    for (;;) {
      bool was_interrupted = false;
      const auto r =
          next_message(link, steady::time_point::max(), interrupted_, m, was_interrupted);
      if (was_interrupted) return exit_interrupted;
      if (r == broker_link::wait_result::lost) return lost("connection lost");
      if (r == broker_link::wait_result::timeout) continue;
      note_status(m);
      if (m.topic != job_topic) continue;
      if (const auto rc = show(m.payload)) return *rc;
    }
  }

  int show_reply(const json& reply) {
    const std::string status = reply.value("status", "");
    const bool success = status == "ok" || status == "accepted";
    if (inv_.json) {
      out_ << reply.dump() << std::endl;
    } else if (!success) {
      err_ << "error: " << describe_error(reply) << "\n";
    } else if (std::holds_alternative<state_args>(inv_.command)) {
      out_ << format_state_table(reply.value("data", json::object())) << std::flush;
    } else {
      out_ << describe_success(inv_.command, reply) << std::endl;
    }
    return success ? exit_ok : exit_error_reply;
  }

  // What events() remembers across reconnects: the broker drops, the run goes on.
  struct event_memory {
    std::set<std::string> seen_event_ids;   // delivery is at-least-once: drop duplicates
    std::optional<std::uint64_t> last_seq;  // one locker per run: its last seq shown
  };

  // A pause between reconnects that an interrupt ends; false: interrupted.
  bool pause(std::chrono::milliseconds d) {
    const auto end = steady::now() + d;
    while (steady::now() < end) {
      if (interrupted_.load()) return false;
      std::this_thread::sleep_for(std::min(interrupt_poll, d));
    }
    return !interrupted_.load();
  }

  // --follow survives the broker: reconnects (1 s, doubling to 30 s) and resumes after the
  // last seq shown, so nothing is shown twice.
  int events_run(const std::optional<std::string>& password, const events_args& args) {
    event_memory memory;
    bool connected_once = false;
    std::chrono::milliseconds backoff{1000};
    for (;;) {
      std::unique_ptr<broker_link> link;
      try {
        link = std::make_unique<broker_link>(inv_.connection, password, inv_.timeout);
      } catch (const link_error& e) {
        const std::string message = connect_failure_message(inv_.connection.broker, e.what());
        if (!connected_once || !args.follow) {
          err_ << "lockerctl: " << message << "\n";
          return exit_unreachable;
        }
        err_ << "lockerctl: " << message << "; retrying in " << format_seconds(backoff) << " s\n";
        if (!pause(backoff)) return exit_ok;
        backoff = std::min<std::chrono::milliseconds>(backoff * 2, std::chrono::seconds(30));
        continue;
      }
      if (connected_once) err_ << "lockerctl: reconnected to " << inv_.connection.broker << "\n";
      connected_once = true;
      backoff = std::chrono::milliseconds(1000);
      std::string reason = "connection lost";
      try {
        if (const auto rc = events(*link, args, memory)) return *rc;
      } catch (const link_error& e) {
        reason = e.what();
      }
      if (!args.follow) return lost(reason);
      err_ << "lockerctl: lost the broker at " << inv_.connection.broker << ": " << reason
           << "; reconnecting\n";
    }
  }

  // One line of --json output: the payload with the topic it came on and its kind (the
  // last topic level: parcel, door, alarm, status).
  static std::string json_line(const received& m, const std::optional<json>& payload,
                               std::string_view kind) {
    if (!payload) return m.payload;
    json line = *payload;
    line["topic"] = m.topic;
    line["kind"] = kind;
    return line.dump();
  }

  // nullopt: the connection was lost (events_run decides whether to go on).
  std::optional<int> events(broker_link& link, const events_args& args, event_memory& memory) {
    const std::string prefix = topics_.root() + "evt/";
    link.subscribe({prefix + "#", topics_.status()});
    received m;
    for (;;) {
      // --follow waits for ever (until SIGINT); otherwise --timeout of silence ends the run.
      const auto deadline = args.follow ? steady::time_point::max() : steady::now() + inv_.timeout;
      bool was_interrupted = false;
      const auto r = next_message(link, deadline, interrupted_, m, was_interrupted);
      if (was_interrupted) return exit_ok;
      if (r == broker_link::wait_result::lost) return std::nullopt;
      if (r == broker_link::wait_result::timeout) return exit_ok;

      const auto payload = parse_object(m.payload);
      if (m.topic == topics_.status()) {
        last_status_ = payload;
        if (inv_.json)
          out_ << json_line(m, payload, "status") << std::endl;
        else
          out_ << "status: " << describe_status(payload) << std::endl;
        continue;
      }
      if (!m.topic.starts_with(prefix)) continue;
      const std::string category = m.topic.substr(prefix.size());
      if (!payload) {
        err_ << "lockerctl: unreadable event on " << m.topic << "\n";
        continue;
      }
      if (const auto id = payload->find("event_id"); id != payload->end() && id->is_string()) {
        if (!memory.seen_event_ids.insert(id->get<std::string>()).second) continue;
      }
      std::optional<std::uint64_t> seq;
      if (const auto s = payload->find("seq"); s != payload->end() && s->is_number_unsigned()) {
        seq = s->get<std::uint64_t>();
      }
      if (args.since_seq && (!seq || *seq <= *args.since_seq)) continue;
      // Resumed after a reconnect: what was shown before is not shown again.
      if (seq && memory.last_seq && *seq <= *memory.last_seq) continue;
      if (seq && memory.last_seq && *seq > *memory.last_seq + 1) {
        err_ << "lockerctl: events " << *memory.last_seq + 1 << ".." << *seq - 1
             << " were not seen\n";
      }
      if (seq) memory.last_seq = seq;
      if (inv_.json)
        out_ << json_line(m, payload, category) << std::endl;
      else
        out_ << format_event_line(category, *payload, args.show_codes) << std::endl;
    }
  }

  int read_config(const std::string& file, std::string& payload, std::uint64_t& version) {
    std::ifstream in(file);
    if (!in) return usage("push-config: cannot read " + file);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // The daemon's own table of settings: an out-of-range value is refused here, naming the
    // key, and so is an unknown key, which the locker would ignore beside known ones (a typo
    // such as door_left_open_secs would otherwise be "applied" while changing nothing).
    const auto decoded = protocol::decode_cfg_desired(text, config::remote_rules());
    std::vector<protocol::setting_error> errors;
    if (!decoded) {
      errors = decoded.error().errors;
    } else {
      std::string known;
      for (const auto& r : config::remote_rules())
        known += (known.empty() ? "" : ", ") + std::string(r.key);
      for (const auto& key : decoded->ignored_keys)
        errors.push_back({key.size() > 64 ? key.substr(0, 64) + "..." : key,
                          "unknown setting (known: " + known + ")"});
    }
    if (!errors.empty()) {
      std::string message = "push-config: " + file + " would be rejected:";
      for (const auto& e : errors) {
        message += "\n  " + (e.key.empty() ? std::string("(payload)") : e.key) + ": " + e.message;
      }
      return usage(message);
    }
    version = decoded.value().version;
    payload = json::parse(text).dump();  // compact on the wire; decoding proved it parses
    return exit_ok;
  }

  int push_config(broker_link& link, const std::string& payload, std::uint64_t version) {
    link.subscribe({topics_.cfg_reported(), topics_.status()});
    link.publish(topics_.cfg_desired(), payload, true);
    const auto deadline = steady::now() + inv_.timeout;
    received m;
    for (;;) {
      bool was_interrupted = false;
      const auto r = next_message(link, deadline, interrupted_, m, was_interrupted);
      if (was_interrupted) return exit_interrupted;
      if (r == broker_link::wait_result::lost) return lost("connection lost");
      if (r == broker_link::wait_result::timeout) {
        err_ << "lockerctl: config version " << version
             << " is retained on the broker; the locker applies it when it connects\n"
             << "lockerctl: " << no_answer_message(inv_.timeout, last_status_) << "\n";
        return exit_no_answer;
      }
      note_status(m);
      if (m.topic != topics_.cfg_reported()) continue;
      const auto reported = parse_object(m.payload);
      // The retained verdict on an older version arrives first: wait for ours.
      if (!reported || reported->value("version", json()) != json(version)) continue;
      const auto verdict = describe_cfg_reported(*reported);
      if (inv_.json)
        out_ << m.payload << std::endl;
      else
        (verdict.applied ? out_ : err_) << verdict.text << std::endl;
      return verdict.applied ? exit_ok : exit_error_reply;
    }
  }

  const invocation& inv_;
  protocol::topic_set topics_;
  std::istream& in_;
  std::ostream& out_;
  std::ostream& err_;
  const std::atomic<bool>& interrupted_;
  std::optional<json> last_status_;
  std::vector<std::string> early_jobs_;
};

}  // namespace

int run(const invocation& inv, std::istream& in, std::ostream& out, std::ostream& err,
        const std::atomic<bool>& interrupted) {
  return runner(inv, in, out, err, interrupted).run();
}

}  // namespace locker::ctl
