// SPDX-License-Identifier: Apache-2.0
#include "drivers/asio_clock.hpp"

#include <fstream>

namespace locker::drivers {

asio_clock::asio_clock(boost::asio::io_context& io) : io_(io) {
  // Unreadable (not Linux, no /proc): empty, and every start counts as a new boot.
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::getline(in, boot_id_);
}

asio_clock::~asio_clock() {
  for (auto& [id, t] : timers_) t->cancel();
}

steady_time asio_clock::now() const { return std::chrono::steady_clock::now(); }

wall_time asio_clock::wall_now() const { return std::chrono::system_clock::now(); }

std::string asio_clock::boot_id() const { return boot_id_; }

clock::timer_id asio_clock::call_after(millis delay, std::function<void()> fn) {
  const timer_id id = next_id_++;
  auto t = std::make_unique<boost::asio::steady_timer>(io_, delay);
  t->async_wait([this, id, fn = std::move(fn)](const boost::system::error_code& ec) {
    // Cancelled: the entry is gone. A timer cancelled after it expired but before this ran
    // (another handler ready in the same turn of the loop cancelled it) still completes
    // without an error, as Asio documents: its missing entry is what says it was cancelled.
    const auto it = timers_.find(id);
    if (ec || it == timers_.end()) return;
    timers_.erase(it);
    fn();
  });
  timers_.emplace(id, std::move(t));
  return id;
}

void asio_clock::cancel(timer_id id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;
  it->second->cancel();
  // The handler still runs once with operation_aborted; it holds no pointer to the timer.
  timers_.erase(it);
}

}  // namespace locker::drivers
