#include "agent/core/revision_ids.hpp"

#include <algorithm>
#include <charconv>

namespace magent::core {
namespace {

using Kind = RevisionLookupError::Kind;

[[noreturn]] void throw_resolution(std::string message, std::string argument) {
  throw RevisionLookupError{Kind::resolution, std::move(message), std::move(argument), {}, {}, {}};
}

bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Matches `(\w+)?([+-]\d+)` at the start of `text`.
std::optional<RelativeTarget> match_symbol_and_offset(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && is_word_char(text[i])) ++i;
  if (i >= text.size() || (text[i] != '+' && text[i] != '-')) return std::nullopt;
  std::size_t digits = i + 1;
  while (digits < text.size() && is_digit(text[digits])) ++digits;
  if (digits == i + 1) return std::nullopt;
  RelativeTarget out;
  if (i > 0) out.symbol = std::string(text.substr(0, i));
  out.relative_text = std::string(text.substr(i, digits - i));
  long value = 0;
  auto number = text.substr(i + 1, digits - i - 1);
  auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec != std::errc() || value > 1'000'000) value = 1'000'000;  // absurd walks just fail later
  out.relative = static_cast<int>(text[i] == '-' ? -value : value);
  return out;
}

// Python's int() on an identifier, as get_revisions uses it to spot "-N".
std::optional<long> python_int(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  bool negative = false;
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  if (text.empty() || !std::all_of(text.begin(), text.end(), is_digit)) return std::nullopt;
  long value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc()) return std::nullopt;  // huge numbers are ids, not walks
  return negative ? -value : value;
}

std::string join_ids(const RevisionGraph& graph, const std::vector<NodeId>& nodes) {
  std::string out;
  for (NodeId n : nodes) {
    if (!out.empty()) out += ", ";
    out += graph.id_of(n);
  }
  return out;
}

}  // namespace

void throw_revision_error(std::string message) {
  throw RevisionLookupError{Kind::revision, std::move(message), {}, {}, {}, {}};
}

std::optional<RelativeTarget> parse_relative(std::string_view text) {
  for (std::size_t at = 1; at < text.size(); ++at) {
    if (text[at] != '@') continue;
    if (auto rest = match_symbol_and_offset(text.substr(at + 1))) {
      rest->branch_label = std::string(text.substr(0, at));
      return rest;
    }
  }
  return match_symbol_and_offset(text);
}

std::pair<std::vector<std::string>, std::optional<std::string>>
RevisionIds::resolve_revision_number(std::optional<std::string_view> identifier) const {
  std::optional<std::string> label;
  std::optional<std::string_view> id = identifier;
  if (id && id->find('@') != std::string_view::npos) {
    auto at = id->find('@');
    label = std::string(id->substr(0, at));
    id = id->substr(at + 1);
  }
  std::vector<std::string> ids;
  if (id && *id == "heads") {
    if (label) {
      std::vector<NodeId> heads = filter_for_lineage(m_graph.heads(), *label, Deps::exclude);
      for (NodeId h : heads) ids.push_back(m_graph.id_of(h));
    } else {
      for (NodeId h : m_graph.real_heads()) ids.push_back(m_graph.id_of(h));
    }
  } else if (id && *id == "head") {
    if (auto head = current_head(label)) ids.push_back(m_graph.id_of(*head));
  } else if (id && *id != "base") {
    ids.emplace_back(*id);
  }
  return {ids, label};
}

std::vector<WalkPosition> RevisionIds::get_positions(std::string_view identifier) const {
  auto [ids, label] = resolve_revision_number(identifier);
  std::vector<WalkPosition> out;
  if (ids.size() == 1) {
    if (auto steps = python_int(ids.front()); steps && *steps < 0) {
      for (NodeId head : get_revisions("heads")) {
        if (label && !m_graph.has_label(head, *label)) continue;
        out.push_back(walk(WalkPosition::at(head), static_cast<int>(*steps), {}, true));
      }
      return out;
    }
  }
  for (const std::string& id : ids) {
    if (auto node = revision_for_ident(id, label)) out.push_back(WalkPosition::at(*node));
  }
  return out;
}

std::vector<NodeId> RevisionIds::get_revisions(std::string_view identifier) const {
  std::vector<NodeId> out;
  for (const WalkPosition& position : get_positions(identifier)) {
    if (position.kind != WalkPosition::Kind::node) {
      throw_revision_error("Relative revision " + std::string(identifier) +
                           " didn't produce the migrations it names");
    }
    out.push_back(position.node);
  }
  return out;
}

