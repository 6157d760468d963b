#include "tests/support/engines.hpp"

#include <atomic>
#include <cstdlib>
#include <regex>

#include <gtest/gtest.h>
#include <unistd.h>

#include "tests/support/process.hpp"

namespace magent::test {
namespace {

struct ServerAddress {
  std::string user, host, port;
};

std::optional<ServerAddress> server_from_url(const std::string& what, const std::string& value) {
  static const std::regex pattern(R"(^[a-z]+://([^@/:]+)@([^/:]+):(\d+)/?.*$)");
  std::smatch m;
  if (!std::regex_match(value, m, pattern)) {
    ADD_FAILURE() << what << " is not scheme://USER@HOST:PORT/: " << value;
    return std::nullopt;
  }
  return ServerAddress{m[1], m[2], m[3]};
}

std::optional<ServerAddress> server_from_env(const char* variable) {
  const char* value = std::getenv(variable);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return server_from_url(variable, value);
}

const char* env_variable(Engine engine) {
  return engine == Engine::postgresql ? "MAGENT_TEST_POSTGRES_URL" : "MAGENT_TEST_MYSQL_URL";
}

std::string unique_name() {
  static std::atomic<int> counter{0};
  return "magent_t" + std::to_string(getpid()) + "_" + std::to_string(counter++);
}

bool under_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

class SqliteDatabase final : public TestDatabase {
 public:
  SqliteDatabase(std::string path)
      : TestDatabase(Engine::sqlite, "sqlite:///" + path), m_path(std::move(path)) {}
  std::string sql(std::string_view statements) const override {
    std::string out;
    if (!try_sql(statements, &out)) ADD_FAILURE() << "sqlite3 failed: " << out;
    return out;
  }
  bool try_sql(std::string_view statements, std::string* output) const override {
    // -cmd .timeout: wait for a writer (the agent under test) instead of "database is locked".
    auto r = run_process({"/usr/bin/sqlite3", "-bail", "-batch", "-cmd", ".timeout 10000",
                          "-separator", "\t", m_path},
                         {.input = std::string(statements)});
    if (output) *output = r.exit_code == 0 ? r.out : r.err;
    return r.exit_code == 0;
  }

 private:
  std::string m_path;
};

class PostgresDatabase final : public TestDatabase {
 public:
  PostgresDatabase(ServerAddress server, std::string name)
      : TestDatabase(Engine::postgresql, "postgresql://" + server.user + "@" + server.host + ":" +
                                             server.port + "/" + name),
        m_server(std::move(server)),
        m_name(std::move(name)) {}
  ~PostgresDatabase() override {
    psql("postgres", "DROP DATABASE IF EXISTS " + m_name + " WITH (FORCE)", nullptr);
  }
  bool create() {
    std::string out;
    bool ok = psql("postgres", "CREATE DATABASE " + m_name, &out);
    if (!ok) ADD_FAILURE() << "CREATE DATABASE failed: " << out;
    return ok;
  }
  std::string sql(std::string_view statements) const override {
    std::string out;
    if (!try_sql(statements, &out)) ADD_FAILURE() << "psql failed: " << out;
    return out;
  }
  bool try_sql(std::string_view statements, std::string* output) const override {
    return psql(m_name, std::string(statements), output);
  }

 private:
  bool psql(const std::string& database, const std::string& statements, std::string* output) const {
    auto r = run_process({"/usr/bin/psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v",
                          "ON_ERROR_STOP=1", "-h", m_server.host, "-p", m_server.port, "-U",
                          m_server.user, "-d", database},
                         {.input = statements});
    if (output) *output = r.exit_code == 0 ? r.out : r.err;
    return r.exit_code == 0;
  }
  ServerAddress m_server;
  std::string m_name;
};

class MysqlDatabase final : public TestDatabase {
 public:
  MysqlDatabase(ServerAddress server, std::string name)
      : TestDatabase(Engine::mysql, "mysql://" + server.user + "@" + server.host + ":" +
                                        server.port + "/" + name),
        m_server(std::move(server)),
        m_name(std::move(name)) {}
  ~MysqlDatabase() override { client("", "DROP DATABASE IF EXISTS " + m_name, nullptr); }
  bool create() {
    std::string out;
    bool ok = client("", "CREATE DATABASE " + m_name, &out);
    if (!ok) ADD_FAILURE() << "CREATE DATABASE failed: " << out;
    return ok;
  }
  std::string sql(std::string_view statements) const override {
    std::string out;
    if (!try_sql(statements, &out)) ADD_FAILURE() << "mariadb client failed: " << out;
    return out;
  }
  bool try_sql(std::string_view statements, std::string* output) const override {
    return client(m_name, std::string(statements), output);
  }

 private:
  bool client(const std::string& database, const std::string& statements,
              std::string* output) const {
    std::vector<std::string> argv{"/usr/bin/mariadb", "--no-defaults", "-N",  "-B",
                                  "-h",               m_server.host,  "-P",  m_server.port,
                                  "-u",               m_server.user,  "--protocol=TCP"};
    if (!database.empty()) argv.push_back(database);
    auto r = run_process(argv, {.input = statements});
    if (output) *output = r.exit_code == 0 ? r.out : r.err;
    return r.exit_code == 0;
  }
  ServerAddress m_server;
  std::string m_name;
};

}  // namespace

std::vector<Engine> all_engines() { return {Engine::sqlite, Engine::postgresql, Engine::mysql}; }

std::string engine_name(Engine engine) {
  switch (engine) {
    case Engine::sqlite:
      return "sqlite";
    case Engine::postgresql:
      return "postgresql";
    case Engine::mysql:
      return "mysql";
  }
  return "?";
}

void PrintTo(Engine engine, std::ostream* out) { *out << engine_name(engine); }

bool engine_available(Engine engine) {
  if (engine == Engine::sqlite) return true;
  const char* value = std::getenv(env_variable(engine));
  return value != nullptr && *value != '\0';
}

std::unique_ptr<TestDatabase> make_test_database(Engine engine, const TempDir& dir) {
  if (engine == Engine::sqlite) {
    return std::make_unique<SqliteDatabase>((dir.path() / (unique_name() + ".db")).string());
  }
  auto server = server_from_env(env_variable(engine));
  if (!server) {
    if (under_ci()) {
      ADD_FAILURE() << engine_name(engine) << " server missing under CI=true: set "
                    << env_variable(engine) << " (scripts/test starts one)";
    }
    return nullptr;
  }
  if (engine == Engine::postgresql) {
    auto db = std::make_unique<PostgresDatabase>(*server, unique_name());
    if (!db->create()) return nullptr;
    return db;
  }
  auto db = std::make_unique<MysqlDatabase>(*server, unique_name());
  if (!db->create()) return nullptr;
  return db;
}

std::unique_ptr<TestDatabase> make_test_database_on(Engine engine, const std::string& server_url) {
  auto server = server_from_url("server URL", server_url);
  if (!server || engine == Engine::sqlite) {
    if (engine == Engine::sqlite) ADD_FAILURE() << "SQLite has no server";
    return nullptr;
  }
  if (engine == Engine::postgresql) {
    auto db = std::make_unique<PostgresDatabase>(*server, unique_name());
    if (!db->create()) return nullptr;
    return db;
  }
  auto db = std::make_unique<MysqlDatabase>(*server, unique_name());
  if (!db->create()) return nullptr;
  return db;
}

}  // namespace magent::test
