#include "agent/control/render.hpp"

#include <gtest/gtest.h>

#include "agent/control/replies.hpp"

namespace magent::control {
namespace {

using nlohmann::json;

bool contains(const std::string& text, std::string_view needle) {
  return text.find(needle) != std::string::npos;
}

core::StatusSnapshot sample_status() {
  core::StatusSnapshot status;
  status.migrations_dir = "/srv/app/migrations";
  status.migration_files = 3;
  status.heads = {"c3"};
  status.database = "postgresql://app@db/app";
  status.database_up = true;
  status.version_table_exists = true;
  status.revisions = {"b2"};
  status.pending = {"c3"};
  status.drift = {{core::DriftKind::behind, "1 revision pending", "migrationctl upgrade"}};
  status.lock_holder = "migration-agent@web-2:812";
  status.auto_migrate = true;
  status.paused = true;
  status.last_run = core::RunSummary{
      "auto", "upgrade",        "failed", "2026-01-25T12:00:00Z", "2026-01-25T12:00:01Z",
      1,      "relation exists"};
  status.last_check_unix = 1769342400;
  status.not_ready_reason = "1 revision pending";
  return status;
}

TEST(ControlReplies, StatusReplyCarriesEverySnapshotField) {
  const json reply = make_status_reply(sample_status());
  EXPECT_EQ(reply["ok"], true);
  for (const char* field : {"migrations_dir",  "migration_files",
                            "file_problems",   "heads",
                            "database",        "database_up",
                            "database_error",  "version_table_exists",
                            "revisions",       "pending",
                            "drift",           "lock_holder",
                            "auto_migrate",    "paused",
                            "migrating",       "current_step",
                            "last_run",        "last_success_unix",
                            "last_check_unix", "holding_reason",
                            "ready",           "not_ready_reason"}) {
    EXPECT_TRUE(reply.contains(field)) << field;
  }
  EXPECT_EQ(reply["drift"][0], json::parse(R"({"kind": "behind", "message": "1 revision pending",
                                               "fix": "migrationctl upgrade"})"));
  EXPECT_TRUE(reply["last_success_unix"].is_null());
  EXPECT_EQ(reply["last_run"]["steps_applied"], 1);
  EXPECT_TRUE(to_json(core::StatusSnapshot{})["lock_holder"].is_null());
}

TEST(ControlReplies, CheckReplyCarriesExitCodeOneWhenNotInSync) {
  core::Assessment assessment;
  assessment.at_heads = true;
  EXPECT_EQ(make_check_reply(assessment), json::parse(R"({"ok": true, "in_sync": true,
                                                          "drift": [], "pending": []})"));
  assessment.at_heads = false;
  assessment.pending_revisions = {"c3"};
  assessment.drift = {{core::DriftKind::behind, "pending", "upgrade"}};
  const json reply = make_check_reply(assessment);
  EXPECT_EQ(reply["in_sync"], false);
  EXPECT_EQ(reply["exit_code"], 1);
  EXPECT_EQ(exit_code_for_reply(Command::check, reply), 1);
}

TEST(ControlReplies, ProgressBuildersHaveDocumentedShape) {
  EXPECT_EQ(make_step_progress({"2026", "upgrade", StepState::applied, 12, ""}),
            json::parse(R"({"event": "step", "revision": "2026", "direction": "upgrade",
                            "state": "applied", "duration_ms": 12})"));
  EXPECT_EQ(make_lock_progress(LockState::waiting, std::string("web-2")),
            json::parse(R"({"event": "lock", "state": "waiting", "holder": "web-2"})"));
  EXPECT_EQ(make_message_progress("hi"), json::parse(R"({"event": "message", "text": "hi"})"));
}

TEST(ControlRender, StepProgressReadsLikeALogLine) {
  const json line = {
      {"progress", make_step_progress({"20260125_120000", "upgrade", StepState::applied, 12, ""})}};
  EXPECT_EQ(render_progress(line), "upgrade 20260125_120000 applied (12 ms)");
  const json failed = {
      {"progress", make_step_progress({"a1", "downgrade", StepState::failed, 3, "syntax error"})}};
  EXPECT_EQ(render_progress(failed), "downgrade a1 failed (3 ms): syntax error");
  EXPECT_EQ(render_progress({{"progress", make_lock_progress(LockState::waiting, "web-2")}}),
            "waiting for the migration lock (held by web-2)");
  EXPECT_EQ(render_progress({{"progress", make_message_progress("baseline stamped")}}),
            "baseline stamped");
}

TEST(ControlRender, StatusShowsRevisionsHeadsPendingDriftLockAndLastRun) {
  const std::string text = render_reply(Command::status, make_status_reply(sample_status()));
  EXPECT_TRUE(contains(text, "revision(s):   b2\n")) << text;
  EXPECT_TRUE(contains(text, "heads:         c3\n")) << text;
  EXPECT_TRUE(contains(text, "pending:       1: c3\n")) << text;
  EXPECT_TRUE(contains(text, "behind: 1 revision pending\n")) << text;
  EXPECT_TRUE(contains(text, "fix: migrationctl upgrade\n")) << text;
  EXPECT_TRUE(contains(text, "auto-migrate:  on (paused)\n")) << text;
  EXPECT_TRUE(contains(text, "lock holder:   migration-agent@web-2:812\n")) << text;
  EXPECT_TRUE(contains(text, "upgrade (auto) failed at 2026-01-25T12:00:01Z")) << text;
  EXPECT_TRUE(contains(text, "relation exists")) << text;
  EXPECT_TRUE(contains(text, "ready:         no: 1 revision pending\n")) << text;
}

TEST(ControlRender, OtherRepliesRenderTheirFields) {
  EXPECT_EQ(render_reply(Command::plan, json::parse(R"({"ok": true, "target": "heads",
      "steps": [{"revision": "a1", "direction": "upgrade"}]})")),
            "1 step(s) to heads:\n  upgrade a1\n");
  EXPECT_EQ(render_reply(Command::upgrade, json::parse(R"({"ok": true, "operation": "upgrade",
      "target": "heads", "steps_applied": 2, "revisions": ["c3"]})")),
            "upgrade to heads: 2 step(s) done; now at c3\n");
  EXPECT_EQ(render_reply(Command::history, json::parse(R"({"ok": true, "revisions": [
      {"revision": "b2", "down_revisions": ["a1"], "branch_labels": [], "message": "add phone"},
      {"revision": "a1", "down_revisions": [], "branch_labels": ["default"], "message": ""}]})")),
            "a1 -> b2, add phone\n<base> -> a1 (default)\n");
  EXPECT_EQ(render_reply(Command::pause, json::parse(R"({"ok": true, "paused": true})")),
            "auto-migrate paused\n");
  EXPECT_EQ(render_reply(Command::check, json::parse(R"({"ok": true, "in_sync": true})")),
            "in sync: the database is at the heads\n");
}

TEST(ControlRender, ErrorLineNamesCode) {
  EXPECT_EQ(render_error(json::parse(R"({"ok": false, "error": "no", "code": "forbidden"})")),
            "no (forbidden)");
  EXPECT_EQ(render_error(json::parse(R"({"ok": false})")), "the daemon reported a failure");
}

TEST(ControlRender, ExitCodeHonoursDaemonThenCodeThenDefaults) {
  EXPECT_EQ(exit_code_for_reply(Command::status, json::parse(R"({"ok": true})")), 0);
  EXPECT_EQ(exit_code_for_reply(Command::upgrade,
                                json::parse(R"({"ok": false, "code": "x", "exit_code": 5})")),
            5);
  EXPECT_EQ(exit_code_for_reply(Command::upgrade,
                                json::parse(R"({"ok": false, "code": "lock_timeout"})")),
            4);
  EXPECT_EQ(
      exit_code_for_reply(Command::upgrade, json::parse(R"({"ok": false, "code": "unreachable"})")),
      3);
  EXPECT_EQ(
      exit_code_for_reply(Command::upgrade, json::parse(R"({"ok": false, "code": "forbidden"})")),
      2);
  EXPECT_EQ(exit_code_for_reply(Command::upgrade, json::parse(R"({"ok": false, "code": "busy"})")),
            6);
  EXPECT_EQ(
      exit_code_for_reply(Command::upgrade, json::parse(R"({"ok": false, "code": "new_code"})")),
      2);
  EXPECT_EQ(
      exit_code_for_reply(Command::upgrade, json::parse(R"({"ok": false, "exit_code": 999})")), 2);
  EXPECT_EQ(exit_code_for_reply(Command::check, json::parse(R"({"ok": true, "in_sync": false})")),
            1);
  EXPECT_EQ(exit_code_for_reply(Command::check, json::parse(R"({"ok": true, "drift": [{}]})")), 1);
  EXPECT_EQ(exit_code_for_reply(Command::check, json::parse(R"({"ok": true, "drift": []})")), 0);
}

TEST(ControlRender, ToleratesRepliesOfTheWrongShape) {
  for (const char* text : {R"({"ok": true, "revisions": 5, "drift": "x", "last_run": []})",
                           R"({"ok": true, "steps": [1, null, {"revision": {}}]})", "[]", "null",
                           R"({"progress": [1, 2]})", R"({"progress": null})"}) {
    const json reply = json::parse(text);
    for (Command command : {Command::status, Command::history, Command::check, Command::plan,
                            Command::upgrade, Command::pause, Command::reload}) {
      (void)render_reply(command, reply);
      (void)exit_code_for_reply(command, reply);
    }
    (void)render_progress(reply);
    (void)render_error(reply);
  }
}

}  // namespace
}  // namespace magent::control
