#include "agent/db/lock.hpp"

#include <deque>

#include <gtest/gtest.h>

#include "tests/support/fake_clock.hpp"

namespace magent::db {
namespace {

using namespace std::chrono_literals;
using core::Dialect;
using core::ErrorKind;
using test::FakeClock;

core::DatabaseUrl pg_url(std::string host, int port, std::string database) {
  return {.dialect = Dialect::postgresql,
          .scheme = "postgresql",
          .host = std::move(host),
          .port = port,
          .database = std::move(database)};
}

// A Database whose lock answers come from a script; everything else is unused here.
class ScriptedLockDatabase final : public Database {
 public:
  std::deque<core::Result<bool>> answers;  // one per try_lock; empty = false
  std::optional<std::string> holder = "migration-agent@other:42";
  int try_count = 0;
  int unlock_count = 0;

  core::Dialect dialect() const override { return Dialect::postgresql; }
  bool transactional_ddl() const override { return true; }
  core::Result<void> execute(std::string_view) override { return unused(); }
  core::Result<Rows> query(std::string_view, const std::vector<Value>&) override {
    return unused();
  }
  core::Result<void> begin() override { return unused(); }
  core::Result<void> commit() override { return unused(); }
  core::Result<void> rollback() override { return unused(); }
  core::Result<bool> table_exists(std::string_view, std::string_view) override { return unused(); }
  core::Result<std::vector<std::string>> list_tables() override { return unused(); }
  core::Result<void> set_step_timeouts(const StepTimeouts&) override { return unused(); }
  std::string quote_identifier(std::string_view name) const override { return std::string(name); }
  core::Result<bool> try_lock(std::string_view) override {
    ++try_count;
    if (answers.empty()) return false;
    auto answer = answers.front();
    answers.pop_front();
    return answer;
  }
  core::Result<void> unlock() override {
    ++unlock_count;
    return {};
  }
  core::Result<std::optional<std::string>> lock_holder(std::string_view) override { return holder; }
  std::string describe() const override { return "scripted"; }

