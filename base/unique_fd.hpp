// SPDX-License-Identifier: Apache-2.0
// A file descriptor closed however the scope is left; move-only. The one fd class of the tree
// (a key file, an update bundle, a sysfs line, a display).
#pragma once

#include <utility>

namespace locker::base {

class unique_fd {
 public:
  unique_fd() = default;
  // Takes fd (may be -1: holds nothing, valid() is false, as after a failed open()).
  explicit unique_fd(int fd) : fd_(fd) {}
  unique_fd(unique_fd&& other) noexcept : fd_(other.release()) {}
  unique_fd& operator=(unique_fd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  ~unique_fd() { reset(); }

  [[nodiscard]] int get() const { return fd_; }
  [[nodiscard]] bool valid() const { return fd_ >= 0; }
  // Gives the fd up without closing it (to an Asio descriptor, say).
  [[nodiscard]] int release() { return std::exchange(fd_, -1); }
  // Closes what is held (errors dropped) and takes fd.
  void reset(int fd = -1);
  // Closes now and reports close()'s result (-1 with errno: e.g. a deferred write error that
  // the destructor would drop); 0 when nothing was held.
  int close();

 private:
  int fd_ = -1;
};

}  // namespace locker::base
