// SPDX-License-Identifier: Apache-2.0
// The cabinet's hardware as the controller uses it, assembled from the board file over
// whichever backend is configured.
#pragma once

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "daemon/config/config.hpp"
#include "drivers/debounced_input.hpp"
#include "drivers/hardware.hpp"
#include "drivers/input/wiegand_reader.hpp"
#include "drivers/pulsed_lock.hpp"

namespace locker::hardware {

struct compartment_hardware {
  const drivers::compartment_config* config;
  std::unique_ptr<drivers::pulsed_lock> lock;
  std::unique_ptr<drivers::debounced_door_sensor> door;
  std::unique_ptr<drivers::debounced_presence_sensor> presence;  // null when the board has none
};

class cabinet_hardware {
 public:
  // Requests every lock output first, so all coils are in their safe (released) state
  // before any sensor is read or anything else happens; then the inputs, the scanner and
  // the badge reader, when the board file has them. Throws
  // std::runtime_error naming the line when the backend cannot provide one.
  cabinet_hardware(drivers::board& board, drivers::clock& clock, const drivers::board_config& cfg,
                   const config::timings& timings);
  cabinet_hardware(const cabinet_hardware&) = delete;
  cabinet_hardware& operator=(const cabinet_hardware&) = delete;

  [[nodiscard]] std::vector<compartment_hardware>& compartments() { return compartments_; }
  [[nodiscard]] compartment_hardware* find(std::string_view id);
  [[nodiscard]] drivers::board& board() { return board_; }
  [[nodiscard]] drivers::coil_supply& supply() { return supply_; }
  // Null when the board has no backup_power line.
  [[nodiscard]] drivers::power_sensor* power() { return power_.get(); }
  // The barcode/QR scanner beside the keypad; null when the board file has no [scanner].
  [[nodiscard]] drivers::code_reader* scanner() { return scanner_; }
  // The courier badge reader; null when the board file has no [badge]. A Wiegand reader is
  // built here on the two data lines (raw edges, not debounced: a bit is a 50 us pulse); a
  // HID reader comes from the backend. Its garbled() counts the frames it ignored.
  [[nodiscard]] drivers::code_reader* badge_reader() { return badge_reader_; }

  // A mains dip shorter than this is the backup supply's business, not an alarm.
  static constexpr drivers::millis power_settle{1000};

  // New lock_pulse, coil_gap and debounce for every line, from the next pulse, gap or edge
  // on (a pulse or a settle wait already running keeps its length). lock_pulse_max is the
  // coil's limit and stays what the constructor was given.
  void apply_timings(const config::timings& timings);

 private:
  drivers::board& board_;
  drivers::coil_supply supply_;
  std::vector<compartment_hardware> compartments_;
  std::unique_ptr<drivers::debounced_power_sensor> power_;
  drivers::code_reader* scanner_ = nullptr;  // owned by the board
  std::unique_ptr<drivers::input::wiegand_reader> wiegand_;
  drivers::code_reader* badge_reader_ = nullptr;  // wiegand_, or owned by the board
};

// Requests every lock output of the board, which drives it to its safe (released) state.
// Call first, before anything else; cabinet_hardware gets the same lines again later.
void make_locks_safe(drivers::board& board, const drivers::board_config& cfg);

// The backend named in the config: `sim` connects to a running locker-sim, `gpiod`
// requests lines from the kernel. Only this function knows the backends exist. on_lost is
// called on the loop if the hardware goes away (the simulator stopped). Throws
// std::runtime_error when the backend cannot start.
std::unique_ptr<drivers::board> make_board(const config::locker_config& cfg,
                                           boost::asio::io_context& io, drivers::clock& clock,
                                           std::function<void()> on_lost);

}  // namespace locker::hardware
