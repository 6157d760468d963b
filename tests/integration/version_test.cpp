#include <gtest/gtest.h>

#include "tests/support/process.hpp"

namespace magent::test {
namespace {

TEST(AgentBinary, RunsAndPrintsItsVersion) {
  ProcessResult r = run_process({agent_binary(), "--version"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("migration-agent"), std::string::npos);
}

}  // namespace
}  // namespace magent::test
