// SPDX-License-Identifier: Apache-2.0
// What the RAUC command line prints, read back. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "daemon/update/bundle.hpp"

namespace locker::update {

// The parts of a bundle's manifest that decide whether it may be installed here.
struct bundle_manifest {
  std::string compatible;
  std::string version;
};

// `rauc info --output-format=json <bundle>` on stdout: {"compatible": …, "version": …, …}.
// An error names what is missing or malformed.
[[nodiscard]] outcome<bundle_manifest> parse_rauc_info(std::string_view json_text);

struct install_progress {
  int percent = 0;  // 0–100
  std::string step;
};

// One line of `rauc install`: "%3d%% <step>" (after a terminal escape when on a tty), e.g.
// " 40% Copying image to rootfs.1". nullopt for any other line.
[[nodiscard]] std::optional<install_progress> parse_install_line(std::string_view line);

}  // namespace locker::update
