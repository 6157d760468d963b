// Expectations below are what Alembic 1.8.1 does for the same graphs (checked with
// tests/alembic/oracle.py); tests/alembic/differential_test.py covers random graphs.
#include "agent/core/planner.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/graph_builder.hpp"

namespace magent::core {
namespace {

using test::describe;
using test::make_graph;
using test::RevSpec;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

const std::vector<RevSpec> k_linear = {{"aaa1"}, {"bbb2", {"aaa1"}}, {"ccc3", {"bbb2"}}};
const std::vector<RevSpec> k_branches = {{"root"}, {"left", {"root"}}, {"right", {"root"}}};
const std::vector<RevSpec> k_merged = {
    {"root"}, {"left", {"root"}}, {"right", {"root"}}, {"merge", {"left", "right"}}};

std::string upgrade(const std::vector<RevSpec>& specs, std::vector<std::string> current,
                    std::string_view target) {
  RevisionGraph g = make_graph(specs);
  auto plan = plan_upgrade(g, current, target);
  return plan ? describe(*plan) : "ERROR: " + plan.error().message;
}

std::string downgrade(const std::vector<RevSpec>& specs, std::vector<std::string> current,
                      std::string_view target) {
  RevisionGraph g = make_graph(specs);
  auto plan = plan_downgrade(g, current, target);
  return plan ? describe(*plan) : "ERROR: " + plan.error().message;
}

std::string stamp(const std::vector<RevSpec>& specs, std::vector<std::string> current,
                  std::vector<std::string> targets, Purge purge = Purge::no) {
  RevisionGraph g = make_graph(specs);
  auto plan = plan_stamp(g, current, targets, purge);
  return plan ? describe(*plan) : "ERROR: " + plan.error().message;
}

// --- upgrade -----------------------------------------------------------------------------

TEST(PlanUpgrade, FromEmptyDatabaseInsertsThenUpdates) {
  EXPECT_EQ(upgrade(k_linear, {}, "heads"),
            "aaa1:upgrade[insert aaa1] bbb2:upgrade[update aaa1>bbb2] "
            "ccc3:upgrade[update bbb2>ccc3]");
}

TEST(PlanUpgrade, FromTheMiddleUpdatesEachStep) {
  EXPECT_EQ(upgrade(k_linear, {"aaa1"}, "head"),
            "bbb2:upgrade[update aaa1>bbb2] ccc3:upgrade[update bbb2>ccc3]");
}

TEST(PlanUpgrade, AtHeadsHasNothingToDo) {
  RevisionGraph g = make_graph(k_linear);
  auto plan = plan_upgrade(g, {"ccc3"}, "heads");
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->empty());
  EXPECT_THAT(plan->heads_after, ElementsAre("ccc3"));
}

TEST(PlanUpgrade, ToAnOlderRevisionDoesNothing) {
  EXPECT_EQ(upgrade(k_linear, {"ccc3"}, "aaa1"), "");
}

TEST(PlanUpgrade, UnknownTargetCantBeLocated) {
  EXPECT_EQ(upgrade(k_linear, {}, "zzzz"), "ERROR: Can't locate revision identified by 'zzzz'");
}

TEST(PlanUpgrade, DatabaseAtAnUnknownRevisionCantBeLocated) {
  EXPECT_EQ(upgrade(k_linear, {"gone1"}, "heads"),
            "ERROR: Can't locate revision identified by 'gone1'");
}

TEST(PlanUpgrade, HeadWithTwoHeadsIsAlembicsMultipleHeadsError) {
  EXPECT_EQ(upgrade(k_branches, {"root"}, "head"),
            "ERROR: Multiple head revisions are present for given argument 'head'; please "
            "specify a specific target revision, '<branchname>@head' to narrow to a specific "
            "head, or 'heads' for all heads");
}

TEST(PlanUpgrade, HeadsWithTwoBranchesInsertsARowForTheSecondBranch) {
  EXPECT_EQ(upgrade(k_branches, {"root"}, "heads"),
            "right:upgrade[update root>right] left:upgrade[insert left]");
}

TEST(PlanUpgrade, AcrossAMergePointDeletesTheOtherHead) {
  EXPECT_EQ(upgrade(k_merged, {"left", "right"}, "heads"),
            "merge:upgrade[delete left, update right>merge]");
}

TEST(PlanUpgrade, FromEmptyThroughBranchAndMergePoints) {
  EXPECT_EQ(upgrade(k_merged, {}, "heads"),
            "root:upgrade[insert root] right:upgrade[update root>right] left:upgrade[insert left] "
            "merge:upgrade[delete left, update right>merge]");
}

TEST(PlanUpgrade, OneBranchAppliedFirstThenTheOtherAndTheMerge) {
  EXPECT_EQ(upgrade(k_merged, {"left"}, "heads"),
            "right:upgrade[insert right] merge:upgrade[delete left, update right>merge]");
}

TEST(PlanUpgrade, DependencyIsAppliedFirstAndMergedIntoTheDependent) {
  EXPECT_EQ(upgrade({{"core1"}, {"shop1", {}, {"core1"}}}, {}, "heads"),
            "core1:upgrade[insert core1] shop1:upgrade[update core1>shop1]");
}

TEST(PlanUpgrade, RelativePlusOneFromCurrent) {
  EXPECT_EQ(upgrade(k_linear, {"aaa1"}, "+1"), "bbb2:upgrade[update aaa1>bbb2]");
}

TEST(PlanUpgrade, RelativeFromANamedRevision) {
  EXPECT_EQ(upgrade(k_linear, {}, "aaa1+1"),
            "aaa1:upgrade[insert aaa1] bbb2:upgrade[update aaa1>bbb2]");
}

TEST(PlanUpgrade, RelativeTooFarIsAlembicsError) {
  EXPECT_EQ(upgrade(k_linear, {"aaa1"}, "+5"),
            "ERROR: Relative revision +5 didn't produce 5 migrations");
}

TEST(PlanUpgrade, LabelAtHeadUpgradesOnlyThatBranch) {
  std::vector<RevSpec> labelled = {{"root"},
                                   {"shop1", {"root"}, {}, {"shop"}},
                                   {"shop2", {"shop1"}},
                                   {"blog1", {"root"}, {}, {"blog"}}};
  EXPECT_EQ(upgrade(labelled, {"root"}, "shop@head"),
            "shop1:upgrade[update root>shop1] shop2:upgrade[update shop1>shop2]");
}

TEST(PlanUpgrade, PlanPointsAtTheGraphsRevisions) {
  RevisionGraph g = make_graph(k_linear);
  auto plan = plan_upgrade(g, {}, "heads");
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->steps.size(), 3u);
  EXPECT_EQ(plan->steps[0].revision, &g.revision(*g.find("aaa1")));
  EXPECT_TRUE(plan->heads_before.empty());
}

