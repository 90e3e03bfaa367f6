// SPDX-License-Identifier: Apache-2.0
// Work that would block the event loop (copying a bundle, hashing it, checking its
// signature) runs on a thread of its own; its result comes back onto the loop. One task at a
// time.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <thread>

#include <boost/asio/io_context.hpp>

#include "base/liveness.hpp"

namespace locker::update {

class worker {
 public:
  // What a task returns: the continuation that runs on the loop with its result.
  using then_fn = std::function<void()>;
  // The task may look at `stop` between steps and give up early.
  using task_fn = std::function<then_fn(const std::atomic<bool>& stop)>;

  explicit worker(boost::asio::io_context& io) : io_(io) {}
  worker(const worker&) = delete;
  worker& operator=(const worker&) = delete;
  // Asks a running task to stop and waits for its thread; its continuation is dropped.
  ~worker();

  // Runs task on a new thread (after the previous one, if any, has ended); the continuation
  // it returns is posted onto the loop and runs unless the worker is gone by then.
  void run(task_fn task);

 private:
  boost::asio::io_context& io_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  base::liveness alive_;
};

}  // namespace locker::update
