// SPDX-License-Identifier: Apache-2.0
// The `operation` column's codec. Encoding builds the same nlohmann::json object the controller
// always built and dumps it (keys sorted, no spaces), so the bytes on disk do not change;
// decoding reads what that wrote, and turns anything else into "none" with a warning.
#include "daemon/controller/operation.hpp"

#include <nlohmann/json.hpp>

#include "daemon/log/log.hpp"

namespace locker::controller {

using nlohmann::json;

namespace {

// A field of the stored object: absent leaves `out` as it is; false if it has the wrong type.
bool read(const json& j, const char* key, std::string& out) {
  const auto it = j.find(key);
  if (it == j.end()) return true;
  if (!it->is_string()) return false;
  out = it->get<std::string>();
  return true;
}

bool read(const json& j, const char* key, std::optional<std::string>& out) {
  const auto it = j.find(key);
  if (it == j.end()) return true;
  if (!it->is_string()) return false;
  out = it->get<std::string>();
  return true;
}

template <typename Int>
bool read_integer(const json& j, const char* key, Int& out) {
  const auto it = j.find(key);
  if (it == j.end()) return true;
  if (!it->is_number_integer()) return false;
  out = it->get<Int>();
  return true;
}

bool read(const json& j, const char* key, int& out) { return read_integer(j, key, out); }
bool read(const json& j, const char* key, std::int64_t& out) { return read_integer(j, key, out); }

bool read(const json& j, const char* key, bool& out) {
  const auto it = j.find(key);
  if (it == j.end()) return true;
  if (!it->is_boolean()) return false;
  out = it->get<bool>();
  return true;
}

bool read(const json& j, const char* key, std::optional<std::int64_t>& out) {
  if (!j.contains(key)) return true;
  std::int64_t value = 0;
  if (!read_integer(j, key, value)) return false;
  out = value;
  return true;
}

// The alternative named by j["kind"], or nullopt if j is not one of them.
std::optional<operation> from_json(const json& j) {
  const auto kind = j.find("kind");
  if (kind == j.end() || !kind->is_string()) return std::nullopt;
  const auto& name = kind->get_ref<const std::string&>();
  if (name == "deposit") {
    deposit_operation d;
    if (!read(j, "courier_id", d.courier_id) || !read(j, "tracking_number", d.tracking_number) ||
        !read(j, "rank", d.rank) || !read(j, "reservation_id", d.reservation_id) ||
        !read(j, "pickup_code_hash", d.pickup_code_hash) ||
        !read(j, "pickup_window_h", d.pickup_window_h) || !read(j, "accessible", d.accessible) ||
        !read(j, "outbound", d.outbound))
      return std::nullopt;
    return d;
  }
  if (name == "pickup") {
    pickup_operation p;
    if (!read(j, "parcel_id", p.parcel_id)) return std::nullopt;
    return p;
  }
  if (name == "removal") {
    removal_operation r;
    if (!read(j, "parcel_id", r.parcel_id) || !read(j, "courier_id", r.courier_id) ||
        !read(j, "reason", r.reason))
      return std::nullopt;
    return r;
  }
  if (name == "operator") {
    operator_opening o;
    if (!read(j, "by", o.by) || !read(j, "reason", o.reason)) return std::nullopt;
    return o;
  }
  if (name == "given_up") return given_up_deposit{};
  return std::nullopt;
}

}  // namespace

std::string_view kind_of(const operation& op) {
  return std::visit(
      overloaded{[](const no_operation&) { return std::string_view{}; },
                 [](const deposit_operation&) { return std::string_view{"deposit"}; },
                 [](const pickup_operation&) { return std::string_view{"pickup"}; },
                 [](const removal_operation&) { return std::string_view{"removal"}; },
                 [](const operator_opening&) { return std::string_view{"operator"}; },
                 [](const given_up_deposit&) { return std::string_view{"given_up"}; }},
      op);
}

std::string encode(const operation& op) {
  const json j =
      std::visit(overloaded{[](const no_operation&) { return json(); },
                            [](const deposit_operation& d) {
                              json out = {{"kind", "deposit"},
                                          {"courier_id", d.courier_id},
                                          {"tracking_number", d.tracking_number},
                                          {"rank", d.rank}};
                              if (d.reservation_id) out["reservation_id"] = *d.reservation_id;
                              if (d.pickup_code_hash) out["pickup_code_hash"] = *d.pickup_code_hash;
                              if (d.pickup_window_h) out["pickup_window_h"] = *d.pickup_window_h;
                              if (d.accessible) out["accessible"] = true;
                              if (d.outbound) out["outbound"] = *d.outbound;
                              return out;
                            },
                            [](const pickup_operation& p) {
                              return json{{"kind", "pickup"}, {"parcel_id", p.parcel_id}};
                            },
                            [](const removal_operation& r) {
                              return json{{"kind", "removal"},
                                          {"parcel_id", r.parcel_id},
                                          {"courier_id", r.courier_id},
                                          {"reason", r.reason}};
                            },
                            [](const operator_opening& o) {
                              return json{{"kind", "operator"}, {"by", o.by}, {"reason", o.reason}};
                            },
                            [](const given_up_deposit&) {
                              return json{{"kind", "given_up"}};
                            }},
                 op);
  return j.is_null() ? std::string{} : j.dump();
}

operation decode(std::string_view stored, std::string_view compartment_id) {
  if (stored.empty()) return no_operation{};
  const auto j = json::parse(stored, nullptr, false);
  if (j.is_object()) {
    if (auto op = from_json(j)) return *std::move(op);
  }
  // A damaged row, or a kind from a newer version: nothing this version could finish.
  log::warning("controller", "compartment ", compartment_id,
               ": its saved operation is not one this version knows; treated as none");
  return no_operation{};
}

}  // namespace locker::controller
