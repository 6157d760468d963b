#pragma once

#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "agent/core/revision.hpp"
#include "agent/core/status.hpp"
#include "agent/platform/clock.hpp"

// The agent's Prometheus metrics (DESIGN.md s. 10, docs/metrics.md): one registry fed by the
// daemon (a StatusSnapshot after every check, step and lock events as they happen) and
// rendered in the text exposition format for /metrics.
namespace magent::metrics {

// What a recorded step did; `stamp` is a step that only rewrote alembic_version.
enum class StepDirection { upgrade, downgrade, stamp };
// How a recorded step ended.
enum class StepOutcome { succeeded, failed };
// How a wait for the migration lock ended.
enum class LockWaitOutcome { acquired, timeout };

// Label values, as they appear in the exposition.
std::string_view to_string(StepDirection direction);
std::string_view to_string(StepOutcome outcome);
std::string_view to_string(LockWaitOutcome outcome);

// The StepDirection of a step that ran a revision.
StepDirection step_direction(core::Direction direction);

// Whether the application may start: mirrors the latest snapshot's `ready`.
struct Readiness {
  bool ready = false;
  std::string reason;  // one line, "" when ready
};

// Upper bounds of the step duration histogram's buckets, in seconds: 10 ms .. 30 min.
inline constexpr std::array<double, 17> k_step_duration_buckets = {
    0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800};
// Upper bounds of the lock wait histogram's buckets, in seconds: 5 ms .. 10 min.
inline constexpr std::array<double, 14> k_lock_wait_buckets = {
    0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600};

// Every metric of the agent. Thread-safe: the daemon's thread feeds it while HTTP threads
// render it; each call sees (and leaves) one consistent state. `clock` must outlive it.
class Exporter {
 public:
  explicit Exporter(platform::Clock& clock = platform::system_clock());
  ~Exporter();
  Exporter(const Exporter&) = delete;
  Exporter& operator=(const Exporter&) = delete;

  // Mirrors a snapshot: database, revisions and heads (stale *_info series removed),
  // pending, drift, switches, timestamps, file counts, readiness, lock seen held.
  void update(const core::StatusSnapshot& snapshot);

  // Counts one finished step and observes its duration.
  void record_step(StepDirection direction, StepOutcome outcome,
                   std::chrono::duration<double> duration);

  // Observes how long the agent waited for the migration lock, and whether it got it.
  void record_lock_wait(std::chrono::duration<double> wait, LockWaitOutcome outcome);

  // The agent took the migration lock now (lock_held 1, held-since = now).
  void lock_acquired();
  // The agent released the migration lock (held 0 unless a snapshot says another holds it).
  void lock_released();

  // A migration run started or ended (between snapshots; the next snapshot also sets it).
  void set_migrating(bool migrating);

  // The latest readiness; not ready with a reason until the first snapshot.
  Readiness readiness() const;

  // The whole registry in Prometheus text exposition format 0.0.4.
  std::string render() const;

 private:
  struct State;
  std::unique_ptr<State> m_state;
};

}  // namespace magent::metrics
