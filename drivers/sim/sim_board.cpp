// SPDX-License-Identifier: Apache-2.0
#include "drivers/sim/sim_board.hpp"

#include <array>
#include <iostream>
#include <map>
#include <stdexcept>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "drivers/sim/sim_protocol.hpp"

namespace locker::drivers::sim {

namespace {

using boost::asio::local::stream_protocol;

class sim_output final : public output_line {
 public:
  // send returns false when the simulator is not connected (the line was not driven).
  sim_output(std::function<bool(const std::string&)> send, std::string name)
      : send_(std::move(send)), name_(std::move(name)) {}
  std::error_code set(bool active) override {
    if (!send_(format(from_board{set_output_msg{{name_, active}}})))
      return std::make_error_code(std::errc::not_connected);
    level_ = active;
    return {};
  }
  [[nodiscard]] bool get() const override { return level_; }

 private:
  std::function<bool(const std::string&)> send_;
  std::string name_;
  bool level_ = false;
};

class sim_input final : public input_line {
 public:
  explicit sim_input(bool level) : level_(level) {}
  [[nodiscard]] bool get() const override { return level_; }
  void on_change(std::function<void(line_event)> handler) override {
    handler_ = std::move(handler);
  }
  // The one way these lines fail: the simulator went away (lost()).
  void on_fault(std::function<void(std::error_code)> handler) override {
    fault_handler_ = std::move(handler);
  }
  void deliver(bool level, steady_time at) {
    if (level == level_) return;
    level_ = level;
    if (handler_) handler_({level, at});
  }
  void fail(std::error_code ec) {
    if (fault_handler_) fault_handler_(ec);
  }

