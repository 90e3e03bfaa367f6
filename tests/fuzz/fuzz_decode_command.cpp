// SPDX-License-Identifier: Apache-2.0
// Fuzz entry for the pure decoders: the first byte picks a command name (or cfg/desired), the
// rest is the payload. Any crash, sanitizer report or broken invariant is a bug.
// (tests/fuzz/README.md: how the targets are built, run and their corpus grown.)
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "daemon/config/settings_table.hpp"
#include "protocol/commands.hpp"
#include "protocol/replies.hpp"
#include "protocol/settings.hpp"
#include "protocol/topics.hpp"

// The name libFuzzer calls.
// NOLINTNEXTLINE(readability-identifier-naming)
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace locker::protocol;
  if (size == 0) return 0;
  const auto names = command_names();
  const std::size_t pick = data[0] % (names.size() + 2);
  const std::string_view payload(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto now = *parse_timestamp("2026-11-21T09:00:00.000Z");
  if (pick == names.size() + 1) {
    auto cfg = decode_cfg_desired(payload, locker::config::remote_rules());
    if (!cfg.ok() && cfg.error().errors.empty()) std::abort();
    if (!cfg.ok()) (void)encode_cfg_rejected(cfg.error());
    return 0;
  }
  const std::string_view name = pick < names.size() ? names[pick] : "no_such_command";
  const auto cmd = decode_command(name, payload, now);
  if (cmd.ok()) {
    if (command_name(cmd->args) != name) std::abort();
    if (name == "compartment_open" && !cmd->expires_at) std::abort();
    (void)encode_reply(ok_reply(cmd->req_id));
  } else {
    if (cmd.error().message.empty()) std::abort();
    (void)encode_reply(error_reply(cmd.error()));
  }
  return 0;
}
