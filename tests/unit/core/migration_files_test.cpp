#include "agent/core/migration_files.hpp"

#include <gtest/gtest.h>

namespace magent::core {
namespace {

TEST(MigrationFiles, SqlAndPythonFilesAreMigrations) {
  EXPECT_EQ(migration_file_kind("20260125_120000_add_phone.sql"), FileKind::sql);
  EXPECT_EQ(migration_file_kind("3f2a9c1d7b44_add_phone.py"), FileKind::python);
}

TEST(MigrationFiles, DotFilesAndConfigMapDataDirsAreSkipped) {
  EXPECT_FALSE(migration_file_kind(".hidden.sql"));
  EXPECT_FALSE(migration_file_kind("..data"));
  EXPECT_FALSE(migration_file_kind("..2026_01_25_12_00_00.123456789"));
  EXPECT_FALSE(migration_file_kind(".sql"));
  EXPECT_FALSE(migration_file_kind(""));
}

TEST(MigrationFiles, PythonPackageAndEnvFilesAreSkipped) {
  EXPECT_FALSE(migration_file_kind("__init__.py"));
  EXPECT_FALSE(migration_file_kind("env.py"));
  EXPECT_FALSE(migration_file_kind("__pycache__"));
  EXPECT_FALSE(migration_file_kind("abc.pyc"));
}

TEST(MigrationFiles, EditorDroppingsAreSkipped) {
  EXPECT_FALSE(migration_file_kind(".#0001_init.sql"));     // emacs lock
  EXPECT_FALSE(migration_file_kind("#0001_init.sql#"));     // emacs autosave
  EXPECT_FALSE(migration_file_kind("0001_init.sql~"));      // backup
  EXPECT_FALSE(migration_file_kind(".0001_init.sql.swp"));  // vim swap
  EXPECT_FALSE(migration_file_kind("0001_init.sql.swp"));
  EXPECT_FALSE(migration_file_kind("0001_init.py.orig"));
}

TEST(MigrationFiles, OtherFilesAreSkipped) {
  EXPECT_FALSE(migration_file_kind("README.md"));
  EXPECT_FALSE(migration_file_kind("script.py.mako"));
  EXPECT_FALSE(migration_file_kind("0001_INIT.SQL"));  // suffixes are case-sensitive, as Alembic's
}

TEST(MigrationFiles, ParseMigrationDispatchesOnKind) {
  Result<Revision> sql = parse_migration(FileKind::sql, "a.sql", "-- revision: a\n-- +upgrade\n");
  ASSERT_TRUE(sql.ok());
  EXPECT_EQ(sql->kind, FileKind::sql);
  Result<Revision> py =
      parse_migration(FileKind::python, "b.py", "revision = 'b'\ndown_revision = None\n");
  ASSERT_TRUE(py.ok());
  EXPECT_EQ(py->kind, FileKind::python);
}

}  // namespace
}  // namespace magent::core
