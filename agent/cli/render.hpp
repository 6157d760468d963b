#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/core/drift.hpp"
#include "agent/core/plan.hpp"
#include "agent/core/revision_graph.hpp"
#include "agent/db/migrator.hpp"

namespace magent::cli {

// What a revision line shows, after Alembic's Script.cmd_format.
enum class LineStyle {
  current,  // "rev (head)"
  heads,    // "rev (labels) (head)"
  history,  // "down -> rev (labels) (head) (branchpoint) (mergepoint), message"
};

// One revision as Alembic's `current` / `heads` / `history` print it.
std::string revision_line(const core::RevisionGraph& graph, core::NodeId node, LineStyle style);

// "upgrade a -> b (file.sql), message" for a plan step.
std::string step_line(const core::Step& step);

nlohmann::json revision_json(const core::RevisionGraph& graph, core::NodeId node);
nlohmann::json step_json(const core::Step& step);
nlohmann::json step_result_json(const db::StepResult& result);
nlohmann::json drift_json(const std::vector<core::Drift>& drift);

// "a, b" for a list of ids; "(none)" when empty.
std::string join_ids(const std::vector<std::string>& ids);

}  // namespace magent::cli
