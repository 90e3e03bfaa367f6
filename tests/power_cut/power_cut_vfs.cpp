// SPDX-License-Identifier: Apache-2.0
#include "tests/power_cut/power_cut_vfs.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace locker::power_cut {

namespace {

// One operation a file has not synced yet: a write, or a truncation (data empty).
struct pending_op {
  sqlite3_int64 offset = 0;  // a write's offset, or the truncated size
  std::vector<unsigned char> data;
  bool truncate = false;
};

}  // namespace

// The shim's file: SQLite allocates szOsFile bytes; the real (base VFS) file follows it.
struct power_cut_vfs::file {
  sqlite3_file base{};  // must come first: SQLite sees this
  power_cut_vfs* vfs = nullptr;
  std::vector<pending_op>* pending = nullptr;
  file* next = nullptr;
  file* prev = nullptr;
  sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(this + 1); }
};

namespace {

power_cut_vfs::file* as_file(sqlite3_file* f) { return reinterpret_cast<power_cut_vfs::file*>(f); }

int real_size(power_cut_vfs::file* f, sqlite3_int64* size) {
  return f->real()->pMethods->xFileSize(f->real(), size);
}

// Hands pending operations to the real file, in order.
int apply(power_cut_vfs::file* f, const pending_op& op) {
  if (op.truncate) return f->real()->pMethods->xTruncate(f->real(), op.offset);
  return f->real()->pMethods->xWrite(f->real(), op.data.data(), static_cast<int>(op.data.size()),
                                     op.offset);
}

}  // namespace

struct vfs_methods {
  static int close(sqlite3_file* sf) {
    auto* f = as_file(sf);
    // Closing is no sync, but the kernel writes a closed file's cache back soon after: here
    // at once, unless the power is already gone.
    if (!f->vfs->cut_) {
      for (const auto& op : *f->pending) apply(f, op);
    } else {
      f->vfs->lose_unsynced(*f);
    }
    if (f->prev != nullptr) f->prev->next = f->next;
    if (f->next != nullptr) f->next->prev = f->prev;
    if (f->vfs->open_files_ == f) f->vfs->open_files_ = f->next;
    delete f->pending;
    f->pending = nullptr;
    return f->real()->pMethods->xClose(f->real());
  }

  static int read(sqlite3_file* sf, void* buf, int amount, sqlite3_int64 offset) {
    auto* f = as_file(sf);
    int rc = f->real()->pMethods->xRead(f->real(), buf, amount, offset);
    if (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ) return rc;
    if (f->pending->empty()) return rc;
    // The file as the process sees it: the real bytes with the pending operations laid over.
    sqlite3_int64 size = 0;
    if (real_size(f, &size) != SQLITE_OK) return SQLITE_IOERR_READ;
    auto* out = static_cast<unsigned char*>(buf);
    if (rc == SQLITE_IOERR_SHORT_READ) {
      const auto have = std::max<sqlite3_int64>(0, std::min<sqlite3_int64>(amount, size - offset));
      std::memset(out + have, 0, static_cast<std::size_t>(amount - have));
    }
    for (const auto& op : *f->pending) {
      if (op.truncate) {
        if (op.offset < offset + amount) {
          const auto from = std::max(op.offset, offset);
          std::memset(out + (from - offset), 0, static_cast<std::size_t>(offset + amount - from));
        }
        size = op.offset;
        continue;
      }
      const auto end = op.offset + static_cast<sqlite3_int64>(op.data.size());
      size = std::max(size, end);
      const auto lo = std::max(op.offset, offset);
      const auto hi = std::min(end, offset + amount);
      if (lo < hi) {
        std::memcpy(out + (lo - offset), op.data.data() + (lo - op.offset),
                    static_cast<std::size_t>(hi - lo));
      }
    }
    return offset + amount > size ? SQLITE_IOERR_SHORT_READ : SQLITE_OK;
  }

  static int write(sqlite3_file* sf, const void* buf, int amount, sqlite3_int64 offset) {
    auto* f = as_file(sf);
    if (!f->vfs->count_operation()) return SQLITE_IOERR_WRITE;
    const auto* p = static_cast<const unsigned char*>(buf);
    f->pending->push_back({offset, std::vector<unsigned char>(p, p + amount), false});
    return SQLITE_OK;
  }

  static int truncate(sqlite3_file* sf, sqlite3_int64 size) {
    auto* f = as_file(sf);
    if (!f->vfs->count_operation()) return SQLITE_IOERR_TRUNCATE;
    f->pending->push_back({size, {}, true});
    return SQLITE_OK;
  }

