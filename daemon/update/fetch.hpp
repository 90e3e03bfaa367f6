// SPDX-License-Identifier: Apache-2.0
// Brings a bundle into the staging folder: from an https:// URL (OpenSSL, the server's
// certificate checked against the configured CA or the system's store, and its name against
// the host), or from a file on the locker (file:///path or /path). Plain http is refused: a
// bundle is signed, but the transport should not hand an attacker a channel either. Limits:
// a size cap and one deadline for the whole transfer, on the injected clock. Runs on the
// io_context; a local copy runs on a worker thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>

#include "daemon/update/bundle.hpp"
#include "drivers/clock.hpp"

namespace locker::update {

struct bundle_source {
  enum class kind { local, https };
  kind type = kind::local;
  std::filesystem::path path;  // local
  std::string host;            // https: a name or an IP literal (without brackets)
  std::string port = "443";
  std::string target = "/";  // path and query
};

// https://host[:port]/path[?query], file:///absolute/path or /absolute/path. No user
// information, no plain http, no relative path. Pure; the error names the rule.
[[nodiscard]] outcome<bundle_source> parse_bundle_url(std::string_view url);

struct fetch_settings {
  std::filesystem::path ca_file;  // https server CA (PEM); empty: the system's store
  std::uint64_t max_bytes = 1024ULL * 1024 * 1024;
  std::chrono::milliseconds deadline{std::chrono::minutes(30)};
};

class fetch {
 public:
  // The bundle's size, or why it could not be fetched.
  using done_fn = std::function<void(outcome<std::uint64_t>)>;

  // Writes the bundle to `destination` (replaced). done runs once on the loop, never from
  // inside start(). A failed fetch removes what it wrote.
  [[nodiscard]] static std::unique_ptr<fetch> start(boost::asio::io_context& io,
                                                    drivers::clock& clock, bundle_source source,
                                                    std::filesystem::path destination,
                                                    fetch_settings settings, done_fn done);
  fetch(const fetch&) = delete;
  fetch& operator=(const fetch&) = delete;
  // Stops the transfer; done is not called.
  virtual ~fetch() = default;

 protected:
  fetch() = default;
};

}  // namespace locker::update
