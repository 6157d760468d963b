#include "agent/cli/cli.hpp"

#include <cstdio>

#include "agent/version.hpp"

namespace magent::cli {

int run(int argc, char** argv) {
  (void)argc;
  (void)argv;
  std::printf("migration-agent %s\n", k_version);
  return 0;
}

}  // namespace magent::cli
