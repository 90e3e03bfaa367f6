// SPDX-License-Identifier: Apache-2.0
#include "daemon/security/secret_key.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/unique_fd.hpp"
#include "daemon/security/errors.hpp"

namespace locker::security {

namespace detail {

void throw_openssl_error(std::string_view what) {
  std::string message(what);
  if (unsigned long err = ERR_get_error(); err != 0) {
    char reason[256];
    ERR_error_string_n(err, reason, sizeof reason);
    message += ": ";
    message += reason;
  }
  ERR_clear_error();
  throw security_error(message);
}

void throw_file_error(const std::filesystem::path& path, std::string_view what, int err) {
  throw security_error(path.string() + ": " + std::string(what) + ": " + std::strerror(err));
}

void random_bytes(void* out, std::size_t n) {
  if (RAND_bytes(static_cast<unsigned char*>(out), static_cast<int>(n)) != 1) {
    throw_openssl_error("RAND_bytes failed");
  }
}

}  // namespace detail

namespace {

using base::unique_fd;

constexpr const char* key_file_name = "secret.key";

secret_key read_key(const std::filesystem::path& path, const unique_fd& fd) {
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) detail::throw_file_error(path, "cannot stat key file", errno);
  if (!S_ISREG(st.st_mode))
    throw security_error(path.string() + ": key file is not a regular file");
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    throw security_error(path.string() + ": key file has mode " + mode +
                         "; group and others must have no access (chmod 0600)");
  }
  if (st.st_size != static_cast<off_t>(secret_key::size)) {
    throw security_error(path.string() + ": key file has " + std::to_string(st.st_size) +
                         " bytes, expected " + std::to_string(secret_key::size));
  }
  std::array<std::byte, secret_key::size> buf{};
  std::size_t got = 0;
  while (got < buf.size()) {
    ssize_t n = ::read(fd.get(), buf.data() + got, buf.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) detail::throw_file_error(path, "cannot read key file", errno);
    if (n == 0) throw security_error(path.string() + ": key file shrank while being read");
    got += static_cast<std::size_t>(n);
  }
  try {
    secret_key key{std::span<const std::byte, secret_key::size>(buf)};
    OPENSSL_cleanse(buf.data(), buf.size());
    return key;
  } catch (...) {
    OPENSSL_cleanse(buf.data(), buf.size());
    throw;
  }
}

void write_all(const std::filesystem::path& path, int fd, const std::byte* data, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) detail::throw_file_error(path, "cannot write key file", errno);
    data += w;
    n -= static_cast<std::size_t>(w);
  }
}

void fsync_dir(const std::filesystem::path& dir) {
  unique_fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) detail::throw_file_error(dir, "cannot open state directory", errno);
  if (::fsync(fd.get()) != 0) detail::throw_file_error(dir, "cannot sync state directory", errno);
}

secret_key create_key(const std::filesystem::path& dir, const std::filesystem::path& path) {
  std::array<std::byte, secret_key::size> buf{};
  detail::random_bytes(buf.data(), buf.size());
  secret_key key{std::span<const std::byte, secret_key::size>(buf)};

  // A leftover temp file can only come from a creation interrupted by a crash: the key
  // itself does not exist yet, so nothing depends on it.
  const std::filesystem::path tmp = dir / (std::string(key_file_name) + ".tmp");
  if (::unlink(tmp.c_str()) != 0 && errno != ENOENT) {
    detail::throw_file_error(tmp, "cannot remove stale temporary key file", errno);
  }
  unique_fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (fd.get() < 0) detail::throw_file_error(tmp, "cannot create key file", errno);
  try {
    // The umask cannot widen 0600, but an explicit fchmod documents the intent.
    if (::fchmod(fd.get(), 0600) != 0)
      detail::throw_file_error(tmp, "cannot chmod key file", errno);
    write_all(tmp, fd.get(), buf.data(), buf.size());
    OPENSSL_cleanse(buf.data(), buf.size());
    if (::fsync(fd.get()) != 0) detail::throw_file_error(tmp, "cannot sync key file", errno);
    if (fd.close() != 0) detail::throw_file_error(tmp, "cannot close key file", errno);
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
      detail::throw_file_error(path, "cannot rename temporary key file into place", errno);
    }
  } catch (...) {
    OPENSSL_cleanse(buf.data(), buf.size());
    ::unlink(tmp.c_str());
    throw;
  }
  fsync_dir(dir);
  return key;
}

using mac_algorithm = base::c_handle<EVP_MAC, EVP_MAC_free>;
using mac_context = base::c_handle<EVP_MAC_CTX, EVP_MAC_CTX_free>;

