#include "agent/daemon/reconciler.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "agent/core/drift.hpp"
#include "agent/core/text.hpp"
#include "agent/db/connect.hpp"
#include "agent/db/inspect.hpp"
#include "agent/db/ledger.hpp"
#include "agent/platform/migration_directory.hpp"

namespace magent::daemon {
namespace {

using core::join;

std::int64_t unix_now(platform::Clock& clock) {
  return std::chrono::duration_cast<std::chrono::seconds>(clock.wall_now().time_since_epoch())
      .count();
}

// Drift that keeps the application from starting on this schema.
bool blocks_readiness(core::DriftKind kind) {
  return kind == core::DriftKind::behind || kind == core::DriftKind::unknown_revision ||
         kind == core::DriftKind::unversioned || kind == core::DriftKind::failed;
}

void compute_readiness(core::StatusSnapshot& s) {
  s.ready = false;
  if (!s.file_problems.empty()) {
    s.not_ready_reason = "the migration files have problems: " + s.file_problems.front();
  } else if (!s.database_up) {
    s.not_ready_reason = "database unreachable: " + s.database_error;
  } else {
    for (const auto& d : s.drift) {
      if (blocks_readiness(d.kind)) {
        s.not_ready_reason = std::string(core::to_string(d.kind)) + ": " + d.message;
        return;
      }
    }
    s.ready = true;
    s.not_ready_reason.clear();
  }
}

std::string_view operation_name(db::Operation op) {
  switch (op) {
    case db::Operation::upgrade:
      return "upgrade";
    case db::Operation::downgrade:
      return "downgrade";
    case db::Operation::stamp:
      return "stamp";
  }
  return "?";
}

}  // namespace

Reconciler::Reconciler(config::Config config, AgentState& state, platform::Clock& clock,
                       ReconcilerHooks hooks, db::StepRunner* runner)
    : m_config(std::move(config)),
      m_settings(db::database_settings(m_config)),
      m_state(state),
      m_clock(clock),
      m_hooks(std::move(hooks)),
      m_runner(runner) {
  if (m_runner) m_settings.migrate.runner = m_runner;  // a test's fake; else [runner]
  m_state.update([this](core::StatusSnapshot& s) {
    s.database = m_config.database.url.redacted();
    s.migrations_dir = m_config.migrations.dir;
    s.auto_migrate = m_config.apply.auto_migrate;
    s.not_ready_reason = "starting: the first check has not finished";
  });
}

void Reconciler::reconfigure(config::Config config) {
  const bool same_database = config.database.url == m_config.database.url &&
                             config.database.lock_url == m_config.database.lock_url;
  m_config = std::move(config);
  m_settings = db::database_settings(m_config);
  if (m_runner) m_settings.migrate.runner = m_runner;  // a test's fake; else [runner]
  if (!same_database) set_connection(nullptr);
  m_state.update([this](core::StatusSnapshot& s) {
    s.database = m_config.database.url.redacted();
    s.migrations_dir = m_config.migrations.dir;
    s.auto_migrate = m_config.apply.auto_migrate;
  });
}

void Reconciler::set_connection(std::unique_ptr<db::Database> db) {
  auto canceller = db ? db->statement_canceller() : nullptr;
  {
    const std::lock_guard lock(m_canceller_mutex);
    m_canceller = std::move(canceller);
  }
  m_db = std::move(db);
}

core::Result<bool> Reconciler::cancel_statement() const {
  std::function<core::Result<void>()> canceller;
  {
    const std::lock_guard lock(m_canceller_mutex);
    canceller = m_canceller;
  }
  if (!canceller) return false;
  auto cancelled = canceller();
  if (!cancelled) return cancelled.error();
  return true;
}

core::Result<db::Database*> Reconciler::connection() {
  if (!m_db) {
    auto opened = db::open_database(m_settings.connect);
    if (!opened) return opened.error();
    set_connection(std::move(*opened));
    spdlog::info("connected to {}", m_db->describe());
  }
  return m_db.get();
}

void Reconciler::drop_connection(const core::Error& why) {
  if (m_db) {
    spdlog::warn("database connection lost: {}", why.message);
  } else if (const auto before = m_state.snapshot();
             before.database_up || before.database_error != why.message) {
    // Unreachable from the start, or failing differently: say why once, not every poll.
    spdlog::warn("cannot reach the database (retrying): {}", why.message);
  }
  set_connection(nullptr);
  m_state.update([&](core::StatusSnapshot& s) {
    s.database_up = false;
    s.database_error = why.message;
    compute_readiness(s);
  });
}

CheckResult Reconciler::check(bool allow_apply) {
  CheckResult result;
  platform::LoadedGraph loaded =
      platform::load_revision_graph(m_config.migrations.dir, &m_scan_cache);
  result.files_ok = loaded.graph != nullptr;
  std::vector<std::string> problems;
  for (const auto& p : loaded.problems) problems.push_back(p.message);
  // Logged when the problems change, not at every poll while they last (one line per event).
  if (problems != m_logged_problems) {
    if (!problems.empty()) {
      spdlog::error("the migrations directory {} has {} problem(s); nothing will be applied: {}",
                    m_config.migrations.dir, problems.size(), join(problems, "; "));
    } else {
      spdlog::info("the migrations directory {} has no problems any more", m_config.migrations.dir);
    }
    m_logged_problems = problems;
  }
  m_graph = loaded.graph;
  m_state.set_graph(m_graph);
  m_state.update([&](core::StatusSnapshot& s) {
    s.migration_files = loaded.files;
    s.file_problems = problems;
    s.heads.clear();
    if (m_graph) {
      for (core::NodeId h : m_graph->heads()) s.heads.push_back(m_graph->id_of(h));
    }
  });

  auto db = connection();
  if (!db) {
    drop_connection(db.error());
    if (m_hooks.on_state_change) m_hooks.on_state_change();
    return result;
  }
  const auto& s = m_settings;
  auto seen = db::inspect(**db, s.version_table, s.ledger_table, s.lock_key, 5);
  if (!seen) {
    if (seen.error().kind == core::ErrorKind::unreachable) {
      drop_connection(seen.error());
    } else {
      spdlog::error("reading the database failed: {}", seen.error().message);
      m_state.update([&](core::StatusSnapshot& snap) {
        snap.database_up = false;
        snap.database_error = seen.error().message;
        compute_readiness(snap);
      });
    }
    if (m_hooks.on_state_change) m_hooks.on_state_change();
    return result;
  }
  result.database_up = true;

  core::Assessment assessment;
  if (m_graph) {
    assessment = core::assess(*m_graph, seen->facts, db::drift_context(m_config));
    core::PolicyInput input{m_config.apply.auto_migrate, m_state.paused(),
                            m_config.apply.multiple_heads == config::MultipleHeadsPolicy::hold,
                            m_settings.migrate.runner != nullptr &&
                                m_settings.migrate.runner->has_command(core::Direction::upgrade),
                            m_config.aliases.auto_stamp};
    result.decision = core::decide(*m_graph, seen->facts, assessment, input);
  } else {
    result.decision = {core::Action::hold, "the migration files have problems"};
  }
  std::string backoff_reason;
  if (result.decision.action == core::Action::apply && !backoff_allows_retry(backoff_reason)) {
    result.decision = {core::Action::hold, backoff_reason};
  }
  m_state.update([&](core::StatusSnapshot& snap) {
    snap.database_up = true;
    snap.database_error.clear();
    snap.version_table_exists = seen->facts.version_table_exists;
    snap.revisions = seen->facts.revisions;
    snap.pending = assessment.pending_revisions;
    snap.drift = assessment.drift;
    snap.lock_holder = seen->lock_holder;
    snap.auto_migrate = m_config.apply.auto_migrate;
    snap.holding_reason =
        result.decision.action == core::Action::hold ? result.decision.reason : "";
    snap.last_check_unix = unix_now(m_clock);
    compute_readiness(snap);
  });
  if (m_hooks.on_state_change) m_hooks.on_state_change();

  if (result.decision.action != core::Action::apply || !allow_apply) return result;
  spdlog::info("applying {} pending revision(s) automatically: {}",
               assessment.pending_revisions.size(), join(assessment.pending_revisions));
  db::MigrateRequest request;
  request.operation = db::Operation::upgrade;
  request.targets = {"heads"};
  request.trigger = db::LedgerTrigger::automatic;
  auto ran = migrate(request, {});
  result.run_failed = !ran.ok();
  if (ran) result.steps_applied = static_cast<int>(ran->steps.size());
  CheckResult after = check(false);  // report where the run left the database
  after.steps_applied = result.steps_applied;
  after.run_failed = result.run_failed;
  return after;
}

bool Reconciler::backoff_allows_retry(std::string& reason) {
  if (!m_retry_not_before || m_clock.now() >= *m_retry_not_before) return true;
  auto wait = std::chrono::duration_cast<std::chrono::seconds>(*m_retry_not_before - m_clock.now());
  reason = "the last automatic run failed; retrying in " + std::to_string(wait.count()) + " s";
  return false;
}

core::Result<db::MigrateOutcome> Reconciler::migrate(const db::MigrateRequest& given,
                                                     const db::StepObserver& observer) {
  db::MigrateRequest request = given;
  request.stop_requested = [this] { return m_stop_requested.load(); };
  auto db = connection();
  if (!db) {
    drop_connection(db.error());
    return db.error();
  }
  const std::string started_at = db::format_timestamp(m_clock.wall_now());
  m_state.update([&](core::StatusSnapshot& s) {
    s.migrating = true;
    s.last_run = core::RunSummary{std::string(db::to_string(request.trigger)),
                                  std::string(operation_name(request.operation)),
                                  "running",
                                  started_at,
                                  "",
                                  0,
                                  ""};
  });
  if (m_hooks.on_state_change) m_hooks.on_state_change();
  bool holding = false;
  auto watch = [&](const core::Step& step, const db::StepResult* finished) {
    if (!holding && m_hooks.on_lock_held) m_hooks.on_lock_held(true);
    holding = true;
    m_state.update([&](core::StatusSnapshot& s) {
      s.current_step = finished ? "" : (step.revision ? step.revision->id : "stamp");
    });
    if (finished) {
      if (finished->succeeded && finished->revision.empty()) {
        spdlog::info("stamp applied: alembic_version is now {}", join(finished->versions_after));
      } else if (finished->succeeded) {
        spdlog::info("{} {} ({}) applied in {} ms", core::to_string(finished->direction),
                     finished->revision, finished->path, finished->duration.count());
      } else {
        spdlog::error("{} {} ({}) failed: {}", core::to_string(finished->direction),
                      finished->revision, finished->path, finished->error);
      }
      if (m_hooks.on_step) m_hooks.on_step(*finished);
    }
    if (observer) observer(step, finished);
  };
  db::MigrateOutcome outcome;
  auto result = db::migrate(**db, *m_graph, request, m_settings.migrate, m_clock, watch, &outcome);
  if (holding && m_hooks.on_lock_held) m_hooks.on_lock_held(false);
  const bool timed_out = !result && result.error().kind == core::ErrorKind::lock_timeout;
  if (m_hooks.on_lock_wait && (timed_out || outcome.lock_waited.count() > 0)) {
    m_hooks.on_lock_wait(timed_out ? m_config.apply.lock_timeout : outcome.lock_waited, !timed_out);
  }
  if (!result && result.error().kind == core::ErrorKind::unreachable)
    drop_connection(result.error());
  record_run(request, result, outcome, started_at);
  return result;
}

void Reconciler::record_run(const db::MigrateRequest& request,
                            const core::Result<db::MigrateOutcome>& result,
                            const db::MigrateOutcome& outcome, const std::string& started_at) {
  int applied = 0;
  for (const auto& step : outcome.steps) applied += step.succeeded ? 1 : 0;
  if (result) {
    m_consecutive_failures = 0;
    m_retry_not_before.reset();
  } else if (m_stop_requested) {
    spdlog::info("{} stopped: the agent is shutting down", operation_name(request.operation));
  } else if (request.trigger == db::LedgerTrigger::automatic) {
    ++m_consecutive_failures;
    auto delay = m_config.daemon.retry_initial * (1 << std::min(m_consecutive_failures - 1, 16));
    delay = std::min(delay, m_config.daemon.retry_max);
    delay = std::chrono::milliseconds(static_cast<long>(static_cast<double>(delay.count()) *
                                                        (0.75 + 0.5 * m_clock.random_unit())));
    m_retry_not_before = m_clock.now() + delay;
    spdlog::warn(
        "automatic migration failed ({} in a row); no retry before {:.1f} s, and not "
        "of the same files: {}",
        m_consecutive_failures, static_cast<double>(delay.count()) / 1000.0,
        result.error().message);
  }
  m_state.update([&](core::StatusSnapshot& s) {
    s.migrating = false;
    s.current_step.clear();
    s.last_run = core::RunSummary{std::string(db::to_string(request.trigger)),
                                  std::string(operation_name(request.operation)),
                                  result ? "succeeded" : "failed",
                                  started_at,
                                  db::format_timestamp(m_clock.wall_now()),
                                  applied,
                                  result ? "" : result.error().message};
    if (result) s.last_success_unix = unix_now(m_clock);
  });
  if (m_hooks.on_state_change) m_hooks.on_state_change();
}

core::Result<db::MigrateOutcome> Reconciler::run_manual(const db::MigrateRequest& request,
                                                        const db::StepObserver& observer) {
  check(false);  // fresh files and state before acting
  if (!m_graph) {
    return core::make_error(core::ErrorKind::parse,
                            "the migrations directory has problems; fix them first");
  }
  auto result = migrate(request, observer);
  check(false);
  return result;
}

core::Result<core::Plan> Reconciler::plan(const std::string& target) {
  check(false);
  if (!m_graph) {
    return core::make_error(core::ErrorKind::parse, "the migrations directory has problems");
  }
  auto snapshot = m_state.snapshot();
  if (!snapshot.database_up) {
    return core::make_error(core::ErrorKind::unreachable, snapshot.database_error);
  }
  db::MigrateRequest request;
  request.targets = {target};
  return db::make_plan(*m_graph, snapshot.revisions, request);
}

}  // namespace magent::daemon
