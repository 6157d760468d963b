#include "agent/core/revision_graph.hpp"
#include "agent/core/text.hpp"

#include <algorithm>
#include <cassert>
#include <set>

namespace magent::core {
namespace {

constexpr std::string_view k_illegal_id_chars = "@-+:";

// "file.sql: revision abc: " prefix for a problem with one revision.
std::string where(const Revision& r) {
  return (r.path.empty() ? std::string("<memory>") : r.path) + ": revision " + r.id + ": ";
}

Error graph_error(const Revision& r, const std::string& what) {
  return make_error(ErrorKind::graph, where(r) + what);
}

void push_unique(std::vector<NodeId>& list, NodeId id) {
  if (std::find(list.begin(), list.end(), id) == list.end()) list.push_back(id);
}

// Problems a single revision has on its own (Alembic's Revision.__init__ checks).
void check_revision(const Revision& r, std::vector<Error>& problems) {
  std::string illegal;
  for (char c : k_illegal_id_chars) {
    if (r.id.find(c) != std::string::npos)
      illegal += illegal.empty() ? std::string(1, c) : std::string(", ") + c;
  }
  if (r.id.empty()) {
    problems.push_back(graph_error(r, "empty revision identifier"));
  } else if (!illegal.empty()) {
    problems.push_back(graph_error(
        r, "Character(s) '" + illegal + "' not allowed in revision identifier '" + r.id + "'"));
  }
  if (std::find(r.down_revisions.begin(), r.down_revisions.end(), r.id) != r.down_revisions.end()) {
    problems.push_back(graph_error(r, "Self-loop is detected in revisions (" + r.id + ")"));
  }
  if (std::find(r.depends_on.begin(), r.depends_on.end(), r.id) != r.depends_on.end()) {
    problems.push_back(
        graph_error(r, "Dependency self-loop is detected in revisions (" + r.id + ")"));
  }
}

}  // namespace

bool NodeSet::insert(NodeId id) {
  if (id >= m_member.size()) m_member.resize(id + 1, 0);
  if (m_member[id]) return false;
  m_member[id] = 1;
  m_items.push_back(id);
  ++m_count;
  return true;
}

void NodeSet::erase(NodeId id) {
  if (!contains(id)) return;
  m_member[id] = 0;
  --m_count;
  if (m_count == 0) m_items.clear();
}

RevisionGraph::BuildResult RevisionGraph::build(std::vector<Revision> revisions) {
  BuildResult result;
  RevisionGraph graph;
  graph.m_revisions = std::move(revisions);
  graph.m_nodes.resize(graph.m_revisions.size());
  graph.m_by_id.reserve(graph.m_revisions.size());

  std::vector<Error>& problems = result.problems;
  for (NodeId i = 0; i < graph.m_revisions.size(); ++i) {
    const Revision& r = graph.m_revisions[i];
    check_revision(r, problems);
    auto [it, inserted] = graph.m_by_id.emplace(r.id, i);
    if (!inserted) {
      const Revision& first = graph.m_revisions[it->second];
      problems.push_back(graph_error(
          r, "Revision " + r.id + " is present more than once (also in " + first.path + ")"));
    }
  }
  graph.link(problems);
  if (!problems.empty()) return result;

  graph.find_heads_and_bases();
  graph.normalize_dependencies();
  graph.detect_cycles(problems);
  if (!problems.empty()) return result;

  graph.propagate_labels();
  graph.build_prefix_index();
  graph.number_topologically();
  result.graph = std::move(graph);
  return result;
}

// Resolves down_revision and depends_on names, maps branch labels, fills next edges.
void RevisionGraph::link(std::vector<Error>& problems) {
  for (NodeId i = 0; i < m_revisions.size(); ++i) {
    const Revision& r = m_revisions[i];
    for (const std::string& label : r.branch_labels) {
      if (auto owner = m_by_id.find(label); owner != m_by_id.end()) {
        problems.push_back(graph_error(r, "Branch name '" + label + "' in revision " + r.id +
                                              " already used by revision " + label));
        continue;
      }
      auto [it, inserted] = m_by_label.emplace(label, i);
      if (!inserted && it->second != i) {
        problems.push_back(graph_error(r, "Branch name '" + label + "' in revision " + r.id +
                                              " already used by revision " +
                                              m_revisions[it->second].id));
      }
    }
  }
  for (NodeId i = 0; i < m_revisions.size(); ++i) {
    const Revision& r = m_revisions[i];
    Node& node = m_nodes[i];
    for (const std::string& down : r.down_revisions) {
      auto it = m_by_id.find(down);
      if (it == m_by_id.end()) {
        problems.push_back(
            graph_error(r, "Revision " + down + " referenced from " + r.id + " is not present"));
        continue;
      }
      push_unique(node.down, it->second);
    }
    for (const std::string& dep : r.depends_on) {
      auto it = m_by_id.find(dep);
      std::optional<NodeId> target;
      if (it != m_by_id.end()) target = it->second;
      if (auto label = m_by_label.find(dep); !target && label != m_by_label.end()) {
        target = label->second;
      }
      if (!target) {
        problems.push_back(
            graph_error(r, "depends_on '" + dep + "' is neither a revision nor a branch label"));
        continue;
      }
      push_unique(node.resolved_deps, *target);
    }
    node.all_down = node.down;
    for (NodeId dep : node.resolved_deps) push_unique(node.all_down, dep);
  }
  if (!problems.empty()) return;
  for (NodeId i = 0; i < m_nodes.size(); ++i) {
    for (NodeId down : m_nodes[i].all_down) {
      push_unique(m_nodes[down].all_next, i);
      if (std::find(m_nodes[i].down.begin(), m_nodes[i].down.end(), down) !=
          m_nodes[i].down.end()) {
        push_unique(m_nodes[down].next, i);
      }
    }
  }
}

void RevisionGraph::find_heads_and_bases() {
  for (NodeId i = 0; i < m_nodes.size(); ++i) {
    const Node& node = m_nodes[i];
    if (node.next.empty()) m_heads.push_back(i);
    if (node.all_next.empty()) m_real_heads.push_back(i);
    if (node.down.empty()) m_bases.push_back(i);
  }
}

// Alembic's _normalize_depends_on: drop dependencies that an ancestor already declares.
void RevisionGraph::normalize_dependencies() {
  for (NodeId i = 0; i < m_nodes.size(); ++i) {
    Node& node = m_nodes[i];
    node.normalized_deps = node.resolved_deps;
    if (!node.resolved_deps.empty()) {
      NodeId self[] = {i};
      NodeSet below = ancestors(self, Deps::exclude);
      NodeSet inherited(m_nodes.size());
      for (NodeId a : below.items()) {
        if (a == i) continue;
        for (NodeId dep : m_nodes[a].resolved_deps) inherited.insert(dep);
      }
      std::erase_if(node.normalized_deps, [&](NodeId dep) { return inherited.contains(dep); });
    }
    node.normalized_down = node.down;
    for (NodeId dep : node.normalized_deps) push_unique(node.normalized_down, dep);
  }
}

// Alembic's _detect_cycles: every revision must lie between a head and a base, first by
// down_revision alone, then with dependencies.
void RevisionGraph::detect_cycles(std::vector<Error>& problems) const {
  if (m_nodes.empty()) return;
  auto report = [&](std::string_view kind, std::vector<std::string> ids) {
    std::sort(ids.begin(), ids.end());
    std::vector<std::string> files;
    for (const auto& id : ids) files.push_back(m_revisions[m_by_id.at(id)].path);
    problems.push_back(
        make_error(ErrorKind::graph, std::string(kind) + " is detected in revisions (" +
                                         join(ids, ", ") + ") in " + join(files, ", ")));
  };
  auto all_ids = [&] {
    std::vector<std::string> ids;
    for (const auto& r : m_revisions) ids.push_back(r.id);
    return ids;
  };
  auto check = [&](std::string_view kind, const std::vector<NodeId>& tops,
                   const std::vector<NodeId>& bottoms, Deps deps) {
    if (tops.empty() || bottoms.empty()) {
      report(kind, all_ids());
      return false;
    }
    NodeSet from_top = deps == Deps::exclude ? ancestors(tops, Deps::exclude) : NodeSet{};
    if (deps == Deps::include) {
      // Alembic walks _all_down_revisions here (dependencies before normalization).
      from_top = NodeSet(m_nodes.size());
      std::vector<NodeId> todo(tops.begin(), tops.end());
      while (!todo.empty()) {
        NodeId n = todo.back();
        todo.pop_back();
        if (!from_top.insert(n)) continue;
        for (NodeId d : m_nodes[n].all_down) todo.push_back(d);
      }
    }
    NodeSet from_bottom = descendants(bottoms, deps);
    std::vector<std::string> stuck;
    for (NodeId i = 0; i < m_nodes.size(); ++i) {
      if (!from_top.contains(i) || !from_bottom.contains(i)) stuck.push_back(m_revisions[i].id);
    }
    if (stuck.empty()) return true;
    report(kind, std::move(stuck));
    return false;
  };
  if (!check("Cycle", m_heads, m_bases, Deps::exclude)) return;
  std::vector<NodeId> real_bases;
  for (NodeId b : m_bases) {
    if (m_revisions[b].depends_on.empty()) real_bases.push_back(b);
  }
  check("Dependency cycle", m_real_heads, real_bases, Deps::include);
}

// Alembic's _add_branches: a label covers its revision's descendants and the straight line
// of ancestors below, up to the first branch point or merge point.
void RevisionGraph::propagate_labels() {
  for (NodeId i = 0; i < m_nodes.size(); ++i) {
    std::sort(m_nodes[i].labels.begin(), m_nodes[i].labels.end());
    for (const auto& label : m_revisions[i].branch_labels) {
      if (!has_label(i, label)) {
        m_nodes[i].labels.insert(
            std::upper_bound(m_nodes[i].labels.begin(), m_nodes[i].labels.end(), label), label);
      }
    }
  }
  auto add_labels = [this](NodeId node, const std::vector<std::string>& labels) {
    std::set<std::string> merged(m_nodes[node].labels.begin(), m_nodes[node].labels.end());
    merged.insert(labels.begin(), labels.end());
    m_nodes[node].labels.assign(merged.begin(), merged.end());
  };
  for (NodeId i = 0; i < m_nodes.size(); ++i) {
    if (m_revisions[i].branch_labels.empty()) continue;
    const std::vector<std::string> labels = m_nodes[i].labels;
    // Depth-first over versioned descendants, as Alembic's stack walk visits them; the walk
    // down to the ancestors starts at the last node visited.
    NodeSet seen(m_nodes.size());
    std::vector<NodeId> todo{i};
    NodeId last = i;
    while (!todo.empty()) {
      NodeId n = todo.back();
      todo.pop_back();
      if (!seen.insert(n)) continue;
      for (NodeId next_node : m_nodes[n].next) todo.push_back(next_node);
      add_labels(n, labels);
      last = n;
    }
    std::optional<NodeId> parent = last;
    while (parent && !is_real_branch_point(*parent) && !is_merge_point(*parent)) {
      add_labels(*parent, labels);
      const auto& down = m_nodes[*parent].down;
      parent = down.empty() ? std::nullopt : std::optional<NodeId>(down.front());
    }
  }
}

void RevisionGraph::build_prefix_index() {
  for (NodeId i = 0; i < m_revisions.size(); ++i) {
    if (m_revisions[i].id.size() > 3) m_prefix_index.emplace_back(m_revisions[i].id, i);
  }
  for (const auto& [label, owner] : m_by_label) {
    if (label.size() > 3) m_prefix_index.emplace_back(label, owner);
  }
  std::sort(m_prefix_index.begin(), m_prefix_index.end());
}

// Kahn's algorithm over normalized down edges (acyclic by now: detect_cycles passed).
void RevisionGraph::number_topologically() {
  std::vector<std::uint32_t> waiting(m_nodes.size(), 0);
  std::vector<std::vector<NodeId>> up(m_nodes.size());
  for (NodeId n = 0; n < m_nodes.size(); ++n) {
    waiting[n] = static_cast<std::uint32_t>(m_nodes[n].normalized_down.size());
    for (NodeId d : m_nodes[n].normalized_down) up[d].push_back(n);
  }
  std::vector<NodeId> ready;
  for (NodeId n = 0; n < m_nodes.size(); ++n) {
    if (waiting[n] == 0) ready.push_back(n);
  }
  m_topo.assign(m_nodes.size(), 0);
  std::uint32_t next_index = 0;
  while (!ready.empty()) {
    NodeId n = ready.back();
    ready.pop_back();
    m_topo[n] = next_index++;
    for (NodeId u : up[n]) {
      if (--waiting[u] == 0) ready.push_back(u);
    }
  }
  assert(next_index == m_nodes.size());
}

bool RevisionGraph::reaches(NodeId from, NodeId target) const {
  if (from == target) return true;
  if (m_topo[from] < m_topo[target]) return false;
  NodeSet seen(m_nodes.size());
  std::vector<NodeId> todo{from};
  while (!todo.empty()) {
    NodeId n = todo.back();
    todo.pop_back();
    for (NodeId d : m_nodes[n].normalized_down) {
      if (d == target) return true;
      if (m_topo[d] > m_topo[target] && seen.insert(d)) todo.push_back(d);
    }
  }
  return false;
}

std::optional<NodeId> RevisionGraph::find(std::string_view id) const {
  auto it = m_by_id.find(std::string(id));
  if (it == m_by_id.end()) return std::nullopt;
  return it->second;
}

std::optional<NodeId> RevisionGraph::label_owner(std::string_view label) const {
  auto it = m_by_label.find(std::string(label));
  if (it == m_by_label.end()) return std::nullopt;
  return it->second;
}

std::vector<std::pair<std::string, NodeId>> RevisionGraph::prefix_matches(
    std::string_view prefix) const {
  std::vector<std::pair<std::string, NodeId>> out;
  auto it = std::lower_bound(m_prefix_index.begin(), m_prefix_index.end(), prefix,
                             [](const std::pair<std::string, NodeId>& entry, std::string_view p) {
                               return entry.first < p;
                             });
  for (; it != m_prefix_index.end() && std::string_view(it->first).starts_with(prefix); ++it) {
    out.push_back(*it);
  }
  return out;
}

bool RevisionGraph::has_label(NodeId id, std::string_view label) const {
  const auto& labels = m_nodes[id].labels;
  return std::binary_search(labels.begin(), labels.end(), label);
}

NodeSet RevisionGraph::ancestors(std::span<const NodeId> from, Deps deps) const {
  NodeSet seen(m_nodes.size());
  std::vector<NodeId> todo(from.begin(), from.end());
  while (!todo.empty()) {
    NodeId n = todo.back();
    todo.pop_back();
    if (!seen.insert(n)) continue;
    const auto& edges = deps == Deps::include ? m_nodes[n].normalized_down : m_nodes[n].down;
    todo.insert(todo.end(), edges.begin(), edges.end());
  }
  return seen;
}

NodeSet RevisionGraph::descendants(std::span<const NodeId> from, Deps deps) const {
  NodeSet seen(m_nodes.size());
  std::vector<NodeId> todo(from.begin(), from.end());
  while (!todo.empty()) {
    NodeId n = todo.back();
    todo.pop_back();
    if (!seen.insert(n)) continue;
    const auto& edges = deps == Deps::include ? m_nodes[n].all_next : m_nodes[n].next;
    todo.insert(todo.end(), edges.begin(), edges.end());
  }
  return seen;
}

std::vector<NodeId> RevisionGraph::tips(const NodeSet& set) const {
  NodeSet covered(m_nodes.size());
  for (NodeId n : set.items()) {
    if (!set.contains(n)) continue;
    for (NodeId d : m_nodes[n].down) covered.insert(d);
  }
  std::vector<NodeId> out;
  for (NodeId n : set.items()) {
    if (set.contains(n) && !covered.contains(n)) out.push_back(n);
  }
  return out;
}

std::optional<std::string> RevisionGraph::overlap_error(std::span<const NodeId> targets,
                                                        bool upward) const {
  if (targets.size() < 2) return std::nullopt;
  NodeSet target_set(m_nodes.size());
  for (NodeId t : targets) target_set.insert(t);
  for (NodeId t : targets) {
    NodeId one[] = {t};
    NodeSet reach = upward ? descendants(one, Deps::include) : ancestors(one, Deps::include);
    std::vector<std::string> overlaps;
    for (NodeId r : reach.items()) {
      if (r != t && target_set.contains(r)) overlaps.push_back(m_revisions[r].id);
    }
    if (!overlaps.empty()) {
      return "Requested revision " + m_revisions[t].id +
             " overlaps with other requested revisions " + join(overlaps, ", ");
    }
  }
  return std::nullopt;
}

}  // namespace magent::core