 private:
  static core::Error unused() { return core::make_error(ErrorKind::io, "not scripted"); }
};

TEST(LockKey, NamesDialectHostPortDatabaseSchemaAndTable) {
  EXPECT_EQ(lock_key(pg_url("db.internal", 5432, "app"), {.schema = "public"}),
            "magent:postgresql://db.internal:5432/app#public.alembic_version");
  EXPECT_EQ(lock_key(pg_url("db", 0, "app"), {}),
            "magent:postgresql://db:5432/app#alembic_version");
}

TEST(LockKey, IgnoresCredentialsDriverOptionsHostCaseAndDefaultPort) {
  const std::string base = lock_key(pg_url("db.internal", 5432, "app"), {});
  core::DatabaseUrl other = pg_url("DB.Internal", 0, "app");
  other.scheme = "postgresql+psycopg2";
  other.user = "someone";
  other.password = "secret";
  other.query = {{"sslmode", "require"}};
  EXPECT_EQ(lock_key(other, {}), base);
  EXPECT_EQ(base.find("secret"), std::string::npos);
}

TEST(LockKey, DiffersForEveryPartOfTheIdentity) {
  const VersionTable t;
  const std::vector<std::string> keys{
      lock_key(pg_url("db", 5432, "app"), t),
      lock_key(pg_url("db2", 5432, "app"), t),
      lock_key(pg_url("db", 5433, "app"), t),
      lock_key(pg_url("db", 5432, "app2"), t),
      lock_key(pg_url("db", 5432, "app"), {.name = "other_version"}),
      lock_key(pg_url("db", 5432, "app"), {.schema = "tenant"}),
      lock_key({.dialect = Dialect::mysql, .host = "db", .port = 5432, .database = "app"}, t),
  };
  for (std::size_t i = 0; i < keys.size(); ++i) {
    for (std::size_t j = i + 1; j < keys.size(); ++j) EXPECT_NE(keys[i], keys[j]) << keys[i];
  }
}

TEST(LockKey, MysqlDefaultPortIs3306) {
  EXPECT_EQ(lock_key({.dialect = Dialect::mysql, .host = "h", .database = "d"}, {}),
            "magent:mysql://h:3306/d#alembic_version");
}

TEST(LockKey, SqlitePathIsNormalisedAndMemoryHasItsOwnKey) {
  const core::DatabaseUrl a{
      .dialect = Dialect::sqlite, .scheme = "sqlite", .database = "/srv/app/./x/../app.db"};
  EXPECT_EQ(lock_key(a, {}), "magent:sqlite:///srv/app/app.db#alembic_version");
  const core::DatabaseUrl memory{.dialect = Dialect::sqlite, .scheme = "sqlite"};
  EXPECT_EQ(lock_key(memory, {}), "magent:sqlite://:memory:#alembic_version");
}

TEST(LockKeyInt64, IsFnv1aOfTheKeyBytes) {
  EXPECT_EQ(lock_key_int64(""), static_cast<std::int64_t>(0xcbf29ce484222325ULL));
  EXPECT_EQ(lock_key_int64("a"), static_cast<std::int64_t>(0xaf63dc4c8601ec8cULL));
  EXPECT_EQ(lock_key_int64("foobar"), static_cast<std::int64_t>(0x85944171f73967e8ULL));
}

TEST(LockKeyInt64, IsStableAndDistinguishesNearbyKeys) {
  const std::string a = lock_key(pg_url("db", 5432, "app1"), {});
  const std::string b = lock_key(pg_url("db", 5432, "app2"), {});
  EXPECT_EQ(lock_key_int64(a), lock_key_int64(std::string(a)));
  EXPECT_NE(lock_key_int64(a), lock_key_int64(b));
}

TEST(LockKeyName, ShortKeysAreUsedAsTheyAre) {
  const std::string key = "magent:mysql://h:3306/d#alembic_version";
  EXPECT_EQ(lock_key_name(key), key);
  const std::string exactly64(64, 'k');
  EXPECT_EQ(lock_key_name(exactly64), exactly64);
}

TEST(LockKeyName, LongKeysFitMysqlsLimitAndStayDistinct) {
  const std::string prefix = "magent:mysql://a-very-long-host-name.example.internal:3306/";
  const std::string a = prefix + "application_one#alembic_version";
  const std::string b = prefix + "application_two#alembic_version";
  const std::string name_a = lock_key_name(a);
  EXPECT_EQ(name_a.size(), 64u);
  EXPECT_EQ(name_a.substr(0, 47), a.substr(0, 47));
  EXPECT_EQ(name_a[47], '#');
  EXPECT_NE(name_a, lock_key_name(b));
  EXPECT_EQ(name_a, lock_key_name(a));
}

TEST(Backoff, DoublesFrom50msUpTo1sWithoutJitterAtHalf) {
  const Backoff b;
  const std::vector<long long> expected{50, 100, 200, 400, 800, 1000, 1000, 1000};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(backoff_delay(b, static_cast<int>(i), 0.5).count(), expected[i]) << i;
  }
  EXPECT_EQ(backoff_delay(b, 10'000, 0.5).count(), 1000);  // no overflow for huge attempts
}

TEST(Backoff, JitterStaysWithinQuarterEitherSide) {
  const Backoff b;
  EXPECT_EQ(backoff_delay(b, 0, 0.0).count(), 38);  // 37.5 rounded
  EXPECT_EQ(backoff_delay(b, 5, 0.0).count(), 750);
  EXPECT_EQ(backoff_delay(b, 5, 0.999999).count(), 1250);
  for (double u = 0.0; u < 1.0; u += 0.05) {
    const auto d = backoff_delay(b, 3, u).count();
    EXPECT_GE(d, 300);
    EXPECT_LE(d, 500);
  }
}

TEST(AcquireLock, FreeLockIsTakenAtOnceWithoutSleeping) {
  ScriptedLockDatabase db;
  db.answers = {true};
  FakeClock clock;
  auto guard = acquire_lock(db, "k", 5s, clock);
  ASSERT_TRUE(guard.ok()) << guard.error().message;
  EXPECT_TRUE(guard->held());
  EXPECT_EQ(guard->waited(), 0ms);
  EXPECT_TRUE(clock.sleeps().empty());
}

TEST(AcquireLock, PollsWithExponentialBackoffUntilTheLockIsFree) {
  ScriptedLockDatabase db;
  db.answers = {false, false, false, true};
  FakeClock clock;
  auto guard = acquire_lock(db, "k", 5s, clock);
  ASSERT_TRUE(guard.ok()) << guard.error().message;
  EXPECT_EQ(db.try_count, 4);
  EXPECT_EQ(clock.sleeps(), (std::vector<std::chrono::milliseconds>{50ms, 100ms, 200ms}));
  EXPECT_EQ(guard->waited(), 350ms);
}

TEST(AcquireLock, JitterFromTheClockScalesEachSleep) {
  ScriptedLockDatabase db;
  db.answers = {false, false, true};
  FakeClock clock;
  clock.random_value = 0.0;
  ASSERT_TRUE(acquire_lock(db, "k", 5s, clock).ok());
  EXPECT_EQ(clock.sleeps(), (std::vector<std::chrono::milliseconds>{38ms, 75ms}));
}

TEST(AcquireLock, TimesOutNamingTheHolderWithoutOversleeping) {
  ScriptedLockDatabase db;
  FakeClock clock;
  auto guard = acquire_lock(db, "k", 2s, clock);
  ASSERT_FALSE(guard.ok());
  EXPECT_EQ(guard.error().kind, ErrorKind::lock_timeout);
  EXPECT_NE(guard.error().message.find("migration-agent@other:42"), std::string::npos)
      << guard.error().message;
  EXPECT_NE(guard.error().message.find("2000 ms"), std::string::npos);
  EXPECT_EQ(clock.total_slept(), 2s);  // the last sleep is cut to the deadline
  // 50+100+200+400+800 = 1550, then the remaining 450 ms, then one last try.
  EXPECT_EQ(clock.sleeps().back(), 450ms);
  EXPECT_EQ(db.try_count, 7);
  EXPECT_EQ(db.unlock_count, 0);
}

TEST(AcquireLock, UnknownHolderIsSaidSo) {
  ScriptedLockDatabase db;
  db.holder = std::nullopt;
  FakeClock clock;
  auto guard = acquire_lock(db, "k", 100ms, clock);
  ASSERT_FALSE(guard.ok());
  EXPECT_NE(guard.error().message.find("unknown holder"), std::string::npos);
}

TEST(AcquireLock, ZeroTimeoutTriesExactlyOnce) {
  ScriptedLockDatabase db;
  FakeClock clock;
  auto guard = acquire_lock(db, "k", 0ms, clock);
  ASSERT_FALSE(guard.ok());
  EXPECT_EQ(guard.error().kind, ErrorKind::lock_timeout);
  EXPECT_EQ(db.try_count, 1);
  EXPECT_TRUE(clock.sleeps().empty());
}

TEST(AcquireLock, StopRequestEndsTheWaitAfterTheNextFailedTry) {
  ScriptedLockDatabase db;
  FakeClock clock;
  bool stop = false;
  clock.on_sleep = [&](std::size_t sleeps) { stop = sleeps == 2; };
  auto guard = acquire_lock(db, "k", 60s, clock, {}, [&] { return stop; });
  ASSERT_FALSE(guard.ok());
  EXPECT_EQ(guard.error().kind, ErrorKind::io);
  EXPECT_NE(guard.error().message.find("shutting down"), std::string::npos);
  EXPECT_EQ(db.try_count, 3);
  EXPECT_EQ(clock.sleeps().size(), 2U);
  EXPECT_EQ(db.unlock_count, 0);
}

TEST(AcquireLock, TryLockErrorIsReturnedAtOnce) {
  ScriptedLockDatabase db;
  db.answers = {false, core::make_error(ErrorKind::unreachable, "connection lost")};
  FakeClock clock;
  auto guard = acquire_lock(db, "k", 60s, clock);
  ASSERT_FALSE(guard.ok());
  EXPECT_EQ(guard.error().kind, ErrorKind::unreachable);
  EXPECT_EQ(guard.error().message, "connection lost");
  EXPECT_EQ(db.try_count, 2);
}

TEST(LockGuard, UnlocksOnceOnDestructionAndNotWhenMovedFrom) {
  ScriptedLockDatabase db;
  db.answers = {true};
  FakeClock clock;
  {
    auto guard = acquire_lock(db, "k", 1s, clock);
    ASSERT_TRUE(guard.ok());
    LockGuard moved = std::move(*guard);
    EXPECT_FALSE(guard->held());
    EXPECT_TRUE(moved.held());
    EXPECT_EQ(db.unlock_count, 0);
  }
  EXPECT_EQ(db.unlock_count, 1);
}

TEST(LockGuard, ExplicitReleaseUnlocksAndDestructionDoesNotAgain) {
  ScriptedLockDatabase db;
  {
    LockGuard guard(db, 0ms);
    EXPECT_TRUE(guard.release().ok());
    EXPECT_FALSE(guard.held());
    EXPECT_TRUE(guard.release().ok());
  }
  EXPECT_EQ(db.unlock_count, 1);
}

TEST(LockGuard, MoveAssignmentReleasesTheLockItHeld) {
  ScriptedLockDatabase first, second;
  LockGuard a(first, 0ms);
  a = LockGuard(second, 0ms);
  EXPECT_EQ(first.unlock_count, 1);
  EXPECT_EQ(second.unlock_count, 0);
  EXPECT_TRUE(a.held());
}

}  // namespace
}  // namespace magent::db
