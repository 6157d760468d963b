#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/core/plan.hpp"
#include "agent/core/result.hpp"
#include "agent/core/revision_graph.hpp"

namespace magent::core {

// Whether the runner command names its destination ({target}) or always upgrades to the
// heads (a command without {target}, such as `lmsctl database migrate`).
enum class RunnerTarget { given, heads_only };

// One runner invocation: plan steps [first, last], all .py steps in one direction, and the
// target that makes `alembic upgrade|downgrade <target>`, started from the rows before
// `first`, apply exactly those steps and leave exactly `rows_after[i]` after each.
struct RunnerBatch {
  std::size_t first = 0;
  std::size_t last = 0;
  std::string target;
  std::vector<std::vector<std::string>> rows_after;  // per step first..last, sorted
};

// The alembic_version rows after applying `ops` to `rows`, sorted.
std::vector<std::string> rows_after_ops(std::vector<std::string> rows,
                                        const std::vector<VersionOp>& ops);

// The longest run of .py steps starting at plan.steps[first] that one runner call applies,
// verified against the planner (which answers as Alembic would): for an upgrade the target
// is the batch's last revision (or "heads"), for a downgrade one of the rows left after it
// (or "base"). Consecutive .py steps are batched up to the next .sql step or the first step
// no single target can express. ErrorKind::resolution when even plan.steps[first] alone
// cannot be expressed (or, with heads_only, when the .py steps do not run to the heads).
Result<RunnerBatch> next_runner_batch(const RevisionGraph& graph, const Plan& plan,
                                      std::size_t first,
                                      const std::vector<std::string>& rows_before,
                                      RunnerTarget style);

// The revision of Alembic's last "Running upgrade a, b -> c, message" (or "Running downgrade
// c -> a, message") log line in `output` whose direction is `direction`: the step it was in
// when it stopped. "" when it logged none (its INFO logging is off, or it failed before).
std::string last_running_revision(std::string_view output, Direction direction);

// Which step of `batch` (an index from 0, as in rows_after) `revision` is; nullopt if none.
std::optional<std::size_t> batch_index_of(const Plan& plan, const RunnerBatch& batch,
                                          std::string_view revision);

}  // namespace magent::core
