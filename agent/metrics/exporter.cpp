#include "agent/metrics/exporter.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "agent/core/utf8.hpp"
#include "agent/version.hpp"

namespace magent::metrics {
namespace {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;

constexpr std::array<StepDirection, 3> k_step_directions = {
    StepDirection::upgrade, StepDirection::downgrade, StepDirection::stamp};
constexpr std::array<StepOutcome, 2> k_step_outcomes = {StepOutcome::succeeded,
                                                        StepOutcome::failed};
constexpr std::array<LockWaitOutcome, 2> k_lock_wait_outcomes = {LockWaitOutcome::acquired,
                                                                 LockWaitOutcome::timeout};

constexpr std::string_view k_no_snapshot_reason = "no check of the database has completed yet";

double unix_seconds(platform::Clock::WallTime time) {
  return std::chrono::duration<double>(time.time_since_epoch()).count();
}

double as_gauge(bool value) {
  return value ? 1.0 : 0.0;
}

double as_gauge(std::size_t count) {
  return static_cast<double>(count);
}

// A label value the exposition can carry: bytes that are not UTF-8 become '?'.
std::string label_value(std::string_view text) {
  std::string out(text);
  if (core::find_invalid_utf8(out)) {
    std::replace_if(
        out.begin(), out.end(), [](char c) { return (c & 0x80) != 0; }, '?');
  }
  return out;
}

// One line: line breaks (from driver messages) become spaces.
std::string one_line(std::string_view text) {
  std::string out(text);
  std::replace_if(
      out.begin(), out.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return out;
}

Family<Gauge>& gauge_family(prometheus::Registry& registry, const std::string& name,
                            const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry);
}

Gauge& gauge(prometheus::Registry& registry, const std::string& name, const std::string& help) {
  return gauge_family(registry, name, help).Add({});
}

// The `*_info` series of one family: exactly one per wanted value, each 1.
class InfoSeries {
 public:
  InfoSeries(Family<Gauge>& family, std::string label)
      : m_family(family), m_label(std::move(label)) {}

  void set(const std::vector<std::string>& values) {
    std::set<std::string> wanted;
    for (const auto& value : values) wanted.insert(label_value(value));
    for (auto it = m_series.begin(); it != m_series.end();) {
      if (wanted.count(it->first) == 0) {
        m_family.Remove(it->second);
        it = m_series.erase(it);
      } else {
        ++it;
      }
    }
    for (const auto& value : wanted) {
      if (m_series.count(value) != 0) continue;
      auto& series = m_family.Add({{m_label, value}});
      series.Set(1);
      m_series.emplace(value, &series);
    }
  }

 private:
  Family<Gauge>& m_family;
  std::string m_label;
  std::map<std::string, Gauge*> m_series;
};

}  // namespace

std::string_view to_string(StepDirection direction) {
  switch (direction) {
    case StepDirection::upgrade:
      return "upgrade";
    case StepDirection::downgrade:
      return "downgrade";
    case StepDirection::stamp:
      return "stamp";
  }
  return "upgrade";
}

std::string_view to_string(StepOutcome outcome) {
  return outcome == StepOutcome::succeeded ? "succeeded" : "failed";
}

std::string_view to_string(LockWaitOutcome outcome) {
  return outcome == LockWaitOutcome::acquired ? "acquired" : "timeout";
}

StepDirection step_direction(core::Direction direction) {
  return direction == core::Direction::upgrade ? StepDirection::upgrade : StepDirection::downgrade;
}

// The registry and direct pointers to every series; guarded by `mutex`.
struct Exporter::State {
  explicit State(platform::Clock& clock_in);

  platform::Clock& clock;
  mutable std::mutex mutex;
  prometheus::Registry registry;

  Gauge& database_up;
  InfoSeries database_revisions;
  InfoSeries head_revisions;
  Gauge& pending;
  std::map<core::DriftKind, Gauge*> drift;
  Gauge& auto_migrate;
  Gauge& paused;
  Gauge& held;
  Gauge& migrating;
  Gauge& ready;
  Gauge& last_success;
  Gauge& last_check;
  Gauge& migration_files;
  Gauge& parse_errors;
  Gauge& lock_held;
  Gauge& lock_held_since;
  std::map<std::pair<StepDirection, StepOutcome>, Counter*> steps;
  std::map<StepDirection, Histogram*> step_durations;
  std::map<LockWaitOutcome, Histogram*> lock_waits;

