#include "agent/core/drift.hpp"

#include <algorithm>
#include <unordered_map>

#include "agent/core/planner.hpp"
#include "agent/core/text.hpp"

namespace magent::core {

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

Assessment assess(const RevisionGraph& graph, const DatabaseFacts& facts,
                  const DriftContext& context) {
  Assessment out;
  const std::string dir =
      context.migrations_dir.empty() ? "the migrations directory" : context.migrations_dir;

  const AliasedRows aliased = apply_aliases(facts.revisions, context.aliases);
  std::vector<std::string> unknown;
  std::vector<NodeId> known;
  for (const std::string& row : aliased.rows) {
    if (auto node = graph.find(row)) {
      known.push_back(*node);
    } else {
      unknown.push_back(row);
    }
  }
  for (const auto& [old_id, new_id] : aliased.renamed) {
    if (!graph.find(new_id)) continue;  // reported below as unknown under its new id
    out.renamed.emplace_back(old_id, new_id);
    out.drift.push_back(
        {DriftKind::unknown_revision,
         "the database is at revision " + old_id + ", which the migration files now call " +
             new_id + " (renamed; [aliases] " + old_id + " = \"" + new_id +
             "\"): the agent plans from " + new_id +
             ", but Alembic itself fails with \"Can't "
             "locate revision identified by '" +
             old_id + "'\" until alembic_version is rewritten",
         context.alias_auto_stamp
             ? "nothing to do by hand: with [aliases] auto_stamp = true the next `migration-agent "
               "upgrade` (or the daemon with AUTO_MIGRATE=1) stamps " +
                   old_id + " -> " + new_id
             : "`migration-agent stamp " + join(aliased.rows, " ") +
                   " --purge` rewrites the row without running anything (or set [aliases] "
                   "auto_stamp = true and let the agent do it)"});
  }
  out.only_renamed_unknown = unknown.empty() && !out.renamed.empty();
  if (!unknown.empty()) {
    std::string heads;
    for (NodeId h : graph.heads()) heads += (heads.empty() ? "" : ", ") + graph.id_of(h);
    if (graph.size() == 0) {
      out.drift.push_back(
          {DriftKind::unknown_revision,
           "the database is at revision " + join(unknown) + ", but " + dir +
               " holds no revision files: the agent is reading the wrong script location (an "
               "empty migrations/ folder, or a package built without its migrations)",
           "point MIGRATIONS_DIR ([migrations] dir, --migrations-dir) at the application's own "
           "revisions (NOW LMS: the now_lms/migrations folder inside the installed package)"});
    } else {
      out.drift.push_back(
          {DriftKind::unknown_revision,
           "the database is at revision " + join(unknown) + ", which none of the " +
               std::to_string(graph.size()) + " revision files in " + dir +
               " has (their heads: " + heads +
               "): the database is ahead of the deployed code (a rollback, or a build without "
               "its migrations), the wrong directory is deployed, or the id was renamed",
           "deploy the code and migrations that contain " + unknown.front() +
               " (check MIGRATIONS_DIR); if the id was renamed, add [aliases] " + unknown.front() +
               " = \"<new id>\" or run `migration-agent stamp <new id> --purge`; "
               "do not upgrade or stamp blindly from here"});
    }
  }

  std::vector<std::string> planning = aliased.rows;
  if (!facts.version_table_exists && !facts.user_tables.empty()) {
    const std::string& table = context.baseline_table;
    const std::string bare =
        table.substr(table.find('.') == std::string::npos ? 0 : table.find('.') + 1);
    out.baseline_applies =
        !table.empty() && std::find(facts.user_tables.begin(), facts.user_tables.end(), bare) !=
                              facts.user_tables.end();
    std::string message = "the database has tables (" + join(facts.user_tables) +
                          ") but no version table, so nobody knows which revision its schema is "
                          "at (NOW LMS's create_all() start leaves it so); an upgrade from base "
                          "would fail with \"table already exists\"";
    std::string fix;
    if (out.baseline_applies) {
      fix = "[baseline] applies (table " + table +
            " exists): `migration-agent upgrade` (or the "
            "daemon with AUTO_MIGRATE=1) stamps " +
            context.baseline_revision + " first, then applies what is pending";
      if (auto stamped = plan_stamp(graph, {}, {context.baseline_revision}, Purge::no)) {
        planning = stamped->heads_after;
      }
    } else {
      if (!table.empty())
        message += "; [baseline] when_table_exists = " + table + ", which does not exist here";
      fix =
          "if the schema matches the deployed files, `migration-agent stamp heads` (or set "
          "[baseline] when_table_exists = \"<a table create_all() makes, e.g. system_info>\"); "
          "if it matches an older revision, stamp that one, then upgrade";
    }
    out.drift.push_back({DriftKind::unversioned, message, fix});
  }

  if (unknown.empty()) {
    auto plan = plan_upgrade(graph, planning, "heads");
    if (plan) {
      for (const Step& step : plan->steps) out.pending_revisions.push_back(step.revision->id);
      out.at_heads = plan->steps.empty() && out.renamed.empty();
    }
    if (!out.pending_revisions.empty() && !out.has(DriftKind::unversioned)) {
      std::vector<std::string> python;
      for (const std::string& id : out.pending_revisions) {
        if (graph.revision(*graph.find(id)).kind == FileKind::python) python.push_back(id);
      }
      std::string message = std::to_string(out.pending_revisions.size()) +
                            " revision(s) pending: " + join(out.pending_revisions);
      std::string fix =
          "`migration-agent upgrade` (or let the daemon apply them with "
          "AUTO_MIGRATE=1)";
      if (!python.empty() && !context.has_runner) {
        message += "; " + join(python) + (python.size() == 1 ? " is an" : " are") +
                   " Alembic .py file(s), which the agent never runs itself";
        fix =
            "set [runner] command to the application's own Alembic (NOW LMS: \"flask --app "
            "now_lms db upgrade {target}\"), then `migration-agent upgrade`";
      }
      out.drift.push_back({DriftKind::behind, message, fix});
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
    out.drift.push_back(
        {DriftKind::schema,
         "the live schema changed while the revision did not: " + *facts.schema_difference,
         "undo the manual change, or capture it in a new revision"});
  }
  return out;
}

}  // namespace magent::core
