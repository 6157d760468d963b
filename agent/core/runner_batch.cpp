#include "agent/core/runner_batch.hpp"

#include <algorithm>

#include "agent/core/planner.hpp"

namespace magent::core {
namespace {

bool is_python_step(const Step& step, Direction direction) {
  return step.revision != nullptr && step.revision->kind == FileKind::python &&
         step.direction == direction;
}

std::vector<std::string> sorted_ids(const std::vector<Step>& steps, std::size_t first,
                                    std::size_t last) {
  std::vector<std::string> ids;
  for (std::size_t i = first; i <= last; ++i) ids.push_back(steps[i].revision->id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

// Whether `alembic <direction> <target>` from `rows_before` runs exactly `expected` (the
// batch's revisions, sorted) and ends at `rows_end`.
bool target_applies(const RevisionGraph& graph, const std::vector<std::string>& rows_before,
                    Direction direction, const std::string& target,
                    const std::vector<std::string>& expected,
                    const std::vector<std::string>& rows_end) {
  auto plan = direction == Direction::upgrade ? plan_upgrade(graph, rows_before, target)
                                              : plan_downgrade(graph, rows_before, target);
  if (!plan || plan->steps.size() != expected.size()) return false;
  std::vector<std::string> ids;
  for (const Step& s : plan->steps) {
    if (s.revision == nullptr) return false;
    ids.push_back(s.revision->id);
  }
  std::sort(ids.begin(), ids.end());
  std::vector<std::string> after = plan->heads_after;
  std::sort(after.begin(), after.end());
  return ids == expected && after == rows_end;
}

std::vector<std::string> candidates(const Step& last, Direction direction,
                                    const std::vector<std::string>& rows_end) {
  if (direction == Direction::upgrade) return {last.revision->id, "heads"};
  std::vector<std::string> out = rows_end;
  if (rows_end.empty()) out.push_back("base");
  return out;
}

}  // namespace

std::vector<std::string> rows_after_ops(std::vector<std::string> rows,
                                        const std::vector<VersionOp>& ops) {
  for (const auto& op : ops) {
    if (op.kind != VersionOp::Kind::insert) std::erase(rows, op.from);
    if (op.kind != VersionOp::Kind::remove) rows.push_back(op.to);
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

Result<RunnerBatch> next_runner_batch(const RevisionGraph& graph, const Plan& plan,
                                      std::size_t first,
                                      const std::vector<std::string>& rows_before,
                                      RunnerTarget style) {
  const auto& steps = plan.steps;
  const Direction direction = steps.at(first).direction;
  std::size_t end = first;
  while (end + 1 < steps.size() && is_python_step(steps[end + 1], direction)) ++end;

  std::vector<std::vector<std::string>> rows_after;
  std::vector<std::string> rows = rows_before;
  std::sort(rows.begin(), rows.end());
  for (std::size_t i = first; i <= end; ++i) {
    rows = rows_after_ops(rows, steps[i].version_ops);
    rows_after.push_back(rows);
  }

  if (style == RunnerTarget::heads_only) {
    std::vector<std::string> heads;
    for (NodeId h : graph.real_heads()) heads.push_back(graph.id_of(h));
    std::sort(heads.begin(), heads.end());
    if (direction == Direction::upgrade && end + 1 == steps.size() && rows_after.back() == heads) {
      return RunnerBatch{first, end, "heads", rows_after};
    }
    return make_error(ErrorKind::resolution,
                      "the runner command has no {target}, so it can only upgrade to the heads, "
                      "but this plan needs it to stop at " +
                          steps[first].revision->id +
                          " or to downgrade; add {target} to [runner] command (and set "
                          "downgrade_command)");
  }

  for (std::size_t last = end + 1; last-- > first;) {
    const auto expected = sorted_ids(steps, first, last);
    const auto& rows_end = rows_after[last - first];
    for (const std::string& target : candidates(steps[last], direction, rows_end)) {
      if (target_applies(graph, rows_before, direction, target, expected, rows_end)) {
        rows_after.resize(last - first + 1);
        return RunnerBatch{first, last, target, rows_after};
      }
    }
  }
  return make_error(ErrorKind::resolution,
                    "no single Alembic target " + std::string(to_string(direction)) +
                        "s exactly "
                        "revision " +
                        steps[first].revision->id +
                        " from the database's current rows; apply it with the application's own "
                        "Alembic, then `migration-agent stamp`");
}

std::string last_running_revision(std::string_view output, Direction direction) {
  const std::string marker = "Running " + std::string(to_string(direction)) + " ";
  for (std::size_t at = output.rfind(marker); at != std::string_view::npos;
       at = at == 0 ? std::string_view::npos : output.rfind(marker, at - 1)) {
    std::string_view line = output.substr(at + marker.size());
    line = line.substr(0, line.find('\n'));
    const std::size_t arrow = line.find(" -> ");
    if (arrow == std::string_view::npos) continue;
    // An upgrade names its revision after the arrow, a downgrade before it; a message
    // (", ...") may follow the part after the arrow, and a merge lists several before it.
    std::string_view id = direction == Direction::upgrade ? line.substr(arrow + 4)
                                                          : line.substr(0, arrow);
    id = id.substr(0, id.find(','));
    while (!id.empty() && (id.back() == ' ' || id.back() == '\r')) id.remove_suffix(1);
    while (!id.empty() && id.front() == ' ') id.remove_prefix(1);
    if (!id.empty() && id.find(' ') == std::string_view::npos) return std::string(id);
  }
  return "";
}

std::optional<std::size_t> batch_index_of(const Plan& plan, const RunnerBatch& batch,
                                          std::string_view revision) {
  for (std::size_t i = batch.first; i <= batch.last && i < plan.steps.size(); ++i) {
    const Revision* r = plan.steps[i].revision;
    if (r != nullptr && r->id == revision) return i - batch.first;
  }
  return std::nullopt;
}

}  // namespace magent::core
