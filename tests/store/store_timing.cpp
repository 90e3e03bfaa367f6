// SPDX-License-Identifier: Apache-2.0
// store_timing: how long the store's queries take with a long parcel history on file
// (default 100,000 parcels, all but 150 of them ended), on real time. It prints figures and
// asserts nothing (not a CTest test); run it from a release build:
//   build/release/tests/store/store_timing [parcels] [repetitions]
// Each figure is the median and the maximum over the repetitions, in milliseconds.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

#include "daemon/store/store.hpp"

namespace {

using namespace locker;
using clock_type = std::chrono::steady_clock;

constexpr int live_parcels = 150;  // 120 stored, 20 expired, 10 cancelled, in 200 compartments

// Rows straight through SQL: the store's own API would take minutes for 100k parcels.
void fill(store::store& st, int parcels) {
  store::transaction tx(st.db());
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
  // As many reservations, all deposited but the last 20 (announced, waiting for a courier).
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
}

void time_it(const char* what, int repetitions, const std::function<void()>& f) {
  std::vector<double> ms;
  for (int i = 0; i < repetitions; ++i) {
    const auto start = clock_type::now();
    f();
    ms.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - start).count());
  }
  std::sort(ms.begin(), ms.end());
  std::printf("%-58s median %9.4f ms   max %9.4f ms\n", what, ms[ms.size() / 2], ms.back());
}

}  // namespace

int main(int argc, char** argv) {
  const int parcels = argc > 1 ? std::atoi(argv[1]) : 100000;
  const int repetitions = argc > 2 ? std::atoi(argv[2]) : 50;
  if (parcels < live_parcels || repetitions < 1) {
    std::fprintf(stderr, "usage: store_timing [parcels >= %d] [repetitions >= 1]\n", live_parcels);
    return 2;
  }
  std::random_device rd;
  const auto dir =
      std::filesystem::temp_directory_path() /
      ("locker-store-timing-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  std::filesystem::create_directories(dir);
  const auto path = dir / "lockerd.db";
  {
    store::store st(path);
    fill(st, parcels);
  }
  std::printf("%d parcels on file (%d live), %d repetitions\n", parcels, live_parcels, repetitions);

  time_it("open (migrate, checkpoint)", repetitions, [&] { store::store st(path); });
  store::store st(path);
  volatile std::size_t sink = 0;
  const std::string absent = "TN-not-on-file";
  const std::string some_hash(64, '0');

  time_it("parcels(stored)  [state report, expiry timer]", repetitions,
          [&] { sink = sink + st.parcels(store::parcel_state::stored).size(); });
  time_it("parcels() scan for a tracking number  [begin_deposit]", repetitions, [&] {
    for (const auto& p : st.parcels())
      if (p.tracking_number == absent) sink = sink + 1;
  });
  time_it("parcels(s) x3 for a tracking number  [reservation_create]", repetitions, [&] {
    for (auto s : {store::parcel_state::stored, store::parcel_state::expired,
                   store::parcel_state::cancelled})
      for (const auto& p : st.parcels(s))
        if (p.tracking_number == absent) sink = sink + 1;
  });
  time_it("min expires_at over parcels(stored)  [arm_expiry_timer]", repetitions, [&] {
    std::optional<store::wall_time> next;
    for (const auto& p : st.parcels(store::parcel_state::stored))
      if (!next || p.expires_at < *next) next = p.expires_at;
    sink = sink + (next ? 1 : 0);
  });
  time_it("compartments of parcels(s) x3  [telemetry]", repetitions, [&] {
    std::set<std::string> taken;
    for (auto s : {store::parcel_state::stored, store::parcel_state::expired,
                   store::parcel_state::cancelled})
      for (const auto& p : st.parcels(s)) taken.insert(p.compartment_id);
    sink = sink + taken.size();
  });
  time_it("find_stored_parcels_by_code_hash  [pickup]", repetitions,
          [&] { sink = sink + st.find_stored_parcels_by_code_hash(some_hash).size(); });
  time_it("live_code_hashes  [new code]", repetitions,
          [&] { sink = sink + st.live_code_hashes().size(); });
  time_it("reservations(announced)  [state report]", repetitions,
          [&] { sink = sink + st.reservations(store::reservation_state::announced).size(); });
  std::filesystem::remove_all(dir);
  return 0;
}
