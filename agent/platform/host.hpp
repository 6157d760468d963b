#pragma once

#include <cstdint>
#include <string>

namespace magent::platform {

// This machine's host name (gethostname), or "unknown-host" when it cannot be read.
std::string host_name();

// This process's id.
std::int64_t process_id();

}  // namespace magent::platform
