#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/core/drift.hpp"
#include "agent/core/policy.hpp"
#include "tests/support/graph_builder.hpp"

namespace magent::core {
namespace {

using test::make_graph;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

RevisionGraph linear() {
  std::vector<Revision> revs = test::revisions({{"aaa1"}, {"bbb2", {"aaa1"}}, {"ccc3", {"bbb2"}}});
  for (auto& r : revs) r.checksum = "sum-" + r.id;
  return std::move(*RevisionGraph::build(std::move(revs)).graph);
}

DatabaseFacts at(std::vector<std::string> rows) {
  DatabaseFacts facts;
  facts.version_table_exists = true;
  facts.revisions = std::move(rows);
  return facts;
}

std::vector<std::string> kinds(const Assessment& a) {
  std::vector<std::string> out;
  for (const auto& d : a.drift) out.emplace_back(to_string(d.kind));
  return out;
}

TEST(Drift, AtTheHeadsThereIsNone) {
  Assessment a = assess(linear(), at({"ccc3"}));
  EXPECT_TRUE(a.drift.empty());
  EXPECT_TRUE(a.at_heads);
}

TEST(Drift, PendingRevisionsAreBehindInOrder) {
  Assessment a = assess(linear(), at({"aaa1"}));
  EXPECT_THAT(kinds(a), ElementsAre("behind"));
  EXPECT_THAT(a.pending_revisions, ElementsAre("bbb2", "ccc3"));
  EXPECT_FALSE(a.at_heads);
}

TEST(Drift, RevisionTheFilesDoNotHaveIsUnknownNotACrash) {
  Assessment a = assess(linear(), at({"renamed9"}));
  EXPECT_THAT(kinds(a), ElementsAre("unknown_revision"));
  EXPECT_THAT(a.drift[0].message, HasSubstr("renamed9"));
  EXPECT_THAT(a.drift[0].fix, HasSubstr("stamp"));
}

TEST(Drift, TablesWithoutVersionTableAreUnversioned) {
  DatabaseFacts facts;
  facts.user_tables = {"usuario", "curso"};
  Assessment a = assess(linear(), facts);
  EXPECT_THAT(kinds(a), ElementsAre("unversioned"));
  EXPECT_THAT(a.drift[0].message, HasSubstr("usuario"));
}

TEST(Drift, EmptyDatabaseIsOnlyBehind) {
  Assessment a = assess(linear(), DatabaseFacts{});
  EXPECT_THAT(kinds(a), ElementsAre("behind"));
}

TEST(Drift, EditedAppliedFileIsChecksumDriftNamingTheFile) {
  DatabaseFacts facts = at({"ccc3"});
  facts.applied_checksums = {{"aaa1", "sum-aaa1"}, {"bbb2", "old-content"}};
  Assessment a = assess(linear(), facts);
  ASSERT_THAT(kinds(a), ElementsAre("checksum"));
  EXPECT_THAT(a.drift[0].message, HasSubstr("bbb2.sql"));
}

TEST(Drift, EditedFileNotYetAppliedIsNotChecksumDrift) {
  DatabaseFacts facts = at({"aaa1"});
  facts.applied_checksums = {{"ccc3", "old-content"}};  // applied once, then downgraded
  EXPECT_FALSE(assess(linear(), facts).has(DriftKind::checksum));
}

TEST(Drift, UnresolvedStepIsFailedDrift) {
  DatabaseFacts facts = at({"aaa1"});
  facts.unresolved = {{"bbb2", "failed", "syntax error", "2026-11-23T12:00:00.000Z", "sum-bbb2"}};
  Assessment a = assess(linear(), facts);
  EXPECT_TRUE(a.has(DriftKind::failed));
  EXPECT_TRUE(a.has(DriftKind::behind));
}

TEST(Drift, TwoHeadsInTheFilesAreMultipleHeads) {
  RevisionGraph g = make_graph({{"root"}, {"left", {"root"}}, {"right", {"root"}}});
  EXPECT_TRUE(assess(g, at({"left", "right"})).has(DriftKind::multiple_heads));
}

TEST(Drift, SchemaDifferenceIsSchemaDrift) {
  DatabaseFacts facts = at({"ccc3"});
  facts.schema_difference = "column usuario.extra added";
  Assessment a = assess(linear(), facts);
  ASSERT_THAT(kinds(a), ElementsAre("schema"));
  EXPECT_THAT(a.drift[0].message, HasSubstr("usuario.extra"));
}

Decision decide_for(const DatabaseFacts& facts, PolicyInput input) {
  RevisionGraph g = linear();
  return decide(g, facts, assess(g, facts), input);
}

TEST(Policy, AppliesPendingRevisionsWhenAutoMigrateIsOn) {
  EXPECT_EQ(decide_for(at({"aaa1"}), {.auto_migrate = true}).action, Action::apply);
}

TEST(Policy, HoldsAndSaysWhyWhenAutoMigrateIsOff) {
  Decision d = decide_for(at({"aaa1"}), {.auto_migrate = false});
  EXPECT_EQ(d.action, Action::hold);
  EXPECT_THAT(d.reason, HasSubstr("AUTO_MIGRATE is off"));
}

TEST(Policy, NothingToDoAtTheHeads) {
  EXPECT_EQ(decide_for(at({"ccc3"}), {.auto_migrate = true}).action, Action::nothing_to_do);
}

TEST(Policy, HoldsWhenPaused) {
  Decision d = decide_for(at({"aaa1"}), {.auto_migrate = true, .paused = true});
  EXPECT_EQ(d.action, Action::hold);
  EXPECT_THAT(d.reason, HasSubstr("paused"));
}

TEST(Policy, HoldsOnAnUnknownRevisionInsteadOfCrashLooping) {
  EXPECT_EQ(decide_for(at({"renamed9"}), {.auto_migrate = true}).action, Action::hold);
}

TEST(Policy, HoldsOnAnUnversionedDatabase) {
  DatabaseFacts facts;
  facts.user_tables = {"usuario"};
  EXPECT_EQ(decide_for(facts, {.auto_migrate = true}).action, Action::hold);
}

TEST(Policy, DoesNotRetryAFailedStepWhoseFileIsUnchanged) {
  DatabaseFacts facts = at({"aaa1"});
  facts.unresolved = {{"bbb2", "failed", "boom", "t", "sum-bbb2"}};
  Decision d = decide_for(facts, {.auto_migrate = true});
  EXPECT_EQ(d.action, Action::hold);
  EXPECT_THAT(d.reason, HasSubstr("bbb2"));
}

TEST(Policy, RetriesAFailedStepOnceItsFileChanged) {
  DatabaseFacts facts = at({"aaa1"});
  facts.unresolved = {{"bbb2", "failed", "boom", "t", "the-old-content"}};
  EXPECT_EQ(decide_for(facts, {.auto_migrate = true}).action, Action::apply);
}

TEST(Policy, HoldsOnMultipleHeadsWhenConfiguredTo) {
  RevisionGraph g = make_graph({{"root"}, {"left", {"root"}}, {"right", {"root"}}});
  DatabaseFacts facts = at({"root"});
  EXPECT_EQ(decide(g, facts, assess(g, facts), {.auto_migrate = true}).action, Action::apply);
  EXPECT_EQ(decide(g, facts, assess(g, facts),
                   {.auto_migrate = true, .hold_on_multiple_heads = true})
                .action,
            Action::hold);
}

TEST(Policy, HoldsOnPythonRevisionsWithoutARunner) {
  std::vector<Revision> revs = test::revisions({{"aaa1"}, {"bbb2", {"aaa1"}}});
  revs[1].kind = FileKind::python;
  RevisionGraph g = std::move(*RevisionGraph::build(std::move(revs)).graph);
  DatabaseFacts facts = at({"aaa1"});
  Decision d = decide(g, facts, assess(g, facts), {.auto_migrate = true});
  EXPECT_EQ(d.action, Action::hold);
  EXPECT_THAT(d.reason, HasSubstr("runner"));
  EXPECT_EQ(decide(g, facts, assess(g, facts), {.auto_migrate = true, .has_runner = true}).action,
            Action::apply);
}

// [aliases] old1 = "bbb2": the database still says old1.
DriftContext renamed_bbb2(bool auto_stamp = false) {
  DriftContext context;
  context.aliases = {{"old1", "bbb2"}};
  context.alias_auto_stamp = auto_stamp;
  return context;
}

TEST(Drift, RenamedIdIsUnknownRevisionNamingBothIdsAndPlannedFromTheNewOne) {
  Assessment a = assess(linear(), at({"old1"}), renamed_bbb2());
  EXPECT_THAT(kinds(a), ElementsAre("unknown_revision", "behind"));
  EXPECT_THAT(a.drift[0].message, HasSubstr("old1"));
  EXPECT_THAT(a.drift[0].message, HasSubstr("bbb2"));
  EXPECT_THAT(a.drift[0].message, HasSubstr("Can't locate revision identified by 'old1'"));
  EXPECT_THAT(a.drift[0].fix, HasSubstr("migration-agent stamp bbb2 --purge"));
  EXPECT_THAT(a.drift[0].fix, HasSubstr("auto_stamp"));
  EXPECT_THAT(a.pending_revisions, ElementsAre("ccc3"));
  EXPECT_TRUE(a.only_renamed_unknown);
  EXPECT_FALSE(a.at_heads);
}

TEST(Drift, AnAliasToAnIdTheFilesLackIsStillUnknown) {
  DriftContext context;
  context.aliases = {{"old1", "zzz9"}};
  Assessment a = assess(linear(), at({"old1"}), context);
  EXPECT_THAT(kinds(a), ElementsAre("unknown_revision"));
  EXPECT_FALSE(a.only_renamed_unknown);
  EXPECT_THAT(a.drift[0].message, HasSubstr("zzz9"));
}

TEST(Drift, UnknownRevisionExplainsTheLikelyCausesAndNamesTheDirectory) {
  DriftContext context;
  context.migrations_dir = "/srv/app/now_lms/migrations";
  Assessment a = assess(linear(), at({"20260109_191123"}), context);
  ASSERT_THAT(kinds(a), ElementsAre("unknown_revision"));
  EXPECT_THAT(a.drift[0].message, HasSubstr("/srv/app/now_lms/migrations"));
  EXPECT_THAT(a.drift[0].message, HasSubstr("heads: ccc3"));
  EXPECT_THAT(a.drift[0].message, HasSubstr("renamed"));
  EXPECT_THAT(a.drift[0].fix, HasSubstr("[aliases] 20260109_191123"));
}

TEST(Drift, AnEmptyMigrationsDirectoryIsTheWrongScriptLocation) {
  RevisionGraph empty = std::move(*RevisionGraph::build({}).graph);
  Assessment a = assess(empty, at({"20260110_035505"}));
  ASSERT_THAT(kinds(a), ElementsAre("unknown_revision"));
  EXPECT_THAT(a.drift[0].message, HasSubstr("wrong script location"));
  EXPECT_THAT(a.drift[0].fix, HasSubstr("MIGRATIONS_DIR"));
}

TEST(Drift, PendingPythonRevisionsWithoutARunnerSayHowToSetOne) {
  std::vector<Revision> revs = test::revisions({{"aaa1"}, {"bbb2", {"aaa1"}}});
  revs[1].kind = FileKind::python;
  RevisionGraph g = std::move(*RevisionGraph::build(std::move(revs)).graph);
  Assessment a = assess(g, at({"aaa1"}));
  ASSERT_THAT(kinds(a), ElementsAre("behind"));
  EXPECT_THAT(a.drift[0].message, HasSubstr("bbb2 is an Alembic .py file"));
  EXPECT_THAT(a.drift[0].fix, HasSubstr("[runner] command"));
  DriftContext with_runner;
  with_runner.has_runner = true;
  EXPECT_THAT(assess(g, at({"aaa1"}), with_runner).drift[0].fix,
              HasSubstr("migration-agent upgrade"));
}

DatabaseFacts created_all() {
  DatabaseFacts facts;
  facts.user_tables = {"system_info", "usuario"};
  return facts;
}

TEST(Drift, BaselineAppliesWhenItsTableExistsAndNothingIsPendingAfterIt) {
  DriftContext context;
  context.baseline_table = "system_info";
  Assessment a = assess(linear(), created_all(), context);
  EXPECT_THAT(kinds(a), ElementsAre("unversioned"));
  EXPECT_TRUE(a.baseline_applies);
  EXPECT_TRUE(a.pending_revisions.empty());
  EXPECT_THAT(a.drift[0].fix, HasSubstr("[baseline] applies"));
  context.baseline_revision = "bbb2";
  EXPECT_THAT(assess(linear(), created_all(), context).pending_revisions, ElementsAre("ccc3"));
}

TEST(Drift, BaselineTableMissingIsSaid) {
  DriftContext context;
  context.baseline_table = "public.settings";
  Assessment a = assess(linear(), created_all(), context);
  EXPECT_FALSE(a.baseline_applies);
  EXPECT_THAT(a.drift[0].message, HasSubstr("public.settings, which does not exist"));
  EXPECT_THAT(a.drift[0].fix, HasSubstr("stamp heads"));
}

TEST(Policy, ARenamedIdHoldsUnlessAutoStampIsOn) {
  RevisionGraph g = linear();
  DatabaseFacts facts = at({"old1"});
  Decision hold = decide(g, facts, assess(g, facts, renamed_bbb2()), {.auto_migrate = true});
  EXPECT_EQ(hold.action, Action::hold);
  EXPECT_THAT(hold.reason, HasSubstr("auto_stamp"));
  Decision go = decide(g, facts, assess(g, facts, renamed_bbb2(true)),
                       {.auto_migrate = true, .alias_auto_stamp = true});
  EXPECT_EQ(go.action, Action::apply);
}

TEST(Policy, ARenamedIdAtTheHeadsIsStillStampedWithAutoStamp) {
  RevisionGraph g = linear();
  DriftContext context;
  context.aliases = {{"old3", "ccc3"}};
  context.alias_auto_stamp = true;
  DatabaseFacts facts = at({"old3"});
  Assessment a = assess(g, facts, context);
  EXPECT_TRUE(a.pending_revisions.empty());
  EXPECT_EQ(decide(g, facts, a, {.auto_migrate = true, .alias_auto_stamp = true}).action,
            Action::apply);
  Decision off = decide(g, facts, a, {.auto_migrate = false, .alias_auto_stamp = true});
  EXPECT_EQ(off.action, Action::hold);
  EXPECT_THAT(off.reason, HasSubstr("AUTO_MIGRATE is off"));
}

TEST(Policy, AnUnversionedDatabaseIsBaselinedWhenItsTableExists) {
  RevisionGraph g = linear();
  DriftContext context;
  context.baseline_table = "system_info";
  DatabaseFacts facts = created_all();
  EXPECT_EQ(decide(g, facts, assess(g, facts, context), {.auto_migrate = true}).action,
            Action::apply);
  context.baseline_table = "other";
  EXPECT_EQ(decide(g, facts, assess(g, facts, context), {.auto_migrate = true}).action,
            Action::hold);
}

}  // namespace
}  // namespace magent::core