TEST(PlanUpgrade, TwentyThousandStepsFromBase) {
  std::vector<RevSpec> specs;
  for (int i = 0; i < 20000; ++i) {
    specs.push_back({"r" + std::to_string(i),
                     i ? std::vector<std::string>{"r" + std::to_string(i - 1)} : std::vector<std::string>{}});
  }
  RevisionGraph g = make_graph(specs);
  auto plan = plan_upgrade(g, {}, "heads");
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->steps.size(), 20000u);
  EXPECT_EQ(plan->steps.back().revision->id, "r19999");
  EXPECT_THAT(plan->heads_after, ElementsAre("r19999"));
}

// --- downgrade ---------------------------------------------------------------------------

TEST(PlanDowngrade, MinusOneUpdatesTheRow) {
  EXPECT_EQ(downgrade(k_linear, {"ccc3"}, "-1"), "ccc3:downgrade[update ccc3>bbb2]");
}

TEST(PlanDowngrade, ToBaseDeletesTheLastRow) {
  EXPECT_EQ(downgrade(k_linear, {"ccc3"}, "base"),
            "ccc3:downgrade[update ccc3>bbb2] bbb2:downgrade[update bbb2>aaa1] "
            "aaa1:downgrade[delete aaa1]");
}

TEST(PlanDowngrade, ThroughAMergePointInsertsTheOtherBranchAndUpdates) {
  EXPECT_EQ(downgrade(k_merged, {"merge"}, "left"), "merge:downgrade[insert left, update merge>right]");
}

