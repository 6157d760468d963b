#include "agent/platform/host.hpp"

#include <array>

#include <unistd.h>

namespace magent::platform {

std::string host_name() {
  std::array<char, 256> buffer{};
  if (gethostname(buffer.data(), buffer.size() - 1) != 0 || buffer[0] == '\0') {
    return "unknown-host";
  }
  return std::string(buffer.data());
}

std::int64_t process_id() {
  return static_cast<std::int64_t>(getpid());
}

}  // namespace magent::platform
