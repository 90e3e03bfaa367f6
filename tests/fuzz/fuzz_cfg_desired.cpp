// SPDX-License-Identifier: Apache-2.0
// Fuzz entry for cfg/desired (protocol::decode_cfg_desired): any payload is either a settings
// patch with a version, or a rejection that lists at least one reason and encodes. Any crash,
// sanitizer report or broken invariant is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "daemon/config/settings_table.hpp"
#include "protocol/settings.hpp"

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace locker::protocol;
  const std::string_view payload(reinterpret_cast<const char*>(data), size);
  const auto cfg = decode_cfg_desired(payload, locker::config::remote_rules());
  if (cfg.ok()) {
    if (cfg->version == 0) std::abort();  // the contract: an integer >= 1
    (void)encode_cfg_applied(cfg->version);
  } else {
    if (cfg.error().errors.empty()) std::abort();
    for (const auto& e : cfg.error().errors) {
      if (e.message.empty()) std::abort();
    }
    (void)encode_cfg_rejected(cfg.error());
  }
  return 0;
}
