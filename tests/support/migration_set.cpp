#include "tests/support/migration_set.hpp"

#include <algorithm>
#include <fstream>
#include <regex>

#include <gtest/gtest.h>

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace magent::test {
namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

void section(std::string& out, const std::string& marker, const std::string& body) {
  out += "\n-- +" + marker + "\n" + body;
  if (!body.empty() && body.back() != '\n') out += "\n";
}

}  // namespace

std::string sql_migration_text(const SqlRevision& r) {
  std::string out = "-- revision: " + r.id + "\n";
  out += "-- down_revision: " + (r.down.empty() ? std::string("none") : join(r.down)) + "\n";
  if (!r.branch_labels.empty()) out += "-- branch_labels: " + join(r.branch_labels) + "\n";
  out += "-- message: " + (r.message.empty() ? "Revision " + r.id : r.message) + "\n";
  section(out, "upgrade", r.upgrade);
  for (const auto& [dialect, body] : r.upgrade_for) section(out, "upgrade " + dialect, body);
  section(out, "downgrade", r.downgrade);
  for (const auto& [dialect, body] : r.downgrade_for) section(out, "downgrade " + dialect, body);
  return out;
}

MigrationSet::MigrationSet(std::filesystem::path dir) : m_dir(std::move(dir)) {
  std::filesystem::create_directories(m_dir);
}

std::filesystem::path MigrationSet::add(const SqlRevision& revision, const std::string& file_name) {
  return write(file_name.empty() ? revision.id + ".sql" : file_name,
               sql_migration_text(revision));
}

std::filesystem::path MigrationSet::write(const std::string& file_name, const std::string& content) {
  const std::filesystem::path path = m_dir / file_name;
  std::ofstream out(path, std::ios::binary);
  out << content;
  if (!out) ADD_FAILURE() << "cannot write " << path;
  return path;
}

ExampleSet example_set() {
  ExampleSet set;
  set.dir = std::filesystem::path(source_dir()) / "migrations";
  static const std::regex revision_line(R"(^-- revision:\s*(\S+))");
  static const std::regex down_line(R"(^-- down_revision:\s*(\S+))");
  static const std::regex create_table(R"(^CREATE TABLE (\w+))");
  std::map<std::string, std::string> down_of;  // revision -> its down revision ("none")
  std::vector<std::string> tables;
  for (const auto& entry : std::filesystem::directory_iterator(set.dir)) {
    if (entry.path().extension() != ".sql") continue;
    std::ifstream in(entry.path());
    std::string line, id, down;
    std::smatch m;
    while (std::getline(in, line)) {
      if (std::regex_search(line, m, revision_line)) id = m[1];
      if (std::regex_search(line, m, down_line)) down = m[1];
      if (std::regex_search(line, m, create_table)) tables.push_back(m[1]);
    }
    down_of[id] = down;
    set.paths[id] = entry.path().string();
  }
  // Walk the single chain from its base.
  std::string next = "none";
  while (set.revisions.size() < down_of.size()) {
    auto found = std::find_if(down_of.begin(), down_of.end(),
                              [&](const auto& item) { return item.second == next; });
    if (found == down_of.end()) {
      ADD_FAILURE() << "migrations/ is not one linear chain after " << next;
      break;
    }
    set.revisions.push_back(found->first);
    next = found->first;
  }
  std::sort(tables.begin(), tables.end());
  tables.erase(std::unique(tables.begin(), tables.end()), tables.end());
  set.tables = tables;
  return set;
}

}  // namespace magent::test
