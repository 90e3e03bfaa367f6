// SPDX-License-Identifier: Apache-2.0
// The panel's page (simulator/web/: index.html, panel.js, panel.css and whatever else is put
// there), compiled into the binary at build time (embed_assets.cmake), so locker-sim serves the
// page it was built with wherever it runs.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace locker::simulator::web {

struct web_asset {
  std::string_view name;  // the file's name in simulator/web/, e.g. "panel.js"
  std::string_view body;
};

// Every file of simulator/web/, by name.
[[nodiscard]] std::span<const web_asset> embedded_assets();

// The Content-Type a file's name calls for ("text/html; charset=utf-8" for index.html, ...);
// application/octet-stream for a kind not listed.
[[nodiscard]] std::string_view content_type(std::string_view name);

}  // namespace locker::simulator::web
