// SPDX-License-Identifier: Apache-2.0
#include "daemon/update/worker.hpp"

#include <boost/asio/post.hpp>

namespace locker::update {

worker::~worker() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void worker::run(task_fn task) {
  if (thread_.joinable()) thread_.join();
  stop_ = false;
  const auto alive = alive_.token();
  thread_ = std::thread([this, alive, task = std::move(task)] {
    then_fn then = task(stop_);
    // Posted from this thread; checked on the loop, where the worker is destroyed.
    boost::asio::post(io_, [alive, then = std::move(then)] {
      if (alive && then) then();
    });
  });
}

}  // namespace locker::update