  static int sync(sqlite3_file* sf, int /*flags*/) {
    auto* f = as_file(sf);
    if (!f->vfs->count_operation()) return SQLITE_IOERR_FSYNC;
    ++f->vfs->syncs_;
    for (const auto& op : *f->pending) {
      if (const int rc = apply(f, op); rc != SQLITE_OK) return rc;
    }
    f->pending->clear();
    // The real fsync is left out: the test's "disk" is the real file, and the page cache
    // holds it as long as the test runs.
    return SQLITE_OK;
  }

  static int file_size(sqlite3_file* sf, sqlite3_int64* size) {
    auto* f = as_file(sf);
    if (const int rc = real_size(f, size); rc != SQLITE_OK) return rc;
    for (const auto& op : *f->pending) {
      *size = op.truncate ? op.offset
                          : std::max(*size, op.offset + static_cast<sqlite3_int64>(op.data.size()));
    }
    return SQLITE_OK;
  }

  static int lock(sqlite3_file* sf, int l) {
    return as_file(sf)->real()->pMethods->xLock(as_file(sf)->real(), l);
  }
  static int unlock(sqlite3_file* sf, int l) {
    return as_file(sf)->real()->pMethods->xUnlock(as_file(sf)->real(), l);
  }
  static int check_lock(sqlite3_file* sf, int* out) {
    return as_file(sf)->real()->pMethods->xCheckReservedLock(as_file(sf)->real(), out);
  }
  static int file_control(sqlite3_file* sf, int op, void* arg) {
    return as_file(sf)->real()->pMethods->xFileControl(as_file(sf)->real(), op, arg);
  }
  static int sector_size(sqlite3_file* sf) {
    return as_file(sf)->real()->pMethods->xSectorSize(as_file(sf)->real());
  }
  static int device_characteristics(sqlite3_file* sf) {
    // Powersafe overwrite holds (a torn write only ever loses the bytes it was writing), but
    // no write is atomic.
    return as_file(sf)->real()->pMethods->xDeviceCharacteristics(as_file(sf)->real()) &
           SQLITE_IOCAP_POWERSAFE_OVERWRITE;
  }
  // The wal-index is shared memory, not storage: it goes to the real file's methods as is
  // (SQLite rebuilds it from the WAL when the first connection after a restart opens).
  static int shm_map(sqlite3_file* sf, int page, int size, int extend, void volatile** out) {
    return as_file(sf)->real()->pMethods->xShmMap(as_file(sf)->real(), page, size, extend, out);
  }
  static int shm_lock(sqlite3_file* sf, int offset, int n, int flags) {
    return as_file(sf)->real()->pMethods->xShmLock(as_file(sf)->real(), offset, n, flags);
  }
  static void shm_barrier(sqlite3_file* sf) {
    as_file(sf)->real()->pMethods->xShmBarrier(as_file(sf)->real());
  }
  static int shm_unmap(sqlite3_file* sf, int remove) {
    return as_file(sf)->real()->pMethods->xShmUnmap(as_file(sf)->real(), remove);
  }
  // No memory-mapped reads: they would bypass the pending writes.
  static int fetch(sqlite3_file*, sqlite3_int64, int, void** out) {
    *out = nullptr;
    return SQLITE_OK;
  }
  static int unfetch(sqlite3_file*, sqlite3_int64, void*) { return SQLITE_OK; }

  static constexpr sqlite3_io_methods io{3,
                                         close,
                                         read,
                                         write,
                                         truncate,
                                         sync,
                                         file_size,
                                         lock,
                                         unlock,
                                         check_lock,
                                         file_control,
                                         sector_size,
                                         device_characteristics,
                                         shm_map,
                                         shm_lock,
                                         shm_barrier,
                                         shm_unmap,
                                         fetch,
                                         unfetch};

  static int open(sqlite3_vfs* v, const char* name, sqlite3_file* sf, int flags, int* out_flags) {
    auto* self = static_cast<power_cut_vfs*>(v->pAppData);
    auto* f = as_file(sf);
    f->base.pMethods = nullptr;
    const int rc = self->base_->xOpen(self->base_, name, f->real(), flags, out_flags);
    if (rc != SQLITE_OK) return rc;
    f->base.pMethods = &io;
    f->vfs = self;
    f->pending = new std::vector<pending_op>();
    f->prev = nullptr;
    f->next = self->open_files_;
    if (f->next != nullptr) f->next->prev = f;
    self->open_files_ = f;
    return SQLITE_OK;
  }

