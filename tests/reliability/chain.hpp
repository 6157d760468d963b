#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

// A long generated chain of native .sql revisions for the chaos test: CREATE TABLE, ALTER
// TABLE ADD COLUMN, CREATE [UNIQUE] INDEX, INSERT and a few multi-statement revisions, in
// SQL that SQLite, PostgreSQL and MariaDB all accept.
namespace magent::test {

// What a generated revision does (for reports).
enum class ChainStepKind { create_table, add_column, create_index, insert, compound };

// One revision of the chain.
struct ChainRevision {
  std::string id;    // "ch001" ...
  std::string down;  // "" for the base
  ChainStepKind kind = ChainStepKind::create_table;
  // Its upgrade statements, in order. The first one always fails when run a second time
  // (the table, column or index exists; the inserted primary key is taken), so a step that
  // re-runs after a partial, committed attempt fails instead of applying twice.
  std::vector<std::string> statements;
};

// `count` revisions, base first, the same for the same `seed`.
std::vector<ChainRevision> generate_chain(std::uint64_t seed, int count);

// Writes one "<id>.sql" file per revision into `dir` (created if needed).
void write_chain(const std::vector<ChainRevision>& chain, const std::filesystem::path& dir);

std::string to_string(ChainStepKind kind);

}  // namespace magent::test
