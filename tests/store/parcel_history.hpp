// SPDX-License-Identifier: Apache-2.0
// A long parcel history on file, as a locker has after a few years: many ended parcels and
// reservations, few live ones. For the query plan test and store_timing.
#pragma once

#include <string>

#include "daemon/store/store.hpp"

namespace locker::store::testing {

// The live parcels, in 200 compartments: 120 stored, 20 expired, 10 cancelled. The others
// (parcels - 150) were collected or removed, one a minute from 2024-01-01, and as many
// reservations were made, all deposited but the last 20.
inline constexpr int live_parcels = 150;

// Rows straight through SQL: the store's own API would take minutes for 100k parcels.
// Not synced while filling (seconds of fsync on a slow disk), as the locker's own settings after.
inline void fill_history(store& st, int parcels) {
  st.db().exec("PRAGMA synchronous=OFF");
  transaction tx(st.db());
  st.db().exec(
      "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 199) "
      "INSERT INTO compartments (id, size, updated_at) "
      "SELECT 'C' || i, 'M', '2024-01-01T00:00:00.000Z' FROM n");
  const int ended = parcels - live_parcels;
  st.db().exec(
      "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < " +
      std::to_string(parcels - 1) +
      ") "
      "INSERT INTO parcels (tracking_number, compartment_id, courier_id, state, "
      "pickup_code_hash, stored_at, expires_at, closed_at) "
      "SELECT 'TN' || i, 'C' || (i % 200), 'c-1', "
      "CASE WHEN i < " +
      std::to_string(ended) + " THEN (CASE i % 2 WHEN 0 THEN 'collected' ELSE 'removed' END) " +
      "WHEN i < " + std::to_string(ended + 120) + " THEN 'stored' WHEN i < " +
      std::to_string(ended + 140) +
      " THEN 'expired' ELSE 'cancelled' END, "
      "lower(hex(randomblob(32))), "
      "strftime('%Y-%m-%dT%H:%M:%fZ', '2024-01-01', '+' || (i * 60) || ' seconds'), "
      "strftime('%Y-%m-%dT%H:%M:%fZ', '2024-01-01', '+' || (i * 60 + 259200) || ' seconds'), "
      "CASE WHEN i < " +
      std::to_string(ended) +
      " THEN strftime('%Y-%m-%dT%H:%M:%fZ', '2024-01-01', '+' || (i * 60 + 3600) || ' seconds') "
      "END FROM n");
  st.db().exec(
      "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < " +
      std::to_string(parcels - 1) +
      ") "
      "INSERT INTO reservations (reservation_id, tracking_number, size, pickup_code_hash, state, "
      "created_at) SELECT 'R' || i, 'RTN' || i, 'M', lower(hex(randomblob(32))), "
      "CASE WHEN i < " +
      std::to_string(parcels - 20) +
      " THEN 'deposited' ELSE 'announced' END, "
      "strftime('%Y-%m-%dT%H:%M:%fZ', '2024-01-01', '+' || (i * 60) || ' seconds') FROM n");
  tx.commit();
  st.db().exec("PRAGMA synchronous=FULL");
}

}  // namespace locker::store::testing
