// SPDX-License-Identifier: Apache-2.0
#include "daemon/update/rauc_output.hpp"

#include <nlohmann/json.hpp>

namespace locker::update {

using protocol::fail;

outcome<bundle_manifest> parse_rauc_info(std::string_view json_text) {
  const auto j = nlohmann::json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return fail(std::string("rauc info did not print a JSON object"));
  bundle_manifest m;
  for (auto [key, out] :
       {std::pair{"compatible", &m.compatible}, std::pair{"version", &m.version}}) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_string() || it->get<std::string>().empty())
      return fail(std::string("the bundle's manifest has no ") + key);
    *out = it->get<std::string>();
  }
  return m;
}

std::optional<install_progress> parse_install_line(std::string_view line) {
  // A tty gets "ESC [ J" (erase below) first; a pipe does not, but both are accepted.
  if (line.starts_with("\x1b[J")) line.remove_prefix(3);
  while (line.starts_with(' ')) line.remove_prefix(1);
  std::size_t digits = 0;
  while (digits < line.size() && digits < 3 && line[digits] >= '0' && line[digits] <= '9') ++digits;
  if (digits == 0 || line.size() < digits + 2 || line[digits] != '%' || line[digits + 1] != ' ')
    return std::nullopt;
  int percent = 0;
  for (std::size_t i = 0; i < digits; ++i) percent = percent * 10 + (line[i] - '0');
  if (percent > 100) return std::nullopt;
  auto step = line.substr(digits + 2);
  while (!step.empty() && (step.back() == '\r' || step.back() == ' ')) step.remove_suffix(1);
  return install_progress{percent, std::string(step)};
}

}  // namespace locker::update
