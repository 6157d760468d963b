#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/config/config.hpp"
#include "agent/config/load.hpp"
#include "agent/core/result.hpp"
#include "agent/db/database.hpp"
#include "agent/db/settings.hpp"
#include "agent/platform/migration_directory.hpp"

namespace magent::cli {

// What the command line asked for, before configuration is loaded.
struct Options {
  config::Overrides overrides;
  bool json = false;
  bool verbose = false;
  std::string verb;
  std::vector<std::string> targets;  // positional TARGET(s)
  bool force = false;                // downgrade to base
  bool purge = false;                // stamp --purge
  bool sql = false;                  // upgrade/downgrade --sql: print the offline script
  double timeout_seconds = 300;      // wait --timeout
};

// One run of a verb: the options, the loaded configuration and the database settings.
class Invocation {
 public:
  // Loads configuration (exit 2 with one line on failure) and sets up logging.
  static std::optional<Invocation> start(const Options& options, int& exit_code);

  const Options& options() const { return m_options; }
  const config::Config& config() const { return m_config; }
  const db::DatabaseSettings& settings() const { return m_settings; }
  bool json() const { return m_options.json; }

  // Reads and validates the migrations directory; prints every problem on failure. A verb
  // that loads it again and again (`wait`) passes a cache so unchanged files are not re-read.
  std::optional<platform::LoadedGraph> load_graph(int& exit_code,
                                                  platform::ScanCache* cache = nullptr) const;
  // Connects, waiting up to database.wait_timeout for the server to come up. Read-only
  // verbs pass MissingDatabase::read_as_empty so a mistyped SQLite path leaves no file.
  core::Result<std::unique_ptr<db::Database>> connect(
      db::MissingDatabase missing = db::MissingDatabase::create) const;

  // Reports an error: one line on stderr (and a JSON object on stdout with --json);
  // returns the exit code for its kind.
  int fail(const core::Error& error) const;
  // Prints a JSON document on stdout.
  void print_json(const nlohmann::json& document) const;

 private:
  Options m_options;
  config::Config m_config;
  db::DatabaseSettings m_settings;
};

}  // namespace magent::cli
