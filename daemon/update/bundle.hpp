// SPDX-License-Identifier: Apache-2.0
// A RAUC bundle, checked before anything is installed.
//
// A plain-format RAUC bundle is a squashfs image, then a detached CMS (PKCS#7) signature over
// the image in DER, then the signature's size as a 64-bit big-endian number. The signature must
// chain to the configured keyring (a CA certificate file) with OpenSSL's default CMS rules
// (the ones RAUC applies too: S/MIME signing purpose, validity at the current time).
// Verity and crypt bundles carry the manifest inside the signature instead (not detached):
// they are refused with a message saying so, since their image is checked by dm-verity
// hashes this code does not compute.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "protocol/result.hpp"

namespace locker::update {

template <class T>
using outcome = protocol::result<T, std::string>;  // the error says why, for the job's message

struct bundle_layout {
  std::uint64_t image_size = 0;
  std::uint64_t signature_size = 0;
};

// RAUC's own limits: the image is whole 4 KiB blocks; a signature is never above 64 KiB
// here (a CMS with a certificate chain is a few KiB).
inline constexpr std::uint64_t bundle_block = 4096;
inline constexpr std::uint64_t max_signature_size = std::uint64_t{64} * 1024;
inline constexpr std::size_t bundle_trailer_size = 8;

// Where the image and the signature are, from the file's size and its last 8 bytes. Pure.
[[nodiscard]] outcome<bundle_layout> read_bundle_layout(
    std::uint64_t file_size, const std::array<std::byte, bundle_trailer_size>& trailer);

struct verified_bundle {
  bundle_layout layout;
  std::string signer;  // the signing certificate's subject, for the log
};

// Reads the file at `bundle` and checks its signature against the CA certificates in
// `keyring` (PEM). Blocking (it reads and hashes the whole image): run it off the event loop.
// Never throws.
[[nodiscard]] outcome<verified_bundle> verify_bundle(const std::filesystem::path& bundle,
                                                     const std::filesystem::path& keyring);

// The SHA-256 of a whole file, as 64 lower-case hex digits. Blocking; never throws.
[[nodiscard]] outcome<std::string> file_sha256(const std::filesystem::path& file);

}  // namespace locker::update
