#pragma once

#include <string>
#include <vector>

#include "agent/core/plan.hpp"
#include "agent/core/revision_graph.hpp"

namespace magent::test {

// A revision written compactly for tests: id, down revisions, depends_on, branch labels.
struct RevSpec {
  std::string id;
  std::vector<std::string> down = {};
  std::vector<std::string> deps = {};
  std::vector<std::string> labels = {};
};

// Revisions for RevisionGraph::build, each with path "<id>.sql".
std::vector<core::Revision> revisions(const std::vector<RevSpec>& specs);
// A valid graph (the test fails if building reports problems).
core::RevisionGraph make_graph(const std::vector<RevSpec>& specs);
// The problems building reports, one message each.
std::vector<std::string> graph_problems(const std::vector<RevSpec>& specs);
// Ids of nodes, in order.
std::vector<std::string> ids(const core::RevisionGraph& graph, const std::vector<core::NodeId>& nodes);
// A plan as text: one "rev:direction[ops]" per step, e.g. "b:upgrade[update a>b]",
// stamp steps as "stamp[insert c]"; steps separated by " ".
std::string describe(const core::Plan& plan);

}  // namespace magent::test
