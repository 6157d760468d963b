#include "agent/core/planner.hpp"

#include <algorithm>

#include "agent/core/head_maintainer.hpp"
#include "agent/core/revision_ids.hpp"

namespace magent::core {
namespace {

using Kind = RevisionLookupError::Kind;

// Which command a lookup failure is reported for; picks Alembic's CLI wording.
enum class Command { upgrade, downgrade, stamp, resolve };

Error to_error(const RevisionLookupError& e, Command command, std::string_view destination) {
  std::string text;
  switch (e.kind) {
    case Kind::resolution:
      text = "Can't locate revision identified by '" + e.argument + "'";
      if (e.message != "No such revision or branch '" + e.argument + "'" &&
          !e.message.starts_with("No such revision or branch")) {
        text += " (" + e.message + ")";
      }
      break;
    case Kind::multiple_heads:
      if (command == Command::stamp) {
        text = "Multiple heads are present; please specify a single target revision";
      } else {
        std::string arg = destination.empty() ? e.argument : std::string(destination);
        text = "Multiple head revisions are present for given argument '" + arg +
               "'; please specify a specific target revision, '<branchname>@" + arg +
               "' to narrow to a specific head, or 'heads' for all heads";
      }
      break;
    case Kind::range_not_ancestor:
      text = "Destination " + std::string(destination) + " is not a valid " +
             (command == Command::downgrade ? "downgrade" : "upgrade") +
             " target from current head(s)";
      break;
    case Kind::revision:
      text = e.message;
      break;
  }
  return make_error(ErrorKind::resolution, std::move(text));
}

std::vector<std::string> ids_of(const RevisionGraph& graph, const std::vector<NodeId>& nodes) {
  std::vector<std::string> out;
  for (NodeId n : nodes) out.push_back(graph.id_of(n));
  return out;
}

void check_overlap(const RevisionGraph& graph, const std::vector<NodeId>& targets) {
  if (auto overlap = graph.overlap_error(targets, false)) throw_revision_error(*overlap);
}

// Alembic's _topological_sort: revisions after everything they depend on, heads first,
// walking one branch down as far as it can before switching (load order breaks ties).
// Alembic keeps an ancestor set per current head; each always equals the ancestors of that
// head, so membership is asked of the graph instead (RevisionGraph::reaches), which keeps
// the sort near-linear on long histories with many merges.
std::vector<NodeId> topological_sort(const RevisionGraph& graph, const NodeSet& revisions,
                                     const std::vector<NodeId>& heads) {
  NodeSet todo(graph.size());
  for (NodeId n : revisions.items()) {
    if (revisions.contains(n)) todo.insert(n);
  }
  std::vector<NodeId> current;
  for (NodeId h : heads) {
    if (todo.contains(h) && std::find(current.begin(), current.end(), h) == current.end()) {
      current.push_back(h);
    }
  }
  std::sort(current.begin(), current.end(),
            [&](NodeId a, NodeId b) { return graph.load_position(a) < graph.load_position(b); });

  std::vector<NodeId> output;
  std::size_t index = 0;
  std::size_t switches_without_progress = 0;
  while (!current.empty()) {
    NodeId candidate = current[index];
    bool switched = false;
    for (std::size_t other = 0; other < current.size(); ++other) {
      if (other != index && graph.reaches(current[other], candidate)) {
        index = other;  // another head needs this one first
        switched = true;
        break;
      }
    }
    if (switched) {
      if (++switches_without_progress > current.size() + 1) {
        throw_revision_error("Could not order the revisions to apply (dependency cycle?)");
      }
      continue;
    }
    switches_without_progress = 0;
    if (todo.contains(candidate)) {
      output.push_back(candidate);
      todo.erase(candidate);
    }
    std::vector<NodeId> to_add;
    for (NodeId down : graph.normalized_down(candidate)) {
      if (todo.contains(down) && std::find(current.begin(), current.end(), down) == current.end()) {
        to_add.push_back(down);
      }
    }
    if (to_add.empty()) {
      current.erase(current.begin() + static_cast<std::ptrdiff_t>(index));
      index = index > 0 ? index - 1 : 0;
    } else {
      current[index] = to_add.front();
      current.insert(current.end(), to_add.begin() + 1, to_add.end());
    }
  }
  if (!todo.empty()) throw_revision_error("Could not order the revisions to apply");
  return output;
}

// Alembic's _parse_upgrade_target.
std::vector<NodeId> parse_upgrade_target(const RevisionIds& ids,
                                         const std::vector<std::string>& current,
                                         std::string_view target) {
  const RevisionGraph& graph = ids.graph();
  auto relative = parse_relative(target);
  if (!relative) return ids.get_revisions(target);
  auto didnt_produce = [&](const std::string& shown, int n) {
    throw_revision_error("Relative revision " + shown + " didn't produce " +
                         std::to_string(n < 0 ? -n : n) + " migrations");
  };
  const auto& label = relative->branch_label;
  std::optional<std::string_view> label_view;
  if (label) label_view = *label;
  if (relative->relative > 0) {
    if (!relative->symbol) {
      std::vector<WalkPosition> starts;
      if (label) {
        std::vector<NodeId> on_branch =
            ids.filter_for_lineage(ids.get_revisions(current), label_view, Deps::exclude);
        if (on_branch.empty()) {
          NodeSet active = graph.ancestors(ids.get_revisions(current), Deps::include);
          std::vector<NodeId> active_list;
          for (NodeId n : active.items()) active_list.push_back(n);
          std::vector<NodeId> active_on_branch =
              ids.filter_for_lineage(active_list, label_view, Deps::exclude);
          NodeSet tips(graph.size());
          for (NodeId n : active_on_branch) tips.insert(n);
          for (NodeId n : active_on_branch) {
            for (NodeId d : graph.normalized_down(n)) tips.erase(d);
          }
          for (NodeId n : tips.items()) {
            if (tips.contains(n)) on_branch.push_back(n);
          }
        }
        for (NodeId n : on_branch) starts.push_back(WalkPosition::at(n));
        if (starts.empty()) starts.push_back(WalkPosition::nowhere());
      } else if (current.empty()) {
        starts.push_back(WalkPosition::nowhere());
      } else {
        for (const std::string& id : current) {
          auto node = ids.get_revision(id);
          starts.push_back(node ? WalkPosition::at(*node) : WalkPosition::nowhere());
        }
      }
      if (starts.size() > 1) {
        throw_revision_error("Ambiguous upgrade from multiple current revisions");
      }
      WalkPosition reached = ids.walk(starts.front(), relative->relative, label_view, true);
      if (reached.kind != WalkPosition::Kind::node) {
        didnt_produce(relative->relative_text, relative->relative);
      }
      return {reached.node};
    }
    auto start = ids.get_revision(*relative->symbol);
    WalkPosition reached = ids.walk(start ? WalkPosition::at(*start) : WalkPosition::nowhere(),
                                    relative->relative, label_view, true);
    if (reached.kind != WalkPosition::Kind::node) throw_revision_error("Walked too far");
    return {reached.node};
  }
  if (!relative->symbol) didnt_produce(std::to_string(relative->relative), relative->relative);
  std::string symbol = label ? *label + "@" + *relative->symbol : *relative->symbol;
  auto start = ids.get_revision(symbol);
  WalkPosition reached = ids.walk(start ? WalkPosition::at(*start) : WalkPosition::nowhere(),
                                  relative->relative, std::nullopt, true);
  if (reached.kind == WalkPosition::Kind::base) return {};
  if (reached.kind != WalkPosition::Kind::node) throw_revision_error("Walked too far");
  return {reached.node};
}

// Alembic's _get_all_current: the current rows plus their ancestors, reduced to the tips.
std::vector<NodeId> all_current_tips(const RevisionIds& ids,
                                     const std::vector<std::string>& current) {
  const RevisionGraph& graph = ids.graph();
  return graph.tips(graph.ancestors(ids.get_revisions(current), Deps::include));
}

// Alembic's _parse_downgrade_target: (branch label, target) with nullopt target = base.
std::pair<std::optional<std::string>, std::optional<NodeId>> parse_downgrade_target(
    const RevisionIds& ids, const std::vector<std::string>& current, std::string_view target) {
  auto relative = parse_relative(target);
  auto didnt_produce = [&](const std::string& shown, int n) {
    throw_revision_error("Relative revision " + shown + " didn't produce " +
                         std::to_string(n < 0 ? -n : n) + " migrations");
  };
  if (!relative) {
    auto at = target.rfind('@');
    std::optional<std::string> label;
    std::string_view symbol = target;
    if (at != std::string_view::npos && at > 0) label = std::string(target.substr(0, at));
    if (at != std::string_view::npos) symbol = target.substr(at + 1);
    return {label, ids.get_revision(symbol)};
  }
  std::optional<std::string> label = relative->branch_label;
  if (relative->relative >= 0) {
    if (!relative->symbol) didnt_produce(relative->relative_text, relative->relative);
    auto start = ids.get_revision(*relative->symbol);
    std::optional<std::string_view> label_view;
    if (label) label_view = *label;
    WalkPosition reached = ids.walk(start ? WalkPosition::at(*start) : WalkPosition::nowhere(),
                                    relative->relative, label_view, true);
    if (reached.kind == WalkPosition::Kind::none) throw_revision_error("Walked too far");
    if (reached.kind == WalkPosition::Kind::base) return {label, std::nullopt};
    return {label, reached.node};
  }
  bool from_current = !relative->symbol;
  std::string symbol = relative->symbol.value_or("");
  if (from_current) {
    if (label) {
      std::vector<NodeId> current_nodes = ids.get_revisions(current);
      std::vector<NodeId> on_branch = ids.filter_for_lineage(current_nodes, *label, Deps::exclude);
      if (on_branch.empty()) {
        on_branch = ids.filter_for_lineage(all_current_tips(ids, current), *label, Deps::exclude);
      }
      if (on_branch.size() != 1) {
        throw_revision_error("Relative revision " + relative->relative_text +
                             " is ambiguous on branch '" + *label + "'");
      }
      symbol = ids.graph().id_of(on_branch.front());
    } else {
      if (current.empty()) didnt_produce(relative->relative_text, relative->relative);
      symbol = current.front();
      label = symbol;
    }
  }
  auto start = ids.get_revision(label ? *label + "@" + symbol : symbol);
  WalkPosition reached = ids.walk(start ? WalkPosition::at(*start) : WalkPosition::nowhere(),
                                  relative->relative, std::nullopt, true);
  if (reached.kind == WalkPosition::Kind::none) {
    if (from_current) didnt_produce(relative->relative_text, relative->relative);
    throw_revision_error("Walked too far");
  }
  if (reached.kind == WalkPosition::Kind::base) return {label, std::nullopt};
  return {label, reached.node};
}

Plan make_plan(const RevisionGraph& graph, const std::vector<std::string>& current,
               const std::vector<NodeId>& order, Direction direction) {
  Plan plan;
  plan.heads_before = current;
  HeadMaintainer rows(graph, current);
  for (NodeId n : order) {
    plan.steps.push_back({&graph.revision(n), direction, rows.revision_step(n, direction)});
  }
  plan.heads_after = rows.heads();
  return plan;
}

Plan upgrade_plan(const RevisionGraph& graph, const std::vector<std::string>& current,
                  std::string_view target) {
  RevisionIds ids(graph);
  std::vector<NodeId> targets = parse_upgrade_target(ids, current, target);
  check_overlap(graph, targets);
  NodeSet required = graph.ancestors(targets, Deps::include);
  std::vector<NodeId> current_nodes = ids.get_revisions(current);
  check_overlap(graph, current_nodes);
  NodeSet applied = graph.ancestors(current_nodes, Deps::include);
  NodeSet needs(graph.size());
  for (NodeId n : required.items()) {
    if (!applied.contains(n)) needs.insert(n);
  }
  std::vector<NodeId> order = topological_sort(graph, needs, targets);
  std::reverse(order.begin(), order.end());
  return make_plan(graph, current, order, Direction::upgrade);
}

Plan downgrade_plan(const RevisionGraph& graph, const std::vector<std::string>& current,
                    std::string_view target) {
  RevisionIds ids(graph);
  auto [label, target_node] = parse_downgrade_target(ids, current, target);
  std::vector<NodeId> roots;
  if (!target_node) {
    roots = graph.bases();
  } else {
    roots = graph.next(*target_node);
  }
  if (label && roots.size() > 1) {
    NodeId owner[] = {ids.resolve_branch(*label)};
    NodeSet on_branch = graph.ancestors(owner, Deps::exclude);
    std::erase_if(roots, [&](NodeId r) { return !on_branch.contains(r); });
    if (roots.empty()) throw_revision_error("Not a valid downgrade target from current heads");
  }
  std::vector<NodeId> heads = ids.get_revisions(current);
  NodeSet dropping = graph.descendants(roots, Deps::include);
  NodeSet active = graph.ancestors(heads, Deps::include);
  NodeSet to_drop(graph.size());
  for (NodeId n : dropping.items()) {
    if (active.contains(n)) to_drop.insert(n);
  }
  if (target_node && to_drop.empty() &&
      std::find(heads.begin(), heads.end(), *target_node) == heads.end()) {
    throw RevisionLookupError{Kind::range_not_ancestor, "Nothing to drop", {}, {}, {}, {}};
  }
  std::vector<NodeId> order = topological_sort(graph, to_drop, heads);
  return make_plan(graph, current, order, Direction::downgrade);
}

Plan stamp_plan(const RevisionGraph& graph, const std::vector<std::string>& current,
                const std::vector<std::string>& targets, Purge purge) {
  RevisionIds ids(graph);
  Plan plan;
  plan.heads_before = current;
  HeadMaintainer rows(graph, current);
  std::vector<std::string> effective_current = current;
  if (purge == Purge::yes) {
    std::vector<VersionOp> ops = rows.purge();
    if (!ops.empty()) plan.steps.push_back({nullptr, Direction::downgrade, std::move(ops)});
    effective_current.clear();
  }
  std::vector<std::string> wanted = targets.empty() ? std::vector<std::string>{"base"} : targets;
  std::vector<NodeId> head_nodes = ids.get_revisions(effective_current);
  std::vector<NodeId> filtered;
  for (const std::string& t : wanted) {
    for (NodeId h : ids.filter_for_lineage(head_nodes, t, Deps::include)) {
      if (std::find(filtered.begin(), filtered.end(), h) == filtered.end()) filtered.push_back(h);
    }
  }
  // A walk past the bottom ("-N" too far) names base, as Alembic's None does.
  std::vector<std::optional<NodeId>> dests;
  for (const std::string& t : wanted) {
    for (const WalkPosition& p : ids.get_positions(t)) {
      dests.push_back(p.kind == WalkPosition::Kind::node ? std::optional<NodeId>(p.node)
                                                         : std::nullopt);
    }
  }
  std::vector<std::string> filtered_ids = ids_of(graph, filtered);
  auto add = [&](StampMove move) {
    std::vector<VersionOp> ops = rows.stamp_step(move);
    plan.steps.push_back({nullptr, move.direction, std::move(ops)});
  };
  if (dests.empty()) dests.push_back(std::nullopt);
  for (std::optional<NodeId> maybe_dest : dests) {
    if (!maybe_dest) {
      for (const std::string& h : filtered_ids) add({{h}, {}, Direction::downgrade, true});
      continue;
    }
    NodeId dest = *maybe_dest;
    if (std::find(filtered.begin(), filtered.end(), dest) != filtered.end()) continue;
    NodeId one[] = {dest};
    NodeSet above = graph.descendants(one, Deps::include);
    NodeSet below = graph.ancestors(one, Deps::include);
    auto any_in = [&](const NodeSet& set) {
      return std::any_of(filtered.begin(), filtered.end(), [&](NodeId h) { return set.contains(h); });
    };
    if (any_in(above)) {
      add({filtered_ids, {graph.id_of(dest)}, Direction::downgrade, false});
    } else if (any_in(below)) {
      add({filtered_ids, {graph.id_of(dest)}, Direction::upgrade, false});
    } else {
      add({{}, {graph.id_of(dest)}, Direction::upgrade, true});
    }
  }
  plan.heads_after = rows.heads();
  return plan;
}

}  // namespace

Result<Plan> plan_upgrade(const RevisionGraph& graph, const std::vector<std::string>& current,
                          std::string_view target) {
  try {
    return upgrade_plan(graph, current, target);
  } catch (const RevisionLookupError& e) {
    return to_error(e, Command::upgrade, target);
  }
}

Result<Plan> plan_downgrade(const RevisionGraph& graph, const std::vector<std::string>& current,
                            std::string_view target) {
  try {
    return downgrade_plan(graph, current, target);
  } catch (const RevisionLookupError& e) {
    return to_error(e, Command::downgrade, target);
  }
}

Result<Plan> plan_stamp(const RevisionGraph& graph, const std::vector<std::string>& current,
                        const std::vector<std::string>& targets, Purge purge) {
  try {
    return stamp_plan(graph, current, targets, purge);
  } catch (const RevisionLookupError& e) {
    return to_error(e, Command::stamp, "");
  }
}

Result<std::vector<std::string>> resolve_identifier(const RevisionGraph& graph,
                                                    std::string_view identifier) {
  try {
    RevisionIds ids(graph);
    return ids_of(graph, ids.get_revisions(identifier));
  } catch (const RevisionLookupError& e) {
    return to_error(e, Command::resolve, identifier);
  }
}

Result<std::string> resolve_single(const RevisionGraph& graph, std::string_view identifier) {
  try {
    RevisionIds ids(graph);
    auto node = ids.get_revision(identifier);
    return node ? graph.id_of(*node) : std::string();
  } catch (const RevisionLookupError& e) {
    return to_error(e, Command::resolve, identifier);
  }
}

std::vector<NodeId> history_order(const RevisionGraph& graph) {
  std::vector<NodeId> order;
  if (auto plan = plan_upgrade(graph, {}, "heads")) {
    for (auto it = plan->steps.rbegin(); it != plan->steps.rend(); ++it) {
      order.push_back(*graph.find(it->revision->id));
    }
  }
  if (order.size() != graph.size()) {  // cannot happen for a valid graph; never hide one
    order.clear();
    for (NodeId n = 0; n < graph.size(); ++n) order.push_back(n);
  }
  return order;
}

}  // namespace magent::core
