#include "tests/support/graph_builder.hpp"

#include <gtest/gtest.h>

namespace magent::test {

std::vector<core::Revision> revisions(const std::vector<RevSpec>& specs) {
  std::vector<core::Revision> out;
  for (const RevSpec& spec : specs) {
    core::Revision r;
    r.id = spec.id;
    r.down_revisions = spec.down;
    r.depends_on = spec.deps;
    r.branch_labels = spec.labels;
    r.path = spec.id + ".sql";
    out.push_back(std::move(r));
  }
  return out;
}

core::RevisionGraph make_graph(const std::vector<RevSpec>& specs) {
  auto built = core::RevisionGraph::build(revisions(specs));
  for (const auto& problem : built.problems) ADD_FAILURE() << problem.message;
  return built.graph ? std::move(*built.graph) : core::RevisionGraph{};
}

std::vector<std::string> graph_problems(const std::vector<RevSpec>& specs) {
  std::vector<std::string> out;
  for (const auto& problem : core::RevisionGraph::build(revisions(specs)).problems) {
    out.push_back(problem.message);
  }
  return out;
}

std::vector<std::string> ids(const core::RevisionGraph& graph,
                             const std::vector<core::NodeId>& nodes) {
  std::vector<std::string> out;
  for (core::NodeId n : nodes) out.push_back(graph.id_of(n));
  return out;
}

std::string describe(const core::Plan& plan) {
  std::string out;
  for (const core::Step& step : plan.steps) {
    if (!out.empty()) out += " ";
    out += step.revision ? step.revision->id + ":" + std::string(core::to_string(step.direction))
                         : std::string("stamp");
    out += "[";
    bool first = true;
    for (const core::VersionOp& op : step.version_ops) {
      if (!first) out += ", ";
      first = false;
      switch (op.kind) {
        case core::VersionOp::Kind::insert:
          out += "insert " + op.to;
          break;
        case core::VersionOp::Kind::update:
          out += "update " + op.from + ">" + op.to;
          break;
        case core::VersionOp::Kind::remove:
          out += "delete " + op.from;
          break;
      }
    }
    out += "]";
  }
  return out;
}

}  // namespace magent::test
