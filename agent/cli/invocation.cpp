#include "agent/cli/invocation.hpp"

#include <iostream>

#include <spdlog/spdlog.h>

#include "agent/db/connect.hpp"
#include "agent/platform/clock.hpp"
#include "agent/platform/logging.hpp"

namespace magent::cli {

std::optional<Invocation> Invocation::start(const Options& options, int& exit_code) {
  auto loaded = config::load_config(options.overrides, config::current_environment(),
                                    config::read_text_file);
  Invocation inv;
  inv.m_options = options;
  if (!loaded) {
    exit_code = inv.fail(loaded.error());
    return std::nullopt;
  }
  inv.m_config = std::move(*loaded);
  inv.m_settings = db::database_settings(inv.m_config);
  // One-shot verbs talk on stdout; the log carries warnings unless asked for more.
  std::string level = options.verbose ? "debug" : "warn";
  if (options.verb == "run") level = inv.m_config.log.level;
  platform::setup_logging(inv.m_config.log.format, level);
  return inv;
}

std::optional<platform::LoadedGraph> Invocation::load_graph(int& exit_code,
                                                            platform::ScanCache* cache) const {
  platform::LoadedGraph loaded = platform::load_revision_graph(m_config.migrations.dir, cache);
  if (loaded.graph) return loaded;
  for (const core::Error& problem : loaded.problems) {
    std::cerr << "migration-agent: " << problem.message << "\n";
  }
  if (json()) {
    nlohmann::json problems = nlohmann::json::array();
    for (const core::Error& problem : loaded.problems) problems.push_back(problem.message);
    print_json({{"ok", false}, {"error", "the migrations directory has problems"},
                {"problems", problems}, {"exit_code", 2}});
  }
  exit_code = 2;
  return std::nullopt;
}

core::Result<std::unique_ptr<db::Database>> Invocation::connect(db::MissingDatabase missing) const {
  db::ConnectOptions options = m_settings.connect;
  options.missing = missing;
  return db::open_database_waiting(options, m_config.database.wait_timeout,
                                   platform::system_clock());
}

int Invocation::fail(const core::Error& error) const {
  const int code = core::exit_code_for(error.kind);
  std::cerr << "migration-agent: " << error.message << "\n";
  if (json()) print_json({{"ok", false}, {"error", error.message}, {"exit_code", code}});
  return code;
}

void Invocation::print_json(const nlohmann::json& document) const {
  std::cout << document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

}  // namespace magent::cli
