#include "agent/core/drift.hpp"

#include <algorithm>
#include <unordered_map>

#include "agent/core/planner.hpp"

namespace magent::core {
namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace

std::string_view to_string(DriftKind kind) {
  switch (kind) {
    case DriftKind::behind:
      return "behind";
    case DriftKind::unknown_revision:
      return "unknown_revision";
    case DriftKind::multiple_heads:
      return "multiple_heads";
    case DriftKind::checksum:
      return "checksum";
    case DriftKind::failed:
      return "failed";
    case DriftKind::unversioned:
      return "unversioned";
    case DriftKind::schema:
      return "schema";
  }
  return "?";
}

bool Assessment::has(DriftKind kind) const {
  return std::any_of(drift.begin(), drift.end(), [&](const Drift& d) { return d.kind == kind; });
}

Assessment assess(const RevisionGraph& graph, const DatabaseFacts& facts) {
  Assessment out;

  std::vector<std::string> unknown;
  std::vector<NodeId> known;
  for (const std::string& row : facts.revisions) {
    if (auto node = graph.find(row)) {
      known.push_back(*node);
    } else {
      unknown.push_back(row);
    }
  }
  if (!unknown.empty()) {
    out.drift.push_back(
        {DriftKind::unknown_revision,
         "the database is at revision " + join(unknown) +
             ", which the deployed migration files do not contain (the application was rolled "
             "back, the wrong migrations directory is deployed, or the revision id was renamed)",
         "deploy the files that contain it; if the id was renamed, map it with [aliases] " +
             unknown.front() + " = \"<new id>\" or run `migration-agent stamp <new id> --purge`"});
  }

  if (!facts.version_table_exists && !facts.user_tables.empty()) {
    out.drift.push_back(
        {DriftKind::unversioned,
         "the database has tables (" + join(facts.user_tables) +
             ") but no version table, so nobody knows which revision its schema is at "
             "(a create_all() start leaves it so)",
         "if the schema matches the deployed files, run `migration-agent stamp heads` (or set "
         "[baseline] when_table_exists); otherwise stamp the revision it matches"});
  }

  if (unknown.empty()) {
    auto plan = plan_upgrade(graph, facts.revisions, "heads");
    if (plan) {
      for (const Step& step : plan->steps) out.pending_revisions.push_back(step.revision->id);
      out.at_heads = plan->steps.empty();
    }
    if (!out.pending_revisions.empty() && !out.has(DriftKind::unversioned)) {
      out.drift.push_back({DriftKind::behind,
                           std::to_string(out.pending_revisions.size()) +
                               " revision(s) pending: " + join(out.pending_revisions),
                           "`migration-agent upgrade` (or let the daemon apply them with "
                           "AUTO_MIGRATE=1)"});
    }
  }

  if (graph.real_heads().size() > 1 || facts.revisions.size() > 1) {
    std::vector<std::string> heads;
    for (NodeId h : graph.real_heads()) heads.push_back(graph.id_of(h));
    out.drift.push_back(
        {DriftKind::multiple_heads,
         graph.real_heads().size() > 1
             ? "the migration files have " + std::to_string(heads.size()) + " heads (" +
                   join(heads) + "): unmerged branches"
             : "the database is at " + std::to_string(facts.revisions.size()) +
                   " revisions at once (" + join(facts.revisions) + ")",
         "add a merge revision whose down_revision lists the heads (`alembic merge heads`), or "
         "accept branches with [apply] multiple_heads = \"upgrade\""});
  }

  if (!known.empty()) {
    NodeSet applied = graph.ancestors(known, Deps::include);
    std::unordered_map<std::string, std::string> recorded;
    for (const auto& entry : facts.applied_checksums) recorded[entry.revision] = entry.checksum;
    for (NodeId n : applied.items()) {
      const Revision& r = graph.revision(n);
      auto it = recorded.find(r.id);
      if (it == recorded.end() || it->second.empty() || r.checksum.empty()) continue;
      if (it->second != r.checksum) {
        out.drift.push_back({DriftKind::checksum,
                             r.path + " (revision " + r.id +
                                 ") was edited after it was applied: the database ran the old "
                                 "content",
                             "restore the file as it was applied and put the change in a new "
                             "revision"});
      }
    }
  }

  for (const auto& u : facts.unresolved) {
    out.drift.push_back(
        {DriftKind::failed,
         "revision " + u.revision + " " +
             (u.outcome == "started" ? "started at " + u.started_at + " and never finished"
                                     : "failed at " + u.started_at) +
             (u.error.empty() ? std::string() : ": " + u.error),
         "check the schema by hand; fix the migration file (a changed file is retried), or "
         "`migration-agent stamp <revision>` to the revision the schema is really at"});
  }

  if (facts.schema_difference) {
    out.drift.push_back({DriftKind::schema,
                         "the live schema changed while the revision did not: " +
                             *facts.schema_difference,
                         "undo the manual change, or capture it in a new revision"});
  }
  return out;
}

}  // namespace magent::core
