// SPDX-License-Identifier: Apache-2.0
// The per-locker secret key and the keyed hashes made with it. Codes and PINs are stored
// only as pickup_code_hash(), courier_pin_hash() and courier_badge_hash(); secret_key.cpp is the
// one place that names their purposes. Nothing here ever logs or prints a secret.
#pragma once

#include <array>
#include <cstddef>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/evp.h>

#include "base/c_handle.hpp"

namespace locker::security {

// A key file that cannot be used, or a failure inside OpenSSL or the file system.
// The message names the path and the reason, never key material.
class security_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// 32 bytes of key material. Move-only so that copies do not spread around memory; the
// bytes are cleansed on destruction. Deliberately has no stream operator.
class secret_key {
 public:
  static constexpr std::size_t size = 32;

  explicit secret_key(std::span<const std::byte, size> bytes);
  secret_key(const secret_key&) = delete;
  secret_key& operator=(const secret_key&) = delete;
  secret_key(secret_key&& other) noexcept;
  secret_key& operator=(secret_key&& other) noexcept;
  ~secret_key();

  [[nodiscard]] std::span<const std::byte, size> bytes() const { return bytes_; }

 private:
  friend std::string keyed_hash(const secret_key& key, std::string_view purpose,
                                std::string_view secret);
  std::array<std::byte, size> bytes_{};
  // HMAC-SHA-256 keyed with bytes_ once; each keyed_hash() finishes a copy of it, which
  // saves the digest lookup and key schedule on the path of a typed code.
  base::c_handle<EVP_MAC_CTX, EVP_MAC_CTX_free> mac_;
};

// Reads state_dir/secret.key, or creates it on first start (random, mode 0600, written
// atomically and synced). Throws security_error, naming the path, for a key file of the
// wrong size or type, one that group or others can access, or any I/O failure.
[[nodiscard]] secret_key load_or_create_key(const std::filesystem::path& state_dir);
// The key kept apart from the hashes: under systemd with
// `LoadCredentialEncrypted=secret.key:/etc/credstore.encrypted/lockerd.secret.key` (sealed by
// systemd-creds to the TPM2 or the host key; systemd/lockerd-seal-key), the key is read from
// $CREDENTIALS_DIRECTORY/secret.key instead of the state folder. Returns that path when the
// variable is set and the credential is there.
[[nodiscard]] std::optional<std::filesystem::path> credential_key_file();
// Where load_key(state_dir) reads the key: the credential if there is one, else
// state_dir/secret.key. For messages that must name the file.
[[nodiscard]] std::filesystem::path key_file(const std::filesystem::path& state_dir);
// As above, in two steps for the state folder's checks (daemon/state_folder): the key if
// key_file(state_dir) exists (nullopt when it does not), and a new one written in state_dir.
[[nodiscard]] std::optional<secret_key> load_key(const std::filesystem::path& state_dir);
[[nodiscard]] secret_key create_key(const std::filesystem::path& state_dir);

// Names the key without revealing it: 16 hex digits of a keyed hash of nothing (purpose
// "key_fingerprint"). Kept in the database the key's hashes are in, so that a start with
// another key (or none) is refused instead of making every stored PIN and code fail.
[[nodiscard]] std::string key_fingerprint(const secret_key& key);

// Hex HMAC-SHA-256 over purpose + '\0' + secret. The purpose keeps equal digits in
// different roles from having equal hashes. Use the named hashes below for codes and PINs.
[[nodiscard]] std::string keyed_hash(const secret_key& key, std::string_view purpose,
                                     std::string_view secret);

// What is stored for a recipient's pickup code, and compared with a typed one. The value
// must never change: every database on file holds these (purpose "pickup_code").
[[nodiscard]] std::string pickup_code_hash(const secret_key& key, std::string_view code);

// What is stored for a courier's PIN (purpose "courier_pin"); as stable as the above.
[[nodiscard]] std::string courier_pin_hash(const secret_key& key, std::string_view pin);

// What is stored for a courier's badge id (purpose "courier_badge"); as stable as the above.
// A badge id is a credential like a PIN: kept only as this hash, never logged.
[[nodiscard]] std::string courier_badge_hash(const secret_key& key, std::string_view badge);

// What is stored for a sender's drop-off code (purpose "dropoff_code"; drop-off flow, issue
// 13); as stable as the above. Digits like a pickup code, but never equal to one's hash.
[[nodiscard]] std::string dropoff_code_hash(const secret_key& key, std::string_view code);

// Hex HMAC-SHA-256 of the concatenated parts under any key: the primitive keyed_hash is
// built on, exposed so it can be checked against published test vectors.
[[nodiscard]] std::string hmac_sha256_hex(std::span<const std::byte> key,
                                          std::initializer_list<std::string_view> parts);

// Constant-time equality of two hashes (the length is not secret and is checked first).
[[nodiscard]] bool same_hash(std::string_view a, std::string_view b);

// The positions in `candidates` whose hash equals `hash`. Every candidate is compared, in
// constant time, whatever matched before: how long it takes depends on how many candidates
// there are, never on which of them (if any) matched or how much of one did.
[[nodiscard]] std::vector<std::size_t> matching_hashes(std::span<const std::string> candidates,
                                                       std::string_view hash);

}  // namespace locker::security