 private:
  bool level_;
  std::function<void(line_event)> handler_;
  std::function<void(std::error_code)> fault_handler_;
};

}  // namespace

struct sim_board::impl : std::enable_shared_from_this<impl>,
                         drivers::keypad,
                         drivers::display,
                         drivers::indicator,
                         drivers::code_reader {
  impl(boost::asio::io_context& io, std::string path, const drivers::clock* stamps)
      : socket_(io), path_(std::move(path)), stamps_(stamps) {}

  // ---- front panel ----
  void on_key(std::function<void(char)> handler) override { key_handler_ = std::move(handler); }
  void show(std::string_view text) override {
    send(format(from_board{display_msg{std::string(text)}}));
  }
  void beep(sound s) override { send(format(from_board{beep_msg{s}})); }
  void set_alarm(bool on) override { send(format(from_board{alarm_msg{on}})); }

  // ---- scanner ----
  void on_read(std::function<void(const std::string&)> handler) override {
    scan_handler_ = std::move(handler);
  }
  void on_fault(std::function<void(std::error_code)> handler) override {
    scan_fault_handler_ = std::move(handler);
  }
  // The protocol carries whole scans only: nothing arrives garbled.
  [[nodiscard]] std::uint64_t garbled() const override { return 0; }

  [[noreturn]] void fail(const std::string& why) const {
    throw std::runtime_error("sim board: locker-sim at " + path_ + ": " + why);
  }

  // Start-up, blocking: attach and read the snapshot up to "ready".
  void attach() {
    try {
      socket_.connect(stream_protocol::endpoint(path_));
      boost::asio::write(socket_, boost::asio::buffer(format(from_board{attach_msg{}}) + "\n"));
    } catch (const boost::system::system_error& e) {
      fail("cannot connect: " + e.code().message());
    }
    bool acknowledged = false;
    for (;;) {
      boost::system::error_code ec;
      const std::size_t n = socket_.read_some(boost::asio::buffer(buf_), ec);
      if (ec) fail("connection lost while attaching: " + ec.message());
      splitter_.feed(std::string_view(buf_.data(), n));
      if (splitter_.broken()) fail("line too long while attaching");
      while (auto line = splitter_.next()) {
        auto p = parse_to_board(*line);
        if (!p.message) fail("bad line '" + *line + "': " + p.error);
        if (const auto* e = std::get_if<error_msg>(&*p.message)) fail(e->reason);
        if (std::holds_alternative<ok_msg>(*p.message)) {
          acknowledged = true;
          continue;
        }
        if (!acknowledged) fail("unexpected '" + *line + "' before 'ok'");
        if (const auto* in = std::get_if<input_msg>(&*p.message)) {
          input_levels_[in->line] = in->active;
        } else if (const auto* out = std::get_if<output_msg>(&*p.message)) {
          output_names_[out->line] = out->active;
        } else if (std::holds_alternative<ready_msg>(*p.message)) {
          // Writes from the loop must never block it; reads below are asynchronous.
          socket_.non_blocking(true);
          connected_ = true;
          return;
        }
      }
    }
  }

  void start_reading() {
    // Lines that came with "ready" in the same read.
    drain();
    read();
  }

  void read() {
    socket_.async_read_some(
        boost::asio::buffer(buf_),
        [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
          if (self->closed_) return;
          if (ec) {
            self->lost(ec == boost::asio::error::eof ? "closed the connection" : ec.message());
            return;
          }
          self->splitter_.feed(std::string_view(self->buf_.data(), n));
          if (self->splitter_.broken()) {
            self->lost("sent a line too long");
            return;
          }
          self->drain();
          if (self->connected_) self->read();
        });
  }

  void drain() {
    while (auto line = splitter_.next()) {
      auto p = parse_to_board(*line);
      if (!p.message) {
        std::cerr << "sim board: ignoring '" << *line << "' from locker-sim: " << p.error << '\n';
        continue;
      }
      std::visit([this, &line](const auto& m) { handle(m, *line); }, *p.message);
    }
  }

  void handle(const input_msg& m, const std::string& line) {
    const auto it = inputs_.find(m.line);
    if (it != inputs_.end()) {
      it->second->deliver(m.active, stamps_ ? stamps_->now() : std::chrono::steady_clock::now());
    } else if (input_levels_.contains(m.line)) {
      input_levels_[m.line] = m.active;
    } else {
      std::cerr << "sim board: ignoring '" << line << "': no such input\n";
    }
  }
  void handle(const key_msg& m, const std::string&) {
    if (key_handler_) key_handler_(m.key);
  }
  void handle(const scan_msg& m, const std::string&) {
    if (scan_handler_) scan_handler_(m.text);
  }
  void handle(const error_msg& m, const std::string&) {
    // Only our own mistakes get replies (an unknown output line): worth a log line.
    std::cerr << "sim board: locker-sim says: " << m.reason << '\n';
  }
  void handle(const auto&, const std::string& line) {
    std::cerr << "sim board: ignoring unexpected '" << line << "' from locker-sim\n";
  }

  // false when not connected (nothing was sent).
  bool send(const std::string& line) {
    if (!connected_) return false;
    if (writing_) {
      queue_ += line;
      queue_ += '\n';
      return true;
    }
    // Most writes complete at once on a local socket: no allocation, no round on the loop.
    std::string data = line + '\n';
    boost::system::error_code ec;
    const std::size_t n = socket_.write_some(boost::asio::buffer(data), ec);
    if (ec && ec != boost::asio::error::would_block && ec != boost::asio::error::try_again) {
      lost(ec.message());
      return false;
    }
    if (n < data.size()) {
      queue_ = data.substr(ec ? 0 : n);
      write_queue();
    }
    return true;
  }

  void write_queue() {
    writing_ = true;
    out_ = std::move(queue_);
    queue_.clear();
    boost::asio::async_write(
        socket_, boost::asio::buffer(out_),
        [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
          self->writing_ = false;
          if (self->closed_ || !self->connected_) return;
          if (ec) {
            self->lost(ec.message());
          } else if (!self->queue_.empty()) {
            self->write_queue();
          }
        });
  }

  void lost(const std::string& why) {
    if (!connected_) return;
    connected_ = false;
    std::cerr << "sim board: locker-sim at " << path_ << " went away: " << why << '\n';
    boost::system::error_code ignored;
    socket_.close(ignored);
    // Posted: lost() may run inside an output's set(), and a sensor's owner must not be
    // called back from there.
    boost::asio::post(socket_.get_executor(), [self = shared_from_this()] {
      if (self->closed_) return;
      for (auto& [name, in] : self->inputs_)
        in->fail(std::make_error_code(std::errc::not_connected));
      if (self->scan_fault_handler_)
        self->scan_fault_handler_(std::make_error_code(std::errc::not_connected));
    });
    if (disconnect_handler_) disconnect_handler_();
  }

  void close() {
    closed_ = true;
    connected_ = false;
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  stream_protocol::socket socket_;
  std::string path_;
  const drivers::clock* stamps_;
  std::array<char, 4096> buf_{};
  line_splitter splitter_;
  std::string queue_;
  std::string out_;
  bool writing_ = false;
  bool connected_ = false;
  bool closed_ = false;
  std::map<std::string, bool, std::less<>> input_levels_;
  std::map<std::string, bool, std::less<>> output_names_;
  std::map<std::string, std::unique_ptr<sim_input>, std::less<>> inputs_;
  std::map<std::string, std::unique_ptr<sim_output>, std::less<>> outputs_;
  std::function<void(char)> key_handler_;
  std::function<void(const std::string&)> scan_handler_;
  std::function<void(std::error_code)> scan_fault_handler_;
  std::function<void()> disconnect_handler_;
};

sim_board::sim_board(boost::asio::io_context& io, const std::string& socket_path,
                     const drivers::clock* stamps)
    : impl_(std::make_shared<impl>(io, socket_path, stamps)) {
  impl_->attach();
  impl_->start_reading();
}

sim_board::~sim_board() { impl_->close(); }

output_line& sim_board::output(const line_spec& spec) {
  const std::string name = spec.describe();
  if (auto it = impl_->outputs_.find(name); it != impl_->outputs_.end()) return *it->second;
  if (!impl_->output_names_.contains(name)) {
    throw std::runtime_error("sim board: locker-sim at " + impl_->path_ + " has no output line " +
                             name);
  }
  auto line = std::make_unique<sim_output>(
      [weak = std::weak_ptr<impl>(impl_)](const std::string& l) {
        const auto i = weak.lock();
        return i && i->send(l);
      },
      name);
  (void)line->set(false);  // the lock's safe state, before anything else
  return *impl_->outputs_.emplace(name, std::move(line)).first->second;
}

input_line& sim_board::input(const line_spec& spec) {
  const std::string name = spec.describe();
  if (auto it = impl_->inputs_.find(name); it != impl_->inputs_.end()) return *it->second;
  const auto level = impl_->input_levels_.find(name);
  if (level == impl_->input_levels_.end()) {
    throw std::runtime_error("sim board: locker-sim at " + impl_->path_ + " has no input line " +
                             name);
  }
  return *impl_->inputs_.emplace(name, std::make_unique<sim_input>(level->second)).first->second;
}

drivers::keypad& sim_board::keypad() { return *impl_; }
drivers::display& sim_board::display() { return *impl_; }
drivers::indicator& sim_board::indicator() { return *impl_; }
drivers::code_reader* sim_board::scanner() { return impl_.get(); }

void sim_board::on_disconnect(std::function<void()> handler) {
  impl_->disconnect_handler_ = std::move(handler);
}

bool sim_board::connected() const { return impl_->connected_; }

const std::string& sim_board::socket_path() const { return impl_->path_; }

}  // namespace locker::drivers::sim
