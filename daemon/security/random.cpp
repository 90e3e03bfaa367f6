// SPDX-License-Identifier: Apache-2.0
#include "daemon/security/random.hpp"

#include <array>
#include <cstdint>
#include <stdexcept>

#include <openssl/crypto.h>

#include "daemon/security/errors.hpp"

namespace locker::security {

std::string random_digits(int n) {
  if (n < 0) throw std::invalid_argument("random_digits: negative length");
  std::string out;
  out.reserve(static_cast<std::size_t>(n));
  std::array<std::uint8_t, 32> pool{};
  std::size_t next = pool.size();
  while (out.size() < static_cast<std::size_t>(n)) {
    if (next == pool.size()) {
      detail::random_bytes(pool.data(), pool.size());
      next = 0;
    }
    // 250 is the largest multiple of 10 that fits a byte: values above it would favour
    // the digits 0-5, so they are drawn again.
    std::uint8_t b = pool[next++];
    if (b < 250) out.push_back(static_cast<char>('0' + b % 10));
  }
  OPENSSL_cleanse(pool.data(), pool.size());  // the pool held digits of a secret code
  return out;
}

std::string uuid_v4() {
  std::array<std::uint8_t, 16> b{};
  detail::random_bytes(b.data(), b.size());
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);  // variant 10xx
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(digits[b[i] >> 4]);
    out.push_back(digits[b[i] & 0x0f]);
  }
  return out;
}

}  // namespace locker::security
