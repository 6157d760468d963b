#pragma once

#include <string>
#include <vector>

#include "agent/core/plan.hpp"
#include "agent/core/revision_graph.hpp"

namespace magent::core {

// One step of `alembic stamp`: move the rows `from` to `to` without running anything.
struct StampMove {
  std::vector<std::string> from;
  std::vector<std::string> to;
  Direction direction = Direction::upgrade;
  bool branch_move = false;  // creates or deletes a branch rather than moving one
};

// Alembic's HeadMaintainer: tracks the alembic_version rows while a plan is built and
// yields, per step, the exact INSERT/UPDATE/DELETE Alembic issues. Where Alembic picks
// from a Python set (which row survives a merge), the order of down_revision wins, so
// the resulting rows always equal Alembic's. Throws RevisionLookupError when a step
// cannot apply to the rows (Alembic would fail the same way).
class HeadMaintainer {
 public:
  HeadMaintainer(const RevisionGraph& graph, std::vector<std::string> heads)
      : m_graph(graph), m_heads(std::move(heads)) {}

  std::vector<VersionOp> revision_step(NodeId revision, Direction direction);
  std::vector<VersionOp> stamp_step(const StampMove& move);
  // Deletes every row (stamp --purge).
  std::vector<VersionOp> purge();

  const std::vector<std::string>& heads() const { return m_heads; }

 private:
  bool has(const std::string& id) const;
  void insert(const std::string& id, std::vector<VersionOp>& ops);
  void remove(const std::string& id, std::vector<VersionOp>& ops);
  void update(const std::string& from, const std::string& to, std::vector<VersionOp>& ops);
  // Ids in `candidates` that are not ancestors of the heads other than `except`.
  std::vector<std::string> outside_other_heads(const std::vector<std::string>& candidates,
                                               const std::vector<std::string>& except) const;

  const RevisionGraph& m_graph;
  std::vector<std::string> m_heads;
};

}  // namespace magent::core
