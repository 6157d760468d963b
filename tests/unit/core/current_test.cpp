#include "agent/core/current.hpp"

#include <gtest/gtest.h>

#include "tests/support/graph_builder.hpp"

namespace magent::core {
namespace {

using Ids = std::vector<std::string>;

// a1 -> b1, a1 -> c1 -> d1 (d1 depends on b1).
RevisionGraph with_dependency() {
  return test::make_graph({{"a1"}, {"b1", {"a1"}}, {"c1", {"a1"}}, {"d1", {"c1"}, {"b1"}}});
}

TEST(AllCurrent, ARowWithADependencyAlsoShowsTheDependencyAsAlembicCurrentDoes) {
  EXPECT_EQ(all_current(with_dependency(), {"d1"}), (Ids{"b1", "d1"}));
}

TEST(AllCurrent, PlainRowsAreShownAsTheyAre) {
  EXPECT_EQ(all_current(with_dependency(), {"c1"}), Ids{"c1"});
  EXPECT_EQ(all_current(with_dependency(), {"b1", "c1"}), (Ids{"b1", "c1"}));
  EXPECT_EQ(all_current(with_dependency(), {}), Ids{});
}

TEST(AllCurrent, UnknownRowsAreKept) {
  EXPECT_EQ(all_current(with_dependency(), {"gone9"}), Ids{"gone9"});
}

}  // namespace
}  // namespace magent::core
