// SPDX-License-Identifier: Apache-2.0
// Randomness from OpenSSL's CSPRNG, for pickup codes and identifiers.
#pragma once

#include <string>

namespace locker::security {

// n uniformly random decimal digits (rejection sampling, no modulo bias). n >= 0.
// Throws security_error if the CSPRNG fails, std::invalid_argument for n < 0.
[[nodiscard]] std::string random_digits(int n);

// A random (version 4, RFC 9562) UUID in lowercase 8-4-4-4-12 form.
[[nodiscard]] std::string uuid_v4();

}  // namespace locker::security
