// SPDX-License-Identifier: Apache-2.0
#include "daemon/store/store.hpp"

#include "daemon/store/schema.hpp"

namespace locker::store {

store::store(const std::filesystem::path& path) : db_(path) {
  migrate(db_);
  // A crash between an erasure's commit and its checkpoint left old frames in the WAL.
  journal_.checkpoint_erased_codes();
}

}  // namespace locker::store
