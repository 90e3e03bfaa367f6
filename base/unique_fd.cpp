// SPDX-License-Identifier: Apache-2.0
#include "base/unique_fd.hpp"

#include <unistd.h>

namespace locker::base {

void unique_fd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

int unique_fd::close() {
  if (fd_ < 0) return 0;
  return ::close(std::exchange(fd_, -1));
}

}  // namespace locker::base
