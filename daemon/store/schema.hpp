// SPDX-License-Identifier: Apache-2.0
// The database schema as numbered migrations, tracked in PRAGMA user_version.
#pragma once

#include <span>
#include <string_view>

#include "daemon/store/database.hpp"

namespace locker::store {

// migrations()[i] takes the schema from version i to i + 1. Append only: a released
// script never changes.
[[nodiscard]] std::span<const std::string_view> migrations();

// The version this build writes: migrations().size().
[[nodiscard]] int schema_version();

// Applies the missing migrations, each in its own transaction. Throws store_error for a
// database written by a newer build (user_version above schema_version()): running an old
// build on it could corrupt data it does not understand.
void migrate(database& db);

}  // namespace locker::store
