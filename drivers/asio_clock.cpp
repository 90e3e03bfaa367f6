// SPDX-License-Identifier: Apache-2.0
#include "drivers/asio_clock.hpp"

#include <cerrno>
#include <cstdint>
#include <ctime>
#include <fstream>

#include <boost/asio/post.hpp>
#include <sys/timerfd.h>
#include <sys/timex.h>
#include <unistd.h>

namespace locker::drivers {

asio_clock::asio_clock(boost::asio::io_context& io) : io_(io) {
  // Unreadable (not Linux, no /proc): empty, and every start counts as a new boot.
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::getline(in, boot_id_);
}

asio_clock::~asio_clock() {
  for (auto& [id, t] : timers_) t->cancel();
  if (set_watch_) {
    boost::system::error_code ec;
    set_watch_->close(ec);
  }
}

bool asio_clock::wall_clock_synchronized() const {
  if (::access("/run/systemd/timesync/synchronized", F_OK) == 0) return true;
  timex tx{};  // modes 0: read only
  const int state = ::adjtimex(&tx);
  return state != -1 && state != TIME_ERROR && (tx.status & STA_UNSYNC) == 0;
}

void asio_clock::on_wall_clock_set(const std::function<void()>& fn) {
  on_set_ = fn;
  if (set_watch_) return;
  const int fd = ::timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd < 0) return;  // no timerfd: steps are not reported (the timers still work)
  set_watch_ = std::make_unique<boost::asio::posix::stream_descriptor>(io_, fd);
  arm_set_watch();
}

// An absolute expiry far ahead that is cancelled (read fails with ECANCELED) when the clock
// is set; armed again after each report.
void asio_clock::arm_set_watch() {
  itimerspec far{};
  far.it_value.tv_sec = ::time(nullptr) + std::time_t{100} * 365 * 24 * 3600;  // never reached
  if (::timerfd_settime(set_watch_->native_handle(), TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET,
                        &far, nullptr) != 0)
    return;
  set_watch_->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                         [this](const boost::system::error_code& ec) {
                           if (ec) return;  // closed
                           std::uint64_t expirations = 0;
                           const auto n = ::read(set_watch_->native_handle(), &expirations,
                                                 sizeof expirations);
                           const bool was_set = n < 0 && errno == ECANCELED;
                           arm_set_watch();
                           if (was_set && on_set_) on_set_();
                         });
}

steady_time asio_clock::now() const { return std::chrono::steady_clock::now(); }

wall_time asio_clock::wall_now() const { return std::chrono::system_clock::now(); }

std::string asio_clock::boot_id() const { return boot_id_; }

clock::timer_id asio_clock::call_after(millis delay, std::function<void()> fn) {
  const timer_id id = next_id_++;
  if (delay <= millis(0)) {
    posted_->emplace(id, std::move(fn));
    boost::asio::post(io_, [weak = std::weak_ptr(posted_), id] {
      const auto posted = weak.lock();
      if (!posted) return;
      const auto it = posted->find(id);
      if (it == posted->end()) return;  // cancelled
      auto f = std::move(it->second);
      posted->erase(it);
      f();
    });
    return id;
  }
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
  if (posted_->erase(id) > 0) return;
  auto it = timers_.find(id);
  if (it == timers_.end()) return;
  it->second->cancel();
  // The handler still runs once with operation_aborted; it holds no pointer to the timer.
  timers_.erase(it);
}

}  // namespace locker::drivers
