#include "agent/core/head_maintainer.hpp"

#include <algorithm>

#include "agent/core/revision_ids.hpp"

namespace magent::core {
namespace {

std::vector<std::string> ids_of(const RevisionGraph& graph, const std::vector<NodeId>& nodes) {
  std::vector<std::string> out;
  for (NodeId n : nodes) out.push_back(graph.id_of(n));
  return out;
}

bool contains(const std::vector<std::string>& list, const std::string& id) {
  return std::find(list.begin(), list.end(), id) != list.end();
}

}  // namespace

bool HeadMaintainer::has(const std::string& id) const { return contains(m_heads, id); }

void HeadMaintainer::insert(const std::string& id, std::vector<VersionOp>& ops) {
  if (has(id)) throw_revision_error("Revision " + id + " is already present in the version table");
  m_heads.push_back(id);
  ops.push_back({VersionOp::Kind::insert, "", id});
}

void HeadMaintainer::remove(const std::string& id, std::vector<VersionOp>& ops) {
  if (!has(id)) {
    throw_revision_error("Online migration expected to match one row when deleting '" + id +
                         "' in the version table; 0 found");
  }
  std::erase(m_heads, id);
  ops.push_back({VersionOp::Kind::remove, id, ""});
}

void HeadMaintainer::update(const std::string& from, const std::string& to,
                            std::vector<VersionOp>& ops) {
  if (!has(from)) {
    throw_revision_error("Online migration expected to match one row when updating '" + from +
                         "' to '" + to + "' in the version table; 0 found");
  }
  if (has(to)) throw_revision_error("Revision " + to + " is already present in the version table");
  std::replace(m_heads.begin(), m_heads.end(), from, to);
  ops.push_back({VersionOp::Kind::update, from, to});
}

std::vector<std::string> HeadMaintainer::outside_other_heads(
    const std::vector<std::string>& candidates, const std::vector<std::string>& except) const {
  std::vector<NodeId> others;
  for (const std::string& head : m_heads) {
    if (contains(except, head)) continue;
    if (auto node = m_graph.find(head)) others.push_back(*node);
  }
  if (others.empty()) return candidates;
  NodeSet below = m_graph.ancestors(others, Deps::include);
  std::vector<std::string> out;
  for (const std::string& id : candidates) {
    auto node = m_graph.find(id);
    if (!node || !below.contains(*node)) out.push_back(id);
  }
  return out;
}

std::vector<VersionOp> HeadMaintainer::revision_step(NodeId revision, Direction direction) {
  std::vector<VersionOp> ops;
  const std::string& id = m_graph.id_of(revision);
  const std::vector<std::string> down = ids_of(m_graph, m_graph.normalized_down(revision));
  auto heads_among_down = [&] {
    std::vector<std::string> out;
    for (const auto& d : down) {
      if (has(d)) out.push_back(d);
    }
    return out;
  };

  if (direction == Direction::upgrade) {
    std::vector<std::string> present = heads_among_down();
    if (down.empty() || present.empty()) {  // a new branch (or a base): INSERT
      insert(id, ops);
    } else if (down.size() > 1 && present.size() > 1) {  // crossing a merge point
      std::vector<std::string> from = outside_other_heads(down, down);
      for (std::size_t i = 0; i + 1 < from.size(); ++i) remove(from[i], ops);
      update(from.back(), id, ops);
    } else {
      update(down.size() == 1 ? down.front() : present.front(), id, ops);
    }
    return ops;
  }

  if (has(id)) {
    std::vector<std::string> to = down.empty() ? down : outside_other_heads(down, {id});
    if (to.empty()) {  // below a base, or a dependency kept by another head: DELETE
      remove(id, ops);
      return ops;
    }
    if (down.size() > 1) {  // back through a merge point: INSERT the others, UPDATE one
      for (std::size_t i = 0; i + 1 < to.size(); ++i) insert(to[i], ops);
      update(id, to.back(), ops);
      return ops;
    }
  }
  std::string target;
  if (down.size() == 1) {
    target = down.front();
  } else {
    std::vector<std::string> present = heads_among_down();
    if (present.size() != 1) {
      throw_revision_error("Can't do an UPDATE because downrevision is ambiguous");
    }
    target = present.front();
  }
  update(id, target, ops);
  return ops;
}

std::vector<VersionOp> HeadMaintainer::stamp_step(const StampMove& move) {
  std::vector<VersionOp> ops;
  bool upgrade = move.direction == Direction::upgrade;
  auto missing = [&](const std::vector<std::string>& ids) {
    return std::any_of(ids.begin(), ids.end(), [&](const auto& id) { return !has(id); });
  };
  if (!upgrade && move.branch_move) {
    remove(move.from.front(), ops);
  } else if (upgrade && (move.branch_move || missing(move.from)) && missing(move.to)) {
    insert(move.to.front(), ops);
  } else if (move.from.size() > 1) {
    for (std::size_t i = 0; i + 1 < move.from.size(); ++i) remove(move.from[i], ops);
    update(move.from.back(), move.to.front(), ops);
  } else if (move.to.size() > 1) {
    for (std::size_t i = 0; i + 1 < move.to.size(); ++i) insert(move.to[i], ops);
    update(move.from.front(), move.to.back(), ops);
  } else if (move.from.size() == 1 && move.to.size() == 1) {
    update(move.from.front(), move.to.front(), ops);
  } else {
    // Alembic asserts here (e.g. the same target named twice); refuse with words instead.
    throw_revision_error("Can't stamp " + (move.to.empty() ? std::string("base") : move.to.front()) +
                         ": it is already in the version table");
  }
  return ops;
}

std::vector<VersionOp> HeadMaintainer::purge() {
  std::vector<VersionOp> ops;
  while (!m_heads.empty()) {
    const std::string head = m_heads.front();  // a copy: remove() erases the original
    remove(head, ops);
  }
  return ops;
}

}  // namespace magent::core