  // Who holds the lock: this agent (since when), and/or another, first seen when.
  std::optional<double> own_lock_since;
  std::optional<double> observed_lock_since;
  Readiness readiness{false, std::string(k_no_snapshot_reason)};

  void refresh_lock();
};

Exporter::State::State(platform::Clock& clock_in)
    : clock(clock_in),
      database_up(gauge(registry, "migration_agent_database_up",
                        "1 when the last check reached the database, else 0.")),
      database_revisions(
          gauge_family(registry, "migration_agent_database_revision_info",
                       "The database's current revision: one series per alembic_version row "
                       "(none at base), value 1."),
          "revision"),
      head_revisions(gauge_family(registry, "migration_agent_head_revision_info",
                                  "A head revision of the deployed migration files: one "
                                  "series per head, value 1."),
                     "revision"),
      pending(gauge(registry, "migration_agent_pending_revisions",
                    "Revisions that 'upgrade heads' would apply.")),
      auto_migrate(gauge(registry, "migration_agent_auto_migrate_enabled",
                         "1 when AUTO_MIGRATE is on in the configuration.")),
      paused(gauge(registry, "migration_agent_paused",
                   "1 when an operator paused automatic migration (migrationctl pause).")),
      held(gauge(registry, "migration_agent_auto_migrate_held",
                 "1 when automatic runs are held (after a failure, an unknown revision, "
                 "multiple heads...) until files change or an operator acts.")),
      migrating(
          gauge(registry, "migration_agent_migrating", "1 while a migration run is in progress.")),
      ready(gauge(registry, "migration_agent_ready",
                  "1 when the database is reachable and at the deployed heads (/readyz).")),
      last_success(gauge(registry, "migration_agent_last_success_timestamp_seconds",
                         "Unix time the last successful migration run ended; 0 = never.")),
      last_check(gauge(registry, "migration_agent_last_check_timestamp_seconds",
                       "Unix time the last check of files and database ended; 0 = never.")),
      migration_files(gauge(registry, "migration_agent_migration_files",
                            "Migration files found in the migrations directory.")),
      parse_errors(gauge(registry, "migration_agent_parse_errors",
                         "Problems found reading the migration files (parse and graph "
                         "errors); heads are unknown while this is above 0.")),
      lock_held(gauge(registry, "migration_agent_lock_held",
                      "1 while the migration lock is held, by this agent or (as last seen) "
                      "by another.")),
      lock_held_since(gauge(registry, "migration_agent_lock_held_since_timestamp_seconds",
                            "Unix time the current lock holding started (for another holder: "
                            "first seen); 0 when not held.")) {
  gauge(registry, "migration_agent_up", "1 while the agent runs.").Set(1);
  gauge_family(registry, "migration_agent_build_info", "The agent's version, value 1.")
      .Add({{"version", k_version}})
      .Set(1);
  gauge(registry, "migration_agent_start_time_seconds", "Unix time the agent started.")
      .Set(unix_seconds(clock.wall_now()));

  auto& drift_family = gauge_family(
      registry, "migration_agent_drift",
      "1 when the database differs from the deployed files in this way (see kind), else 0.");
  for (auto kind : core::k_all_drift_kinds) {
    drift[kind] = &drift_family.Add({{"kind", std::string(core::to_string(kind))}});
  }

  auto& steps_family = prometheus::BuildCounter()
                           .Name("migration_agent_steps_total")
                           .Help("Migration steps finished, by direction and outcome.")
                           .Register(registry);
  auto& durations_family = prometheus::BuildHistogram()
                               .Name("migration_agent_step_duration_seconds")
                               .Help("How long finished migration steps took.")
                               .Register(registry);
  const Histogram::BucketBoundaries step_buckets(k_step_duration_buckets.begin(),
                                                 k_step_duration_buckets.end());
  for (auto direction : k_step_directions) {
    const std::string direction_label(to_string(direction));
    for (auto outcome : k_step_outcomes) {
      steps[{direction, outcome}] = &steps_family.Add(
          {{"direction", direction_label}, {"outcome", std::string(to_string(outcome))}});
    }
    step_durations[direction] =
        &durations_family.Add({{"direction", direction_label}}, step_buckets);
  }

  auto& waits_family = prometheus::BuildHistogram()
                           .Name("migration_agent_lock_wait_seconds")
                           .Help("How long the agent waited for the migration lock, by outcome.")
                           .Register(registry);
  const Histogram::BucketBoundaries wait_buckets(k_lock_wait_buckets.begin(),
                                                 k_lock_wait_buckets.end());
  for (auto outcome : k_lock_wait_outcomes) {
    lock_waits[outcome] =
        &waits_family.Add({{"outcome", std::string(to_string(outcome))}}, wait_buckets);
  }
}

void Exporter::State::refresh_lock() {
  const auto since = own_lock_since ? own_lock_since : observed_lock_since;
  lock_held.Set(as_gauge(since.has_value()));
  lock_held_since.Set(since.value_or(0.0));
}

Exporter::Exporter(platform::Clock& clock) : m_state(std::make_unique<State>(clock)) {}

Exporter::~Exporter() = default;

void Exporter::update(const core::StatusSnapshot& snapshot) {
  const double now = unix_seconds(m_state->clock.wall_now());
  std::lock_guard lock(m_state->mutex);
  auto& s = *m_state;
  s.database_up.Set(as_gauge(snapshot.database_up));
  s.database_revisions.set(snapshot.revisions);
  s.head_revisions.set(snapshot.heads);
  s.pending.Set(as_gauge(snapshot.pending.size()));
  for (auto& [kind, series] : s.drift) {
    const bool present =
        std::any_of(snapshot.drift.begin(), snapshot.drift.end(),
                    [kind = kind](const core::Drift& d) { return d.kind == kind; });
    series->Set(as_gauge(present));
  }
  s.auto_migrate.Set(as_gauge(snapshot.auto_migrate));
  s.paused.Set(as_gauge(snapshot.paused));
  s.held.Set(as_gauge(!snapshot.holding_reason.empty()));
  s.migrating.Set(as_gauge(snapshot.migrating));
  s.ready.Set(as_gauge(snapshot.ready));
  s.last_success.Set(static_cast<double>(snapshot.last_success_unix.value_or(0)));
  s.last_check.Set(static_cast<double>(snapshot.last_check_unix.value_or(0)));
  s.migration_files.Set(as_gauge(snapshot.migration_files));
  s.parse_errors.Set(as_gauge(snapshot.file_problems.size()));

  if (!snapshot.lock_holder) {
    s.observed_lock_since.reset();
  } else if (!s.observed_lock_since) {
    s.observed_lock_since = now;
  }
  s.refresh_lock();

  s.readiness.ready = snapshot.ready;
  s.readiness.reason = snapshot.ready ? std::string() : one_line(snapshot.not_ready_reason);
  if (!snapshot.ready && s.readiness.reason.empty()) s.readiness.reason = "not ready";
}

void Exporter::record_step(StepDirection direction, StepOutcome outcome,
                           std::chrono::duration<double> duration) {
  std::lock_guard lock(m_state->mutex);
  m_state->steps.at({direction, outcome})->Increment();
  m_state->step_durations.at(direction)->Observe(std::max(0.0, duration.count()));
}

void Exporter::record_lock_wait(std::chrono::duration<double> wait, LockWaitOutcome outcome) {
  std::lock_guard lock(m_state->mutex);
  m_state->lock_waits.at(outcome)->Observe(std::max(0.0, wait.count()));
}

void Exporter::lock_acquired() {
  const double now = unix_seconds(m_state->clock.wall_now());
  std::lock_guard lock(m_state->mutex);
  m_state->own_lock_since = now;
  m_state->refresh_lock();
}

void Exporter::lock_released() {
  std::lock_guard lock(m_state->mutex);
  m_state->own_lock_since.reset();
  // Whoever the last snapshot saw holding the lock was most likely this agent itself; the
  // next snapshot says whether another holder remains.
  m_state->observed_lock_since.reset();
  m_state->refresh_lock();
}

void Exporter::set_migrating(bool migrating) {
  std::lock_guard lock(m_state->mutex);
  m_state->migrating.Set(as_gauge(migrating));
}

Readiness Exporter::readiness() const {
  std::lock_guard lock(m_state->mutex);
  return m_state->readiness;
}

std::string Exporter::render() const {
  std::vector<prometheus::MetricFamily> families;
  {
    std::lock_guard lock(m_state->mutex);
    families = m_state->registry.Collect();
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

}  // namespace magent::metrics
