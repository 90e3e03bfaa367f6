// SPDX-License-Identifier: Apache-2.0
// An SQLite VFS for power-cut tests: a shim over the default one that keeps every write (and
// truncation) a file has not yet synced in memory, as a disk's volatile cache would, and
// hands it to the real file only at xSync. At a chosen write, sync or truncation the power
// goes: that operation and every later one fails, and what was not synced is dropped or torn
// (a random subset of the pending writes reaches the file, one of them maybe only its first
// 512-byte sectors), as SQLite's own crash tests do. After restore() the files hold exactly
// what a board would find after the cut, and the next open sees that.
//
// Installed as the process's default VFS for as long as it lives, so the code under test
// opens its database as it always does.
#pragma once

#include <cstdint>
#include <random>

#include <sqlite3.h>

namespace locker::power_cut {

class power_cut_vfs {
 public:
  power_cut_vfs();
  ~power_cut_vfs();
  power_cut_vfs(const power_cut_vfs&) = delete;
  power_cut_vfs& operator=(const power_cut_vfs&) = delete;

  // Counts from now: the power goes at the `at`-th write, sync or truncation (1 = the next);
  // 0 = never. `seed` decides what of the unsynced data survives.
  void arm(std::uint64_t at, std::uint32_t seed);
  // Writes, syncs and truncations since the last arm().
  [[nodiscard]] std::uint64_t operations() const { return ops_; }
  // Of those, the syncs (fsync of a file) that went through.
  [[nodiscard]] std::uint64_t syncs() const { return syncs_; }
  [[nodiscard]] bool cut() const { return cut_; }
  // Power back: drops or tears what each open file had not synced (done at the cut already
  // for files open then), and lets I/O through again. Call with every connection closed.
  void restore();

  // For the file methods (power_cut_vfs.cpp).
  struct file;
  bool count_operation();  // false: the power is gone (this operation is the cut, or after)
  void lose_unsynced(file& f);
  std::mt19937& rng() { return rng_; }

 private:
  sqlite3_vfs vfs_{};
  sqlite3_vfs* base_ = nullptr;
  std::uint64_t ops_ = 0;
  std::uint64_t syncs_ = 0;
  std::uint64_t cut_at_ = 0;
  bool cut_ = false;
  std::mt19937 rng_;
  file* open_files_ = nullptr;  // a list, so the cut reaches every file at once

  friend struct vfs_methods;
};

}  // namespace locker::power_cut
