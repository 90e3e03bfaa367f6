// SPDX-License-Identifier: Apache-2.0
#include "daemon/tokens/signer.hpp"

#include <fstream>
#include <iterator>
#include <stdexcept>

#include <openssl/pem.h>
#include <openssl/rand.h>

namespace locker::tokens {
namespace {

using bio_ptr = base::c_handle<BIO, BIO_free>;
using md_ctx_ptr = base::c_handle<EVP_MD_CTX, EVP_MD_CTX_free>;

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what); }

}  // namespace

private_key generate_key() {
  private_key key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) fail("OpenSSL could not generate an Ed25519 key");
  return key;
}

std::string private_key_pem(EVP_PKEY* key) {
  const bio_ptr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    fail("OpenSSL could not write the private key");
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

private_key load_private_key_pem(const std::string& pem) {
  const bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  private_key key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) fail("not a PEM private key");
  if (EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) fail("not an Ed25519 private key");
  return key;
}

private_key load_private_key_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) fail("cannot read " + file.string());
  const std::string pem{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  try {
    return load_private_key_pem(pem);
  } catch (const std::runtime_error& e) {
    fail(file.string() + ": " + e.what());
  }
}

raw_public_key raw_public(EVP_PKEY* key) {
  raw_public_key raw{};
  std::size_t len = raw.size();
  if (EVP_PKEY_get_raw_public_key(key, raw.data(), &len) != 1 || len != raw.size())
    fail("OpenSSL could not give the raw public key");
  return raw;
}

std::string public_key_base64(EVP_PKEY* key) { return base64_encode(raw_public(key)); }

nonce random_nonce() {
  nonce n{};
  if (RAND_bytes(n.data(), static_cast<int>(n.size())) != 1) fail("OpenSSL's CSPRNG failed");
  return n;
}

std::string make_token(EVP_PKEY* key, const token_claims& c) {
  if (!valid_claims(c)) throw std::invalid_argument("the token's fields break the format's rules");
  const std::string text = signed_text(c);
  std::array<std::uint8_t, signature_size> sig{};
  std::size_t len = sig.size();
  const md_ctx_ptr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), sig.data(), &len,
                     reinterpret_cast<const unsigned char*>(text.data()), text.size()) != 1 ||
      len != sig.size())
    fail("OpenSSL could not sign the token");
  return text + "." + base64url_encode(sig);
}

}  // namespace locker::tokens
