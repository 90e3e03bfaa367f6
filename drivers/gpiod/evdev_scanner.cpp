// SPDX-License-Identifier: Apache-2.0
#include "drivers/gpiod/evdev_scanner.hpp"

namespace locker::drivers::gpiod_backend {

evdev_scanner::evdev_scanner(boost::asio::io_context& io, clock& c, std::string path,
                             evdev_scanner_options options, evdev_ops ops)
    : decoder_(options.max_length),
      reader_(io, c, std::move(path), std::move(options.device), std::move(ops)) {
  reader_.on_event([this](const input_event& e) {
    auto scan = decoder_.feed(e);
    if (scan && read_handler_) read_handler_(*scan);  // last: it may destroy this scanner
  });
  reader_.on_fault([this](std::error_code ec) {
    // Half a scan from before the unplug is not the start of the next one.
    if (ec) decoder_.reset();
    if (fault_handler_) fault_handler_(ec);
  });
}

}  // namespace locker::drivers::gpiod_backend
