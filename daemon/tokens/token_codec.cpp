// SPDX-License-Identifier: Apache-2.0
#include "daemon/tokens/token_codec.hpp"

#include <algorithm>

namespace locker::tokens {
namespace {

bool key_id_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}
bool locker_id_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }
bool subject_char(char c) { return c > 0x20 && c < 0x7f; }

template <class P>
bool field_ok(std::string_view s, std::size_t max, P allowed) {
  return !s.empty() && s.size() <= max && std::all_of(s.begin(), s.end(), allowed);
}

void put_string(bytes& out, std::string_view s) {
  out.push_back(static_cast<std::uint8_t>(s.size()));
  out.insert(out.end(), s.begin(), s.end());
}

void put_u32(bytes& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<std::uint8_t>((v >> static_cast<unsigned>(shift)) & 0xffU));
}

// Reads the payload front to back; any short read leaves it failed.
struct reader {
  const bytes& in;
  std::size_t at = 0;
  bool ok = true;

  std::uint8_t u8() {
    if (at >= in.size()) {
      ok = false;
      return 0;
    }
    return in[at++];
  }
  std::uint32_t u32() {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8U) | u8();
    return v;
  }
  std::string str() {
    const std::size_t n = u8();
    if (!ok || in.size() - at < n) {
      ok = false;
      return {};
    }
    std::string s(in.begin() + static_cast<std::ptrdiff_t>(at),
                  in.begin() + static_cast<std::ptrdiff_t>(at + n));
    at += n;
    return s;
  }
};

}  // namespace

bool valid_claims(const token_claims& c) {
  return (c.kind == token_kind::pickup_reservation || c.kind == token_kind::pickup_tracking) &&
         field_ok(c.key_id, max_key_id, key_id_char) &&
         field_ok(c.locker_id, max_locker_id, locker_id_char) &&
         field_ok(c.subject, max_subject, subject_char) && c.not_after > c.not_before;
}

bytes encode_payload(const token_claims& c) {
  bytes out;
  out.reserve(3 + 3 + c.key_id.size() + c.locker_id.size() + c.subject.size() + 8 + nonce_size);
  out.push_back(format_version);
  out.push_back(static_cast<std::uint8_t>(c.kind));
  put_string(out, c.key_id);
  put_string(out, c.locker_id);
  put_string(out, c.subject);
  put_u32(out, c.not_before);
  put_u32(out, c.not_after);
  out.insert(out.end(), c.nonce.begin(), c.nonce.end());
  return out;
}

std::string signed_text(const token_claims& c) {
  return std::string(token_prefix) + base64url_encode(encode_payload(c));
}

std::optional<decoded_token> decode_token(std::string_view text) {
  if (text.size() > max_token_length || !looks_like_token(text)) return std::nullopt;
  const auto dot = text.find('.', token_prefix.size());
  if (dot == std::string_view::npos) return std::nullopt;
  const auto payload =
      base64url_decode(text.substr(token_prefix.size(), dot - token_prefix.size()));
  const auto signature = base64url_decode(text.substr(dot + 1));
  if (!payload || !signature || signature->size() != signature_size) return std::nullopt;

  reader r{*payload};
  if (r.u8() != format_version) return std::nullopt;
  decoded_token t;
  auto& c = t.claims;
  c.kind = static_cast<token_kind>(r.u8());
  c.key_id = r.str();
  c.locker_id = r.str();
  c.subject = r.str();
  c.not_before = r.u32();
  c.not_after = r.u32();
  for (auto& b : c.nonce) b = r.u8();
  // Nothing may follow the nonce: a payload has one length.
  if (!r.ok || r.at != payload->size() || !valid_claims(c)) return std::nullopt;
  t.signed_text = std::string(text.substr(0, dot));
  std::copy(signature->begin(), signature->end(), t.signature.begin());
  return t;
}

}  // namespace locker::tokens
