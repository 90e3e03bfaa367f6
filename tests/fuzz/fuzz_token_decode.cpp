// SPDX-License-Identifier: Apache-2.0
// Fuzz entry for the signed offline tokens (daemon/tokens, protocol/tokens.md): the input is a
// scanned text. Invariants: a text the codec takes has one spelling (encoding what it read
// gives the text back) and claims within the format's rules; the verifier, with a fixed key,
// never takes a token it cannot read and never reports a good signature for a text the fixed
// key did not sign (the corpus holds none it did). Any crash or sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "daemon/tokens/token_codec.hpp"
#include "daemon/tokens/verifier.hpp"

namespace {

using namespace locker::tokens;

const verifier& fixed_verifier() {
  // RFC 8032's first test key: nothing in the corpus is signed by its private half.
  static const verifier v(
      {{"k1", *parse_public_key("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="), std::nullopt}},
      "locker-1");
  return v;
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto t = decode_token(text);
  if (t) {
    if (!valid_claims(t->claims)) std::abort();
    if (signed_text(t->claims) != t->signed_text) std::abort();
    if (t->signed_text + "." + base64url_encode(t->signature) != text) std::abort();
  }
  const auto v = fixed_verifier().verify(text, std::chrono::system_clock::time_point{});
  if (!v.refused) std::abort();  // nothing here is signed by the fixed key
  if (!t && *v.refused != refusal::unreadable) std::abort();
  if (t && *v.refused == refusal::unreadable) std::abort();
  // Also the base64 decoders alone.
  if (const auto b = base64url_decode(text); b && base64url_encode(*b) != text) std::abort();
  if (const auto b = base64_decode(text); b && base64_encode(*b) != text) std::abort();
  return 0;
}
