// SPDX-License-Identifier: Apache-2.0
#include "daemon/update/bundle.hpp"

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/c_handle.hpp"
#include "base/unique_fd.hpp"

namespace locker::update {

namespace {

namespace fs = std::filesystem;
using protocol::fail;

// OpenSSL handles, each freed by its own function (the libgpiod pattern).
using bio_ptr = base::c_handle<BIO, BIO_free>;
using cms_ptr = base::c_handle<CMS_ContentInfo, CMS_ContentInfo_free>;
using store_ptr = base::c_handle<X509_STORE, X509_STORE_free>;
using md_ctx_ptr = base::c_handle<EVP_MD_CTX, EVP_MD_CTX_free>;
// sk_X509_free is a macro: a function to name in the template.
void free_x509_stack(STACK_OF(X509) * s) { sk_X509_free(s); }
using signers_ptr = base::c_handle<STACK_OF(X509), free_x509_stack>;
using base::unique_fd;

// The reason of the oldest error OpenSSL queued (the root cause), and the queue emptied.
// With the detail OpenSSL attached, e.g. "certificate verify error (Verify error:unable to get
// local issuer certificate)".
std::string openssl_reason() {
  const char* data = nullptr;
  int flags = 0;
  const unsigned long first = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags);
  if (first == 0) return "unknown OpenSSL error";
  const char* reason = ERR_reason_error_string(first);
  std::string out = reason != nullptr ? reason : "OpenSSL error " + std::to_string(first);
  // data belongs to the error taken off the queue: copied before the queue is emptied.
  if (data != nullptr && (flags & ERR_TXT_STRING) != 0 && *data != '\0')
    out += std::string(" (") + data + ")";
  ERR_clear_error();
  return out;
}

// The image mapped read-only: CMS hashes it without a copy in memory.
class mapping {
 public:
  mapping(int fd, std::size_t size) : size_(size) {
    if (size_ == 0) return;
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p != MAP_FAILED) data_ = p;
  }
  mapping(const mapping&) = delete;
  mapping& operator=(const mapping&) = delete;
  ~mapping() {
    if (data_ != nullptr) ::munmap(data_, size_);
  }
  [[nodiscard]] const void* data() const { return data_; }

 private:
  void* data_ = nullptr;
  std::size_t size_;
};

bool read_exact(int fd, void* buf, std::size_t n, off_t at) {
  auto* p = static_cast<char*>(buf);
  while (n > 0) {
    const ssize_t got = ::pread(fd, p, n, at);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    p += got;
    n -= static_cast<std::size_t>(got);
    at += got;
  }
  return true;
}

std::string hex(const unsigned char* data, std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(digits[data[i] >> 4]);
    out.push_back(digits[data[i] & 0xf]);
  }
  return out;
}

outcome<store_ptr> load_keyring(const fs::path& keyring) {
  store_ptr store(X509_STORE_new());
  if (!store) return fail("cannot make a certificate store: " + openssl_reason());
  if (X509_STORE_load_file(store.get(), keyring.c_str()) != 1)
    return fail("cannot read the keyring " + keyring.string() + ": " + openssl_reason());
  return store;
}

}  // namespace

outcome<bundle_layout> read_bundle_layout(
    std::uint64_t file_size, const std::array<std::byte, bundle_trailer_size>& trailer) {
  if (file_size < bundle_trailer_size + bundle_block)
    return fail(std::string("not a RAUC bundle: too small (") + std::to_string(file_size) +
                " bytes)");
  std::uint64_t sig = 0;
  for (auto b : trailer) sig = (sig << 8) | static_cast<std::uint64_t>(b);
  if (sig == 0) return fail(std::string("not a RAUC bundle: the signature size is 0"));
  if (sig > max_signature_size)
    return fail("not a RAUC bundle: the signature size " + std::to_string(sig) + " is above " +
                std::to_string(max_signature_size) + " bytes");
  const std::uint64_t rest = file_size - bundle_trailer_size;
  if (sig >= rest)
    return fail(std::string("not a RAUC bundle: the signature size exceeds the file"));
  const std::uint64_t image = rest - sig;
  if (image % bundle_block != 0)
    return fail("not a RAUC bundle: the image size " + std::to_string(image) +
                " is not a multiple of 4 KiB");
  return bundle_layout{image, sig};
}

outcome<verified_bundle> verify_bundle(const fs::path& bundle, const fs::path& keyring) {
  ERR_clear_error();
  unique_fd fd(::open(bundle.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return fail("cannot open the bundle: " + std::string(std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
    return fail(std::string("the bundle is not a regular file"));
  const auto size = static_cast<std::uint64_t>(st.st_size);
  std::array<std::byte, bundle_trailer_size> trailer{};
  if (size < bundle_trailer_size || !read_exact(fd.get(), trailer.data(), trailer.size(),
                                                static_cast<off_t>(size - bundle_trailer_size)))
    return fail(std::string("not a RAUC bundle: cannot read its end"));
  auto layout = read_bundle_layout(size, trailer);
  if (!layout) return fail(layout.error());

  std::vector<unsigned char> der(layout->signature_size);
  if (!read_exact(fd.get(), der.data(), der.size(), static_cast<off_t>(layout->image_size)))
    return fail(std::string("cannot read the bundle's signature"));
  const unsigned char* p = der.data();
  cms_ptr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
  if (!cms || p != der.data() + der.size())
    return fail("not a RAUC bundle: the signature is not a CMS structure (" + openssl_reason() +
                ")");
  if (OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed)
    return fail(std::string("not a RAUC bundle: the CMS structure is not signed data"));
  if (CMS_is_detached(cms.get()) != 1)
    return fail(std::string(
        "unsupported bundle format: the signature is not detached (a verity or crypt bundle); "
        "build a plain bundle ([bundle] format=plain)"));

  auto store = load_keyring(keyring);
  if (!store) return fail(store.error());
  const mapping image(fd.get(), static_cast<std::size_t>(layout->image_size));
  if (image.data() == nullptr)
    return fail("cannot map the bundle's image: " + std::string(std::strerror(errno)));
  bio_ptr content(BIO_new_mem_buf(image.data(), static_cast<int>(layout->image_size)));
  if (!content || layout->image_size > static_cast<std::uint64_t>(INT32_MAX))
    return fail(std::string("the bundle's image is too large"));
  if (CMS_verify(cms.get(), nullptr, store.value().get(), content.get(), nullptr,
                 CMS_BINARY | CMS_DETACHED) != 1)
    return fail("bad signature: " + openssl_reason());

  verified_bundle out{layout.value(), {}};
  // The stack is ours, the certificates in it are the CMS structure's.
  if (const signers_ptr signers(CMS_get0_signers(cms.get())); signers) {
    if (sk_X509_num(signers.get()) > 0) {
      char name[256] = {};
      X509_NAME_oneline(X509_get_subject_name(sk_X509_value(signers.get(), 0)), name, sizeof(name));
      out.signer = name;
    }
  }
  return out;
}

outcome<std::string> file_sha256(const fs::path& file) {
  unique_fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return fail("cannot open " + file.string() + ": " + std::strerror(errno));
  md_ctx_ptr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
    return fail("SHA-256 unavailable: " + openssl_reason());
  std::vector<unsigned char> buf(1 << 16);
  while (true) {
    const ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("cannot read " + file.string() + ": " + std::strerror(errno));
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<std::size_t>(n));
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx.get(), md, &len) != 1)
    return fail("SHA-256 failed: " + openssl_reason());
  return hex(md, len);
}

}  // namespace locker::update