TEST(PlanDowngrade, BelowTheBranchPointCollapsesBothBranches) {
  EXPECT_EQ(downgrade(k_merged, {"merge"}, "root"),
            "merge:downgrade[insert left, update merge>right] left:downgrade[delete left] "
            "right:downgrade[update right>root]");
}

TEST(PlanDowngrade, ToADescendantIsNotAValidTarget) {
  EXPECT_EQ(downgrade(k_linear, {"aaa1"}, "ccc3"),
            "ERROR: Destination ccc3 is not a valid downgrade target from current head(s)");
}

TEST(PlanDowngrade, MinusOneFromAnEmptyDatabaseIsAlembicsError) {
  EXPECT_EQ(downgrade(k_linear, {}, "-1"), "ERROR: Relative revision -1 didn't produce 1 migrations");
}

TEST(PlanDowngrade, LabelAtBaseWithASingleRootDropsEverything) {
  // Alembic filters roots by label only when there are several; one root means all go.
  EXPECT_EQ(downgrade({{"r1"}, {"a1", {"r1"}, {}, {"shop"}}, {"b1", {"r1"}, {}, {"blog"}}},
                      {"a1", "b1"}, "shop@base"),
            "a1:downgrade[delete a1] b1:downgrade[update b1>r1] r1:downgrade[delete r1]");
}

TEST(PlanDowngrade, DependentRevisionUnmergesIntoItsDependency) {
  EXPECT_EQ(downgrade({{"core1"}, {"shop1", {}, {"core1"}}}, {"shop1"}, "base"),
            "shop1:downgrade[update shop1>core1] core1:downgrade[delete core1]");
}

// --- stamp -------------------------------------------------------------------------------

TEST(PlanStamp, FromEmptyInsertsTheTarget) {
  EXPECT_EQ(stamp(k_linear, {}, {"bbb2"}), "stamp[insert bbb2]");
}

TEST(PlanStamp, UpAlongTheBranchUpdates) {
  EXPECT_EQ(stamp(k_linear, {"aaa1"}, {"ccc3"}), "stamp[update aaa1>ccc3]");
}

TEST(PlanStamp, DownAlongTheBranchUpdates) {
  EXPECT_EQ(stamp(k_linear, {"ccc3"}, {"aaa1"}), "stamp[update ccc3>aaa1]");
}

TEST(PlanStamp, BaseDeletesTheRows) { EXPECT_EQ(stamp(k_linear, {"ccc3"}, {"base"}), "stamp[delete ccc3]"); }

TEST(PlanStamp, HeadsWithTwoBranchesInsertsBoth) {
  EXPECT_EQ(stamp(k_branches, {}, {"heads"}), "stamp[insert left] stamp[insert right]");
}

TEST(PlanStamp, TheCurrentRevisionIsANoOp) { EXPECT_EQ(stamp(k_linear, {"bbb2"}, {"bbb2"}), ""); }

TEST(PlanStamp, TwoHeadsToTheMergeDeleteOneAndUpdateTheOther) {
  EXPECT_EQ(stamp(k_merged, {"left", "right"}, {"merge"}), "stamp[delete left, update right>merge]");
}

TEST(PlanStamp, MergeDownToOneBranchUpdates) {
  EXPECT_EQ(stamp(k_merged, {"merge"}, {"left"}), "stamp[update merge>left]");
}

