#include "agent/platform/sha256.hpp"

#include <openssl/evp.h>

#include <array>

namespace magent::platform {

namespace {

// OpenSSL 3 looks the algorithm up by name on every EVP_sha256() digest; fetching it once
// makes hashing thousands of small migration files several times cheaper.
const EVP_MD* sha256_algorithm() {
  static EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return fetched != nullptr ? fetched : EVP_sha256();
}

}  // namespace

core::Result<std::string> sha256_hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, sha256_algorithm(),
                 nullptr) != 1) {
    return core::make_error(core::ErrorKind::io, "OpenSSL could not compute a SHA-256 digest");
  }
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(std::size_t{length} * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex += k_hex[digest[i] >> 4];
    hex += k_hex[digest[i] & 0x0F];
  }
  return hex;
}

}  // namespace magent::platform