std::vector<NodeId> RevisionIds::get_revisions(const std::vector<std::string>& identifiers) const {
  std::vector<NodeId> out;
  for (const std::string& id : identifiers) {
    std::vector<NodeId> part = get_revisions(id);
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

std::optional<NodeId> RevisionIds::get_revision(std::optional<std::string_view> identifier) const {
  auto [ids, label] = resolve_revision_number(identifier);
  if (ids.size() > 1) {
    std::string argument = identifier ? std::string(*identifier) : "None";
    std::string message = "Multiple heads are present for given argument '" + argument + "'; ";
    for (std::size_t i = 0; i < ids.size(); ++i) message += (i ? ", " : "") + ids[i];
    throw RevisionLookupError{Kind::multiple_heads, message, argument, ids, {}, {}};
  }
  return revision_for_ident(ids.empty() ? std::string_view() : std::string_view(ids.front()), label);
}

NodeId RevisionIds::resolve_branch(std::string_view label) const {
  if (auto owner = m_graph.label_owner(label)) return *owner;
  if (auto node = m_graph.find(label)) return *node;
  try {
    auto node = revision_for_ident(label, std::nullopt);
    if (node) return *node;
  } catch (const RevisionLookupError& e) {
    if (e.kind != Kind::resolution) throw;
  }
  throw_resolution("No such branch: '" + std::string(label) + "'", std::string(label));
}

std::optional<NodeId> RevisionIds::revision_for_ident(
    std::string_view id, std::optional<std::string_view> check_branch) const {
  std::optional<NodeId> branch_node;
  if (check_branch) branch_node = resolve_branch(*check_branch);
  if (id.empty()) return std::nullopt;  // () is base

  std::optional<NodeId> node = m_graph.find(id);
  if (!node) node = m_graph.label_owner(id);
  if (!node) {
    auto matches = m_graph.prefix_matches(id);
    if (branch_node) {
      std::erase_if(matches, [&](const auto& match) {
        return !shares_lineage(match.second, {std::string(*check_branch)}, Deps::exclude);
      });
    }
    if (matches.empty()) {
      std::string hint = id.size() < 4 ? "; please ensure at least four characters are present "
                                         "for partial revision identifier matches"
                                       : "";
      throw_resolution("No such revision or branch '" + std::string(id) + "'" + hint,
                       std::string(id));
    }
    if (matches.size() > 1) {
      std::string listed;
      for (std::size_t i = 0; i < matches.size() && i < 3; ++i) {
        listed += (i ? ", '" : "'") + matches[i].first + "'";
      }
      throw_resolution("Multiple revisions start with '" + std::string(id) + "': " + listed + "...",
                       std::string(id));
    }
    node = matches.front().second;
  }
  if (check_branch && branch_node) {
    NodeId one[] = {*node};
    bool related = m_graph.ancestors(one, Deps::exclude).contains(*branch_node) ||
                   m_graph.descendants(one, Deps::exclude).contains(*branch_node);
    if (!related) {
      throw_resolution("Revision " + m_graph.id_of(*node) + " is not a member of branch '" +
                           std::string(*check_branch) + "'",
                       std::string(id));
    }
  }
  return node;
}

std::optional<NodeId> RevisionIds::current_head(std::optional<std::string_view> branch_label) const {
  std::vector<NodeId> heads = m_graph.heads();
  if (branch_label) heads = filter_for_lineage(heads, *branch_label, Deps::exclude);
  if (heads.size() > 1) {
    std::string argument = branch_label ? std::string(*branch_label) + "@head" : "head";
    std::vector<std::string> ids;
    for (NodeId h : heads) ids.push_back(m_graph.id_of(h));
    throw RevisionLookupError{Kind::multiple_heads,
                              "Multiple heads are present for given argument '" + argument +
                                  "'; " + join_ids(m_graph, heads),
                              argument,
                              ids,
                              {},
                              {}};
  }
  if (heads.empty()) return std::nullopt;
  return heads.front();
}

std::vector<NodeId> RevisionIds::filter_for_lineage(const std::vector<NodeId>& targets,
                                                    std::optional<std::string_view> check_against,
                                                    Deps deps) const {
  std::vector<std::string> shares;
  if (check_against) {
    auto [ids, label] = resolve_revision_number(*check_against);
    if (label) shares.push_back(*label);
    shares.insert(shares.end(), ids.begin(), ids.end());
  }
  std::vector<NodeId> out;
  for (NodeId target : targets) {
    if (shares_lineage(target, shares, deps)) out.push_back(target);
  }
  return out;
}

bool RevisionIds::shares_lineage(NodeId target, const std::vector<std::string>& against,
                                 Deps deps) const {
  if (against.empty()) return true;
  std::vector<NodeId> resolved;
  for (const std::string& name : against) {
    if (auto node = revision_for_ident(name, std::nullopt)) resolved.push_back(*node);
  }
  NodeId one[] = {target};
  NodeSet below = m_graph.ancestors(one, deps);
  NodeSet above = m_graph.descendants(one, deps);
  return std::any_of(resolved.begin(), resolved.end(),
                     [&](NodeId r) { return below.contains(r) || above.contains(r); });
}

WalkPosition RevisionIds::walk(WalkPosition start, int steps,
                               std::optional<std::string_view> branch_label,
                               bool no_overwalk) const {
  WalkPosition position = start;
  const int count = steps < 0 ? -steps : steps;
  for (int i = 0; i < count; ++i) {
    std::vector<WalkPosition> children;
    if (steps > 0) {
      const std::vector<NodeId>& up = position.kind == WalkPosition::Kind::none
                                          ? m_graph.bases()
                                          : m_graph.next(position.node);
      std::vector<NodeId> candidates = up;
      if (position.kind == WalkPosition::Kind::base) candidates.clear();
      if (branch_label) candidates = filter_for_lineage(candidates, *branch_label, Deps::exclude);
      for (NodeId c : candidates) children.push_back(WalkPosition::at(c));
    } else if (position.kind != WalkPosition::Kind::base) {
      const std::vector<NodeId>& down = position.kind == WalkPosition::Kind::none
                                            ? m_graph.heads()
                                            : m_graph.down(position.node);
      for (NodeId c : down) children.push_back(WalkPosition::at(c));
      if (children.empty()) children.push_back(WalkPosition::base());
    }
    if (children.empty()) return no_overwalk ? WalkPosition::nowhere() : position;
    if (children.size() > 1) throw_revision_error("Ambiguous walk");
    position = children.front();
  }
  return position;
}

}  // namespace magent::core