TEST(PlanStamp, PurgeDeletesEvenRevisionsTheFilesDoNotKnow) {
  EXPECT_EQ(stamp(k_linear, {"gone1"}, {"ccc3"}, Purge::yes), "stamp[delete gone1] stamp[insert ccc3]");
}

TEST(PlanStamp, WithoutPurgeAnUnknownCurrentRevisionCantBeLocated) {
  EXPECT_EQ(stamp(k_linear, {"gone1"}, {"ccc3"}), "ERROR: Can't locate revision identified by 'gone1'");
}

TEST(PlanStamp, HeadWithTwoHeadsAsksForASingleTarget) {
  EXPECT_EQ(stamp(k_branches, {}, {"head"}),
            "ERROR: Multiple heads are present; please specify a single target revision");
}

TEST(PlanStamp, HeadsAfterReflectTheNewRows) {
  RevisionGraph g = make_graph(k_branches);
  auto plan = plan_stamp(g, {}, {"heads"}, Purge::no);
  ASSERT_TRUE(plan.ok());
  EXPECT_THAT(plan->heads_after, UnorderedElementsAre("left", "right"));
}

// --- identifiers -------------------------------------------------------------------------

TEST(ResolveIdentifier, UniquePartialIdResolves) {
  RevisionGraph g = make_graph({{"ae1027a6acf"}, {"bf5578", {"ae1027a6acf"}}});
  auto ids = resolve_identifier(g, "ae10");
  ASSERT_TRUE(ids.ok());
  EXPECT_THAT(*ids, ElementsAre("ae1027a6acf"));
}

TEST(ResolveIdentifier, AmbiguousPartialIdNamesTheCandidates) {
  RevisionGraph g = make_graph({{"abcd1111"}, {"abcd2222", {"abcd1111"}}});
  auto ids = resolve_identifier(g, "abcd");
  ASSERT_FALSE(ids.ok());
  EXPECT_EQ(ids.error().message,
            "Can't locate revision identified by 'abcd' (Multiple revisions start with 'abcd': "
            "'abcd1111', 'abcd2222'...)");
}

TEST(ResolveIdentifier, HeadsAreRealHeadsAndBaseIsNothing) {
  RevisionGraph g = make_graph(k_branches);
  EXPECT_THAT(*resolve_identifier(g, "heads"), UnorderedElementsAre("left", "right"));
  EXPECT_TRUE(resolve_identifier(g, "base")->empty());
}

TEST(ResolveIdentifier, BranchLabelNamesTheRevisionThatDeclaresIt) {
  RevisionGraph g = make_graph({{"root"}, {"shop1", {"root"}, {}, {"shop"}}, {"shop2", {"shop1"}}});
  EXPECT_THAT(*resolve_identifier(g, "shop"), ElementsAre("shop1"));
  EXPECT_THAT(*resolve_identifier(g, "shop@head"), ElementsAre("shop2"));
}

TEST(ResolveIdentifier, LabelAtARevisionOutsideTheBranchIsRefused) {
  RevisionGraph g = make_graph(
      {{"root"}, {"shop1", {"root"}, {}, {"shop"}}, {"blog1", {"root"}, {}, {"blog"}}});
  auto ids = resolve_identifier(g, "shop@blog1");
  ASSERT_FALSE(ids.ok());
  EXPECT_EQ(ids.error().message,
            "Can't locate revision identified by 'blog1' (Revision blog1 is not a member of "
            "branch 'shop')");
}

TEST(ResolveIdentifier, MinusOneWalksDownFromTheHead) {
  RevisionGraph g = make_graph(k_linear);
  EXPECT_THAT(*resolve_identifier(g, "-1"), ElementsAre("bbb2"));
}

TEST(ResolveSingle, BaseIsEmptyAndHeadIsTheHead) {
  RevisionGraph g = make_graph(k_linear);
  EXPECT_EQ(*resolve_single(g, "base"), "");
  EXPECT_EQ(*resolve_single(g, "head"), "ccc3");
}

}  // namespace
}  // namespace magent::core
