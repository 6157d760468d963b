#include "agent/platform/migration_directory.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "agent/platform/sha256.hpp"
#include "tests/support/temp_dir.hpp"

namespace magent::platform {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view k_base_sql =
    "-- revision: 20260101_000000\n-- message: init\n-- +upgrade\nCREATE TABLE t (x INT);\n";
constexpr std::string_view k_child_py =
    "\"\"\"Add phone\n\nRevision ID: 20260125_120000\n\"\"\"\n"
    "revision = \"20260125_120000\"\ndown_revision = \"20260101_000000\"\n";

std::vector<std::string> paths(const ScanResult& scan) {
  std::vector<std::string> out;
  for (const core::Revision& r : scan.revisions) out.push_back(r.path);
  return out;
}

std::string problems(const ScanResult& scan) {
  std::string out;
  for (const core::Error& e : scan.problems) out += e.message + "\n";
  return out;
}

TEST(MigrationDirectory, ParsesSqlAndPythonFilesSortedByName) {
  test::TempDir dir;
  dir.write("b_child.py", k_child_py);
  dir.write("a_base.sql", k_base_sql);
  const ScanResult scan = scan_migration_directory(dir.path().string());
  EXPECT_TRUE(scan.directory_ok);
  EXPECT_TRUE(scan.problems.empty()) << problems(scan);
  ASSERT_EQ(paths(scan), (std::vector<std::string>{"a_base.sql", "b_child.py"}));
  EXPECT_EQ(scan.revisions[0].id, "20260101_000000");
  EXPECT_EQ(scan.revisions[0].kind, core::FileKind::sql);
  EXPECT_EQ(scan.revisions[1].id, "20260125_120000");
  EXPECT_EQ(scan.revisions[1].message, "Add phone");
  EXPECT_EQ(scan.revisions[1].kind, core::FileKind::python);
}

TEST(MigrationDirectory, ChecksumIsSha256OfRawBytesIncludingBom) {
  test::TempDir dir;
  const std::string bytes = "\xEF\xBB\xBF" + std::string(k_base_sql);
  dir.write("a.sql", bytes);
  const ScanResult scan = scan_migration_directory(dir.path().string());
  ASSERT_EQ(scan.revisions.size(), 1u) << problems(scan);
  EXPECT_EQ(scan.revisions[0].checksum, *sha256_hex(bytes));
  EXPECT_NE(scan.revisions[0].checksum, *sha256_hex(k_base_sql));
}

TEST(MigrationDirectory, ReadsEmptyAndLargeFilesWhole) {
  test::TempDir dir;
  std::string big(k_base_sql);
  while (big.size() < 300'000) big += "INSERT INTO t (x) VALUES (1); -- filler\n";
  dir.write("a.sql", big);
  dir.write("b.sql", "");
  const ScanResult scan = scan_migration_directory(dir.path().string());
  ASSERT_EQ(scan.revisions.size(), 1u) << problems(scan);
  EXPECT_EQ(scan.revisions[0].checksum, *sha256_hex(big));
  ASSERT_EQ(scan.problems.size(), 1u);
  EXPECT_EQ(scan.problems[0].message, "b.sql:1: missing '-- revision: <id>' header line");
}

TEST(MigrationDirectory, ManyFilesKeepNameOrderForRevisionsAndProblems) {
  // Enough files for several scan threads; every seventh is broken.
  test::TempDir dir;
  std::vector<std::string> good;
  std::vector<std::string> bad;
  for (int i = 0; i < 600; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "%04d_r.sql", i);
    if (i % 7 == 3) {
      dir.write(name, "-- +upgrade\nSELECT 1;\n");
      bad.push_back(std::string(name) + ":1: missing '-- revision: <id>' header line");
    } else {
      dir.write(name, "-- revision: r" + std::to_string(i) + "\n-- +upgrade\nSELECT 1;\n");
      good.push_back(name);
    }
  }
  const ScanResult scan = scan_migration_directory(dir.path().string());
  EXPECT_EQ(paths(scan), good);
  std::vector<std::string> messages;
  for (const core::Error& e : scan.problems) messages.push_back(e.message);
  EXPECT_EQ(messages, bad);
}

TEST(MigrationDirectory, SkipsNonMigrationNamesAndSubdirectories) {
  test::TempDir dir;
  dir.write("a.sql", k_base_sql);
  dir.write("__init__.py", "");
  dir.write("env.py", "from alembic import context\n");
  dir.write("__pycache__/x.cpython-311.pyc", "junk");
  dir.write(".#a.sql", "junk");
  dir.write("a.sql~", "junk");
  dir.write(".a.sql.swp", "junk");
  dir.write("README.md", "junk");
  dir.write("nested/deeper.sql", "junk");
  fs::create_directory(dir.path() / "dir.sql");
  const ScanResult scan = scan_migration_directory(dir.path().string());
  EXPECT_TRUE(scan.problems.empty()) << problems(scan);
  EXPECT_EQ(paths(scan), (std::vector<std::string>{"a.sql"}));
}

TEST(MigrationDirectory, FollowsConfigMapSymlinks) {
  test::TempDir dir;
  dir.write("..2026_01_25_12_00_00.000000001/a.sql", k_base_sql);
  fs::create_directory_symlink("..2026_01_25_12_00_00.000000001", dir.path() / "..data");
  fs::create_symlink("..data/a.sql", dir.path() / "a.sql");
  const ScanResult scan = scan_migration_directory(dir.path().string());
  EXPECT_TRUE(scan.problems.empty()) << problems(scan);
  ASSERT_EQ(paths(scan), (std::vector<std::string>{"a.sql"}));
  EXPECT_EQ(scan.revisions[0].checksum, *sha256_hex(k_base_sql));
}

TEST(MigrationDirectory, ParseErrorsAreProblemsAndOtherFilesStillLoad) {
  test::TempDir dir;
  dir.write("a.sql", k_base_sql);
  dir.write("b.sql", "-- down_revision: a\n-- +upgrade\n");
  const ScanResult scan = scan_migration_directory(dir.path().string());
  EXPECT_TRUE(scan.directory_ok);
  EXPECT_EQ(paths(scan), (std::vector<std::string>{"a.sql"}));
  ASSERT_EQ(scan.problems.size(), 1u);
  EXPECT_EQ(scan.problems[0].kind, core::ErrorKind::parse);
  EXPECT_EQ(scan.problems[0].message, "b.sql:1: missing '-- revision: <id>' header line");
}

TEST(MigrationDirectory, UnreadableEntriesAreProblemsNotExceptions) {
  test::TempDir dir;
  dir.write("a.sql", k_base_sql);
  fs::create_symlink("gone.sql", dir.path() / "dangling.sql");
  fs::create_symlink("loop.sql", dir.path() / "loop.sql");
  ASSERT_EQ(::mkfifo((dir.path() / "fifo.sql").c_str(), 0600), 0);
  const ScanResult scan = scan_migration_directory(dir.path().string());
  EXPECT_TRUE(scan.directory_ok);
  EXPECT_EQ(paths(scan), (std::vector<std::string>{"a.sql"}));
  ASSERT_EQ(scan.problems.size(), 3u) << problems(scan);
  EXPECT_EQ(scan.problems[0].kind, core::ErrorKind::io);
  EXPECT_EQ(scan.problems[0].message, "dangling.sql: cannot open: No such file or directory");
  EXPECT_EQ(scan.problems[1].message, "fifo.sql: not a regular file");
  EXPECT_EQ(scan.problems[2].message.rfind("loop.sql: cannot open: ", 0), 0u);
}

TEST(MigrationDirectory, PermissionDeniedFileIsAProblem) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads files regardless of their mode";
  test::TempDir dir;
  const fs::path file = dir.write("a.sql", k_base_sql);
  fs::permissions(file, fs::perms::none);
  const ScanResult scan = scan_migration_directory(dir.path().string());
  ASSERT_EQ(scan.problems.size(), 1u);
  EXPECT_EQ(scan.problems[0].message, "a.sql: cannot open: Permission denied");
}

