#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace costbot::hash {

std::string sha256_hex(std::string_view data);
std::string hmac_sha256_hex(std::string_view key, std::string_view data);
std::string hmac_sha256_raw(std::string_view key, std::string_view data);
// Constant-time comparison (length is not secret).
bool equal_constant_time(std::string_view a, std::string_view b);
// Stable 64-bit hash for keys (not cryptographic): FNV-1a.
std::uint64_t fnv1a64(std::string_view data, std::uint64_t seed = 14695981039346656037ull);
std::string to_hex(std::string_view bytes);
std::string base64_encode(std::string_view bytes);
// Returns false on invalid input.
bool base64_decode(std::string_view text, std::string& out);
std::string base64url_encode(std::string_view bytes);
bool base64url_decode(std::string_view text, std::string& out);
// Random bytes from OpenSSL's CSPRNG, hex encoded (ids, tokens, nonces).
std::string random_hex(std::size_t bytes);

}  // namespace costbot::hash
