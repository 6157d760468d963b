#include "agent/core/revision_graph.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/graph_builder.hpp"

namespace magent::core {
namespace {

using test::graph_problems;
using test::ids;
using test::make_graph;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;

TEST(RevisionGraph, LinearChainHasOneHeadAndOneBase) {
  RevisionGraph g = make_graph({{"a1b2"}, {"c3d4", {"a1b2"}}, {"e5f6", {"c3d4"}}});
  EXPECT_THAT(ids(g, g.heads()), ElementsAre("e5f6"));
  EXPECT_THAT(ids(g, g.real_heads()), ElementsAre("e5f6"));
  EXPECT_THAT(ids(g, g.bases()), ElementsAre("a1b2"));
}

TEST(RevisionGraph, ChainOrderFollowsLinksNotLoadOrder) {
  // Loaded newest first, as file names sorting "wrong" would give.
  RevisionGraph g = make_graph({{"zzz3", {"mmm2"}}, {"mmm2", {"aaa1"}}, {"aaa1"}});
  EXPECT_THAT(ids(g, g.heads()), ElementsAre("zzz3"));
  EXPECT_THAT(ids(g, g.bases()), ElementsAre("aaa1"));
  NodeId head[] = {*g.find("zzz3")};
  EXPECT_EQ(g.ancestors(head, Deps::exclude).size(), 3u);
}

TEST(RevisionGraph, MultipleBasesAndHeadsAreLegal) {
  RevisionGraph g = make_graph({{"base1"}, {"base2"}, {"up11", {"base1"}}, {"up12", {"base1"}}});
  EXPECT_THAT(ids(g, g.bases()), ElementsAre("base1", "base2"));
  EXPECT_THAT(ids(g, g.heads()), UnorderedElementsAre("base2", "up11", "up12"));
  EXPECT_TRUE(g.is_branch_point(*g.find("base1")));
}

TEST(RevisionGraph, MergePointHasTwoDownRevisionsAndEndsTheBranches) {
  RevisionGraph g = make_graph({{"root"}, {"left", {"root"}}, {"right", {"root"}},
                                {"merge", {"left", "right"}}});
  EXPECT_TRUE(g.is_merge_point(*g.find("merge")));
  EXPECT_THAT(ids(g, g.heads()), ElementsAre("merge"));
}

TEST(RevisionGraph, DuplicateIdIsOneErrorNamingBothFiles) {
  auto problems = graph_problems({{"dup1"}, {"dup1"}});
  ASSERT_THAT(problems, SizeIs(1));
  EXPECT_THAT(problems[0], HasSubstr("dup1.sql"));
  EXPECT_THAT(problems[0], HasSubstr("Revision dup1 is present more than once"));
}

TEST(RevisionGraph, MissingParentNamesFileAndRevision) {
  auto problems = graph_problems({{"child", {"ghost"}}});
  ASSERT_THAT(problems, SizeIs(1));
  EXPECT_EQ(problems[0],
            "child.sql: revision child: Revision ghost referenced from child is not present");
}

TEST(RevisionGraph, MissingDependencyNamesFileAndRevision) {
  auto problems = graph_problems({{"aaaa"}, {"bbbb", {"aaaa"}, {"nowhere"}}});
  ASSERT_THAT(problems, SizeIs(1));
  EXPECT_THAT(problems[0], HasSubstr("bbbb.sql: revision bbbb"));
  EXPECT_THAT(problems[0], HasSubstr("depends_on 'nowhere'"));
}

TEST(RevisionGraph, EachProblemIsReportedSeparately) {
  auto problems = graph_problems({{"one1", {"gone"}}, {"two2", {"lost"}}});
  EXPECT_THAT(problems, SizeIs(2));
}

TEST(RevisionGraph, SelfReferenceIsSelfLoop) {
  auto problems = graph_problems({{"loop", {"loop"}}});
  ASSERT_FALSE(problems.empty());
  EXPECT_THAT(problems[0], HasSubstr("Self-loop is detected in revisions (loop)"));
}

TEST(RevisionGraph, DependencyOnItselfIsDependencySelfLoop) {
  auto problems = graph_problems({{"selfdep", {}, {"selfdep"}}});
  ASSERT_FALSE(problems.empty());
  EXPECT_THAT(problems[0], HasSubstr("Dependency self-loop is detected in revisions (selfdep)"));
}

TEST(RevisionGraph, CycleNamesEveryRevisionInIt) {
  auto problems = graph_problems({{"root"}, {"aaa1", {"ccc3"}}, {"bbb2", {"aaa1"}},
                                  {"ccc3", {"bbb2"}}});
  ASSERT_THAT(problems, SizeIs(1));
  EXPECT_THAT(problems[0], HasSubstr("Cycle is detected in revisions (aaa1, bbb2, ccc3)"));
  EXPECT_THAT(problems[0], HasSubstr("aaa1.sql"));
}

TEST(RevisionGraph, GraphWithoutAnyBaseIsACycle) {
  auto problems = graph_problems({{"aaa1", {"bbb2"}}, {"bbb2", {"aaa1"}}});
  ASSERT_THAT(problems, SizeIs(1));
  EXPECT_THAT(problems[0], HasSubstr("Cycle is detected in revisions (aaa1, bbb2)"));
}

TEST(RevisionGraph, DependencyCycleIsReported) {
  auto problems = graph_problems({{"aaa1", {}, {"bbb2"}}, {"bbb2", {}, {"aaa1"}}});
  ASSERT_THAT(problems, SizeIs(1));
  EXPECT_THAT(problems[0], HasSubstr("Dependency cycle is detected in revisions (aaa1, bbb2)"));
}

TEST(RevisionGraph, IllegalCharactersInIdAreNamed) {
  auto problems = graph_problems({{"bad-id+x"}});
  ASSERT_FALSE(problems.empty());
  EXPECT_THAT(problems[0],
              HasSubstr("Character(s) '-, +' not allowed in revision identifier 'bad-id+x'"));
}

TEST(RevisionGraph, BranchLabelUsedTwiceIsAnError) {
  auto problems = graph_problems({{"aaa1", {}, {}, {"shop"}}, {"bbb2", {}, {}, {"shop"}}});
  ASSERT_THAT(problems, SizeIs(1));
  EXPECT_THAT(problems[0],
              HasSubstr("Branch name 'shop' in revision bbb2 already used by revision aaa1"));
}

TEST(RevisionGraph, BranchLabelEqualToARevisionIdIsAnError) {
  auto problems = graph_problems({{"aaa1"}, {"bbb2", {}, {}, {"aaa1"}}});
  ASSERT_THAT(problems, SizeIs(1));
  EXPECT_THAT(problems[0], HasSubstr("Branch name 'aaa1' in revision bbb2 already used"));
}

TEST(RevisionGraph, DependsOnABranchLabelResolvesToTheRevisionThatDeclaresIt) {
  RevisionGraph g = make_graph({{"core1", {}, {}, {"core"}}, {"core2", {"core1"}},
                                {"shop1", {}, {"core"}}});
  NodeId shop = *g.find("shop1");
  ASSERT_THAT(g.all_down(shop), SizeIs(1));
  EXPECT_EQ(g.id_of(g.all_down(shop)[0]), "core1");
}

TEST(RevisionGraph, DependencyTargetIsAVersionedHeadButNotARealHead) {
  RevisionGraph g = make_graph({{"core1"}, {"shop1", {}, {"core1"}}});
  EXPECT_THAT(ids(g, g.heads()), UnorderedElementsAre("core1", "shop1"));
  EXPECT_THAT(ids(g, g.real_heads()), ElementsAre("shop1"));
}

TEST(RevisionGraph, DependencyAlreadyDeclaredByAnAncestorIsNormalizedAway) {
  RevisionGraph g = make_graph({{"core1"}, {"shop1", {}, {"core1"}}, {"shop2", {"shop1"}, {"core1"}}});
  EXPECT_TRUE(g.normalized_dependencies(*g.find("shop2")).empty());
  EXPECT_THAT(ids(g, g.normalized_down(*g.find("shop2"))), ElementsAre("shop1"));
}

TEST(RevisionGraph, BranchLabelCoversDescendantsAndTheLineBelowUpToABranchPoint) {
  RevisionGraph g = make_graph({{"root"}, {"aaa1", {"root"}}, {"bbb2", {"aaa1"}},
                                {"ccc3", {"bbb2"}, {}, {"shop"}}, {"ddd4", {"ccc3"}},
                                {"other", {"root"}}});
  for (const char* on_line : {"aaa1", "bbb2", "ccc3", "ddd4"}) {
    EXPECT_TRUE(g.has_label(*g.find(on_line), "shop")) << on_line;
  }
  EXPECT_FALSE(g.has_label(*g.find("root"), "shop"));  // a branch point stops the walk
  EXPECT_FALSE(g.has_label(*g.find("other"), "shop"));
}

TEST(RevisionGraph, PartialMatchesIgnoreKeysOfThreeCharactersOrFewer) {
  RevisionGraph g = make_graph({{"abc"}, {"abcd1234"}, {"abce9999"}});
  auto matches = g.prefix_matches("ab");
  ASSERT_THAT(matches, SizeIs(2));
  EXPECT_EQ(matches[0].first, "abcd1234");
  EXPECT_EQ(matches[1].first, "abce9999");
}

TEST(RevisionGraph, TwentyThousandRevisionChainBuildsAndWalks) {
  std::vector<test::RevSpec> specs;
  for (int i = 0; i < 20000; ++i) {
    specs.push_back({"r" + std::to_string(i), i ? std::vector<std::string>{"r" + std::to_string(i - 1)}
                                                : std::vector<std::string>{}});
  }
  RevisionGraph g = make_graph(specs);
  ASSERT_EQ(g.size(), 20000u);
  EXPECT_THAT(ids(g, g.heads()), ElementsAre("r19999"));
  NodeId head[] = {g.heads()[0]};
  EXPECT_EQ(g.ancestors(head, Deps::include).size(), 20000u);
}

}  // namespace
}  // namespace magent::core
