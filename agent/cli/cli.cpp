#include "agent/cli/cli.hpp"

#include <functional>
#include <iostream>
#include <map>

#include <CLI/CLI.hpp>

#include "agent/cli/verbs.hpp"
#include "agent/version.hpp"

namespace magent::cli {
namespace {

constexpr const char* k_description =
    "migration-agent keeps a database schema at the revision the deployed code expects.\n"
    "It reads Alembic revision files (.py, read statically) and native .sql migrations,\n"
    "applies them under a database lock, and keeps a ledger of every step.\n"
    "Configuration: --config FILE (TOML) < environment (DATABASE_URL, MIGRATIONS_DIR,\n"
    "AUTO_MIGRATE, ...) < flags. Exit codes: 0 ok, 1 check failed or drift, 2 usage or\n"
    "configuration error, 3 database unreachable, 4 lock not acquired in time, 5 a\n"
    "migration step failed.";

// Adds a string option that fills `target` only when given.
void optional_flag(CLI::App& app, const std::string& name, std::optional<std::string>& target,
                   const std::string& help) {
  app.add_option_function<std::string>(
         name, [&target](const std::string& value) { target = value; }, help)
      ->type_name("TEXT");
}

using Verb = int (*)(const Invocation&);

}  // namespace

int run(int argc, char** argv) {
  Options options;
  CLI::App app{k_description, "migration-agent"};
  app.set_version_flag("--version", std::string("migration-agent ") + k_version);
  app.fallthrough();  // global flags are accepted after the verb too
  app.require_subcommand(1);

  auto& o = options.overrides;
  optional_flag(app, "--config", o.config_file, "TOML configuration file (env MIGRATION_AGENT_CONFIG)");
  optional_flag(app, "--database-url", o.database_url,
                "SQLAlchemy-style database URL (env DATABASE_URL, DATABASE_URL_FILE)");
  optional_flag(app, "--migrations-dir", o.migrations_dir, "migrations directory (env MIGRATIONS_DIR)");
  optional_flag(app, "--socket", o.socket, "control socket path (env MIGRATION_AGENT_SOCKET)");
  optional_flag(app, "--metrics-listen", o.metrics_listen,
                "HOST:PORT for /metrics, /healthz, /readyz (env MIGRATION_AGENT_METRICS_LISTEN)");
  optional_flag(app, "--log-format", o.log_format, "text or json (env MIGRATION_AGENT_LOG_FORMAT)");
  optional_flag(app, "--auto-migrate", o.auto_migrate,
                "apply pending revisions automatically in `run` (env AUTO_MIGRATE)");
  app.add_flag("--json", options.json, "machine-readable output on stdout");
  app.add_flag("-v,--verbose", options.verbose, "log debug details on stderr");

  std::map<std::string, Verb> verbs;
  auto verb = [&](const char* name, const char* help, Verb fn) {
    verbs[name] = fn;
    return app.add_subcommand(name, help);
  };
  verb("run", "run the agent: watch, report, and (with AUTO_MIGRATE) apply; until SIGTERM",
       verb_run);
  verb("current", "print the database's revision(s)", verb_current);
  verb("heads", "print the head revision(s) of the migration files", verb_heads);
  verb("history", "print every revision, newest first", verb_history);
  verb("plan", "print the steps an upgrade would take (default target: heads)", verb_plan)
      ->add_option("target", options.targets, "revision identifier")
      ->expected(0, 1);
  verb("check", "exit 0 when the database is at the heads with no drift, else 1 with reasons",
       verb_check);
  auto* upgrade = verb("upgrade", "apply revisions up to TARGET (default: heads)", verb_upgrade);
  upgrade
      ->add_option("target", options.targets,
                   "revision identifier (heads, head, +1, rev, label@head ...); with --sql "
                   "[FROM:]TO")
      ->expected(0, 1);
  upgrade->add_flag("--sql", options.sql,
                    "print the SQL Alembic's offline mode would, for the configured dialect, "
                    "instead of applying (no connection)");
  auto* downgrade = verb("downgrade", "revert revisions down to TARGET (never implied)", verb_downgrade);
  downgrade
      ->add_option("target", options.targets,
                   "revision identifier (-1, rev, base ...); with --sql FROM:TO")
      ->required()
      ->expected(1);
  downgrade->add_flag("--force", options.force, "allow downgrading to base");
  downgrade->add_flag("--sql", options.sql,
                      "print the offline SQL for FROM:TO instead of applying");
  auto* stamp = verb("stamp", "set alembic_version to TARGET(s) without running migrations", verb_stamp);
  stamp->add_option("target", options.targets, "revision identifier(s)")->required();
  stamp->add_flag("--purge", options.purge, "empty the version table first");
  verb("wait", "exit 0 once the database is at the heads (for entrypoints, init containers)",
       verb_wait)
      ->add_option("--timeout", options.timeout_seconds, "seconds to wait (default 300)")
      ->check(CLI::NonNegativeNumber);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    std::cout << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::CallForVersion&) {
    std::cout << "migration-agent " << k_version << "\n";
    return 0;
  } catch (const CLI::ParseError& e) {
    std::cerr << "migration-agent: " << e.what() << "\nRun `migration-agent --help` for usage.\n";
    return 2;
  }
  for (CLI::App* sub : app.get_subcommands()) options.verb = sub->get_name();

  int exit_code = 0;
  try {
    auto inv = Invocation::start(options, exit_code);
    if (!inv) return exit_code;
    return verbs.at(options.verb)(*inv);
  } catch (const std::exception& e) {  // a bug: say so in one line instead of aborting
    std::cerr << "migration-agent: internal error: " << e.what() << "\n";
    return 70;
  }
}

}  // namespace magent::cli
