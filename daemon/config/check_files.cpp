// SPDX-License-Identifier: Apache-2.0
#include "daemon/config/check_files.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <system_error>

#include <unistd.h>

namespace locker::config {
namespace {

namespace fs = std::filesystem;

// Why path cannot be read as a file, or nullopt.
std::optional<std::string> unreadable_file(const fs::path& path) {
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (ec || !fs::exists(st)) {
    return ec && ec != std::errc::no_such_file_or_directory ? ec.message() : "does not exist";
  }
  if (fs::is_directory(st)) return "is a directory, not a file";
  if (::access(path.c_str(), R_OK) != 0)
    return std::string("cannot be read: ") + std::strerror(errno);
  return std::nullopt;
}

// Why lockerd could not keep its state in dir (writing there, or creating it), or nullopt.
std::optional<std::string> unusable_folder(const fs::path& dir) {
  std::error_code ec;
  const auto st = fs::status(dir, ec);
  if (!ec && fs::exists(st)) {
    if (!fs::is_directory(st)) return "is not a folder";
    if (::access(dir.c_str(), W_OK | X_OK) != 0) {
      return std::string("cannot be written: ") + std::strerror(errno);
    }
    return std::nullopt;
  }
  // Created at start: the nearest folder that exists must let us.
  for (auto parent = dir.parent_path(); !parent.empty(); parent = parent.parent_path()) {
    const auto pst = fs::status(parent, ec);
    if (ec || !fs::exists(pst)) {
      if (parent == parent.root_path()) break;
      continue;
    }
    if (!fs::is_directory(pst)) return "cannot be created: " + parent.string() + " is not a folder";
    if (::access(parent.c_str(), W_OK | X_OK) != 0) {
      return "does not exist and cannot be created: " + parent.string() + " cannot be written";
    }
    return std::nullopt;
  }
  return "does not exist and cannot be created";
}

}  // namespace

std::vector<file_problem> check_files(const locker_config& cfg) {
  std::vector<file_problem> problems;
  const auto file = [&](const std::string& key, const fs::path& path) {
    if (path.empty()) return;
    if (auto why = unreadable_file(path)) problems.push_back({key, path.string(), *why});
  };
  if (!cfg.state_dir.empty()) {
    if (auto why = unusable_folder(cfg.state_dir)) {
      problems.push_back({"state_dir", cfg.state_dir.string(), *why});
    }
  }
  file("board", cfg.board.file);
  file("broker.password_file", cfg.broker.password_file);
  file("broker.ca_file", cfg.broker.ca_file);
  file("broker.cert_file", cfg.broker.cert_file);
  file("broker.key_file", cfg.broker.key_file);
  file("update.keyring", cfg.update.keyring);
  file("update.download_ca_file", cfg.update.download_ca_file);
  return problems;
}

}  // namespace locker::config
