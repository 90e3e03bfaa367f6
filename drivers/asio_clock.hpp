// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <unordered_map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "drivers/clock.hpp"

namespace locker::drivers {

// Real time, with timers that fire on the io_context's thread.
class asio_clock final : public clock {
 public:
  explicit asio_clock(boost::asio::io_context& io);
  ~asio_clock() override;

  [[nodiscard]] steady_time now() const override;
  [[nodiscard]] wall_time wall_now() const override;
  // The kernel's boot id (/proc/sys/kernel/random/boot_id), read once.
  [[nodiscard]] std::string boot_id() const override;
  // A delay of zero or less is posted to the loop rather than put on a timer: it runs after
  // the handlers already queued, in the order asked, and arms no kernel timer. Every timer
  // that becomes the earliest reprograms the loop's timerfd (a timerfd_settime, and in a VM
  // a trap to the hypervisor), and again once it has fired.
  // The controller asks for one after every commit, on the way to the coil: 20 us a pickup
  // here (perf record of lockerd under locker_bench).
  timer_id call_after(millis delay, std::function<void()> fn) override;
  void cancel(timer_id id) override;
  // Through a CLOCK_REALTIME timerfd armed with TFD_TIMER_CANCEL_ON_SET: the kernel wakes it
  // exactly when the clock is set, so nothing polls (an idle locker's thread stays asleep).
  void on_wall_clock_set(const std::function<void()>& fn) override;
  // The flag file, then adjtimex(2) with nothing to change; read each time (a command with a
  // deadline). Under ProtectClock=yes adjtimex is refused (EPERM): not synchronized.
  [[nodiscard]] bool wall_clock_synchronized() const override;

 private:
  boost::asio::io_context& io_;
  timer_id next_id_ = 1;
  std::string boot_id_;
  std::unordered_map<timer_id, std::unique_ptr<boost::asio::steady_timer>> timers_;
  // Posted calls not yet run; a posted handler holds it weakly, so that one left in the loop
  // after the clock has gone does nothing.
  std::shared_ptr<std::unordered_map<timer_id, std::function<void()>>> posted_ =
      std::make_shared<std::unordered_map<timer_id, std::function<void()>>>();
  void arm_set_watch();
  std::function<void()> on_set_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> set_watch_;  // the timerfd
};

}  // namespace locker::drivers