  static int remove(sqlite3_vfs* v, const char* name, int sync_dir) {
    auto* self = static_cast<power_cut_vfs*>(v->pAppData);
    if (!self->count_operation()) return SQLITE_IOERR_DELETE;
    return self->base_->xDelete(self->base_, name, sync_dir);
  }
  static int access(sqlite3_vfs* v, const char* name, int flags, int* out) {
    auto* self = static_cast<power_cut_vfs*>(v->pAppData);
    return self->base_->xAccess(self->base_, name, flags, out);
  }
  static int full_pathname(sqlite3_vfs* v, const char* name, int n, char* out) {
    auto* self = static_cast<power_cut_vfs*>(v->pAppData);
    return self->base_->xFullPathname(self->base_, name, n, out);
  }
  static int randomness(sqlite3_vfs* v, int n, char* out) {
    auto* self = static_cast<power_cut_vfs*>(v->pAppData);
    return self->base_->xRandomness(self->base_, n, out);
  }
  static int sleep(sqlite3_vfs* v, int us) {
    auto* self = static_cast<power_cut_vfs*>(v->pAppData);
    return self->base_->xSleep(self->base_, us);
  }
  static int current_time(sqlite3_vfs* v, double* out) {
    auto* self = static_cast<power_cut_vfs*>(v->pAppData);
    return self->base_->xCurrentTime(self->base_, out);
  }
  static int last_error(sqlite3_vfs* v, int n, char* out) {
    auto* self = static_cast<power_cut_vfs*>(v->pAppData);
    return self->base_->xGetLastError(self->base_, n, out);
  }
  static int current_time_int64(sqlite3_vfs* v, sqlite3_int64* out) {
    auto* self = static_cast<power_cut_vfs*>(v->pAppData);
    return self->base_->xCurrentTimeInt64(self->base_, out);
  }
};

power_cut_vfs::power_cut_vfs() : base_(sqlite3_vfs_find(nullptr)) {
  if (base_ == nullptr) throw std::runtime_error("power_cut_vfs: no default SQLite VFS");
  vfs_.iVersion = 2;
  vfs_.szOsFile = static_cast<int>(sizeof(file)) + base_->szOsFile;
  vfs_.mxPathname = base_->mxPathname;
  vfs_.zName = "power-cut";
  vfs_.pAppData = this;
  vfs_.xOpen = vfs_methods::open;
  vfs_.xDelete = vfs_methods::remove;
  vfs_.xAccess = vfs_methods::access;
  vfs_.xFullPathname = vfs_methods::full_pathname;
  vfs_.xRandomness = vfs_methods::randomness;
  vfs_.xSleep = vfs_methods::sleep;
  vfs_.xCurrentTime = vfs_methods::current_time;
  vfs_.xGetLastError = vfs_methods::last_error;
  vfs_.xCurrentTimeInt64 = vfs_methods::current_time_int64;
  if (sqlite3_vfs_register(&vfs_, 1) != SQLITE_OK) {
    throw std::runtime_error("power_cut_vfs: cannot register");
  }
}

power_cut_vfs::~power_cut_vfs() { sqlite3_vfs_unregister(&vfs_); }

void power_cut_vfs::arm(std::uint64_t at, std::uint32_t seed) {
  ops_ = 0;
  syncs_ = 0;
  cut_at_ = at;
  cut_ = false;
  rng_.seed(seed);
}

bool power_cut_vfs::count_operation() {
  if (cut_) return false;
  ++ops_;
  if (cut_at_ != 0 && ops_ >= cut_at_) {
    cut_ = true;
    for (file* f = open_files_; f != nullptr; f = f->next) lose_unsynced(*f);
    return false;
  }
  return true;
}

void power_cut_vfs::lose_unsynced(file& f) {
  // What a disk's cache may have written back before the power went: any subset of the
  // pending writes, each of them maybe only in part (its first 512-byte sectors).
  std::bernoulli_distribution survives(0.5);
  for (auto& op : *f.pending) {
    if (!survives(rng_)) continue;
    if (!op.truncate && op.data.size() > 512 && survives(rng_)) {
      std::uniform_int_distribution<std::size_t> sectors(0, op.data.size() / 512 - 1);
      op.data.resize(sectors(rng_) * 512);
      if (op.data.empty()) continue;
    }
    apply(&f, op);
  }
  f.pending->clear();
}

void power_cut_vfs::restore() {
  cut_ = false;
  cut_at_ = 0;
}

}  // namespace locker::power_cut
