#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "agent/core/result.hpp"
#include "agent/core/revision.hpp"

namespace magent::core {

// Index of a revision inside one RevisionGraph.
using NodeId = std::uint32_t;

// A set of nodes of one graph: O(1) membership, insertion order kept.
class NodeSet {
 public:
  explicit NodeSet(std::size_t graph_size = 0) : m_member(graph_size, 0) {}
  bool contains(NodeId id) const { return id < m_member.size() && m_member[id] != 0; }
  // Adds `id`; returns false when it was already present.
  bool insert(NodeId id);
  void erase(NodeId id);
  const std::vector<NodeId>& items() const { return m_items; }
  std::size_t size() const { return m_count; }
  bool empty() const { return m_count == 0; }

 private:
  std::vector<char> m_member;
  std::vector<NodeId> m_items;  // may hold erased ids; items() callers filter with contains()
  std::size_t m_count = 0;
};

// Whether a traversal follows depends_on edges as well as down_revision edges.
enum class Deps { exclude, include };

// The validated revision graph of one migrations directory, with Alembic's semantics:
// versioned edges (down_revision), dependency edges (depends_on, normalized as Alembic
// does), heads, bases, and branch labels propagated along their line. Immutable.
class RevisionGraph {
 public:
  // The graph, or every problem found (one Error per problem, naming file and revision).
  struct BuildResult;
  static BuildResult build(std::vector<Revision> revisions);

  RevisionGraph() = default;

  std::size_t size() const { return m_nodes.size(); }
  const Revision& revision(NodeId id) const { return m_revisions[id]; }
  const std::string& id_of(NodeId id) const { return m_revisions[id].id; }
  // Exact id lookup.
  std::optional<NodeId> find(std::string_view id) const;
  // The revision that declares `label` in its branch_labels.
  std::optional<NodeId> label_owner(std::string_view label) const;
  // Revision ids and branch labels longer than three characters that start with `prefix`,
  // each mapped to its revision (Alembic's partial-identifier rule), in sorted key order.
  std::vector<std::pair<std::string, NodeId>> prefix_matches(std::string_view prefix) const;

  // Heads by down_revision only (what `alembic heads` prints), in load order.
  const std::vector<NodeId>& heads() const { return m_heads; }
  // Heads that nothing depends on either (what the identifier "heads" resolves to).
  const std::vector<NodeId>& real_heads() const { return m_real_heads; }
  // Revisions whose down_revision is empty, in load order.
  const std::vector<NodeId>& bases() const { return m_bases; }

  const std::vector<NodeId>& down(NodeId id) const { return m_nodes[id].down; }
  const std::vector<NodeId>& normalized_down(NodeId id) const { return m_nodes[id].normalized_down; }
  const std::vector<NodeId>& all_down(NodeId id) const { return m_nodes[id].all_down; }
  const std::vector<NodeId>& normalized_dependencies(NodeId id) const {
    return m_nodes[id].normalized_deps;
  }
  const std::vector<NodeId>& next(NodeId id) const { return m_nodes[id].next; }
  const std::vector<NodeId>& all_next(NodeId id) const { return m_nodes[id].all_next; }
  // Branch labels after propagation, sorted.
  const std::vector<std::string>& branch_labels(NodeId id) const { return m_nodes[id].labels; }
  bool has_label(NodeId id, std::string_view label) const;

  bool is_merge_point(NodeId id) const { return m_nodes[id].down.size() > 1; }
  bool is_branch_point(NodeId id) const { return m_nodes[id].next.size() > 1; }
  bool is_real_branch_point(NodeId id) const { return m_nodes[id].all_next.size() > 1; }

  // All ancestors of `from`, `from` included (Alembic's _get_ancestor_nodes); with
  // Deps::include the edges are the normalized down revisions.
  NodeSet ancestors(std::span<const NodeId> from, Deps deps) const;
  // All descendants of `from`, `from` included (Alembic's _get_descendant_nodes).
  NodeSet descendants(std::span<const NodeId> from, Deps deps) const;
  // The members of `set` with no descendant (down_revision edges only) in it, in the set's
  // order. `set` must hold its members' ancestors, as ancestors() returns it: then a member
  // has a descendant in the set exactly when one of its children is, and this is linear.
  std::vector<NodeId> tips(const NodeSet& set) const;
  // Alembic's check=True overlap test: the first target that is an ancestor (or descendant
  // for `descendants`) of another, as "Requested revision X overlaps with ..." text.
  std::optional<std::string> overlap_error(std::span<const NodeId> targets, bool upward) const;

  // Position of a node in load order (ties in Alembic's topological sort).
  NodeId load_position(NodeId id) const { return id; }

  // Whether `target` is `from` or one of its ancestors through normalized down revisions
  // (the edges Deps::include follows). A depth-first walk that skips every node ordered
  // before `target` in a topological order, so nearby questions stay cheap in huge graphs.
  bool reaches(NodeId from, NodeId target) const;

 private:
  struct Node {
    std::vector<NodeId> down, all_down, normalized_down;
    std::vector<NodeId> resolved_deps, normalized_deps;
    std::vector<NodeId> next, all_next;
    std::vector<std::string> labels;
  };

  void link(std::vector<Error>& problems);
  void normalize_dependencies();
  void find_heads_and_bases();
  void detect_cycles(std::vector<Error>& problems) const;
  void propagate_labels();
  void build_prefix_index();
  void number_topologically();

  std::vector<Revision> m_revisions;
  std::vector<Node> m_nodes;
  std::unordered_map<std::string, NodeId> m_by_id;
  std::unordered_map<std::string, NodeId> m_by_label;
  std::vector<std::pair<std::string, NodeId>> m_prefix_index;  // ids and labels, sorted
  std::vector<NodeId> m_heads, m_real_heads, m_bases;
  std::vector<std::uint32_t> m_topo;  // m_topo[down] < m_topo[n] along normalized edges
};

struct RevisionGraph::BuildResult {
  std::optional<RevisionGraph> graph;
  std::vector<Error> problems;
};

}  // namespace magent::core