// Fetching an algorithm is a provider lookup: do it once. EVP_MAC is immutable and
// thread-safe once fetched.
EVP_MAC* hmac_algorithm() {
  static const mac_algorithm mac = [] {
    mac_algorithm m(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
    if (!m) detail::throw_openssl_error("EVP_MAC_fetch(HMAC) failed");
    return m;
  }();
  return mac.get();
}

std::string to_hex(const unsigned char* data, std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(n * 2, '\0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = digits[data[i] >> 4];
    out[2 * i + 1] = digits[data[i] & 0x0f];
  }
  return out;
}

// HMAC-SHA-256 with its key set, ready for data.
mac_context keyed_hmac(std::span<const std::byte> key) {
  mac_context ctx(EVP_MAC_CTX_new(hmac_algorithm()));
  if (!ctx) detail::throw_openssl_error("EVP_MAC_CTX_new failed");
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end()};
  if (EVP_MAC_init(ctx.get(), reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                   params) != 1) {
    detail::throw_openssl_error("EVP_MAC_init(HMAC-SHA-256) failed");
  }
  return ctx;
}

// Feeds the parts to a keyed context and returns the hex MAC. Fed in parts so the secret is
// never copied into a temporary buffer.
std::string mac_hex(EVP_MAC_CTX* ctx, std::initializer_list<std::string_view> parts) {
  for (std::string_view part : parts) {
    if (EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(part.data()), part.size()) !=
        1) {
      detail::throw_openssl_error("EVP_MAC_update failed");
    }
  }
  unsigned char out[EVP_MAX_MD_SIZE];
  std::size_t out_len = 0;
  if (EVP_MAC_final(ctx, out, &out_len, sizeof out) != 1) {
    detail::throw_openssl_error("EVP_MAC_final failed");
  }
  return to_hex(out, out_len);
}

}  // namespace

secret_key::secret_key(std::span<const std::byte, size> bytes) {
  std::memcpy(bytes_.data(), bytes.data(), size);
  mac_ = keyed_hmac(bytes_);
}

secret_key::secret_key(secret_key&& other) noexcept
    : bytes_(other.bytes_), mac_(std::move(other.mac_)) {
  OPENSSL_cleanse(other.bytes_.data(), size);
}

secret_key& secret_key::operator=(secret_key&& other) noexcept {
  if (this != &other) {
    bytes_ = other.bytes_;
    mac_ = std::move(other.mac_);
    OPENSSL_cleanse(other.bytes_.data(), size);
  }
  return *this;
}

secret_key::~secret_key() { OPENSSL_cleanse(bytes_.data(), size); }

std::optional<std::filesystem::path> credential_key_file() {
  const char* dir = std::getenv("CREDENTIALS_DIRECTORY");  // NOLINT(concurrency-mt-unsafe)
  if (dir == nullptr || *dir == '\0') return std::nullopt;
  std::filesystem::path path = std::filesystem::path(dir) / key_file_name;
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return std::nullopt;
  return path;
}

std::filesystem::path key_file(const std::filesystem::path& state_dir) {
  if (auto credential = credential_key_file()) return *credential;
  return state_dir / key_file_name;
}

std::optional<secret_key> load_key(const std::filesystem::path& state_dir) {
  const std::filesystem::path path = key_file(state_dir);
  // O_NOFOLLOW: a symlink planted in the state directory must not redirect the key.
  unique_fd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() >= 0) return read_key(path, fd);
  if (errno != ENOENT) detail::throw_file_error(path, "cannot open key file", errno);
  return std::nullopt;
}

secret_key create_key(const std::filesystem::path& state_dir) {
  return create_key(state_dir, state_dir / key_file_name);
}

secret_key load_or_create_key(const std::filesystem::path& state_dir) {
  if (auto key = load_key(state_dir)) return std::move(*key);
  return create_key(state_dir);
}

std::string key_fingerprint(const secret_key& key) {
  return keyed_hash(key, "key_fingerprint", "").substr(0, 16);
}

std::string hmac_sha256_hex(std::span<const std::byte> key,
                            std::initializer_list<std::string_view> parts) {
  return mac_hex(keyed_hmac(key).get(), parts);
}

std::string keyed_hash(const secret_key& key, std::string_view purpose, std::string_view secret) {
  if (!key.mac_) throw security_error("keyed_hash: the key was moved away");
  mac_context ctx(EVP_MAC_CTX_dup(key.mac_.get()));
  if (!ctx) detail::throw_openssl_error("EVP_MAC_CTX_dup failed");
  return mac_hex(ctx.get(), {purpose, std::string_view("\0", 1), secret});
}

// The purposes are part of every stored hash: renaming one would lock out every courier and
// recipient on file.
std::string pickup_code_hash(const secret_key& key, std::string_view code) {
  return keyed_hash(key, "pickup_code", code);
}

std::string courier_pin_hash(const secret_key& key, std::string_view pin) {
  return keyed_hash(key, "courier_pin", pin);
}

std::string courier_badge_hash(const secret_key& key, std::string_view badge) {
  return keyed_hash(key, "courier_badge", badge);
}

std::string dropoff_code_hash(const secret_key& key, std::string_view code) {
  return keyed_hash(key, "dropoff_code", code);
}

bool same_hash(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::vector<std::size_t> matching_hashes(std::span<const std::string> candidates,
                                         std::string_view hash) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (same_hash(candidates[i], hash)) out.push_back(i);
  }
  return out;
}

}  // namespace locker::security
