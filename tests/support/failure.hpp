// SPDX-License-Identifier: Apache-2.0
// Test support: how the process-level tests give up. Deep inside a person's step or a wait
// on another process, fail() throws a failure whose message says what was wrong; the test
// body catches it and reports it with whatever else helps (a log's tail, a seed).
#pragma once

#include <sstream>
#include <stdexcept>

namespace locker::test {

struct failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws a failure whose message is the parts written one after another.
template <class... A>
[[noreturn]] void fail(const A&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  throw failure(out.str());
}

}  // namespace locker::test
