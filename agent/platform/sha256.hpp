#pragma once

#include <string>
#include <string_view>

#include "agent/core/result.hpp"

namespace magent::platform {

// Lowercase hex SHA-256 (64 characters) of `bytes`, computed with OpenSSL's EVP interface.
// Fails (ErrorKind::io) only if OpenSSL cannot set up a digest, e.g. out of memory.
core::Result<std::string> sha256_hex(std::string_view bytes);

}  // namespace magent::platform
