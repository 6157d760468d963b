#include "agent/core/result.hpp"

#include <gtest/gtest.h>

namespace magent::core {
namespace {

TEST(Result, CarriesValueOrError) {
  Result<int> good = 7;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 7);
  Result<int> bad = make_error(ErrorKind::parse, "x.sql:3: broken");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::parse);
  EXPECT_EQ(bad.error().message, "x.sql:3: broken");
}

TEST(Result, ExitCodesFollowTheDesignContract) {
  EXPECT_EQ(exit_code_for(ErrorKind::drift), 1);
  EXPECT_EQ(exit_code_for(ErrorKind::config), 2);
  EXPECT_EQ(exit_code_for(ErrorKind::usage), 2);
  EXPECT_EQ(exit_code_for(ErrorKind::unreachable), 3);
  EXPECT_EQ(exit_code_for(ErrorKind::lock_timeout), 4);
  EXPECT_EQ(exit_code_for(ErrorKind::step_failed), 5);
}

}  // namespace
}  // namespace magent::core
