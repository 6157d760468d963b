#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/core/aliases.hpp"
#include "agent/core/revision_graph.hpp"

namespace magent::core {

// Every way the database can differ from what the deployed files expect (DESIGN.md s. 6).
enum class DriftKind { behind, unknown_revision, multiple_heads, checksum, failed, unversioned, schema };

inline constexpr std::array<DriftKind, 7> k_all_drift_kinds = {
    DriftKind::behind,   DriftKind::unknown_revision, DriftKind::multiple_heads, DriftKind::checksum,
    DriftKind::failed,   DriftKind::unversioned,      DriftKind::schema};

std::string_view to_string(DriftKind kind);

// One finding: what is wrong, in operator words, and the command that fixes it.
struct Drift {
  DriftKind kind = DriftKind::behind;
  std::string message;
  std::string fix;
};

// What the database and the ledger say, as the drift rules need it.
struct DatabaseFacts {
  bool version_table_exists = false;
  std::vector<std::string> revisions;    // alembic_version rows
  std::vector<std::string> user_tables;  // tables other than ours (unversioned detection)
  // The checksum recorded when each revision was last applied by the agent.
  struct AppliedChecksum {
    std::string revision;
    std::string checksum;
  };
  std::vector<AppliedChecksum> applied_checksums;
  // Steps that failed, or started and never finished, with nothing succeeding since.
  struct Unresolved {
    std::string revision;
    std::string outcome;  // "failed" or "started"
    std::string error;
    std::string started_at;
    std::string checksum;  // of the file as it was when the step ran
  };
  std::vector<Unresolved> unresolved;
  // A description of how the live schema differs from its fingerprint; nullopt = same.
  std::optional<std::string> schema_difference;
};

// What the configuration says that changes how drift is judged and explained.
struct DriftContext {
  AliasMap aliases;               // [aliases]: old id -> new id
  bool alias_auto_stamp = false;  // [aliases] auto_stamp
  bool has_runner = false;        // [runner] command is set (.py revisions can be applied)
  std::string migrations_dir;     // named in messages ("" = not named)
  std::string baseline_table;     // [baseline] when_table_exists ("" = no baseline)
  std::string baseline_revision = "heads";
};

// Where the database stands against the files.
struct Assessment {
  std::vector<Drift> drift;                    // empty = in sync
  std::vector<std::string> pending_revisions;  // what `upgrade heads` would apply, in order
  bool at_heads = false;                       // nothing pending and no unknown revision
  // (old, new) for each row that holds a renamed id the files know under its new id.
  std::vector<std::pair<std::string, std::string>> renamed;
  bool only_renamed_unknown = false;  // every unknown row is such a renamed id
  bool baseline_applies = false;      // unversioned, and the [baseline] table exists
  bool has(DriftKind kind) const;
};

// Applies the drift rules. `graph` is the deployed files; `facts` the database; `context`
// the configuration that decides what is planned (aliased rows are planned from their new
// id; an applicable baseline from its stamp) and what the fixes say.
Assessment assess(const RevisionGraph& graph, const DatabaseFacts& facts,
                  const DriftContext& context = {});

}  // namespace magent::core
