// An SQLite database whose storage says no: a full file system (a small tmpfs), a
// read-only file system, a read-only database file and a read-only directory. Each ends in
// one clear error line, never a crash, with nothing half-recorded: the failing step is
// rolled back, alembic_version and the ledger name only what committed, and the file is
// intact; once the storage is fixed the next upgrade finishes.
//
// Mounting needs root (CAP_SYS_ADMIN); the read-only file and directory cases run the agent
// as `nobody`, since root ignores permission bits. Without root these tests skip.
#include <cerrno>
#include <cstring>

#include <sys/mount.h>
#include <unistd.h>

#include "tests/integration/reliability/reliability_fixture.hpp"
#include "tests/support/cli_fixture.hpp"

namespace magent::test {
namespace {

// A tmpfs of `size` mounted on a fresh directory; unmounted on destruction.
class SmallFilesystem {
 public:
  SmallFilesystem(const std::filesystem::path& where, const std::string& size) : m_path(where) {
    std::filesystem::create_directories(m_path);
    const std::string data = "size=" + size + ",mode=0755";
    m_mounted = ::mount("tmpfs", m_path.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, data.c_str()) == 0;
    if (!m_mounted) m_error = std::string("mount tmpfs: ") + std::strerror(errno);
  }
  ~SmallFilesystem() {
    if (m_mounted) ::umount2(m_path.c_str(), MNT_DETACH);
  }
  bool mounted() const { return m_mounted; }
  const std::string& error() const { return m_error; }
  const std::filesystem::path& path() const { return m_path; }
  // Remounts with `options` ("ro", "rw,size=64m").
  bool remount(const std::string& options) {
    unsigned long flags = MS_REMOUNT | MS_NOSUID | MS_NODEV;
    std::string data = options;
    if (options.rfind("ro", 0) == 0) {
      flags |= MS_RDONLY;
      data = options.substr(2);
    } else if (options.rfind("rw", 0) == 0) {
      data = options.substr(2);
    }
    if (!data.empty() && data.front() == ',') data.erase(0, 1);
    return ::mount("tmpfs", m_path.c_str(), "tmpfs", flags, data.c_str()) == 0;
  }

 private:
  std::filesystem::path m_path;
  bool m_mounted = false;
  std::string m_error;
};

class SqliteStorage : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (tmpfs mounts, running as nobody)";
    // TempDir is private to root (0700); `nobody` must reach the files below it.
    std::filesystem::permissions(m_temp.path(), std::filesystem::perms(0755));
    m_set.add({.id = "r1",
               .upgrade = "CREATE TABLE t_one (id INTEGER, payload BLOB);",
               .downgrade = "DROP TABLE t_one;"});
  }
  AgentRunner agent(const std::filesystem::path& database) const {
    return AgentRunner("sqlite:///" + database.string(), m_set.dir(), m_temp.path());
  }
  // `migration-agent --database-url sqlite:///DB --migrations-dir M ARGS` as user nobody.
  ProcessResult run_as_nobody(const std::filesystem::path& database,
                              const std::vector<std::string>& args) const {
    std::vector<std::string> argv{"/usr/sbin/runuser", "-u", "nobody", "--"};
    for (const std::string& a : agent(database).argv(args)) argv.push_back(a);
    return run_process(argv, agent(database).options());
  }
  // PRAGMA integrity_check through the sqlite3 shell: "ok" for an intact file.
  static std::string integrity(const std::filesystem::path& database) {
    ProcessResult r = run_process(
        {"/usr/bin/sqlite3", "-readonly", database.string(), "PRAGMA integrity_check;"});
    return r.exit_code == 0 ? r.out : "sqlite3 failed: " + r.err;
  }
  static std::string rows(const std::filesystem::path& database, const std::string& sql) {
    ProcessResult r = run_process({"/usr/bin/sqlite3", "-readonly", database.string(), sql});
    return r.exit_code == 0 ? r.out : "sqlite3 failed: " + r.err;
  }
  // data/app.db upgraded to r1 (as root), r2 added to the migrations, and the files in
  // data/ given to nobody, who will try to apply r2.
  std::filesystem::path nobodys_database_at_r1_with_r2_pending() {
    const auto dir = m_temp.path() / "data";
    std::filesystem::create_directories(dir);
    const auto database = dir / "app.db";
    EXPECT_EQ(agent(database).run({"upgrade"}).exit_code, 0);
    m_set.add({.id = "r2",
               .down = {"r1"},
               .upgrade = "CREATE TABLE t_two (id INTEGER);",
               .downgrade = "DROP TABLE t_two;"});
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      EXPECT_EQ(::chown(entry.path().c_str(), 65534, 65534), 0);
    }
    return database;
  }
  // `up` was refused in one line, not as an internal error, and the file is as it was
  // (`before`, its sha256sum), still at r1.
  static void expect_refused_unchanged(const ProcessResult& up,
                                       const std::filesystem::path& database,
                                       const std::string& before) {
    EXPECT_NE(up.exit_code, 0) << describe(up);
    EXPECT_NE(up.exit_code, 70) << "an internal error: " << describe(up);
    EXPECT_TRUE(one_line(up.err)) << up.err;
    EXPECT_EQ(sha256sum(database.string()), before);
    EXPECT_EQ(rows(database, "SELECT version_num FROM alembic_version;"), "r1\n");
  }

  TempDir m_temp;
  MigrationSet m_set{m_temp.path() / "migrations"};
};

