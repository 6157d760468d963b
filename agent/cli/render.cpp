#include "agent/cli/render.hpp"

#include <algorithm>

#include "agent/core/planner.hpp"
#include "agent/core/text.hpp"

namespace magent::cli {
namespace {

std::string op_text(const core::VersionOp& op) {
  switch (op.kind) {
    case core::VersionOp::Kind::insert:
      return "insert " + op.to;
    case core::VersionOp::Kind::update:
      return "update " + op.from + " -> " + op.to;
    case core::VersionOp::Kind::remove:
      return "delete " + op.from;
  }
  return "?";
}

}  // namespace

std::string join_ids(const std::vector<std::string>& ids) {
  return ids.empty() ? "(none)" : core::join(ids);
}

std::string revision_line(const core::RevisionGraph& graph, core::NodeId node, LineStyle style) {
  const core::Revision& r = graph.revision(node);
  std::string text = r.id;
  if (style == LineStyle::history) {
    std::vector<std::string> down;
    for (core::NodeId d : graph.down(node)) down.push_back(graph.id_of(d));
    std::string from = down.empty() ? "<base>" : core::join(down);
    if (!r.depends_on.empty()) from += " (" + core::join(r.depends_on) + ")";
    text = from + " -> " + text;
  }
  if (style != LineStyle::current && !graph.branch_labels(node).empty()) {
    text += " (" + core::join(graph.branch_labels(node)) + ")";
  }
  const bool real_head = graph.all_next(node).empty();
  if (real_head) text += " (head)";
  if (graph.next(node).empty() && !real_head) text += " (effective head)";
  if (style == LineStyle::history) {
    if (graph.is_branch_point(node)) text += " (branchpoint)";
    if (graph.is_merge_point(node)) text += " (mergepoint)";
    text += ", " + r.message;
  }
  return text;
}

std::string step_line(const core::Step& step) {
  std::string ops;
  for (const auto& op : step.version_ops) ops += (ops.empty() ? "" : "; ") + op_text(op);
  if (!step.revision) {
    return ops.empty() ? "stamp [alembic_version already there: recorded in the ledger only]"
                       : "stamp [" + ops + "]";
  }
  const core::Revision& r = *step.revision;
  const std::string below = r.down_revisions.empty() ? "<base>" : core::join(r.down_revisions);
  std::string from = step.direction == core::Direction::upgrade ? below : r.id;
  std::string to = step.direction == core::Direction::upgrade ? r.id : below;
  std::string line =
      std::string(core::to_string(step.direction)) + " " + from + " -> " + to + " (" + r.path + ")";
  if (!r.message.empty()) line += ", " + r.message;
  return line;
}

nlohmann::json revision_json(const core::RevisionGraph& graph, core::NodeId node) {
  const core::Revision& r = graph.revision(node);
  return {{"revision", r.id},
          {"down_revisions", r.down_revisions},
          {"depends_on", r.depends_on},
          {"branch_labels", graph.branch_labels(node)},
          {"message", r.message},
          {"path", r.path},
          {"kind", r.kind == core::FileKind::sql ? "sql" : "python"},
          {"head", graph.all_next(node).empty()}};
}

nlohmann::json step_json(const core::Step& step) {
  nlohmann::json ops = nlohmann::json::array();
  for (const auto& op : step.version_ops) {
    switch (op.kind) {
      case core::VersionOp::Kind::insert:
        ops.push_back({{"op", "insert"}, {"to", op.to}});
        break;
      case core::VersionOp::Kind::update:
        ops.push_back({{"op", "update"}, {"from", op.from}, {"to", op.to}});
        break;
      case core::VersionOp::Kind::remove:
        ops.push_back({{"op", "delete"}, {"from", op.from}});
        break;
    }
  }
  nlohmann::json out = {{"revision", step.revision ? nlohmann::json(step.revision->id) : nullptr},
                        {"direction", step.revision ? std::string(core::to_string(step.direction))
                                                    : std::string("stamp")},
                        {"version_ops", ops}};
  if (step.revision) {
    out["path"] = step.revision->path;
    out["message"] = step.revision->message;
  }
  return out;
}

nlohmann::json step_result_json(const db::StepResult& result) {
  nlohmann::json out = {
      {"revision",
       result.revision.empty() ? nlohmann::json(nullptr) : nlohmann::json(result.revision)},
      {"direction", result.revision.empty() ? std::string("stamp")
                                            : std::string(core::to_string(result.direction))},
      {"path", result.path},
      {"succeeded", result.succeeded},
      {"duration_ms", result.duration.count()},
      {"versions_after", result.versions_after}};
  if (!result.succeeded) out["error"] = result.error;
  return out;
}

nlohmann::json drift_json(const std::vector<core::Drift>& drift) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& d : drift) {
    out.push_back(
        {{"kind", std::string(core::to_string(d.kind))}, {"message", d.message}, {"fix", d.fix}});
  }
  return out;
}

}  // namespace magent::cli
