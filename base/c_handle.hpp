// SPDX-License-Identifier: Apache-2.0
// Ownership of a C library's handle (sqlite3*, EVP_MAC_CTX*, BIO*, ...): a unique_ptr whose
// deleter calls the library's own free function, as libgpiod's C++ bindings do
// (bindings/cxx/internal.hpp). One template for the tree instead of a deleter struct per file:
//   base::c_handle<BIO, BIO_free> bio(BIO_new_mem_buf(data, n));
#pragma once

#include <memory>

namespace locker::base {

// Calls F(p) for a non-null p; F's result (sqlite3_close_v2's int, BIO_free's) is dropped: a
// destructor has nobody to tell.
template <typename T, auto F>
struct deleter {
  void operator()(T* p) const noexcept {
    if (p != nullptr) static_cast<void>(F(p));
  }
};

template <typename T, auto F>
using c_handle = std::unique_ptr<T, deleter<T, F>>;

}  // namespace locker::base