TEST_F(SqliteStorage, FullFileSystemFailsTheStepWithOneLineAndTheRerunFinishesOnceThereIsRoom) {
  SmallFilesystem disk(m_temp.path() / "disk", "1m");
  if (!disk.mounted()) GTEST_SKIP() << disk.error();
  const auto database = disk.path() / "app.db";
  ASSERT_EQ(agent(database).run({"upgrade"}).exit_code, 0);
  // About 4 MB in one step: the file system fills half-way through it.
  m_set.add({.id = "r2",
             .down = {"r1"},
             .upgrade = "INSERT INTO t_one (id, payload) WITH RECURSIVE c(x) AS (SELECT 1 "
                        "UNION ALL SELECT x + 1 FROM c WHERE x < 4000) "
                        "SELECT x, randomblob(1000) FROM c;",
             .downgrade = "DELETE FROM t_one;"});

  ProcessResult full = agent(database).run({"upgrade"});
  EXPECT_EQ(full.exit_code, 5) << describe(full);
  EXPECT_TRUE(one_line(full.err)) << full.err;
  EXPECT_TRUE(contains(full.err, "r2.sql:")) << full.err;
  EXPECT_TRUE(contains(full.err, "full")) << full.err;

  EXPECT_EQ(integrity(database), "ok\n");
  EXPECT_EQ(rows(database, "SELECT version_num FROM alembic_version;"), "r1\n");
  EXPECT_EQ(rows(database, "SELECT COUNT(*) FROM t_one;"), "0\n") << "the step was rolled back";
  EXPECT_EQ(rows(database,
                 "SELECT revision || ' ' || outcome FROM migration_agent_log "
                 "WHERE outcome = 'succeeded' ORDER BY id;"),
            "r1 succeeded\n");

  ASSERT_TRUE(disk.remount("rw,size=64m"));
  ProcessResult roomy = agent(database).run({"upgrade"});
  ASSERT_EQ(roomy.exit_code, 0) << describe(roomy);
  EXPECT_EQ(rows(database, "SELECT version_num FROM alembic_version;"), "r2\n");
  EXPECT_EQ(rows(database, "SELECT COUNT(*) FROM t_one;"), "4000\n");
  EXPECT_EQ(agent(database).run({"check"}).exit_code, 0);
}

TEST_F(SqliteStorage, ReadOnlyFileSystemRefusesWithOneLineAndStillAnswersReadingVerbs) {
  SmallFilesystem disk(m_temp.path() / "disk", "8m");
  if (!disk.mounted()) GTEST_SKIP() << disk.error();
  const auto database = disk.path() / "app.db";
  ASSERT_EQ(agent(database).run({"upgrade"}).exit_code, 0);
  m_set.add({.id = "r2",
             .down = {"r1"},
             .upgrade = "CREATE TABLE t_two (id INTEGER);",
             .downgrade = "DROP TABLE t_two;"});
  const std::string before = sha256sum(database.string());
  ASSERT_TRUE(disk.remount("ro"));

  ProcessResult up = agent(database).run({"upgrade"});
  EXPECT_NE(up.exit_code, 0) << describe(up);
  EXPECT_NE(up.exit_code, 70) << "an internal error: " << describe(up);
  EXPECT_TRUE(one_line(up.err)) << up.err;
  EXPECT_TRUE(contains(up.err, "Read-only file system") || contains(up.err, "readonly")) << up.err;
  EXPECT_EQ(sha256sum(database.string()), before);

  // Operators can still look.
  ProcessResult current = agent(database).run({"current"});
  EXPECT_EQ(current.exit_code, 0) << describe(current);
  EXPECT_TRUE(contains(current.out, "r1")) << current.out;
  ProcessResult check = agent(database).run({"check"});
  EXPECT_EQ(check.exit_code, 1) << describe(check);
  EXPECT_TRUE(contains(check.out, "behind")) << check.out;

  ASSERT_TRUE(disk.remount("rw"));
  ProcessResult after = agent(database).run({"upgrade"});
  EXPECT_EQ(after.exit_code, 0) << describe(after);
}

TEST_F(SqliteStorage, ReadOnlyDatabaseFileRefusesWithOneLineAndChangesNothing) {
  const auto database = nobodys_database_at_r1_with_r2_pending();
  if (HasFailure()) return;
  ASSERT_EQ(::chown(database.parent_path().c_str(), 65534, 65534), 0);
  std::filesystem::permissions(database, std::filesystem::perms(0444));
  const std::string before = sha256sum(database.string());

  ProcessResult up = run_as_nobody(database, {"upgrade"});
  expect_refused_unchanged(up, database, before);
  EXPECT_TRUE(contains(up.err, "readonly") || contains(up.err, "read-only") ||
              contains(up.err, "Permission denied"))
      << up.err;

  std::filesystem::permissions(database, std::filesystem::perms(0644));
  ProcessResult after = run_as_nobody(database, {"upgrade"});
  EXPECT_EQ(after.exit_code, 0) << describe(after);
  EXPECT_EQ(rows(database, "SELECT version_num FROM alembic_version;"), "r2\n");
}

TEST_F(SqliteStorage, ReadOnlyDirectoryRefusesWithOneLineAndChangesNothing) {
  const auto database = nobodys_database_at_r1_with_r2_pending();
  if (HasFailure()) return;
  const auto dir = database.parent_path();
  // The file is writable, but no journal (and no lock file) can be created beside it.
  std::filesystem::remove(database.string() + ".lock");
  std::filesystem::permissions(dir, std::filesystem::perms(0555));
  const std::string before = sha256sum(database.string());

  ProcessResult up = run_as_nobody(database, {"upgrade"});
  expect_refused_unchanged(up, database, before);

  ASSERT_EQ(::chown(dir.c_str(), 65534, 65534), 0);
  std::filesystem::permissions(dir, std::filesystem::perms(0755));
  ProcessResult after = run_as_nobody(database, {"upgrade"});
  EXPECT_EQ(after.exit_code, 0) << describe(after);
}

}  // namespace
}  // namespace magent::test
