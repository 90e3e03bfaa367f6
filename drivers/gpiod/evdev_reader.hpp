// SPDX-License-Identifier: Apache-2.0
// Reads input_event records from a Linux input device on the Asio loop, for every evdev
// device the locker has (keypad, barcode scanner, HID badge reader): the one fd-reading
// loop, with records split across reads joined, and, for a device opened by path, the
// re-open after it is unplugged (a USB device comes back under the same /dev/input/by-id
// name), on the injected clock with back-off.
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <system_error>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <linux/input.h>

#include "base/liveness.hpp"
#include "drivers/clock.hpp"

namespace locker::drivers::gpiod_backend {

// The calls to the device that tests replace (a pipe has no EVIOCGRAB, a test decides when
// the "device" is plugged in).
struct evdev_ops {
  // Opens path read-only, non-blocking, close-on-exec: the new fd, or -1 and ec.
  std::function<int(const std::string& path, std::error_code& ec)> open;
  // Takes the device for this process alone (EVIOCGRAB), so its keystrokes do not also
  // reach the console or a login prompt: empty, or why not.
  std::function<std::error_code(int fd)> grab;

  // The real calls.
  [[nodiscard]] static evdev_ops system();
};

struct evdev_reader_options {
  // For messages: "scanner device", "keypad device".
  std::string what = "input device";
  // Grab the device once opened. A grab that fails is logged and the device read anyway
  // (an fd that is not an evdev device has no grab; another process may hold it).
  bool grab = true;
  // Throw from the constructor when the first open fails (a device the locker cannot
  // work without); else start detached and keep trying.
  bool required = false;
  // Waits between attempts to open again: the first, doubled after each failure up to the
  // last. Attached for at least last_retry, the next outage starts at first_retry again.
  millis first_retry{500};
  millis last_retry{10'000};
};

class evdev_reader {
 public:
  // Reads fd, which it then owns; it is never re-opened: end of file or an error stops it
  // (kept in last_error()).
  evdev_reader(boost::asio::io_context& io, int fd);
  // Opens path, and opens it again whenever it goes away. With options.required, throws
  // std::runtime_error naming the device if the first open fails; else last_error() says
  // why and attempts follow on c.
  evdev_reader(boost::asio::io_context& io, clock& c, std::string path,
               evdev_reader_options options = {}, evdev_ops ops = evdev_ops::system());
  evdev_reader(const evdev_reader&) = delete;
  evdev_reader& operator=(const evdev_reader&) = delete;
  ~evdev_reader();

  // Each record, in order, on the loop. The handler may destroy the reader.
  void on_event(std::function<void(const input_event&)> handler) {
    event_handler_ = std::move(handler);
  }
  // Told when the device goes away (why: unplugged, a read error) and when it is open
  // again (an empty error_code): not of the state at construction (see attached()).
  // Replaces any earlier handler; the handler may destroy the reader.
  void on_fault(std::function<void(std::error_code)> handler) {
    fault_handler_ = std::move(handler);
  }

  [[nodiscard]] bool attached() const { return attached_; }
  // Why it is not attached, or the last outage's reason.
  [[nodiscard]] std::error_code last_error() const { return error_; }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  bool open_device();
  void read();
  void received(std::size_t n);
  void lost(std::error_code ec);
  void retry();

  boost::asio::posix::stream_descriptor fd_;
  clock* clock_ = nullptr;  // none: never re-opened
  std::string path_;
  evdev_reader_options options_;
  evdev_ops ops_;
  std::unique_ptr<timer> retry_timer_;
  millis retry_delay_{0};
  steady_time attached_at_{};
  bool attached_ = false;
  std::error_code error_;
  // Handlers already queued when this reader goes away must not touch it.
  base::liveness alive_;
  // Room for a burst of events; a record split across reads is kept for the next one.
  std::array<unsigned char, sizeof(input_event) * 32> buffer_{};
  std::size_t filled_ = 0;
  std::function<void(const input_event&)> event_handler_;
  std::function<void(std::error_code)> fault_handler_;
};

}  // namespace locker::drivers::gpiod_backend
