#include "agent/core/policy.hpp"

#include <algorithm>

namespace magent::core {

Decision decide(const RevisionGraph& graph, const DatabaseFacts& facts,
                const Assessment& assessment, const PolicyInput& input) {
  std::string stamp;  // what must be stamped before anything is applied
  if (assessment.has(DriftKind::unknown_revision)) {
    if (!assessment.only_renamed_unknown) {
      return {Action::hold, "the database is at a revision the migration files do not have"};
    }
    if (!input.alias_auto_stamp) {
      return {Action::hold, "the database is at a renamed revision id (" +
                                assessment.renamed.front().first + ", now " +
                                assessment.renamed.front().second +
                                "); stamp the new id or set [aliases] auto_stamp = true"};
    }
    stamp = "renamed revision " + assessment.renamed.front().first + " -> " +
            assessment.renamed.front().second;
  }
  if (assessment.has(DriftKind::unversioned)) {
    if (!assessment.baseline_applies) {
      return {Action::hold, "the database has tables but no version table"};
    }
    stamp = "a [baseline] stamp of an unversioned database";
  }
  if (assessment.pending_revisions.empty() && stamp.empty()) return {Action::nothing_to_do, ""};

  const auto& pending = assessment.pending_revisions;
  for (const auto& failure : facts.unresolved) {
    if (std::find(pending.begin(), pending.end(), failure.revision) == pending.end()) continue;
    auto node = graph.find(failure.revision);
    if (!node) {
      return {Action::hold, "revision " + failure.revision +
                                " failed earlier and is no longer in the migration files"};
    }
    if (graph.revision(*node).checksum == failure.checksum || failure.checksum.empty()) {
      return {Action::hold, "revision " + failure.revision + " " +
                                (failure.outcome == "started" ? "did not finish" : "failed") +
                                " and its file has not changed since; fix the file or stamp"};
    }
  }
  if (input.hold_on_multiple_heads && graph.real_heads().size() > 1) {
    return {Action::hold, "the migration files have several heads and [apply] multiple_heads = "
                          "\"hold\""};
  }
  if (!input.has_runner) {
    for (const std::string& id : pending) {
      auto node = graph.find(id);
      if (node && graph.revision(*node).kind == FileKind::python) {
        return {Action::hold, "pending revision " + id +
                                  " is an Alembic .py file and no [runner] command is configured"};
      }
    }
  }
  const std::string count = (stamp.empty() ? "" : stamp + " due, ") +
                            std::to_string(pending.size()) + " revision(s) pending";
  if (!input.auto_migrate) return {Action::hold, count + "; AUTO_MIGRATE is off"};
  if (input.paused) return {Action::hold, count + "; automatic migration is paused"};
  return {Action::apply, ""};
}

}  // namespace magent::core
