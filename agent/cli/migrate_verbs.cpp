// The verbs that change the database: upgrade, downgrade, stamp.
#include <iostream>

#include "agent/cli/render.hpp"
#include "agent/cli/verbs.hpp"
#include "agent/db/migrator.hpp"
#include "agent/db/offline_sql.hpp"
#include "agent/platform/clock.hpp"

namespace magent::cli {
namespace {

using nlohmann::json;

int run_migration(const Invocation& inv, db::MigrateRequest request) {
  int code = 0;
  auto loaded = inv.load_graph(code);
  if (!loaded) return code;
  auto db = inv.connect();
  if (!db) return inv.fail(db.error());

  auto observer = [&](const core::Step& step, const db::StepResult* result) {
    if (inv.json()) return;
    if (!result) {
      std::cout << step_line(step) << " ..." << std::flush;
      return;
    }
    if (result->succeeded) {
      std::cout << " ok (" << result->duration.count() << " ms)\n";
    } else {
      std::cout << " FAILED\n";
    }
  };
  db::MigrateOutcome outcome;
  auto done = db::migrate(**db, *loaded->graph, request, inv.settings().migrate,
                          platform::system_clock(), observer, &outcome);
  if (inv.json()) {
    json steps = json::array();
    for (const auto& step : outcome.steps) steps.push_back(step_result_json(step));
    json document = {{"ok", done.ok()}, {"steps", steps}, {"revisions", outcome.heads_after}};
    if (!done) {
      document["error"] = done.error().message;
      document["exit_code"] = core::exit_code_for(done.error().kind);
      std::cerr << "migration-agent: " << done.error().message << "\n";
      inv.print_json(document);
      return core::exit_code_for(done.error().kind);
    }
    inv.print_json(document);
    return 0;
  }
  if (!done) return inv.fail(done.error());
  if (outcome.steps.empty()) {
    std::cout << "Nothing to do: the database is at " << join_ids(outcome.heads_after) << "\n";
  } else {
    std::cout << "The database is now at " << join_ids(outcome.heads_after) << "\n";
  }
  return 0;
}

// `upgrade --sql [FROM:]TO` / `downgrade --sql FROM:TO`: Alembic's offline script, no
// database connection.
int offline(const Invocation& inv, db::Operation operation) {
  int code = 0;
  auto loaded = inv.load_graph(code);
  if (!loaded) return code;
  const core::RevisionGraph& graph = *loaded->graph;
  const std::string spec = inv.options().targets.empty() ? "heads" : inv.options().targets.front();
  const auto colon = spec.find(':');
  if (operation == db::Operation::downgrade && colon == std::string::npos) {
    return inv.fail(core::make_error(core::ErrorKind::usage,
                                     "downgrade with --sql requires <fromrev>:<torev>"));
  }
  const std::string from = colon == std::string::npos ? "base" : spec.substr(0, colon);
  const std::string to = colon == std::string::npos ? spec : spec.substr(colon + 1);
  auto start = core::resolve_single(graph, from);
  if (!start) return inv.fail(start.error());
  std::vector<std::string> current;
  if (!start->empty()) current.push_back(*start);
  auto plan = operation == db::Operation::upgrade ? core::plan_upgrade(graph, current, to)
                                                  : core::plan_downgrade(graph, current, to);
  if (!plan) return inv.fail(plan.error());
  auto sql =
      db::offline_sql(*plan, inv.config().database.url.dialect, inv.settings().version_table);
  if (!sql) return inv.fail(sql.error());
  if (inv.json()) {
    inv.print_json({{"ok", true},
                    {"dialect", std::string(core::to_string(inv.config().database.url.dialect))},
                    {"sql", *sql}});
  } else {
    std::cout << *sql << std::flush;
  }
  return 0;
}

}  // namespace

int verb_upgrade(const Invocation& inv) {
  if (inv.options().sql) return offline(inv, db::Operation::upgrade);
  db::MigrateRequest request;
  request.operation = db::Operation::upgrade;
  if (!inv.options().targets.empty()) request.targets = {inv.options().targets.front()};
  return run_migration(inv, request);
}

int verb_downgrade(const Invocation& inv) {
  if (inv.options().sql) return offline(inv, db::Operation::downgrade);
  db::MigrateRequest request;
  request.operation = db::Operation::downgrade;
  request.targets = {inv.options().targets.front()};
  request.allow_empty_result = inv.options().force;
  if (request.targets.front() == "base" && !inv.options().force) {
    return inv.fail(core::make_error(
        core::ErrorKind::usage,
        "downgrade base removes every revision (and what they created); pass --force to do it"));
  }
  return run_migration(inv, request);
}

int verb_stamp(const Invocation& inv) {
  db::MigrateRequest request;
  request.operation = db::Operation::stamp;
  request.targets = inv.options().targets;
  request.purge = inv.options().purge ? core::Purge::yes : core::Purge::no;
  return run_migration(inv, request);
}

}  // namespace magent::cli
