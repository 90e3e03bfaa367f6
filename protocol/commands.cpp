// SPDX-License-Identifier: Apache-2.0
#include "protocol/commands.hpp"

#include <algorithm>
#include <cctype>

#include "protocol/input_rules.hpp"
#include "protocol/json_util.hpp"
#include "protocol/topics.hpp"

namespace locker::protocol {

std::string_view to_string(error_code code) {
  switch (code) {
    case error_code::bad_request:
      return "bad_request";
    case error_code::unknown_command:
      return "unknown_command";
    case error_code::expired:
      return "expired";
    case error_code::not_found:
      return "not_found";
    case error_code::conflict:
      return "conflict";
    case error_code::no_free_compartment:
      return "no_free_compartment";
    case error_code::door_open:
      return "door_open";
    case error_code::lock_fault:
      return "lock_fault";
    case error_code::busy:
      return "busy";
    case error_code::internal:
      return "internal";
  }
  return "internal";
}

namespace {

using nlohmann::json;

// A rule for a string field: length in code points and an optional character rule. `rule`
// completes "<field>: must be …" and never quotes the value.
struct text_rule {
  std::size_t min = 1;
  std::size_t max = 64;
  bool (*valid)(std::string_view) = nullptr;
  const char* rule = "1-64 characters";
};

bool hex_chars(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

// The rules every input shares (protocol/input_rules.hpp); the lengths are checked again
// here in code points, which is the same for these.
const text_rule id_rule{1, rules::id_max_length, rules::valid_id, rules::id_rule.data()};
const text_rule tracking_rule{1, rules::tracking_number_max_length, rules::valid_tracking_number,
                              rules::tracking_number_rule.data()};
const text_rule size_rule{1, 32, nullptr, "1-32 characters"};
const text_rule pickup_code_rule{rules::pickup_code_min_digits, rules::pickup_code_max_digits,
                                 rules::valid_pickup_code, rules::pickup_code_rule.data()};
const text_rule pin_rule{rules::pin_min_digits, rules::pin_max_digits, rules::valid_pin,
                         rules::pin_rule.data()};
const text_rule badge_rule{1, rules::badge_max_length, rules::valid_badge,
                           rules::badge_rule.data()};
const text_rule compartment_rule{1, rules::compartment_id_max_length, rules::valid_compartment_id,
                                 rules::compartment_id_rule.data()};
const text_rule reason_rule{1, 256, nullptr, "1-256 characters"};
const text_rule name_rule{1, 128, nullptr, "1-128 characters"};
const text_rule job_id_rule{1, 64, valid_job_id, "1-64 characters of A-Z, a-z, 0-9, '_' and '-'"};
const text_rule url_rule{1, 2048, nullptr, "1-2048 characters"};
const text_rule sha256_rule{64, 64, hex_chars, "64 hexadecimal digits"};
bool known_budget(std::string_view s) { return s == "pickup_code" || s == "courier"; }
const text_rule recipient_rule{1, 64, nullptr, "1-64 characters"};  // multi: opaque
const text_rule budget_rule{1, 16, known_budget, "\"pickup_code\" or \"courier\""};
// Drop-off flow (issue 13).
bool known_kind(std::string_view s) { return s == "delivery" || s == "dropoff" || s == "return"; }
const text_rule kind_rule{1, 16, known_kind, "\"delivery\", \"dropoff\" or \"return\""};
bool empty_or_id(std::string_view s) { return s.empty() || rules::valid_id(s); }
const text_rule courier_carrier_rule{0, rules::id_max_length, empty_or_id,
                                     "0-64 characters (\"\" clears it)"};

// Reads the fields of one request object and keeps the first problem found.
class fields {
 public:
  explicit fields(const json& obj) : obj_(obj) {}

  std::string text(std::string_view key, const text_rule& r) {
    return optional_text(key, r, true).value_or(std::string{});
  }

  std::optional<std::string> optional_text(std::string_view key, const text_rule& r,
                                           bool required = false) {
    const json* v = find(key, required);
    if (v == nullptr) return std::nullopt;
    if (!v->is_string()) return fail(key, "must be a string");
    const auto& s = v->get_ref<const std::string&>();
    const std::size_t n = detail::utf8_length(s);
    if (n < r.min || n > r.max || (r.valid != nullptr && !r.valid(s))) {
      return fail(key, std::string("must be ") + r.rule);
    }
    return s;
  }

  bool boolean(std::string_view key) {
    const json* v = find(key, true);
    if (v == nullptr) return false;
    if (!v->is_boolean()) {
      fail(key, "must be true or false");
      return false;
    }
    return v->get<bool>();
  }

  // Absent: false.
  bool optional_boolean(std::string_view key) {
    const json* v = find(key, false);
    if (v == nullptr) return false;
    if (!v->is_boolean()) {
      fail(key, "must be true or false");
      return false;
    }
    return v->get<bool>();
  }

  std::optional<int> optional_int(std::string_view key, int min, int max) {
    const json* v = find(key, false);
    if (v == nullptr) return std::nullopt;
    const auto i = detail::as_integer(*v);
    if (!i) return fail(key, "must be an integer");
    if (*i < min || *i > max) {
      return fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    }
    return static_cast<int>(*i);
  }

  std::optional<wall_time> optional_timestamp(std::string_view key) {
    const json* v = find(key, false);
    if (v == nullptr) return std::nullopt;
    const auto t =
        v->is_string() ? parse_timestamp(v->get_ref<const std::string&>()) : std::nullopt;
    if (!t) return fail(key, "must be an RFC 3339 timestamp such as 2026-11-21T09:12:44.120Z");
    return t;
  }

  [[nodiscard]] const std::optional<std::string>& problem() const { return problem_; }

  // A rule across fields, broken: the problem unless one was found before.
  void reject(std::string_view key, const std::string& why) { fail(key, why); }

 private:
  const json* find(std::string_view key, bool required) {
    if (problem_) return nullptr;
    const auto it = obj_.find(key);
    if (it == obj_.end()) {
      if (required) fail(key, "required");
      return nullptr;
    }
    return &*it;
  }

  std::nullopt_t fail(std::string_view key, const std::string& why) {
    if (!problem_) problem_ = std::string(key) + ": " + why;
    return std::nullopt;
  }

  const json& obj_;
  std::optional<std::string> problem_;
};

request decode_args(std::string_view name, fields& f) {
  if (name == "reservation_create") {
    reservation_create r;
    r.reservation_id = f.text("reservation_id", id_rule);
    r.tracking_number = f.text("tracking_number", tracking_rule);
    r.size = f.text("size", size_rule);
    r.pickup_code = f.optional_text("pickup_code", pickup_code_rule);
    r.pickup_window_h = f.optional_int("pickup_window_h", 1, 720);
    // Accessibility (issue 13).
    r.accessible = f.optional_boolean("accessible");
    r.extended_time = f.optional_boolean("extended_time");
    r.hold_until = f.optional_timestamp("hold_until");
    // Drop-off flow: a drop-off code belongs to a parcel the public brings.
    r.kind = f.optional_text("kind", kind_rule).value_or("delivery");
    r.dropoff_code = f.optional_text("dropoff_code", pickup_code_rule);
    r.carrier = f.optional_text("carrier", id_rule);
    if (r.dropoff_code && r.kind == "delivery")
      f.reject("dropoff_code", "only with kind dropoff or return");
    if (r.pickup_code && r.kind != "delivery") f.reject("pickup_code", "only with kind delivery");
    r.recipient = f.optional_text("recipient", recipient_rule);  // multi
    return r;
  }
  if (name == "reservation_cancel") return reservation_cancel{f.text("reservation_id", id_rule)};
  if (name == "compartment_open") {
    compartment_open r;
    r.compartment = f.text("compartment", compartment_rule);
    r.reason = f.text("reason", reason_rule);
    r.operator_name = f.text("operator", id_rule);
    return r;
  }
  if (name == "compartment_set_service") {
    compartment_set_service r;
    r.compartment = f.text("compartment", compartment_rule);
    r.in_service = f.boolean("in_service");
    r.reason = f.text("reason", reason_rule);
    return r;
  }
  if (name == "courier_upsert") {
    courier_upsert r;
    r.courier_id = f.text("courier_id", id_rule);
    r.pin = f.optional_text("pin", pin_rule);
    r.name = f.optional_text("name", name_rule);
    r.enabled = f.boolean("enabled");
    r.badge = f.optional_text("badge", badge_rule);
    r.carrier = f.optional_text("carrier", courier_carrier_rule);
    return r;
  }
  if (name == "courier_remove") return courier_remove{f.text("courier_id", id_rule)};
  if (name == "get_state") return get_state{};
  if (name == "rebirth") return rebirth{};
  if (name == "fw_update") {
    fw_update r;
    r.job_id = f.text("job_id", job_id_rule);
    r.url = f.text("url", url_rule);
    r.sha256 = f.text("sha256", sha256_rule);
    std::transform(r.sha256.begin(), r.sha256.end(), r.sha256.begin(), [](char c) {
      return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    });
    return r;
  }
  if (name == "lockout_clear") {
    lockout_clear r;
    r.budget = f.optional_text("budget", budget_rule);
    return r;
  }
  return reboot{f.text("reason", reason_rule)};  // the name was checked against the table
}

error make_error(error_code code, std::string message, std::optional<std::string> req_id = {}) {
  return error{code, std::move(message), std::move(req_id)};
}

}  // namespace

result<command, error> decode_command(std::string_view name, std::string_view payload,
                                      wall_time now, bool clock_trusted) {
  if (payload.size() > max_command_bytes) {
    return fail(make_error(error_code::bad_request,
                           "payload larger than " + std::to_string(max_command_bytes) + " bytes"));
  }
  auto parsed = detail::parse_json(payload);

  // The req_id, if it can be read at all, goes into every error so the sender can match it.
  std::optional<std::string> req_id;
  std::optional<std::string> req_id_problem;
  if (parsed.value && parsed.value->is_object()) {
    const auto it = parsed.value->find("req_id");
    if (it == parsed.value->end()) {
      req_id_problem = "req_id: required";
    } else if (!it->is_string()) {
      req_id_problem = "req_id: must be a string";
    } else {
      const auto& s = it->get_ref<const std::string&>();
      const auto n = detail::utf8_length(s);
      if (n < 1 || n > 64) {
        req_id_problem = "req_id: must be 1-64 characters";
      } else {
        req_id = s;
      }
    }
  }

  if (!known_command(name)) {
    return fail(make_error(error_code::unknown_command,
                           "unknown command '" + std::string(name.substr(0, 64)) + "'", req_id));
  }
  if (!parsed.value) return fail(make_error(error_code::bad_request, parsed.message));
  const json& obj = *parsed.value;
  if (!obj.is_object())
    return fail(make_error(error_code::bad_request, "payload: must be a JSON object"));
  if (req_id_problem) return fail(make_error(error_code::bad_request, *req_id_problem));

  command cmd;
  cmd.req_id = *req_id;
  if (!clock_trusted &&
      (obj.contains("expires_at") || obj.contains("hold_until") || name == "compartment_open")) {
    return fail(make_error(error_code::busy,
                           "the locker's clock is not synchronized yet, so expires_at and "
                           "hold_until cannot be judged: try again later",
                           req_id));
  }
  if (const auto it = obj.find("expires_at"); it != obj.end()) {
    const auto t =
        it->is_string() ? parse_timestamp(it->get_ref<const std::string&>()) : std::nullopt;
    if (!t) {
      return fail(make_error(error_code::bad_request,
                             "expires_at: must be an RFC 3339 timestamp such as "
                             "2026-11-21T09:12:44.120Z",
                             req_id));
    }
    cmd.expires_at = t;
  }
  if (cmd.expires_at && now > *cmd.expires_at) {
    return fail(make_error(error_code::expired, "expires_at: the request expired before it arrived",
                           req_id));
  }
  if (cmd.expires_at && *cmd.expires_at - now > max_request_lead) {
    return fail(make_error(error_code::bad_request,
                           "expires_at: must be at most 24 hours ahead (the replay window)",
                           req_id));
  }
  if (name == "compartment_open") {
    // An open buffered during an outage must never fire late: the sender bounds its life.
    if (!cmd.expires_at) {
      return fail(
          make_error(error_code::bad_request, "expires_at: required for compartment_open", req_id));
    }
    if (*cmd.expires_at - now > max_open_lead) {
      return fail(make_error(error_code::bad_request,
                             "expires_at: must be at most 5 minutes ahead for compartment_open",
                             req_id));
    }
  }

  fields f(obj);
  cmd.args = decode_args(name, f);
  if (f.problem()) return fail(make_error(error_code::bad_request, *f.problem(), req_id));
  if (const auto* r = std::get_if<reservation_create>(&cmd.args); r && r->hold_until) {
    if (*r->hold_until <= now)
      return fail(make_error(error_code::bad_request, "hold_until: must be in the future", req_id));
    if (*r->hold_until - now > max_hold_lead) {
      return fail(make_error(error_code::bad_request, "hold_until: must be at most 720 hours ahead",
                             req_id));
    }
  }
  return cmd;
}

std::string_view command_name(const request& r) { return command_names()[r.index()]; }

}  // namespace locker::protocol
