// SPDX-License-Identifier: Apache-2.0
// A line_source whose lines live in memory; input lines have a real pipe as their event
// fd, so the Asio read path runs exactly as with a gpiochip.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include "drivers/gpiod/line_port.hpp"
#include "drivers/gpiod/request.hpp"

namespace locker::drivers::gpiod_backend::testing {

struct port_state {
  line_spec spec;
  direction dir = direction::input;
  std::string consumer;
  bool value = false;
  std::vector<bool> writes;
  bool released = false;
  bool fail_reads = false;
  bool fail_writes = false;
  bool fail_gets = false;
  int gets = 0;
  int pipe_fds[2] = {-1, -1};
  std::deque<raw_event> queue;

  port_state() {
    if (::pipe2(pipe_fds, O_NONBLOCK | O_CLOEXEC) != 0) throw std::runtime_error("pipe");
  }
  port_state(const port_state&) = delete;
  port_state& operator=(const port_state&) = delete;
  ~port_state() {
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
  }
  // What the kernel does on an edge: queue it and make the fd readable.
  void push(raw_event e) {
    queue.push_back(e);
    const char b = 1;
    if (::write(pipe_fds[1], &b, 1) != 1) throw std::runtime_error("pipe write");
  }
};

class fake_port final : public line_port {
 public:
  explicit fake_port(std::shared_ptr<port_state> s) : s_(std::move(s)) {}
  ~fake_port() override { s_->released = true; }
  [[nodiscard]] bool get_value() const override {
    ++s_->gets;
    if (s_->fail_gets) throw std::system_error(EIO, std::generic_category(), "get");
    return s_->value;
  }
  void set_value(bool active) override {
    if (s_->fail_writes) throw std::system_error(EIO, std::generic_category(), "set");
    s_->value = active;
    s_->writes.push_back(active);
  }
  [[nodiscard]] int event_fd() const override { return s_->pipe_fds[0]; }
  std::vector<raw_event> read_events() override {
    if (s_->fail_reads) throw std::system_error(EIO, std::generic_category(), "read");
    char buf[64];
    while (::read(s_->pipe_fds[0], buf, sizeof buf) > 0) {
    }
    std::vector<raw_event> out(s_->queue.begin(), s_->queue.end());
    s_->queue.clear();
    return out;
  }

 private:
  std::shared_ptr<port_state> s_;
};

class fake_source final : public line_source {
 public:
  std::unique_ptr<line_port> request(const line_spec& spec, direction dir,
                                     const std::string& consumer) override {
    if (missing.count(spec.describe()) != 0)
      throw std::runtime_error(describe_failure(spec, "not found"));
    auto s = std::make_shared<port_state>();
    s->spec = spec;
    s->dir = dir;
    s->consumer = consumer;
    s->value = initial_value(dir) != 0;
    ports[spec.describe()] = s;
    ++requests;
    return std::make_unique<fake_port>(s);
  }

  std::set<std::string> missing;
  std::map<std::string, std::shared_ptr<port_state>> ports;
  int requests = 0;
};

}  // namespace locker::drivers::gpiod_backend::testing
