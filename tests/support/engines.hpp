#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/temp_dir.hpp"

namespace magent::test {

// The three database engines every integration test runs against.
enum class Engine { sqlite, postgresql, mysql };

std::vector<Engine> all_engines();
std::string engine_name(Engine engine);  // "sqlite", "postgresql", "mysql" (test param names)

// The name gtest gives a test instantiated for `info.param`: the engine's name.
inline std::string engine_param_name(const ::testing::TestParamInfo<Engine>& info) {
  return engine_name(info.param);
}
// Lets GoogleTest print an Engine parameter by name instead of as raw bytes.
void PrintTo(Engine engine, std::ostream* out);

// A fresh, empty database for one test, dropped on destruction.
// PostgreSQL and MariaDB come from the servers scripts/test starts, found through
// MAGENT_TEST_POSTGRES_URL (postgresql://USER@HOST:PORT/) and MAGENT_TEST_MYSQL_URL
// (mysql://USER@HOST:PORT/). The database is created and dropped with the engine's own
// client (psql, mariadb), so fixtures never depend on the code under test.
class TestDatabase {
 public:
  virtual ~TestDatabase() = default;
  Engine engine() const { return m_engine; }
  // SQLAlchemy-style URL for migration-agent (--database-url / DATABASE_URL).
  const std::string& url() const { return m_url; }
  // Runs SQL with the engine's own client; returns rows, one per line, cells tab-separated.
  // A failing statement fails the current test (ADD_FAILURE) and returns "".
  virtual std::string sql(std::string_view statements) const = 0;
  // Like sql(), but returns whether it succeeded instead of failing the test.
  virtual bool try_sql(std::string_view statements, std::string* output = nullptr) const = 0;

 protected:
  TestDatabase(Engine engine, std::string url) : m_engine(engine), m_url(std::move(url)) {}

 private:
  Engine m_engine;
  std::string m_url;
};

// Whether the engine's server is configured for this run.
bool engine_available(Engine engine);

// Creates a fresh database on `engine`; SQLite files live in `dir`. When the server is not
// configured: under CI=true returns nullptr after ADD_FAILURE (a missing server is a
// failure), otherwise returns nullptr and the caller should GTEST_SKIP().
std::unique_ptr<TestDatabase> make_test_database(Engine engine, const TempDir& dir);

// Creates a fresh database on the PostgreSQL or MariaDB server at `server_url`
// (scheme://USER@HOST:PORT/, as scripts/test-servers prints it), for tests that run a
// server of their own. nullptr after ADD_FAILURE when it cannot.
std::unique_ptr<TestDatabase> make_test_database_on(Engine engine, const std::string& server_url);

}  // namespace magent::test

// Starts a parameterized test body with a fresh database `db` for the current engine:
//   MAGENT_REQUIRE_DATABASE(db, GetParam(), temp);
#define MAGENT_REQUIRE_DATABASE(var, engine, tempdir)                 \
  auto var = ::magent::test::make_test_database((engine), (tempdir)); \
  if (!var) GTEST_SKIP() << ::magent::test::engine_name(engine) << " server not configured"
