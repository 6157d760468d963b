// migrationctl, the real binary, against a control server in this process with a fake
// command handler: output, --json, exit codes and authorization by the kernel's peer uid.
#include <gtest/gtest.h>

#include <sstream>
#include <thread>

#include <sys/stat.h>
#include <unistd.h>

#include "agent/control/replies.hpp"
#include "tests/support/control_harness.hpp"
#include "tests/support/process.hpp"

namespace magent::control {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using test::ControlServerHarness;
using test::ProcessOptions;
using test::ProcessResult;

constexpr const char* k_nobody = "65534";

bool contains(const std::string& text, std::string_view needle) {
  return text.find(needle) != std::string::npos;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// A fake daemon: answers like migration-agent would, keyed on the command and target.
void daemon_behavior(test::FakeCommandHandler& handler, const Request& request,
                     std::shared_ptr<ReplyStream> reply) {
  switch (request.command) {
    case Command::status: {
      core::StatusSnapshot status;
      status.database = "sqlite:///var/app.db";
      status.database_up = true;
      status.revisions = {"a1"};
      status.heads = {"b2"};
      status.pending = {"b2"};
      status.drift = {{core::DriftKind::behind, "1 revision pending", "migrationctl upgrade"}};
      status.auto_migrate = true;
      reply->finish(make_status_reply(status));
      return;
    }
    case Command::check: {
      core::Assessment assessment;
      assessment.pending_revisions = {"b2"};
      assessment.drift = {{core::DriftKind::behind, "1 revision pending", "migrationctl upgrade"}};
      reply->finish(make_check_reply(assessment));
      return;
    }
    case Command::upgrade: {
      const std::string target = request.target();
      handler.spawn([reply, target] {
        if (target == "lock") {
          reply->finish(make_error_reply(
              core::make_error(core::ErrorKind::lock_timeout, "lock held by web-2 for 60 s")));
        } else if (target == "db") {
          reply->finish(make_error_reply(
              core::make_error(core::ErrorKind::unreachable, "database unreachable")));
        } else if (target == "step") {
          reply->progress(make_step_progress({"a1", "upgrade", StepState::failed, 3, "boom"}));
          reply->finish(
              make_error_reply(core::make_error(core::ErrorKind::step_failed, "a1 failed: boom")));
        } else if (target == "nope") {
          reply->finish(make_error_reply(core::make_error(
              core::ErrorKind::resolution, "Can't locate revision identified by 'nope'")));
        } else {
          reply->progress(make_step_progress({"a1", "upgrade", StepState::applied, 12, ""}));
          std::this_thread::sleep_for(20ms);
          reply->progress(make_step_progress({"b2", "upgrade", StepState::applied, 7, ""}));
          reply->finish({{"ok", true},
                         {"operation", "upgrade"},
                         {"target", target},
                         {"steps_applied", 2},
                         {"revisions", {"b2"}}});
        }
      });
      return;
    }
    case Command::pause:
      reply->finish({{"ok", true}, {"paused", true}});
      return;
    default:
      reply->finish({{"ok", true}});
  }
}

class Migrationctl : public ::testing::Test {
 protected:
  explicit Migrationctl(config::ControlConfig config = {}) : m_harness(std::move(config)) {
    m_harness.handler().set_behavior(
        [this](const Request& request, const Peer&, std::shared_ptr<ReplyStream> reply) {
          daemon_behavior(m_harness.handler(), request, std::move(reply));
        });
  }

  ProcessResult ctl(std::vector<std::string> args, ProcessOptions options = {}) {
    std::vector<std::string> argv = {test::ctl_binary(), "--socket", m_harness.socket()};
    argv.insert(argv.end(), args.begin(), args.end());
    options.timeout = 30s;
    return test::run_process(argv, options);
  }

  // Runs migrationctl as uid/gid 65534 with the given setpriv group option.
  ProcessResult ctl_as_nobody(std::vector<std::string> args,
                              std::string groups = "--clear-groups") {
    // Let uid 65534 reach the socket at all: the file mode is defence in depth, not the
    // authorization under test.
    ::chmod(m_harness.dir().path().c_str(), 0755);
    ::chmod(m_harness.socket().c_str(), 0666);
    std::vector<std::string> argv = {"/usr/bin/setpriv",
                                     std::string("--reuid=") + k_nobody,
                                     std::string("--regid=") + k_nobody,
                                     groups,
                                     test::ctl_binary(),
                                     "--socket",
                                     m_harness.socket()};
    argv.insert(argv.end(), args.begin(), args.end());
    ProcessOptions options;
    options.timeout = 30s;
    return test::run_process(argv, options);
  }

  ControlServerHarness m_harness;
};

TEST_F(Migrationctl, StatusPrintsAHumanSummary) {
  const ProcessResult r = ctl({"status"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "revision(s):   a1\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "heads:         b2\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "pending:       1: b2\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "behind: 1 revision pending")) << r.out;
  EXPECT_TRUE(contains(r.out, "fix: migrationctl upgrade")) << r.out;
  EXPECT_TRUE(contains(r.out, "auto-migrate:  on\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "lock holder:   none\n")) << r.out;
}

TEST_F(Migrationctl, JsonPrintsTheRawReplyLineAndFlagsMayFollowTheVerb) {
  const ProcessResult r = ctl({"status", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 1u) << r.out;
  const json reply = json::parse(lines[0]);
  EXPECT_EQ(reply["ok"], true);
  EXPECT_EQ(reply["id"], 1);
  EXPECT_EQ(reply["revisions"], json::array({"a1"}));
}

TEST_F(Migrationctl, CheckWithDriftExitsOneAndShowsTheFix) {
  const ProcessResult r = ctl({"check"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(contains(r.out, "not in sync")) << r.out;
  EXPECT_TRUE(contains(r.out, "fix: migrationctl upgrade")) << r.out;
}

TEST_F(Migrationctl, UpgradeStreamsProgressBeforeTheSummary) {
  const ProcessResult r = ctl({"upgrade"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(lines_of(r.out),
            (std::vector<std::string>{"upgrade a1 applied (12 ms)", "upgrade b2 applied (7 ms)",
                                      "upgrade to heads: 2 step(s) done; now at b2"}));
  const ProcessResult raw = ctl({"--json", "upgrade", "b2"});
  const auto lines = lines_of(raw.out);
  ASSERT_EQ(lines.size(), 3u) << raw.out;
  EXPECT_EQ(json::parse(lines[0])["progress"]["revision"], "a1");
  EXPECT_EQ(json::parse(lines[2])["target"], "b2");
}

TEST_F(Migrationctl, DaemonFailuresMapToExitCodes) {
  EXPECT_EQ(ctl({"upgrade", "lock"}).exit_code, 4);
  EXPECT_EQ(ctl({"upgrade", "db"}).exit_code, 3);
  EXPECT_EQ(ctl({"upgrade", "nope"}).exit_code, 2);
  const ProcessResult step = ctl({"upgrade", "step"});
  EXPECT_EQ(step.exit_code, 5);
  EXPECT_TRUE(contains(step.out, "upgrade a1 failed (3 ms): boom")) << step.out;
  EXPECT_TRUE(contains(step.err, "upgrade failed: a1 failed: boom (step_failed)")) << step.err;
}

TEST_F(Migrationctl, DowngradeIsRefusedLocallyWithoutYes) {
  const ProcessResult refused = ctl({"downgrade", "-1"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_TRUE(contains(refused.err, "--yes")) << refused.err;
  EXPECT_TRUE(m_harness.handler().calls().empty());

  const ProcessResult confirmed = ctl({"downgrade", "-1", "--yes"});
  EXPECT_EQ(confirmed.exit_code, 0) << confirmed.err;
  const auto calls = m_harness.handler().calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].request.command, Command::downgrade);
  EXPECT_EQ(calls[0].request.target(), "-1");
  EXPECT_TRUE(calls[0].request.confirm);
}

TEST_F(Migrationctl, StampSendsEveryTargetAndPurge) {
  EXPECT_EQ(ctl({"stamp", "a1", "c3", "--purge"}).exit_code, 0);
  const auto calls = m_harness.handler().calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].request.targets, (std::vector<std::string>{"a1", "c3"}));
  EXPECT_TRUE(calls[0].request.purge);
}

TEST_F(Migrationctl, UsageErrorsExitTwo) {
  EXPECT_EQ(ctl({}).exit_code, 2);
  EXPECT_EQ(ctl({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(ctl({"stamp"}).exit_code, 2);
  EXPECT_EQ(ctl({"--timeout", "-3", "status"}).exit_code, 2);
  EXPECT_EQ(ctl({"--help"}).exit_code, 0);
}

TEST_F(Migrationctl, CannotConnectExitsSix) {
  const ProcessResult r =
      test::run_process({test::ctl_binary(), "--socket",
                         (m_harness.dir().path() / "absent.sock").string(), "status"});
  EXPECT_EQ(r.exit_code, 6);
  EXPECT_TRUE(contains(r.err, "cannot connect")) << r.err;
}

TEST_F(Migrationctl, TakesTheSocketFromTheEnvironment) {
  ProcessOptions options;
  options.env["MIGRATION_AGENT_SOCKET"] = m_harness.socket();
  const ProcessResult r = test::run_process({test::ctl_binary(), "pause"}, options);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "auto-migrate paused\n");
}

TEST_F(Migrationctl, TimesOutWhenTheDaemonNeverAnswers) {
  std::vector<std::shared_ptr<ReplyStream>> held;
  std::mutex mutex;
  m_harness.handler().set_behavior(
      [&](const Request&, const Peer&, std::shared_ptr<ReplyStream> reply) {
        std::lock_guard lock(mutex);
        held.push_back(std::move(reply));
      });
  const auto started = std::chrono::steady_clock::now();
  const ProcessResult r = ctl({"--timeout", "0.5", "status"});
  EXPECT_EQ(r.exit_code, 6);
  EXPECT_TRUE(contains(r.err, "timed out")) << r.err;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  std::lock_guard lock(mutex);
  held.clear();
}

TEST_F(Migrationctl, UnlistedUidIsForbiddenToMutateButMayReadStatus) {
  const ProcessResult upgrade = ctl_as_nobody({"upgrade"});
  EXPECT_EQ(upgrade.exit_code, 2) << upgrade.err;
  EXPECT_TRUE(contains(upgrade.err, "(forbidden)")) << upgrade.err;
  EXPECT_TRUE(contains(upgrade.err, "uid 65534")) << upgrade.err;

  const ProcessResult status = ctl_as_nobody({"status"});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  const auto calls = m_harness.handler().calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].request.command, Command::status);
  EXPECT_EQ(calls[0].peer.uid, 65534u);
  EXPECT_EQ(calls[0].peer.gid, 65534u);
  EXPECT_TRUE(m_harness.wait_for_event(ServerEvent::Kind::forbidden, 1s));
}

config::ControlConfig allowing(std::vector<unsigned> uids, std::vector<unsigned> gids) {
  config::ControlConfig config;
  config.allow_uids = std::move(uids);
  config.allow_gids = std::move(gids);
  return config;
}

class MigrationctlAllowedUid : public Migrationctl {
 protected:
  MigrationctlAllowedUid() : Migrationctl(allowing({65534}, {})) {}
};

TEST_F(MigrationctlAllowedUid, ListedUidMayMutate) {
  const ProcessResult r = ctl_as_nobody({"pause"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto calls = m_harness.handler().calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].peer.uid, 65534u);
}

class MigrationctlAllowedGid : public Migrationctl {
 protected:
  MigrationctlAllowedGid() : Migrationctl(allowing({}, {4242})) {}
};

TEST_F(MigrationctlAllowedGid, SupplementaryGroupMayMutate) {
  const ProcessResult r = ctl_as_nobody({"pause"}, "--groups=4242");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto calls = m_harness.handler().calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].peer.groups, std::vector<unsigned>{4242});
}

TEST_F(MigrationctlAllowedGid, OtherGroupsMayNot) {
  const ProcessResult r = ctl_as_nobody({"pause"}, "--groups=4243");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(m_harness.handler().calls().empty());
}

}  // namespace
}  // namespace magent::control
