// SPDX-License-Identifier: Apache-2.0
// The integrity check of every start (issue 15), off the path to READY (issue 14): PRAGMA
// quick_check reads every page of the database (about 50 ms at 100,000 parcels from the page
// cache, half a second from a cold eMMC), so lockerd runs it after READY, on a read-only
// connection of its own, in a thread of its own, while the loop serves people. WAL lets the
// check read a consistent snapshot beside the loop's writes. What it found is handed to the
// loop; lockerd records it (record_damage) and stops when nobody is using the locker, so that
// the next start sets the database aside (state_folder::open).
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>

namespace locker::state_folder {

// PRAGMA quick_check of `database` on a read-only connection of its own: "" when it is ok, else
// what it said, or that the file cannot be opened. A busy database or a full disk is not
// damage and says nothing. What the thread runs; callable alone (the scenario rig).
[[nodiscard]] std::string quick_check_problems(const std::filesystem::path& database);

class background_check {
 public:
  // Starts the check of `database`; done(problems) runs on io's thread ("" when it is ok,
  // else what quick_check said, or why it could not run), unless this was destroyed first.
  background_check(boost::asio::io_context& io, std::filesystem::path database,
                   std::function<void(std::string problems, double ms)> done);
  background_check(const background_check&) = delete;
  background_check& operator=(const background_check&) = delete;
  // Waits for the check to end (it cannot be interrupted; it ends within its read of the file).
  ~background_check();

 private:
  std::shared_ptr<bool> alive_;
  std::thread thread_;
};

}  // namespace locker::state_folder
