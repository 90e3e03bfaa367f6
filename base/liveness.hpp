// SPDX-License-Identifier: Apache-2.0
// Whether an object is still there when a callback it posted, or handed to Asio, a C library's
// thread or a handler, finally runs. The owner holds a liveness; the callback holds a token and
// returns at once when the owner is gone. One helper instead of a shared_ptr<bool>, <int> or
// <T*> made by hand in each class.
#pragma once

#include <memory>
#include <utility>

namespace locker::base {

// Copyable and cheap; checking it is only meaningful on the owner's thread (the loop), where
// the owner is destroyed, but a token may be copied anywhere.
class liveness_token {
 public:
  liveness_token() = default;  // dead: no owner
  // True while the owner lives and has not called end().
  [[nodiscard]] bool alive() const { return !flag_.expired(); }
  explicit operator bool() const { return alive(); }

 private:
  friend class liveness;
  explicit liveness_token(std::weak_ptr<const char> flag) : flag_(std::move(flag)) {}
  std::weak_ptr<const char> flag_;
};

// A member of the owner: every token it gave is dead once the owner is destroyed (or ended
// early with end()). Neither copied nor moved: a token names this owner, not its contents.
class liveness {
 public:
  liveness() = default;
  liveness(const liveness&) = delete;
  liveness& operator=(const liveness&) = delete;
  ~liveness() = default;

  // Safe from any thread (it only copies a member that never changes), so a C library's
  // callback thread may take one to post onto the loop.
  [[nodiscard]] liveness_token token() const { return liveness_token(weak_); }

  // Every token is dead from now on, before the owner's other members go (say, at the end of
  // its destructor's body). Only on the owner's thread.
  void end() { flag_.reset(); }

 private:
  std::shared_ptr<const char> flag_ = std::make_shared<const char>(0);
  const std::weak_ptr<const char> weak_ = flag_;
};

}  // namespace locker::base
