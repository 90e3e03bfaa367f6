// SPDX-License-Identifier: Apache-2.0
// Internal to locker_security: the one place OpenSSL and errno failures become exceptions.
#pragma once

#include <filesystem>
#include <string_view>

namespace locker::security::detail {

// Throws security_error with `what` and OpenSSL's queued error reason (the queue is cleared).
[[noreturn]] void throw_openssl_error(std::string_view what);

// Throws security_error "<path>: <what>: <strerror(err)>".
[[noreturn]] void throw_file_error(const std::filesystem::path& path, std::string_view what,
                                   int err);

// Fills out with CSPRNG bytes or throws.
void random_bytes(void* out, std::size_t n);

}  // namespace locker::security::detail
