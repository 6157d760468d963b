#pragma once

#include <string>

#include "agent/core/plan.hpp"
#include "agent/core/result.hpp"
#include "agent/db/database.hpp"

namespace magent::db {

// The script `alembic upgrade|downgrade --sql` prints for `plan` (its steps all .sql
// revisions) in `dialect`, byte for byte as Alembic 1.8's offline mode writes it with the
// standard env.py: `BEGIN;` / `COMMIT;` around everything where Alembic's dialect has
// transactional DDL (PostgreSQL only: Alembic's SQLite and MySQL impls say no), the version
// table's CREATE TABLE whenever no row is left before a step, `-- Running upgrade a -> b`
// before each step, its statements (tabs as four spaces, one `;` each), Alembic's version
// row INSERT/UPDATE/DELETE with literal values, and DROP TABLE of the version table when
// no row is left at the end. A `-- transaction: none` step is wrapped in `COMMIT;` ...
// `BEGIN;` as Alembic's autocommit_block() does offline. No connection is needed.
// ErrorKind::usage naming every .py revision of the plan (Alembic prints those itself);
// parse errors of a file's statements as they are.
core::Result<std::string> offline_sql(const core::Plan& plan, core::Dialect dialect,
                                      const VersionTable& table);

}  // namespace magent::db