TEST(MigrationDirectory, MissingDirectoryIsOneProblem) {
  test::TempDir dir;
  const std::string missing = (dir.path() / "nope").string();
  const ScanResult scan = scan_migration_directory(missing);
  EXPECT_FALSE(scan.directory_ok);
  EXPECT_TRUE(scan.revisions.empty());
  ASSERT_EQ(scan.problems.size(), 1u);
  EXPECT_EQ(scan.problems[0].kind, core::ErrorKind::io);
  EXPECT_EQ(scan.problems[0].message, "migrations directory " + missing + " does not exist");
}

TEST(MigrationDirectory, FileInsteadOfDirectoryIsOneProblem) {
  test::TempDir dir;
  const fs::path file = dir.write("plain.txt", "x");
  const ScanResult scan = scan_migration_directory(file.string());
  EXPECT_FALSE(scan.directory_ok);
  ASSERT_EQ(scan.problems.size(), 1u);
  EXPECT_EQ(scan.problems[0].message,
            "migrations directory " + file.string() + " is not a directory");
}

TEST(MigrationDirectory, EmptyDirectoryIsFine) {
  test::TempDir dir;
  const ScanResult scan = scan_migration_directory(dir.path().string());
  EXPECT_TRUE(scan.directory_ok);
  EXPECT_TRUE(scan.revisions.empty());
  EXPECT_TRUE(scan.problems.empty());
}

}  // namespace
}  // namespace magent::platform
