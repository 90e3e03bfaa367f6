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

#include <sqlite3.h>
#include <unistd.h>

#include "daemon/store/store.hpp"
#include "tests/store/parcel_history.hpp"

namespace {

using namespace locker;
using store::testing::fill_history;
using store::testing::live_parcels;
using clock_type = std::chrono::steady_clock;

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
    fill_history(st, parcels);
  }
  std::printf("%d parcels on file (%d live), %d repetitions\n", parcels, live_parcels, repetitions);

  time_it("open (migrate, checkpoint)", repetitions, [&] { store::store st(path); });
  {
    store::store opened(path);
    int misses = 0;
    int high = 0;
    sqlite3_db_status(opened.db().handle(), SQLITE_DBSTATUS_CACHE_MISS, &misses, &high, 0);
    std::printf("%-58s %d of %lld\n", "pages read by open", misses,
                static_cast<long long>(std::filesystem::file_size(path) / 4096));
  }
  store::store st(path);
  volatile std::size_t sink = 0;
  const std::string absent = "TN-not-on-file";
  const std::string some_hash(64, '0');

  time_it("parcels(stored)  [state report, expiry timer]", repetitions,
          [&] { sink = sink + st.parcels().all(store::parcel_state::stored).size(); });
  time_it("parcels() scan for a tracking number  [begin_deposit]", repetitions, [&] {
    for (const auto& p : st.parcels().all())
      if (p.tracking_number == absent) sink = sink + 1;
  });
  time_it("parcels(s) x3 for a tracking number  [reservation_create]", repetitions, [&] {
    for (auto s : {store::parcel_state::stored, store::parcel_state::expired,
                   store::parcel_state::cancelled})
      for (const auto& p : st.parcels().all(s))
        if (p.tracking_number == absent) sink = sink + 1;
  });
  time_it("min expires_at over parcels(stored)  [arm_expiry_timer]", repetitions, [&] {
    std::optional<store::wall_time> next;
    for (const auto& p : st.parcels().all(store::parcel_state::stored))
      if (!next || p.expires_at < *next) next = p.expires_at;
    sink = sink + (next ? 1 : 0);
  });
  time_it("compartments of parcels(s) x3  [telemetry]", repetitions, [&] {
    std::set<std::string> taken;
    for (auto s : {store::parcel_state::stored, store::parcel_state::expired,
                   store::parcel_state::cancelled})
      for (const auto& p : st.parcels().all(s)) taken.insert(p.compartment_id);
    sink = sink + taken.size();
  });
  time_it("find_stored_parcels_by_code_hash  [pickup]", repetitions,
          [&] { sink = sink + st.parcels().find_stored_by_code_hash(some_hash).size(); });
  time_it("live_code_hashes  [new code]", repetitions,
          [&] { sink = sink + st.parcels().live_code_hashes().size(); });
  time_it("reservations(announced)  [state report]", repetitions,
          [&] { sink = sink + st.reservations().all(store::reservation_state::announced).size(); });

  std::printf("-- the store functions the callers use now\n");
  time_it("live_parcel_with_tracking_number  [deposit, reservation]", repetitions,
          [&] { sink = sink + (st.parcels().live_with_tracking_number(absent) ? 1 : 0); });
  time_it("next_expiry  [arm_expiry_timer]", repetitions,
          [&] { sink = sink + (st.parcels().next_expiry() ? 1 : 0); });
  time_it("live_parcel_compartments  [telemetry]", repetitions,
          [&] { sink = sink + st.parcels().live_compartments().size(); });
  time_it("find_announced_reservation  [deposit]", repetitions,
          [&] { sink = sink + (st.reservations().find_announced("RTN5") ? 1 : 0); });
  // Each repetition deletes 100 of the ended parcels (closed before 2024-03-01: all of them).
  const auto cutoff = store::wall_time{std::chrono::sys_days{std::chrono::year{2024} / 3 / 1}};
  time_it("prune_ended_parcels, a batch of 100  [quiet moment]", repetitions,
          [&] { sink = sink + static_cast<std::size_t>(st.parcels().prune_ended(cutoff, 100)); });
  // And as many of the reservations those parcels were deposited for.
  time_it("prune_ended_reservations, a batch of 100  [quiet moment]", repetitions, [&] {
    sink = sink + static_cast<std::size_t>(st.reservations().prune_ended(cutoff, 100));
  });

  std::printf("-- the journal\n");
  // Appends in batches, so that one commit's fsync does not hide what each append costs; then
  // the deletes after PUBACK as a drain makes them (journal_relay's delete_batch, 8192).
  const auto now = std::chrono::system_clock::now();
  constexpr int appends = 1000;
  constexpr int delete_batch = 8192;
  constexpr int delete_batches = 8;
  time_it("journal append, 1000 events in one transaction  [each event]",
          (delete_batch * delete_batches) / appends + 1, [&] {
            store::transaction tx(st.db());
            for (int i = 0; i < appends; ++i)
              st.journal().append(tx, store::journal_topic::door, "door_opened",
                                  {{"compartment", "A1"}}, now);
            tx.commit();
          });
  std::uint64_t upto = st.journal().pending(1, 0).at(0).seq - 1;
  time_it("journal remove_upto, 8192 delivered events  [drain]", delete_batches, [&] {
    upto += delete_batch;
    sink = sink + static_cast<std::size_t>(st.journal().remove_upto(upto));
  });
  std::filesystem::remove_all(dir);
  return 0;
}
