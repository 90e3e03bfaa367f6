// SPDX-License-Identifier: Apache-2.0
// The only place that knows which backends exist.
#include "daemon/hardware/cabinet_hardware.hpp"
#include "drivers/sim/sim_board.hpp"
#if LOCKER_WITH_GPIOD
#include "drivers/gpiod/gpiod_board.hpp"
#endif

#include <stdexcept>

namespace locker::hardware {

std::unique_ptr<drivers::board> make_board(const config::locker_config& cfg,
                                           boost::asio::io_context& io, drivers::clock& clock,
                                           std::function<void()> on_lost) {
  switch (cfg.backend) {
    case config::backend_kind::sim: {
      auto b = std::make_unique<drivers::sim::sim_board>(io, cfg.sim_socket.string(), &clock);
      if (on_lost) b->on_disconnect(std::move(on_lost));
      return b;
    }
    case config::backend_kind::gpiod:
#if LOCKER_WITH_GPIOD
      return std::make_unique<drivers::gpiod_backend::gpiod_board>(io, clock, cfg.board);
#else
      throw std::runtime_error(
          "this lockerd was built without the gpiod backend (LOCKER_WITH_GPIOD=OFF)");
#endif
  }
  throw std::runtime_error("unknown hardware backend");
}

}  // namespace locker::hardware
