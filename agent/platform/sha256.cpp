#include "agent/platform/sha256.hpp"

#include <openssl/evp.h>

#include <array>
#include <memory>

namespace magent::platform {

namespace {

// OpenSSL 3 looks the algorithm up by name on every EVP_sha256() digest; fetching it once
// makes hashing thousands of small migration files several times cheaper.
const EVP_MD* sha256_algorithm() {
  static EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return fetched != nullptr ? fetched : EVP_sha256();
}

// One digest context per thread, reset for every digest: a context allocated and freed per
// file was 10 % of the instructions hashing 10,000 small migration files took.
struct ContextDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

EVP_MD_CTX* thread_context() {
  thread_local std::unique_ptr<EVP_MD_CTX, ContextDeleter> context(EVP_MD_CTX_new());
  return context.get();
}

}  // namespace

core::Result<std::string> sha256_hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_MD_CTX* context = thread_context();
  if (context == nullptr || EVP_DigestInit_ex(context, sha256_algorithm(), nullptr) != 1 ||
      EVP_DigestUpdate(context, bytes.data(), bytes.size()) != 1 ||
      EVP_DigestFinal_ex(context, digest.data(), &length) != 1) {
    return core::make_error(core::ErrorKind::io, "OpenSSL could not compute a SHA-256 digest");
  }
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string hex(std::size_t{length} * 2, '\0');
  for (unsigned int i = 0; i < length; ++i) {
    hex[2 * i] = k_hex[digest[i] >> 4];
    hex[2 * i + 1] = k_hex[digest[i] & 0x0F];
  }
  return hex;
}

}  // namespace magent::platform
