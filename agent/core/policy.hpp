#pragma once

#include <string>

#include "agent/core/drift.hpp"
#include "agent/core/revision_graph.hpp"

namespace magent::core {

// What the daemon does after a check.
enum class Action { nothing_to_do, apply, hold };

// What the daemon's policies (DESIGN.md section 6, issue "the daemon") need to know.
struct PolicyInput {
  bool auto_migrate = false;
  bool paused = false;
  bool hold_on_multiple_heads = false;  // [apply] multiple_heads = "hold"
  bool has_runner = false;              // [runner] command configured (.py revisions)
  bool alias_auto_stamp = false;        // [aliases] auto_stamp: rewrite renamed ids, then go on
};

// The decision and, unless applying, the reason in operator words.
struct Decision {
  Action action = Action::nothing_to_do;
  std::string reason;
};

// Applies the automatic-migration policies to an assessed database: never downgrade
// (only `upgrade heads` is ever planned), hold on an unknown revision (unless it is a
// renamed id and auto_stamp is on), an unversioned database (unless [baseline] applies),
// multiple heads when configured to, a step that failed and whose file has not changed
// since, .py revisions without a runner; otherwise apply (stamps first, then the pending
// revisions) when AUTO_MIGRATE is on and nobody paused it.
Decision decide(const RevisionGraph& graph, const DatabaseFacts& facts,
                const Assessment& assessment, const PolicyInput& input);

}  // namespace magent::core
