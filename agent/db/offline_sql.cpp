#include "agent/db/offline_sql.hpp"

#include "agent/core/runner_batch.hpp"
#include "agent/core/sql_migration.hpp"
#include "agent/core/text.hpp"
#include "agent/db/sql_dialect.hpp"

namespace magent::db {
namespace {

// SQLAlchemy's compiled text as Alembic prints it offline: tabs as four spaces, trimmed.
std::string as_printed(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '\t') {
      out += "    ";
    } else {
      out += c;
    }
  }
  const auto first = out.find_first_not_of(" \n\r");
  const auto last = out.find_last_not_of(" \n\r");
  return first == std::string::npos ? "" : out.substr(first, last - first + 1);
}

// Alembic's RevisionStep.short_log: "upgrade a, b -> c" (down revisions as written).
std::string short_log(const core::Step& step) {
  const core::Revision& r = *step.revision;
  const bool up = step.direction == core::Direction::upgrade;
  return std::string(core::to_string(step.direction)) + " " +
         (up ? core::join(r.down_revisions) : r.id) + " -> " +
         (up ? r.id : core::join(r.down_revisions));
}

}  // namespace

core::Result<std::string> offline_sql(const core::Plan& plan, core::Dialect dialect,
                                      const VersionTable& table) {
  std::vector<std::string> python;
  for (const core::Step& step : plan.steps) {
    if (step.revision && step.revision->kind == core::FileKind::python) {
      python.push_back(step.revision->id + " (" + step.revision->path + ")");
    }
  }
  if (!python.empty()) {
    return core::make_error(
        core::ErrorKind::usage,
        "offline SQL is only made for .sql revisions; " + core::join(python) +
            (python.size() == 1 ? " is an Alembic .py file" : " are Alembic .py files") +
            ": print its SQL with Alembic itself (`alembic upgrade --sql`)");
  }
  const bool transactional = dialect == core::Dialect::postgresql;
  std::string out;
  auto emit = [&out](const std::string& text) { out += text + "\n\n"; };
  if (transactional) emit("BEGIN;");
  std::vector<std::string> heads = plan.heads_before;
  for (const core::Step& step : plan.steps) {
    if (!step.revision) continue;
    if (heads.empty()) emit(as_printed(create_version_table_sql(dialect, table)) + ";");
    emit("-- Running " + short_log(step));
    auto statements = core::statements_for(*step.revision, step.direction, dialect);
    if (!statements) return statements.error();
    const bool autocommit =
        transactional && step.revision->transaction == core::TransactionMode::none;
    if (autocommit) emit("COMMIT;");
    for (const core::Statement& statement : *statements) emit(as_printed(statement.sql) + ";");
    if (autocommit) emit("BEGIN;");
    for (const core::VersionOp& op : step.version_ops) {
      emit(render_version_op(dialect, table, op, ValueStyle::literals).sql + ";");
    }
    heads = core::rows_after_ops(heads, step.version_ops);
  }
  if (heads.empty()) emit("DROP TABLE " + qualified_name(dialect, table.schema, table.name) + ";");
  if (transactional) emit("COMMIT;");
  return out;
}

}  // namespace magent::db
