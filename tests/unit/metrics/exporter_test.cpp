#include "agent/metrics/exporter.hpp"

#include <cstdlib>

#include <gtest/gtest.h>

#include "agent/version.hpp"
#include "tests/support/exposition.hpp"
#include "tests/support/fake_clock.hpp"
#include "tests/support/process.hpp"

namespace magent::metrics {
namespace {

using namespace std::chrono_literals;
using core::DriftKind;
using test::sample_lines;
using test::sample_value;

double unix_now(test::FakeClock& clock) {
  return std::chrono::duration<double>(clock.wall_now().time_since_epoch()).count();
}

std::string drift_series(DriftKind kind) {
  return "migration_agent_drift{kind=\"" + std::string(core::to_string(kind)) + "\"}";
}

// A healthy agent at head "b" of the files a -> b.
core::StatusSnapshot at_heads() {
  core::StatusSnapshot snapshot;
  snapshot.migration_files = 2;
  snapshot.heads = {"b"};
  snapshot.database_up = true;
  snapshot.version_table_exists = true;
  snapshot.revisions = {"b"};
  snapshot.auto_migrate = true;
  snapshot.last_check_unix = 1'790'000'000;
  snapshot.last_success_unix = 1'789'999'000;
  snapshot.ready = true;
  return snapshot;
}

// The files moved on to "c"; the database is still at "b".
core::StatusSnapshot behind() {
  auto snapshot = at_heads();
  snapshot.heads = {"c"};
  snapshot.migration_files = 3;
  snapshot.pending = {"c"};
  snapshot.drift = {{DriftKind::behind, "1 revision pending", "migration-agent upgrade"}};
  snapshot.ready = false;
  snapshot.not_ready_reason = "database at b, files at c: 1 revision pending";
  return snapshot;
}

TEST(Exporter, FreshExporterIsUpWithBuildInfoAndEveryDriftKindAtZero) {
  test::FakeClock clock;
  const Exporter exporter(clock);
  const auto text = exporter.render();
  EXPECT_EQ(sample_value(text, "migration_agent_up"), 1.0);
  EXPECT_EQ(
      sample_value(text, "migration_agent_build_info{version=\"" + std::string(k_version) + "\"}"),
      1.0);
  EXPECT_EQ(sample_value(text, "migration_agent_start_time_seconds"), unix_now(clock));
  for (auto kind : core::k_all_drift_kinds) {
    EXPECT_EQ(sample_value(text, drift_series(kind)), 0.0) << core::to_string(kind);
  }
  EXPECT_EQ(sample_lines(text, "migration_agent_drift").size(), core::k_all_drift_kinds.size());
  EXPECT_EQ(sample_value(text, "migration_agent_database_up"), 0.0);
  EXPECT_EQ(sample_value(text, "migration_agent_ready"), 0.0);
  EXPECT_EQ(sample_value(text, "migration_agent_last_check_timestamp_seconds"), 0.0);
  EXPECT_TRUE(sample_lines(text, "migration_agent_database_revision_info").empty());
}

TEST(Exporter, RevisionChangeRemovesTheStaleInfoSeries) {
  test::FakeClock clock;
  Exporter exporter(clock);
  auto snapshot = at_heads();
  snapshot.revisions = {"a"};
  exporter.update(snapshot);
  EXPECT_EQ(sample_lines(exporter.render(), "migration_agent_database_revision_info"),
            std::vector<std::string>{"migration_agent_database_revision_info{revision=\"a\"} 1"});

  snapshot.revisions = {"b"};
  exporter.update(snapshot);
  EXPECT_EQ(sample_lines(exporter.render(), "migration_agent_database_revision_info"),
            std::vector<std::string>{"migration_agent_database_revision_info{revision=\"b\"} 1"});
}

TEST(Exporter, EveryAlembicVersionRowIsOneSeriesAndBaseIsNone) {
  test::FakeClock clock;
  Exporter exporter(clock);
  auto snapshot = at_heads();
  snapshot.revisions = {"x1", "y1"};  // two branches, before their merge
  exporter.update(snapshot);
  auto text = exporter.render();
  EXPECT_EQ(sample_lines(text, "migration_agent_database_revision_info").size(), 2u);
  EXPECT_EQ(sample_value(text, "migration_agent_database_revision_info{revision=\"x1\"}"), 1.0);
  EXPECT_EQ(sample_value(text, "migration_agent_database_revision_info{revision=\"y1\"}"), 1.0);

  snapshot.revisions = {};  // downgraded to base: no row, no series
  exporter.update(snapshot);
  EXPECT_TRUE(sample_lines(exporter.render(), "migration_agent_database_revision_info").empty());
}

TEST(Exporter, HeadRevisionInfoFollowsTheFiles) {
  test::FakeClock clock;
  Exporter exporter(clock);
  exporter.update(at_heads());
  EXPECT_EQ(sample_value(exporter.render(), "migration_agent_head_revision_info{revision=\"b\"}"),
            1.0);
  exporter.update(behind());
  const auto text = exporter.render();
  EXPECT_EQ(sample_lines(text, "migration_agent_head_revision_info"),
            std::vector<std::string>{"migration_agent_head_revision_info{revision=\"c\"} 1"});
  EXPECT_EQ(sample_value(text, "migration_agent_pending_revisions"), 1.0);
  EXPECT_EQ(sample_value(text, "migration_agent_migration_files"), 3.0);
}

TEST(Exporter, DriftSeriesAreOneForPresentKindsAndZeroOtherwise) {
  test::FakeClock clock;
  Exporter exporter(clock);
  auto snapshot = behind();
  snapshot.drift.push_back({DriftKind::checksum, "c edited", "restore it"});
  snapshot.drift.push_back({DriftKind::checksum, "b edited", "restore it"});
  exporter.update(snapshot);
  auto text = exporter.render();
  for (auto kind : core::k_all_drift_kinds) {
    const bool present = kind == DriftKind::behind || kind == DriftKind::checksum;
    EXPECT_EQ(sample_value(text, drift_series(kind)), present ? 1.0 : 0.0) << core::to_string(kind);
  }

  exporter.update(at_heads());
  text = exporter.render();
  for (auto kind : core::k_all_drift_kinds) {
    EXPECT_EQ(sample_value(text, drift_series(kind)), 0.0) << core::to_string(kind);
  }
}

TEST(Exporter, SwitchesAndTimestampsMirrorTheSnapshot) {
  test::FakeClock clock;
  Exporter exporter(clock);
  auto snapshot = at_heads();
  snapshot.paused = true;
  snapshot.migrating = true;
  snapshot.holding_reason = "the last run failed; fix the files or run upgrade";
  snapshot.file_problems = {"a.sql:3: bad header", "graph: cycle"};
  exporter.update(snapshot);
  auto text = exporter.render();
  EXPECT_EQ(sample_value(text, "migration_agent_database_up"), 1.0);
  EXPECT_EQ(sample_value(text, "migration_agent_auto_migrate_enabled"), 1.0);
  EXPECT_EQ(sample_value(text, "migration_agent_paused"), 1.0);
  EXPECT_EQ(sample_value(text, "migration_agent_auto_migrate_held"), 1.0);
  EXPECT_EQ(sample_value(text, "migration_agent_migrating"), 1.0);
  EXPECT_EQ(sample_value(text, "migration_agent_ready"), 1.0);
  EXPECT_EQ(sample_value(text, "migration_agent_parse_errors"), 2.0);
  EXPECT_EQ(sample_value(text, "migration_agent_migration_files"), 2.0);
  EXPECT_EQ(sample_value(text, "migration_agent_last_check_timestamp_seconds"), 1'790'000'000.0);
  EXPECT_EQ(sample_value(text, "migration_agent_last_success_timestamp_seconds"), 1'789'999'000.0);

  snapshot = core::StatusSnapshot{};  // database unreachable, nothing known
  exporter.update(snapshot);
  text = exporter.render();
  EXPECT_EQ(sample_value(text, "migration_agent_database_up"), 0.0);
  EXPECT_EQ(sample_value(text, "migration_agent_auto_migrate_enabled"), 0.0);
  EXPECT_EQ(sample_value(text, "migration_agent_paused"), 0.0);
  EXPECT_EQ(sample_value(text, "migration_agent_auto_migrate_held"), 0.0);
  EXPECT_EQ(sample_value(text, "migration_agent_last_success_timestamp_seconds"), 0.0);
  EXPECT_EQ(sample_value(text, "migration_agent_last_check_timestamp_seconds"), 0.0);
}

TEST(Exporter, MigratingFollowsRunEventsBetweenSnapshots) {
  test::FakeClock clock;
  Exporter exporter(clock);
  exporter.set_migrating(true);
  EXPECT_EQ(sample_value(exporter.render(), "migration_agent_migrating"), 1.0);
  exporter.set_migrating(false);
  EXPECT_EQ(sample_value(exporter.render(), "migration_agent_migrating"), 0.0);
}

TEST(Exporter, StepsAreCountedByDirectionAndOutcomeWithEveryPairPresent) {
  test::FakeClock clock;
  Exporter exporter(clock);
  exporter.record_step(StepDirection::upgrade, StepOutcome::succeeded, 120ms);
  exporter.record_step(step_direction(core::Direction::upgrade), StepOutcome::succeeded, 2s);
  exporter.record_step(StepDirection::stamp, StepOutcome::failed, 5ms);
  const auto text = exporter.render();
  EXPECT_EQ(sample_lines(text, "migration_agent_steps_total").size(), 6u);
  const auto steps = [&](std::string_view direction, std::string_view outcome) {
    return sample_value(text, "migration_agent_steps_total{direction=\"" + std::string(direction) +
                                  "\",outcome=\"" + std::string(outcome) + "\"}");
  };
  EXPECT_EQ(steps("upgrade", "succeeded"), 2.0);
  EXPECT_EQ(steps("upgrade", "failed"), 0.0);
  EXPECT_EQ(steps("downgrade", "succeeded"), 0.0);
  EXPECT_EQ(steps("downgrade", "failed"), 0.0);
  EXPECT_EQ(steps("stamp", "succeeded"), 0.0);
  EXPECT_EQ(steps("stamp", "failed"), 1.0);
}

TEST(Exporter, StepDurationsLandInTheirBuckets) {
  test::FakeClock clock;
  Exporter exporter(clock);
  exporter.record_step(StepDirection::upgrade, StepOutcome::succeeded, 8ms);
  exporter.record_step(StepDirection::upgrade, StepOutcome::failed, 42s);
  exporter.record_step(StepDirection::upgrade, StepOutcome::succeeded, 45min);
  const auto text = exporter.render();
  const auto bucket = [&](std::string_view le) {
    return sample_value(text,
                        "migration_agent_step_duration_seconds_bucket{direction=\"upgrade\",le=\"" +
                            std::string(le) + "\"}");
  };
  EXPECT_EQ(bucket("0.01"), 1.0);
  EXPECT_EQ(bucket("30"), 1.0);
  EXPECT_EQ(bucket("60"), 2.0);
  EXPECT_EQ(bucket("1800"), 2.0);
  EXPECT_EQ(bucket("+Inf"), 3.0);
  EXPECT_EQ(
      sample_value(text, "migration_agent_step_duration_seconds_count{direction=\"upgrade\"}"),
      3.0);
  EXPECT_NEAR(
      *sample_value(text, "migration_agent_step_duration_seconds_sum{direction=\"upgrade\"}"),
      0.008 + 42 + 2700, 1e-6);
  EXPECT_EQ(
      sample_value(text, "migration_agent_step_duration_seconds_count{direction=\"downgrade\"}"),
      0.0);
}

TEST(Exporter, LockWaitsAreObservedByOutcome) {
  test::FakeClock clock;
  Exporter exporter(clock);
  exporter.record_lock_wait(300ms, LockWaitOutcome::acquired);
  exporter.record_lock_wait(60s, LockWaitOutcome::timeout);
  const auto text = exporter.render();
  EXPECT_EQ(sample_value(text, "migration_agent_lock_wait_seconds_count{outcome=\"acquired\"}"),
            1.0);
  EXPECT_EQ(sample_value(
                text, "migration_agent_lock_wait_seconds_bucket{outcome=\"acquired\",le=\"0.5\"}"),
            1.0);
  EXPECT_EQ(sample_value(text, "migration_agent_lock_wait_seconds_count{outcome=\"timeout\"}"),
            1.0);
  EXPECT_EQ(
      sample_value(text, "migration_agent_lock_wait_seconds_bucket{outcome=\"timeout\",le=\"30\"}"),
      0.0);
  EXPECT_EQ(sample_value(text, "migration_agent_lock_wait_seconds_sum{outcome=\"timeout\"}"), 60.0);
}

TEST(Exporter, LockHeldByThisAgentSinceItWasAcquired) {
  test::FakeClock clock;
  Exporter exporter(clock);
  EXPECT_EQ(sample_value(exporter.render(), "migration_agent_lock_held"), 0.0);
  const double acquired_at = unix_now(clock);
  exporter.lock_acquired();
  clock.advance(90s);
  exporter.update(at_heads());  // a snapshot during the run does not move "since"
  auto text = exporter.render();
  EXPECT_EQ(sample_value(text, "migration_agent_lock_held"), 1.0);
  EXPECT_EQ(sample_value(text, "migration_agent_lock_held_since_timestamp_seconds"), acquired_at);

  exporter.lock_released();
  text = exporter.render();
  EXPECT_EQ(sample_value(text, "migration_agent_lock_held"), 0.0);
  EXPECT_EQ(sample_value(text, "migration_agent_lock_held_since_timestamp_seconds"), 0.0);
}

TEST(Exporter, LockHeldByAnotherReplicaSinceFirstSeen) {
  test::FakeClock clock;
  Exporter exporter(clock);
  auto snapshot = behind();
  snapshot.lock_holder = "migration-agent@web-2:4242";
  const double first_seen = unix_now(clock);
  exporter.update(snapshot);
  clock.advance(10min);
  exporter.update(snapshot);
  auto text = exporter.render();
  EXPECT_EQ(sample_value(text, "migration_agent_lock_held"), 1.0);
  EXPECT_EQ(sample_value(text, "migration_agent_lock_held_since_timestamp_seconds"), first_seen);
  EXPECT_EQ(text.find("web-2"), std::string::npos) << "the holder is for status, not labels";

  snapshot.lock_holder.reset();
  exporter.update(snapshot);
  EXPECT_EQ(sample_value(exporter.render(), "migration_agent_lock_held"), 0.0);
}

TEST(Exporter, ReadinessMirrorsTheLatestSnapshotOnOneLine) {
  test::FakeClock clock;
  Exporter exporter(clock);
  auto readiness = exporter.readiness();
  EXPECT_FALSE(readiness.ready);
  EXPECT_EQ(readiness.reason, "no check of the database has completed yet");

  auto snapshot = behind();
  snapshot.not_ready_reason = "database unreachable:\nconnection refused\r\n";
  exporter.update(snapshot);
  readiness = exporter.readiness();
  EXPECT_FALSE(readiness.ready);
  EXPECT_EQ(readiness.reason.find('\n'), std::string::npos);
  EXPECT_EQ(readiness.reason.rfind("database unreachable: connection refused", 0), 0u);

  exporter.update(at_heads());
  readiness = exporter.readiness();
  EXPECT_TRUE(readiness.ready);
  EXPECT_EQ(readiness.reason, "");
}

TEST(Exporter, RevisionIdsAppearAsLabelsOnlyOnInfoSeries) {
  test::FakeClock clock;
  Exporter exporter(clock);
  auto snapshot = behind();
  snapshot.revisions = {"20260120_100000"};
  snapshot.heads = {"20260125_120000"};
  snapshot.pending = {"20260125_120000"};
  exporter.update(snapshot);
  const auto text = exporter.render();
  std::size_t at = 0;
  int found = 0;
  while ((at = text.find("2026012", at)) != std::string::npos) {
    const auto line_start = text.rfind('\n', at) + 1;
    const auto name = text.substr(line_start, text.find('{', line_start) - line_start);
    EXPECT_TRUE(name.ends_with("_revision_info")) << name;
    ++found;
    ++at;
  }
  EXPECT_EQ(found, 2);
}

TEST(Exporter, LabelValuesThatAreNotUtf8AreMadeSafe) {
  test::FakeClock clock;
  Exporter exporter(clock);
  auto snapshot = at_heads();
  snapshot.revisions = {std::string("bad\xff\xfe")};
  exporter.update(snapshot);
  EXPECT_EQ(
      sample_value(exporter.render(), "migration_agent_database_revision_info{revision=\"bad??\"}"),
      1.0);
}

TEST(Exporter, RenderPassesPromtoolCheckMetrics) {
  const auto promtool = test::promtool_path();
  if (promtool.empty()) {
    if (const char* ci = std::getenv("CI"); ci != nullptr && std::string(ci) == "true") {
      FAIL() << "promtool missing under CI=true (Debian package: prometheus)";
    }
    GTEST_SKIP() << "promtool not installed";
  }
  test::FakeClock clock;
  Exporter exporter(clock);
  auto snapshot = behind();
  snapshot.revisions = {"x1", "y1"};
  snapshot.lock_holder = "migration-agent@web-2:4242";
  snapshot.file_problems = {"broken.sql:1: no revision header"};
  exporter.update(snapshot);
  exporter.record_step(StepDirection::upgrade, StepOutcome::succeeded, 1500ms);
  exporter.record_step(StepDirection::downgrade, StepOutcome::failed, 20s);
  exporter.record_lock_wait(2s, LockWaitOutcome::acquired);
  exporter.lock_acquired();

  test::ProcessOptions options;
  options.input = exporter.render();
  const auto result = test::run_process({promtool, "check", "metrics"}, options);
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(result.out + result.err, "") << options.input;
}

}  // namespace
}  // namespace magent::metrics
