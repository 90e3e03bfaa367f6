// SPDX-License-Identifier: Apache-2.0
// Fuzz entry for the two TOML files an operator writes: the first byte picks lockerd's main
// file (config::load_config) or the board file (drivers::load_board), the rest is the file.
// The file is handed over through a memfd, so the loaders run exactly as lockerd runs them,
// path and all, with no disk in the loop. Every input either loads or is refused with a
// config_error that names the file and says why; anything else escaping (another exception,
// an assertion inside toml++, a sanitizer report) is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <sys/mman.h>
#include <unistd.h>

#include "daemon/config/config.hpp"
#include "drivers/board_file/board_file.hpp"

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const int fd = memfd_create("fuzz.toml", MFD_CLOEXEC);
  if (fd < 0) std::abort();
  for (std::size_t done = 1; done < size;) {
    const auto n = ::write(fd, data + done, size - done);
    if (n <= 0) std::abort();
    done += static_cast<std::size_t>(n);
  }
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  try {
    if ((data[0] & 1) == 0) {
      (void)locker::config::load_config(path);
    } else {
      (void)locker::drivers::load_board(path);
    }
  } catch (const locker::drivers::config_error& e) {
    if (e.reason().empty() || e.file() != path) std::abort();
  }
  ::close(fd);
  return 0;
}
