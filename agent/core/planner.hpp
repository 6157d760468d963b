#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "agent/core/plan.hpp"
#include "agent/core/result.hpp"
#include "agent/core/revision_graph.hpp"

namespace magent::core {

// Whether a stamp first empties the version table (Alembic's `stamp --purge`).
enum class Purge { no, yes };

// The steps `alembic upgrade <target>` would take from the database rows `current`, in
// Alembic's order, each with the alembic_version row changes Alembic makes. Errors are
// ErrorKind::resolution worded as Alembic's CLI words them ("Can't locate revision
// identified by 'x'", "Multiple head revisions are present ...", ...).
Result<Plan> plan_upgrade(const RevisionGraph& graph, const std::vector<std::string>& current,
                          std::string_view target);

// The steps `alembic downgrade <target>` would take from `current`.
Result<Plan> plan_downgrade(const RevisionGraph& graph, const std::vector<std::string>& current,
                            std::string_view target);

// The row changes `alembic stamp <targets...> [--purge]` would make; no revision runs.
Result<Plan> plan_stamp(const RevisionGraph& graph, const std::vector<std::string>& current,
                        const std::vector<std::string>& targets, Purge purge);

// The full revision ids an identifier names (heads, head, base, label@head, partial ids,
// relative walks from the heads); empty for base.
Result<std::vector<std::string>> resolve_identifier(const RevisionGraph& graph,
                                                    std::string_view identifier);

// The single revision id an identifier names (Alembic's get_revision), "" for base; used
// for the FROM of offline `--sql FROM:TO`.
Result<std::string> resolve_single(const RevisionGraph& graph, std::string_view identifier);

// Every revision, newest first: Alembic's `history` order (its walk from the heads down).
std::vector<NodeId> history_order(const RevisionGraph& graph);

}  // namespace magent::core
