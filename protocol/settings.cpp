// SPDX-License-Identifier: Apache-2.0
#include "protocol/settings.hpp"

#include <nlohmann/json.hpp>

#include "protocol/json_util.hpp"

namespace locker::protocol {

namespace {

using nlohmann::json;

using detail::dump_payload;

}  // namespace

result<desired_config, config_rejection> decode_cfg_desired(std::string_view payload,
                                                            std::span<const setting_rule> rules) {
  config_rejection rejection;
  if (payload.size() > std::size_t{64} * 1024) {
    rejection.errors.push_back({"", "payload larger than 65536 bytes"});
    return fail(std::move(rejection));
  }
  const auto parsed = detail::parse_json(payload);
  if (!parsed.value) {
    rejection.errors.push_back({"", parsed.message});
    return fail(std::move(rejection));
  }
  const json& obj = *parsed.value;
  if (!obj.is_object()) {
    rejection.errors.push_back({"", "payload: must be a JSON object"});
    return fail(std::move(rejection));
  }

  desired_config cfg;
  if (const auto it = obj.find("version"); it == obj.end()) {
    rejection.errors.push_back({"version", "required"});
  } else if (const auto v = detail::as_integer(*it); !v || *v < 1) {
    rejection.errors.push_back({"version", "must be an integer >= 1"});
  } else {
    cfg.version = static_cast<std::uint64_t>(*v);
    rejection.version = cfg.version;
  }

  bool known = false;
  for (const auto& [key, value] : obj.items()) {
    if (key == "version") continue;
    const setting_rule* rule = nullptr;
    for (const auto& r : rules) {
      if (r.key == key) rule = &r;
    }
    if (rule == nullptr) {
      cfg.ignored_keys.push_back(key);
      continue;
    }
    known = true;
    const auto v = detail::as_integer(value);
    if (!v) {
      rejection.errors.push_back({key, "must be an integer"});
    } else if (*v < rule->min || *v > rule->max) {
      rejection.errors.push_back({key, "must be between " + std::to_string(rule->min) + " and " +
                                           std::to_string(rule->max)});
    } else {
      cfg.settings.*(rule->field) = static_cast<int>(*v);
    }
  }
  // Unknown keys beside known ones are ignored (the contract's rule for unknown fields, so a
  // newer tracking system can send settings an older locker lacks). A version of unknown
  // keys only changes nothing and is almost surely a misspelling: applied would be a lie.
  if (!known && !cfg.ignored_keys.empty()) {
    std::string names;
    for (const auto& r : rules) names += (names.empty() ? "" : ", ") + std::string(r.key);
    for (const auto& key : cfg.ignored_keys) {
      // The key is echoed cut short: a 64 KiB key is not repeated back whole.
      const auto shown = key.size() > 64 ? key.substr(0, 64) + "..." : key;
      rejection.errors.push_back({shown,
                                  "unknown setting, and no known one in this version: "
                                  "nothing would change (known: " +
                                      names + ")"});
    }
  }
  if (!rejection.errors.empty()) return fail(std::move(rejection));
  return cfg;
}

std::string encode_cfg_applied(std::uint64_t version) {
  return dump_payload({{"version", version}, {"status", "applied"}, {"errors", json::array()}});
}

std::string encode_cfg_rejected(const config_rejection& r) {
  json errors = json::array();
  for (const auto& e : r.errors) errors.push_back({{"key", e.key}, {"message", e.message}});
  return dump_payload({{"version", r.version ? json(*r.version) : json(nullptr)},
                       {"status", "rejected"},
                       {"errors", std::move(errors)}});
}

}  // namespace locker::protocol
