#pragma once

namespace magent::cli {

// Runs `migration-agent` with its command line; returns the process exit code
// (DESIGN.md section 10). Never throws.
int run(int argc, char** argv);

}  // namespace magent::cli
