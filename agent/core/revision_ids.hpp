#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/core/revision_graph.hpp"

namespace magent::core {

// A failed lookup, classified as Alembic classifies it (RevisionError and subclasses), so
// the command layer can word it exactly as Alembic's CLI does. Thrown only inside the
// resolver and planner; every public function of planner.hpp converts it to an Error.
struct RevisionLookupError {
  enum class Kind { revision, resolution, multiple_heads, range_not_ancestor };
  Kind kind = Kind::revision;
  std::string message;             // Alembic's exception text
  std::string argument;            // resolution, multiple_heads: the identifier
  std::vector<std::string> heads;  // multiple_heads
  std::string lower, upper;        // range_not_ancestor
};

// Where a relative walk stands: nowhere yet, at the symbolic base, or at a revision.
struct WalkPosition {
  enum class Kind { none, base, node };
  Kind kind = Kind::none;
  NodeId node = 0;

  static WalkPosition at(NodeId n) { return {Kind::node, n}; }
  static WalkPosition base() { return {Kind::base, 0}; }
  static WalkPosition nowhere() { return {Kind::none, 0}; }
};

// Alembic's revision identifier rules over one graph: head, heads, base, full and partial
// ids, branch labels, label@rev, and relative walks. Throws RevisionLookupError.
class RevisionIds {
 public:
  explicit RevisionIds(const RevisionGraph& graph) : m_graph(graph) {}

  // _resolve_revision_number: the ids an identifier names, and its branch label.
  std::pair<std::vector<std::string>, std::optional<std::string>> resolve_revision_number(
      std::optional<std::string_view> identifier) const;
  // get_revisions for one identifier ("heads" gives several, "base" none). A relative
  // "-N" walks down from every head and may end at base or nowhere.
  std::vector<WalkPosition> get_positions(std::string_view identifier) const;
  // get_positions where every position must be a revision (a walk off the graph throws).
  std::vector<NodeId> get_revisions(std::string_view identifier) const;
  // get_revisions for several identifiers, concatenated.
  std::vector<NodeId> get_revisions(const std::vector<std::string>& identifiers) const;
  // get_revision: at most one revision; nullopt for base. Several → multiple_heads.
  std::optional<NodeId> get_revision(std::optional<std::string_view> identifier) const;
  // _revision_for_ident: exact id, label, or unique partial id, optionally checked to
  // share lineage with `check_branch`. An empty id means base (nullopt).
  std::optional<NodeId> revision_for_ident(std::string_view id,
                                           std::optional<std::string_view> check_branch) const;
  // _resolve_branch: a branch label, or a revision id used as one.
  NodeId resolve_branch(std::string_view label) const;
  // get_current_head: the single head (of a branch); multiple_heads when several.
  std::optional<NodeId> current_head(std::optional<std::string_view> branch_label) const;

  // filter_for_lineage: the targets related (ancestor or descendant) to what
  // `check_against` names.
  std::vector<NodeId> filter_for_lineage(const std::vector<NodeId>& targets,
                                         std::optional<std::string_view> check_against,
                                         Deps deps) const;
  // _shares_lineage against resolved identifiers (ids or labels).
  bool shares_lineage(NodeId target, const std::vector<std::string>& against, Deps deps) const;

  // _walk: `steps` up (>0) or down (<0) from `start`; nowhere() when it walks off the
  // graph and `no_overwalk` is set.
  WalkPosition walk(WalkPosition start, int steps, std::optional<std::string_view> branch_label,
                    bool no_overwalk) const;

  const RevisionGraph& graph() const { return m_graph; }

 private:
  const RevisionGraph& m_graph;
};

// Splits Alembic's relative form `[label@][symbol](+|-)N` (the regex is anchored at the
// start only, as Alembic's re.match is). nullopt when `text` is not relative.
struct RelativeTarget {
  std::optional<std::string> branch_label;
  std::optional<std::string> symbol;
  int relative = 0;
  std::string relative_text;  // as written, e.g. "+2" or "-1"
};
std::optional<RelativeTarget> parse_relative(std::string_view text);

// Throws a RevisionLookupError of kind `revision` with `message`.
[[noreturn]] void throw_revision_error(std::string message);

}  // namespace magent::core
