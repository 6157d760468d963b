// The read-only verbs: current, heads, history, plan, check, wait.
#include <chrono>
#include <iostream>
#include <thread>

#include "agent/cli/render.hpp"
#include "agent/cli/verbs.hpp"
#include "agent/core/current.hpp"
#include "agent/core/drift.hpp"
#include "agent/db/inspect.hpp"
#include "agent/db/version_store.hpp"

namespace magent::cli {
namespace {

using nlohmann::json;

}  // namespace

int verb_current(const Invocation& inv) {
  auto db = inv.connect(db::MissingDatabase::read_as_empty);
  if (!db) return inv.fail(db.error());
  auto state = db::read_versions(**db, inv.settings().version_table);
  if (!state) return inv.fail(state.error());
  // The files only decorate the answer; a broken directory must not hide the database.
  platform::LoadedGraph loaded = platform::load_revision_graph(inv.config().migrations.dir);
  if (!loaded.graph) {
    std::cerr << "migration-agent: warning: the migrations directory has "
              << loaded.problems.size() << " problem(s); run `migration-agent check`\n";
  }
  // Alembic's `current` also shows revisions applied as a depends_on of the rows.
  const std::vector<std::string> shown =
      loaded.graph ? core::all_current(*loaded.graph, state->revisions) : state->revisions;
  if (inv.json()) {
    inv.print_json({{"revisions", state->revisions},
                    {"current", shown},
                    {"version_table_exists", state->table_exists}});
    return 0;
  }
  if (state->revisions.empty()) {
    std::cout << (state->table_exists ? "(base: no revision applied)"
                                      : "(no version table: nothing applied yet)")
              << "\n";
  }
  for (const std::string& row : shown) {
    auto node = loaded.graph ? loaded.graph->find(row) : std::nullopt;
    if (node) {
      std::cout << revision_line(*loaded.graph, *node, LineStyle::current) << "\n";
    } else {
      std::cout << row << (loaded.graph ? " (not in the migration files)" : "") << "\n";
    }
  }
  return 0;
}

int verb_heads(const Invocation& inv) {
  int code = 0;
  auto loaded = inv.load_graph(code);
  if (!loaded) return code;
  const core::RevisionGraph& graph = *loaded->graph;
  if (inv.json()) {
    json heads = json::array();
    for (core::NodeId h : graph.heads()) heads.push_back(graph.id_of(h));
    inv.print_json({{"heads", heads}});
    return 0;
  }
  for (core::NodeId h : graph.heads()) {
    std::cout << revision_line(graph, h, LineStyle::heads) << "\n";
  }
  return 0;
}

int verb_history(const Invocation& inv) {
  int code = 0;
  auto loaded = inv.load_graph(code);
  if (!loaded) return code;
  const core::RevisionGraph& graph = *loaded->graph;
  std::vector<core::NodeId> order = core::history_order(graph);
  if (inv.json()) {
    json revisions = json::array();
    for (core::NodeId n : order) revisions.push_back(revision_json(graph, n));
    inv.print_json({{"revisions", revisions}});
    return 0;
  }
  for (core::NodeId n : order) std::cout << revision_line(graph, n, LineStyle::history) << "\n";
  return 0;
}

int verb_plan(const Invocation& inv) {
  int code = 0;
  auto loaded = inv.load_graph(code);
  if (!loaded) return code;
  auto db = inv.connect(db::MissingDatabase::read_as_empty);
  if (!db) return inv.fail(db.error());
  const auto& s = inv.settings();
  auto seen = db::inspect(**db, s.version_table, s.ledger_table, s.lock_key, 0);
  if (!seen) return inv.fail(seen.error());
  db::MigrateRequest request;
  if (!inv.options().targets.empty()) request.targets = {inv.options().targets.front()};
  // Renamed ids are planned from their new id, as `upgrade` does.
  const auto aliased = core::apply_aliases(seen->facts.revisions, inv.config().aliases.renamed);
  auto plan = db::make_plan(*loaded->graph, aliased.rows, request);
  if (!plan) return inv.fail(plan.error());
  if (inv.json()) {
    json steps = json::array();
    for (const auto& step : plan->steps) steps.push_back(step_json(step));
    inv.print_json({{"steps", steps},
                    {"current", seen->facts.revisions},
                    {"heads_after", plan->heads_after},
                    {"lock_holder", seen->lock_holder ? json(*seen->lock_holder) : json(nullptr)}});
    return 0;
  }
  if (plan->steps.empty()) {
    std::cout << "Nothing to do: the database is at " << join_ids(seen->facts.revisions) << "\n";
  }
  for (const auto& step : plan->steps) std::cout << step_line(step) << "\n";
  if (seen->lock_holder) std::cout << "The migration lock is held by " << *seen->lock_holder << "\n";
  return 0;
}

int verb_check(const Invocation& inv) {
  int code = 0;
  auto loaded = inv.load_graph(code);
  if (!loaded) return code;
  auto db = inv.connect(db::MissingDatabase::read_as_empty);
  if (!db) return inv.fail(db.error());
  const auto& s = inv.settings();
  auto seen = db::inspect(**db, s.version_table, s.ledger_table, s.lock_key, 0);
  if (!seen) return inv.fail(seen.error());
  core::Assessment assessment =
      core::assess(*loaded->graph, seen->facts, db::drift_context(inv.config()));
  const bool ok = assessment.drift.empty();
  if (inv.json()) {
    json heads = json::array();
    for (core::NodeId h : loaded->graph->heads()) heads.push_back(loaded->graph->id_of(h));
    inv.print_json({{"ok", ok},
                    {"drift", drift_json(assessment.drift)},
                    {"revisions", seen->facts.revisions},
                    {"heads", heads},
                    {"pending", assessment.pending_revisions},
                    {"lock_holder", seen->lock_holder ? json(*seen->lock_holder) : json(nullptr)}});
    return ok ? 0 : 1;
  }
  const auto& facts = seen->facts;
  std::vector<std::string> heads;
  for (core::NodeId h : loaded->graph->heads()) heads.push_back(loaded->graph->id_of(h));
  std::cout << "database:  "
            << (!facts.version_table_exists ? "no " + s.version_table.name + " table"
                : facts.revisions.empty()
                    ? std::string("at base (") + s.version_table.name + " is empty)"
                    : "at " + join_ids(facts.revisions))
            << "\nfiles:     " << loaded->graph->size() << " revision(s) in "
            << inv.config().migrations.dir << ", head(s) " << join_ids(heads) << "\n";
  if (ok) {
    std::cout << "OK: the database is at the heads (" << join_ids(seen->facts.revisions)
              << "); no drift\n";
  }
  for (const auto& d : assessment.drift) {
    std::cout << "drift " << core::to_string(d.kind) << ": " << d.message << "\n  fix: " << d.fix
              << "\n";
  }
  if (seen->lock_holder) std::cout << "The migration lock is held by " << *seen->lock_holder << "\n";
  return ok ? 0 : 1;
}

int verb_wait(const Invocation& inv) {
  using namespace std::chrono;
  const auto deadline =
      steady_clock::now() + duration_cast<steady_clock::duration>(duration<double>(
                                inv.options().timeout_seconds));
  std::string last_reason;
  platform::ScanCache files;  // polled every 500 ms: an unchanged file is read once
  for (;;) {
    int code = 0;
    auto loaded = inv.load_graph(code, &files);
    if (!loaded) return code;
    db::ConnectOptions options = inv.settings().connect;
    options.missing = db::MissingDatabase::read_as_empty;
    auto db = db::open_database(options);
    if (!db) {
      last_reason = "database unreachable: " + db.error().message;
    } else {
      auto state = db::read_versions(**db, inv.settings().version_table);
      if (!state) {
        last_reason = state.error().message;
      } else {
        auto plan = core::plan_upgrade(*loaded->graph, state->revisions, "heads");
        if (!plan) {
          last_reason = plan.error().message;
        } else if (plan->steps.empty()) {
          if (inv.json()) inv.print_json({{"ok", true}, {"revisions", state->revisions}});
          else std::cout << "The database is at the heads (" << join_ids(state->revisions) << ")\n";
          return 0;
        } else {
          last_reason = std::to_string(plan->steps.size()) + " revision(s) pending";
        }
      }
    }
    if (steady_clock::now() >= deadline) {
      return inv.fail(core::make_error(core::ErrorKind::drift,
                                       "timed out waiting for the database to reach the heads: " +
                                           last_reason));
    }
    std::this_thread::sleep_for(milliseconds(500));
  }
}

}  // namespace magent::cli
