// planner_probe: reads planning cases as JSON lines on stdin and prints, one JSON line per
// case, what the core planner decides. tests/alembic/differential_test.py feeds the same
// cases to Alembic itself (tests/alembic/oracle.py) and compares the two.
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "agent/core/planner.hpp"
#include "agent/core/revision_graph.hpp"

namespace {

using nlohmann::json;
using namespace magent::core;

std::vector<std::string> strings(const json& j, const char* key) {
  std::vector<std::string> out;
  if (j.contains(key)) {
    for (const auto& s : j.at(key)) out.push_back(s.get<std::string>());
  }
  return out;
}

json ops_json(const std::vector<VersionOp>& ops) {
  json out = json::array();
  for (const auto& op : ops) {
    switch (op.kind) {
      case VersionOp::Kind::insert:
        out.push_back({"insert", op.to});
        break;
      case VersionOp::Kind::update:
        out.push_back({"update", op.from, op.to});
        break;
      case VersionOp::Kind::remove:
        out.push_back({"delete", op.from});
        break;
    }
  }
  return out;
}

json run_case(const json& c) {
  std::vector<Revision> revisions;
  for (const auto& r : c.at("revisions")) {
    Revision rev;
    rev.id = r.at("id").get<std::string>();
    rev.down_revisions = strings(r, "down");
    rev.depends_on = strings(r, "deps");
    rev.branch_labels = strings(r, "labels");
    rev.path = rev.id + ".py";
    revisions.push_back(std::move(rev));
  }
  auto built = RevisionGraph::build(std::move(revisions));
  if (!built.graph) return {{"ok", false}, {"error", built.problems.front().message}};
  const RevisionGraph& graph = *built.graph;
  const std::string command = c.at("command");
  const std::vector<std::string> current = strings(c, "current");
  const std::string target = c.value("target", "");

  if (command == "heads") {
    json heads = json::array(), real = json::array(), labels = json::object();
    for (NodeId h : graph.heads()) heads.push_back(graph.id_of(h));
    for (NodeId h : graph.real_heads()) real.push_back(graph.id_of(h));
    for (NodeId n = 0; n < graph.size(); ++n) labels[graph.id_of(n)] = graph.branch_labels(n);
    return {{"ok", true}, {"heads", heads}, {"real_heads", real}, {"labels", labels}};
  }
  if (command == "resolve") {
    auto ids = resolve_identifier(graph, target);
    if (!ids) return {{"ok", false}, {"error", ids.error().message}};
    return {{"ok", true}, {"ids", *ids}};
  }
  Result<Plan> plan = command == "upgrade"     ? plan_upgrade(graph, current, target)
                      : command == "downgrade" ? plan_downgrade(graph, current, target)
                                               : plan_stamp(graph, current, strings(c, "targets"),
                                                            c.value("purge", false) ? Purge::yes
                                                                                    : Purge::no);
  if (!plan) return {{"ok", false}, {"error", plan.error().message}};
  json steps = json::array();
  for (const Step& s : plan->steps) {
    steps.push_back({{"revision", s.revision ? json(s.revision->id) : json(nullptr)},
                     {"direction", std::string(to_string(s.direction))},
                     {"ops", ops_json(s.version_ops)}});
  }
  return {{"ok", true}, {"steps", steps}, {"heads_after", plan->heads_after}};
}

}  // namespace

int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    json result;
    try {
      result = run_case(json::parse(line));
    } catch (const std::exception& e) {
      result = {{"ok", false}, {"error", std::string("probe: ") + e.what()}};
    }
    std::cout << result.dump() << "\n";
  }
  return 0;
}
