#include "tests/reliability/database_content.hpp"

#include "agent/db/connect.hpp"
#include "tests/support/database_urls.hpp"

namespace magent::test {

DatabaseContent read_content(const TestDatabase& test_db, std::string* error) {
  DatabaseContent content;
  const auto url = test_url(test_db.url());
  if (!url) {
    *error = "cannot parse the test URL " + test_db.url();
    return content;
  }
  db::ConnectOptions options;
  options.url = *url;
  options.connect_timeout = std::chrono::seconds(10);
  options.application_name = "magent-chaos-reader";
  auto opened = db::open_database(options);
  if (!opened) {
    *error = "connect: " + opened.error().message;
    return content;
  }
  db::Database& db = **opened;
  auto schema = db::read_schema(db, db::schema_scope_for(db::VersionTable{}, db::LedgerTable{}));
  if (!schema) {
    *error = "read_schema: " + schema.error().message;
    return content;
  }
  content.schema = std::move(*schema);
  for (const db::SchemaTable& table : content.schema.tables) {
    auto rows = db.query("SELECT COUNT(*) FROM " + db.quote_identifier(table.name));
    if (!rows || rows->empty() || rows->front().empty() || !rows->front().front()) {
      *error = "counting the rows of " + table.name +
               (rows ? std::string(": no result") : ": " + rows.error().message);
      return {};
    }
    content.rows[table.name] = std::stoll(*rows->front().front());
  }
  return content;
}

std::string describe_difference(const DatabaseContent& expected, const DatabaseContent& actual) {
  std::string out;
  for (const std::string& line : db::diff(expected.schema, actual.schema)) out += line + "\n";
  for (const auto& [table, count] : actual.rows) {
    const auto found = expected.rows.find(table);
    if (found != expected.rows.end() && found->second != count) {
      out += "table " + table + " has " + std::to_string(count) + " rows, expected " +
             std::to_string(found->second) + "\n";
    }
  }
  return out;
}

}  // namespace magent::test
