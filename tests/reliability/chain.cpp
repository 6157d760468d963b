#include "tests/reliability/chain.hpp"

#include <random>

#include "tests/support/migration_set.hpp"

namespace magent::test {
namespace {

struct Table {
  std::string name;
  std::vector<std::string> columns;  // besides id
};

class ChainBuilder {
 public:
  explicit ChainBuilder(std::uint64_t seed) : m_random(seed) {}

  ChainRevision next(int number) {
    ChainRevision revision;
    revision.id = id_of(number);
    revision.down = number == 1 ? "" : id_of(number - 1);
    revision.kind = pick_kind();
    const std::string n = std::to_string(number);
    switch (revision.kind) {
      case ChainStepKind::create_table:
        revision.statements.push_back(create_table("t" + n));
        break;
      case ChainStepKind::add_column: {
        Table& table = any_table();
        const std::string column = "c" + n;
        const bool text = coin();
        revision.statements.push_back("ALTER TABLE " + table.name + " ADD COLUMN " + column +
                                      (text ? " VARCHAR(30)" : " INTEGER DEFAULT 0"));
        table.columns.push_back(column);
        break;
      }
      case ChainStepKind::create_index: {
        const Table& table = any_table();
        const std::string& column = table.columns[pick(table.columns.size())];
        // UNIQUE over (id, column) always holds, whatever rows the table has.
        revision.statements.push_back(
            coin() ? "CREATE INDEX ix" + n + " ON " + table.name + " (" + column + ")"
                   : "CREATE UNIQUE INDEX ux" + n + " ON " + table.name + " (id, " + column + ")");
        break;
      }
      case ChainStepKind::insert:
        revision.statements.push_back(insert_rows(any_table().name, 1 + pick(3)));
        break;
      case ChainStepKind::compound: {
        const std::string name = "t" + n;
        revision.statements.push_back(create_table(name));
        revision.statements.push_back("CREATE INDEX ix" + n + " ON " + name + " (name)");
        revision.statements.push_back(insert_rows(name, 2));
        revision.statements.push_back("ALTER TABLE " + name + " ADD COLUMN extra" + n +
                                      " VARCHAR(10)");
        m_tables.back().columns.push_back("extra" + n);
        break;
      }
    }
    return revision;
  }

 private:
  static std::string id_of(int number) {
    std::string digits = std::to_string(number);
    return "ch" + std::string(digits.size() < 3 ? 3 - digits.size() : 0, '0') + digits;
  }
  std::size_t pick(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(m_random);
  }
  bool coin() { return pick(2) == 0; }
  Table& any_table() { return m_tables[pick(m_tables.size())]; }

  ChainStepKind pick_kind() {
    if (m_tables.size() < 2) return ChainStepKind::create_table;
    const std::size_t roll = pick(100);
    if (roll < 25) return ChainStepKind::create_table;
    if (roll < 50) return ChainStepKind::add_column;
    if (roll < 70) return ChainStepKind::create_index;
    if (roll < 92) return ChainStepKind::insert;
    return ChainStepKind::compound;
  }

  std::string create_table(const std::string& name) {
    m_tables.push_back({name, {"name", "created"}});
    return "CREATE TABLE " + name +
           " (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(40) NOT NULL, created VARCHAR(20) "
           "DEFAULT 'chaos')";
  }

  // Primary keys from one counter: no INSERT of the chain ever collides with another.
  std::string insert_rows(const std::string& table, std::size_t rows) {
    std::string sql = "INSERT INTO " + table + " (id, name) VALUES ";
    for (std::size_t i = 0; i < rows; ++i) {
      const std::string key = std::to_string(++m_next_key);
      sql += (i == 0 ? "(" : ", (") + key + ", 'row " + key + "')";
    }
    return sql;
  }

  std::mt19937_64 m_random;
  std::vector<Table> m_tables;
  long m_next_key = 0;
};

}  // namespace

std::vector<ChainRevision> generate_chain(std::uint64_t seed, int count) {
  ChainBuilder builder(seed);
  std::vector<ChainRevision> chain;
  for (int number = 1; number <= count; ++number) chain.push_back(builder.next(number));
  return chain;
}

void write_chain(const std::vector<ChainRevision>& chain, const std::filesystem::path& dir) {
  MigrationSet set(dir);
  for (const ChainRevision& revision : chain) {
    std::string upgrade;
    for (const std::string& statement : revision.statements) upgrade += statement + ";\n";
    set.add({.id = revision.id,
             .down = revision.down.empty() ? std::vector<std::string>{}
                                           : std::vector<std::string>{revision.down},
             .upgrade = upgrade,
             .message = "chaos " + to_string(revision.kind)});
  }
}

std::string to_string(ChainStepKind kind) {
  switch (kind) {
    case ChainStepKind::create_table:
      return "create table";
    case ChainStepKind::add_column:
      return "add column";
    case ChainStepKind::create_index:
      return "create index";
    case ChainStepKind::insert:
      return "insert";
    case ChainStepKind::compound:
      return "compound";
  }
  return "?";
}

}  // namespace magent::test
