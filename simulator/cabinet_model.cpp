// SPDX-License-Identifier: Apache-2.0
#include "simulator/cabinet_model.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "drivers/input/wiegand_frame.hpp"
#include "drivers/sim/sim_protocol.hpp"
#include "drivers/sounds.hpp"

namespace locker::simulator {

struct cabinet_model::compartment {
  explicit compartment(drivers::clock& c) : spring(c), bounce(c), chatter(c) {}

  std::string id;
  std::string size;
  std::string lock_line;
  std::string door_line;
  std::string presence_line;  // empty: no presence sensor
  std::size_t index = 0;
  bool coil = false;
  door_state door = door_state::closed;
  bool forced = false;
  bool occupied = false;
  bool jammed = false;
  std::optional<bool> stuck;
  bool chattering = false;
  bool door_level = false;  // what the controller reads
  bool presence_level = false;
  int bounce_target_steps = 0;
  std::uint32_t chatter_seed = 0;
  drivers::steady_time chatter_until{};
  drivers::timer spring;
  drivers::timer bounce;
  drivers::timer chatter;

  [[nodiscard]] bool contact() const { return door != door_state::closed; }
  [[nodiscard]] bool latched() const { return !(coil && !jammed); }
};

std::string_view door_name(door_state d) {
  switch (d) {
    case door_state::closed:
      return "closed";
    case door_state::ajar:
      return "ajar";
    case door_state::open:
      return "open";
  }
  return "closed";
}

namespace {

template <typename T>
void dispatch(const T& subs, const auto&... args) {
  // A copy: a handler may subscribe or unsubscribe while we walk the list.
  const auto copy = subs;  // NOLINT(performance-unnecessary-copy-initialization)
  for (const auto& [id, fn] : copy) fn(args...);
}

action_result refused(std::string why) { return {std::move(why)}; }

}  // namespace

cabinet_model::cabinet_model(const drivers::board_config& board, drivers::clock& c,
                             bounce_settings bounce, wiegand_pace pace)
    : clock_(c), bounce_(bounce), wiegand_pace_(pace), wiegand_timer_(c) {
  auto add_line = [this](const std::string& name, line_ref ref) {
    if (!lines_.emplace(name, ref).second) {
      throw std::invalid_argument("line " + name + " is used twice in the board file");
    }
    line_order_.push_back(name);
  };
  for (const auto& cc : board.compartments) {
    auto cp = std::make_unique<compartment>(c);
    cp->id = cc.id;
    cp->size = cc.size;
    cp->index = compartments_.size();
    cp->lock_line = cc.lock.describe();
    cp->door_line = cc.door.describe();
    if (cc.presence) cp->presence_line = cc.presence->describe();
    add_line(cp->lock_line, {cp.get(), role::lock});
    add_line(cp->door_line, {cp.get(), role::door});
    if (!cp->presence_line.empty()) add_line(cp->presence_line, {cp.get(), role::presence});
    compartments_.push_back(std::move(cp));
  }
  if (board.buzzer) add_line(board.buzzer->describe(), {nullptr, role::buzzer});
  if (board.alarm_led) add_line(board.alarm_led->describe(), {nullptr, role::alarm_led});
  if (board.backup_power) {
    backup_line_ = board.backup_power->describe();
    add_line(backup_line_, {nullptr, role::backup_power});
  }
  if (board.scanner) {
    // A real scanner cannot deliver more than its decoder keeps, nor than the wire carries.
    scanner_max_length_ = std::min(board.scanner->max_length, drivers::sim::max_scan_length);
  }
  if (board.badge && board.badge->kind == drivers::badge_kind::wiegand) {
    wiegand_lines_[0] = board.badge->wiegand_d0.describe();
    wiegand_lines_[1] = board.badge->wiegand_d1.describe();
    add_line(wiegand_lines_[0], {nullptr, role::wiegand});
    add_line(wiegand_lines_[1], {nullptr, role::wiegand});
  }
}

cabinet_model::~cabinet_model() = default;

// ---------------------------------------------------------------- controller side

bool cabinet_model::set_output(std::string_view line, bool active) {
  const auto it = lines_.find(line);
  if (it == lines_.end()) return false;
  const line_ref ref = it->second;
  if (!powered_) return ref.r == role::lock || ref.r == role::buzzer || ref.r == role::alarm_led;
  switch (ref.r) {
    case role::lock:
      set_coil(*ref.c, active);
      return true;
    case role::alarm_led:
      set_alarm(active);
      return true;
    case role::buzzer:
      if (buzzer_ != active) {
        buzzer_ = active;
        emit("buzzer", active ? "on" : "off");
      }
      return true;
    case role::door:
    case role::presence:
    case role::backup_power:
    case role::wiegand:
      return false;
  }
  return false;
}

std::optional<bool> cabinet_model::output(std::string_view line) const {
  const auto it = lines_.find(line);
  if (it == lines_.end()) return std::nullopt;
  switch (it->second.r) {
    case role::lock:
      return it->second.c->coil;
    case role::buzzer:
      return buzzer_;
    case role::alarm_led:
      return alarm_;
    case role::door:
    case role::presence:
    case role::backup_power:
    case role::wiegand:
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<bool> cabinet_model::input(std::string_view line) const {
  const auto it = lines_.find(line);
  if (it == lines_.end()) return std::nullopt;
  if (it->second.r == role::door) return it->second.c->door_level;
  if (it->second.r == role::presence) return it->second.c->presence_level;
  if (it->second.r == role::backup_power) return on_battery();
  if (it->second.r == role::wiegand) return wiegand_levels_[line == wiegand_lines_[0] ? 0 : 1];
  return std::nullopt;
}

std::vector<std::pair<std::string, bool>> cabinet_model::inputs() const {
  std::vector<std::pair<std::string, bool>> out;
  for (const auto& name : line_order_) {
    if (auto v = input(name)) out.emplace_back(name, *v);
  }
  return out;
}

std::vector<std::pair<std::string, bool>> cabinet_model::outputs() const {
  std::vector<std::pair<std::string, bool>> out;
  for (const auto& name : line_order_) {
    if (auto v = output(name)) out.emplace_back(name, *v);
  }
  return out;
}

void cabinet_model::release_all_outputs() {
  for (auto& c : compartments_) set_coil(*c, false);
  if (buzzer_) {
    buzzer_ = false;
    emit("buzzer", "off");
  }
  set_alarm(false);
}

void cabinet_model::show(std::string text) {
  if (!powered_ || text == display_) return;
  display_ = std::move(text);
  emit("display", drivers::sim::escape_text(display_));
}

std::string describe_sound(std::string_view wire_name) {
  const auto s = drivers::sim::parse_sound(wire_name);
  if (!s) return std::string(wire_name);
  return std::string(drivers::sound_label(*s)) + " (" + drivers::sound_shape(*s) + ")";
}

void cabinet_model::beep(drivers::sound s) {
  if (!powered_) return;
  last_beep_ = std::string(drivers::sim::sound_name(s));
  emit("beep", last_beep_);
}

void cabinet_model::set_alarm(bool on) {
  if (!powered_ || alarm_ == on) return;
  alarm_ = on;
  emit("alarm", on ? "on" : "off");
}

// ---------------------------------------------------------------- subscriptions

cabinet_model::subscription cabinet_model::on_input(
    std::function<void(const std::string&, bool)> fn) {
  input_subs_.emplace_back(next_sub_, std::move(fn));
  return next_sub_++;
}

cabinet_model::subscription cabinet_model::on_key(std::function<void(char)> fn) {
  key_subs_.emplace_back(next_sub_, std::move(fn));
  return next_sub_++;
}

cabinet_model::subscription cabinet_model::on_scan(std::function<void(const std::string&)> fn) {
  scan_subs_.emplace_back(next_sub_, std::move(fn));
  return next_sub_++;
}

cabinet_model::subscription cabinet_model::on_event(std::function<void(const cabinet_event&)> fn) {
  event_subs_.emplace_back(next_sub_, std::move(fn));
  return next_sub_++;
}

void cabinet_model::unsubscribe(subscription id) {
  auto drop = [id](auto& v) { std::erase_if(v, [id](const auto& p) { return p.first == id; }); };
  drop(input_subs_);
  drop(key_subs_);
  drop(scan_subs_);
  drop(event_subs_);
}

void cabinet_model::emit(std::string kind, std::string details) {
  dispatch(event_subs_, cabinet_event{std::move(kind), std::move(details)});
}

void cabinet_model::announce(std::string kind, std::string details) {
  emit(std::move(kind), std::move(details));
}

// ---------------------------------------------------------------- physics

void cabinet_model::set_coil(compartment& c, bool on) {
  if (c.coil == on) return;
  c.coil = on;
  if (on && input_at_) {
    input_to_coil_ = std::chrono::duration_cast<response_ms>(clock_.now() - *input_at_);
    input_at_.reset();
  }
  emit("coil", c.id + (on ? " energized" : " released") + (on && c.jammed ? " (jammed)" : ""));
  if (on) {
    release_latch(c);
  } else {
    // The latch catches again; a door that has not sprung yet stays shut.
    c.spring.cancel();
  }
}

void cabinet_model::release_latch(compartment& c) {
  if (c.latched() || c.door != door_state::closed) return;
  c.spring.start(spring_delay, [this, &c] {
    if (!c.latched() && c.door == door_state::closed) door_to(c, door_state::ajar);
  });
}

void cabinet_model::door_to(compartment& c, door_state d) {
  const bool contact_before = c.contact();
  c.door = d;
  if (d == door_state::closed) c.forced = false;
  emit("door", c.id + " " + std::string(door_name(d)) + (c.forced ? " forced" : ""));
  if (contact_before != c.contact()) door_moved(c);
}

void cabinet_model::door_moved(compartment& c) {
  // A stuck or chattering sensor ignores the door; it settles when the fault ends.
  if (c.stuck || c.chattering) return;
  c.bounce.cancel();
  const bool target = c.contact();
  set_door_line(c, target);
  if (bounce_.count <= 0) return;
  c.bounce_target_steps = 2 * bounce_.count;
  bounce_step(c, 1);
}

// Step k of 2*count reversals lands at span*k/(2*count): evenly spread, ending on target.
void cabinet_model::bounce_step(compartment& c, int step) {
  const auto total = c.bounce_target_steps;
  const auto at = [&](int k) { return bounce_.span * k / total; };
  c.bounce.start(at(step) - at(step - 1), [this, &c, step, total] {
    set_door_line(c, !c.door_level);
    if (step < total) bounce_step(c, step + 1);
  });
}

void cabinet_model::set_door_line(compartment& c, bool level) {
  // Without power nothing reads the contacts: the controller's last reading holds.
  if (!powered_ || c.door_level == level) return;
  c.door_level = level;
  dispatch(input_subs_, c.door_line, level);
}

void cabinet_model::set_presence_line(compartment& c, bool level) {
  if (c.presence_line.empty() || !powered_ || c.presence_level == level) return;
  c.presence_level = level;
  dispatch(input_subs_, c.presence_line, level);
}

void cabinet_model::chatter_step(compartment& c) {
  if (clock_.now() >= c.chatter_until) {
    c.chattering = false;
    emit("fault", c.id + " chatter ended");
    settle_sensor(c);
    return;
  }
  set_door_line(c, !c.door_level);
  // A fixed pseudo-random pattern (LCG): irregular like a loose wire, yet reproducible.
  c.chatter_seed = c.chatter_seed * 1664525U + 1013904223U;
  c.chatter.start(drivers::millis{2 + static_cast<int>((c.chatter_seed >> 16) % 7)},
                  [this, &c] { chatter_step(c); });
}

void cabinet_model::settle_sensor(compartment& c) {
  c.bounce.cancel();
  c.chatter.cancel();
  set_door_line(c, c.stuck ? *c.stuck : c.contact());
}

// ---------------------------------------------------------------- people

cabinet_model::compartment* cabinet_model::find(std::string_view id) const {
  for (const auto& c : compartments_) {
    if (c->id == id) return c.get();
  }
  return nullptr;
}

action_result cabinet_model::unknown(std::string_view id) const {
  return refused("no compartment '" + std::string(id) + "'");
}

action_result cabinet_model::press(std::string_view keys) {
  std::string pressed;
  for (char k : keys) {
    if (k == ' ') continue;
    if (!drivers::sim::valid_key(k)) {
      // Built by append: GCC 12's -Wrestrict misfires on "'" + std::string(1, k) at -O2.
      std::string why = "'";
      why += k;
      why += "' is not a key (0-9 * # A-D)";
      return refused(why);
    }
    pressed += k;
  }
  if (pressed.empty()) return refused("no keys to press");
  if (!powered_) return refused("power is off");
  for (char k : pressed) {
    emit("key", std::string(1, k));
    dispatch(key_subs_, k);
  }
  input_at_ = clock_.now();
  return {};
}

action_result cabinet_model::scan(std::string_view text) {
  if (!has_scanner()) return refused("this board has no scanner (no [scanner] in its board file)");
  if (text.empty()) return refused("nothing to scan");
  if (text.size() > scanner_max_length_) {
    return refused("longer than the scanner's max_length (" + std::to_string(scanner_max_length_) +
                   ")");
  }
  if (!drivers::sim::valid_scan(text)) return refused("a scan holds no control characters");
  if (!powered_) return refused("power is off");
  const std::string scanned(text);
  emit("scan", drivers::sim::escape_text(scanned));
  dispatch(scan_subs_, scanned);
  input_at_ = clock_.now();
  return {};
}

action_result cabinet_model::badge(std::string_view id) {
  // "facility:card", both decimal: 0-65535 each (a 34-bit frame's fields).
  const auto colon = id.find(':');
  const auto number = [](std::string_view digits) -> std::optional<std::uint32_t> {
    if (digits.empty() || digits.size() > 5) return std::nullopt;
    std::uint32_t v = 0;
    for (char ch : digits) {
      if (ch < '0' || ch > '9') return std::nullopt;
      v = v * 10 + static_cast<std::uint32_t>(ch - '0');
    }
    return v;
  };
  const auto facility =
      colon == std::string_view::npos ? std::nullopt : number(id.substr(0, colon));
  const auto card = colon == std::string_view::npos ? std::nullopt : number(id.substr(colon + 1));
  if (!facility || !card || *facility > 0xFFFF || *card > 0xFFFF) {
    return refused("a badge id is facility:card, each 0-65535 (e.g. 123:45678)");
  }
  if (*facility <= 0xFF) {
    return send_wiegand(drivers::input::wiegand26(static_cast<std::uint8_t>(*facility),
                                                  static_cast<std::uint16_t>(*card)),
                        "26 bits");
  }
  return send_wiegand(drivers::input::wiegand34(static_cast<std::uint16_t>(*facility),
                                                static_cast<std::uint16_t>(*card)),
                      "34 bits");
}

action_result cabinet_model::wiegand(std::string_view bits) {
  if (bits.empty() || bits.size() > 64 || bits.find_first_not_of("01") != std::string_view::npos) {
    return refused("a Wiegand frame is 1-64 bits, each 0 or 1");
  }
  std::vector<bool> frame;
  for (char b : bits) frame.push_back(b == '1');
  return send_wiegand(frame, std::to_string(bits.size()) + " bits, as given");
}

action_result cabinet_model::send_wiegand(const std::vector<bool>& bits, std::string what) {
  if (!has_wiegand_reader()) {
    return refused("this board has no Wiegand badge reader (no [badge] with wiegand lines)");
  }
  if (!powered_) return refused("power is off");
  if (wiegand_next_ < wiegand_edges_.size()) return refused("the badge reader is still sending");
  wiegand_edges_.clear();
  for (const auto& e : drivers::input::wiegand_pulses(bits, wiegand_pace_.pulse_width,
                                                      wiegand_pace_.bit_interval)) {
    wiegand_edges_.push_back({e.wire == drivers::input::wiegand_wire::d0 ? 0 : 1, e.active,
                              std::chrono::duration_cast<drivers::millis>(e.at)});
  }
  wiegand_next_ = 0;
  // What was read stays between the person and lockerd: the stream says only that a frame went.
  emit("badge", std::move(what));
  wiegand_step();
  return {};
}

void cabinet_model::wiegand_step() {
  // One edge a step, the next timed from this one: a timer that fires late (a loaded host)
  // delays what follows rather than sending the edges it missed at once, which a real
  // reader never does and a kernel cannot tell apart.
  if (wiegand_next_ >= wiegand_edges_.size()) return;
  const auto e = wiegand_edges_[wiegand_next_++];
  if (wiegand_next_ < wiegand_edges_.size()) {
    wiegand_timer_.start(wiegand_edges_[wiegand_next_].at - e.at, [this] { wiegand_step(); });
  }
  if (!powered_) return;  // the reader has no power: this edge is lost, and so is the rest
  wiegand_levels_[e.wire] = e.active;
  dispatch(input_subs_, wiegand_lines_[e.wire], e.active);
}

action_result cabinet_model::open(std::string_view id) {
  compartment* c = find(id);
  if (!c) return unknown(id);
  if (c->door == door_state::open) return refused("door " + c->id + " is already open");
  if (c->door == door_state::closed && c->latched()) {
    return refused("door " + c->id + " is locked" + (c->jammed ? " (lock jammed)" : ""));
  }
  c->spring.cancel();
  door_to(*c, door_state::open);
  return {};
}

action_result cabinet_model::close(std::string_view id) {
  compartment* c = find(id);
  if (!c) return unknown(id);
  if (c->door == door_state::closed) return refused("door " + c->id + " is already closed");
  door_to(*c, door_state::closed);
  // Shut against an energized coil, the latch does not catch and the spring pushes again.
  release_latch(*c);
  return {};
}

action_result cabinet_model::put(std::string_view id) {
  compartment* c = find(id);
  if (!c) return unknown(id);
  if (c->door != door_state::open) {
    return refused("door " + c->id + " is " + std::string(door_name(c->door)) + ", not open");
  }
  if (c->occupied) return refused("compartment " + c->id + " already holds a parcel");
  c->occupied = true;
  emit("parcel", c->id + " in");
  set_presence_line(*c, true);
  return {};
}

action_result cabinet_model::take(std::string_view id) {
  compartment* c = find(id);
  if (!c) return unknown(id);
  if (c->door != door_state::open) {
    return refused("door " + c->id + " is " + std::string(door_name(c->door)) + ", not open");
  }
  if (!c->occupied) return refused("compartment " + c->id + " is empty");
  c->occupied = false;
  emit("parcel", c->id + " out");
  set_presence_line(*c, false);
  return {};
}

// ---------------------------------------------------------------- faults

action_result cabinet_model::jam(std::string_view id) {
  compartment* c = find(id);
  if (!c) return unknown(id);
  if (c->jammed) return refused("lock " + c->id + " is already jammed");
  c->jammed = true;
  c->spring.cancel();  // an energized coil loses its grip on the latch too
  emit("fault", c->id + " jam");
  return {};
}

action_result cabinet_model::unjam(std::string_view id) {
  compartment* c = find(id);
  if (!c) return unknown(id);
  if (!c->jammed) return refused("lock " + c->id + " is not jammed");
  c->jammed = false;
  emit("fault", c->id + " unjam");
  release_latch(*c);
  return {};
}

action_result cabinet_model::force(std::string_view id) {
  compartment* c = find(id);
  if (!c) return unknown(id);
  if (c->door != door_state::closed) {
    return refused("door " + c->id + " is " + std::string(door_name(c->door)) + ", not closed");
  }
  c->spring.cancel();
  c->forced = true;
  emit("fault", c->id + " force");
  door_to(*c, door_state::open);
  return {};
}

action_result cabinet_model::stick(std::string_view id, bool open) {
  compartment* c = find(id);
  if (!c) return unknown(id);
  if (c->stuck == open) return refused("sensor " + c->id + " is already stuck that way");
  c->stuck = open;
  c->chattering = false;
  emit("fault", c->id + (open ? " stuck open" : " stuck closed"));
  settle_sensor(*c);
  return {};
}

action_result cabinet_model::chatter(std::string_view id) {
  compartment* c = find(id);
  if (!c) return unknown(id);
  if (c->chattering) return refused("sensor " + c->id + " is already chattering");
  c->stuck.reset();
  c->chattering = true;
  c->bounce.cancel();
  c->chatter_seed = static_cast<std::uint32_t>(c->index) * 2654435761U + 1U;
  c->chatter_until = clock_.now() + chatter_length;
  emit("fault", c->id + " chatter");
  chatter_step(*c);
  return {};
}

action_result cabinet_model::unstick(std::string_view id) {
  compartment* c = find(id);
  if (!c) return unknown(id);
  if (!c->stuck && !c->chattering) return refused("sensor " + c->id + " is not stuck");
  c->stuck.reset();
  c->chattering = false;
  emit("fault", c->id + " unstick");
  settle_sensor(*c);
  return {};
}

action_result cabinet_model::set_bounce(bounce_settings b) {
  if (b.span < drivers::millis{0} || b.span > drivers::millis{1000}) {
    return refused("bounce time must be 0-1000 ms");
  }
  if (b.count < 0 || b.count > 100) return refused("bounce count must be 0-100");
  if (b.count > 0 && b.span == drivers::millis{0}) {
    return refused("bounces need a time above 0 ms");
  }
  bounce_ = b;
  emit("bounce", std::to_string(b.span.count()) + " ms " + std::to_string(b.count));
  return {};
}

action_result cabinet_model::set_power(bool on) {
  if (on == mains_) return refused(std::string("power is already ") + (on ? "on" : "off"));
  mains_ = on;
  if (has_battery()) {
    // The battery takes over without a flicker; the power-sense line says so (one clean
    // edge: a relay contact or a logic signal, no bounce worth modelling).
    emit("power", on ? "on" : "off (battery)");
    dispatch(input_subs_, backup_line_, !on);
    return {};
  }
  if (!on) {
    release_all_outputs();
    show("");
    powered_ = false;
    emit("power", "off");
    return {};
  }
  powered_ = true;
  emit("power", "on");
  for (auto& c : compartments_) {
    if (!c->chattering) settle_sensor(*c);
    set_presence_line(*c, c->occupied);
  }
  return {};
}

// ---------------------------------------------------------------- views

std::vector<compartment_status> cabinet_model::status() const {
  std::vector<compartment_status> out;
  out.reserve(compartments_.size());
  for (const auto& c : compartments_) {
    out.push_back({c->id, c->size, c->door, c->forced, c->coil, c->latched(), c->door_level,
                   c->occupied, !c->presence_line.empty(), c->jammed, c->stuck, c->chattering});
  }
  return out;
}

std::string cabinet_model::state_json() const {
  nlohmann::json j;
  j["power"] = mains_;
  j["battery"] = on_battery();
  j["display"] = display_;
  j["buzzer"] = buzzer_;
  j["last_beep"] = last_beep_;
  j["input_to_coil_ms"] = input_to_coil_ ? nlohmann::json(input_to_coil_->count()) : nullptr;
  j["alarm"] = alarm_;
  j["bounce"] = {{"ms", bounce_.span.count()}, {"count", bounce_.count}};
  auto list = nlohmann::json::array();
  for (const auto& s : status()) {
    auto faults = nlohmann::json::array();
    if (s.jammed) faults.push_back("jam");
    if (s.stuck) faults.push_back(*s.stuck ? "stuck open" : "stuck closed");
    if (s.chattering) faults.push_back("chatter");
    nlohmann::json c = {{"id", s.id},         {"size", s.size},  {"door", door_name(s.door)},
                        {"forced", s.forced}, {"coil", s.coil},  {"latched", s.latched},
                        {"sensor", s.sensor}, {"faults", faults}};
    c["occupied"] = s.occupied;
    c["presence_sensor"] = s.has_presence;
    list.push_back(std::move(c));
  }
  j["compartments"] = std::move(list);
  return j.dump();
}

}  // namespace locker::simulator
