// The migration lock of the PostgreSQL and MySQL/MariaDB adapters (DESIGN.md section 6):
// exclusive across sessions, holder visible, released by unlock or by the death of the
// process holding it, and scoped to one database.
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/db/mysql/mysql_database.hpp"
#include "tests/integration/db/adapter_fixture.hpp"

namespace magent::test {
namespace {

using namespace std::chrono_literals;
constexpr std::string_view k_key = "migration-agent";

class EngineLock : public ::testing::TestWithParam<Engine> {
 protected:
  TempDir m_temp;
};

std::string param_name(const ::testing::TestParamInfo<Engine>& info) {
  return engine_name(info.param);
}

// Polls try_lock until it succeeds or `limit` passes (the caller's backoff, simplified).
bool lock_within(db::Database& database, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    auto taken = database.try_lock(k_key);
    if (taken.ok() && *taken) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(100ms);
  }
}

// A forked child that opens its own connection, takes the lock, reports on a pipe and
// then sleeps until killed. Killed (SIGKILL) and reaped on destruction at the latest.
class LockHoldingChild {
 public:
  LockHoldingChild(const core::DatabaseUrl& url) {
    int fds[2];
    if (::pipe(fds) != 0) return;
    m_pid = ::fork();
    if (m_pid == 0) {
      ::close(fds[0]);
      ::alarm(60);  // never outlive a broken test run
      char status = 'n';
      auto opened = db::open_database(options_for(url, "magent-child-holder"));
      if (opened) {
        auto taken = (*opened)->try_lock(k_key);
        status = taken.ok() && *taken ? 'y' : 'n';
      }
      [[maybe_unused]] auto written = ::write(fds[1], &status, 1);
      for (;;) ::pause();
    }
    ::close(fds[1]);
    m_report = fds[0];
  }
  ~LockHoldingChild() {
    kill_now();
    if (m_report >= 0) ::close(m_report);
  }
  LockHoldingChild(const LockHoldingChild&) = delete;
  LockHoldingChild& operator=(const LockHoldingChild&) = delete;

  // Waits for the child's report: true once it holds the lock.
  bool holds_lock() {
    if (m_pid <= 0) return false;
    pollfd fd{m_report, POLLIN, 0};
    char status = 'n';
    return ::poll(&fd, 1, 15'000) == 1 && ::read(m_report, &status, 1) == 1 && status == 'y';
  }
  void kill_now() {
    if (m_pid <= 0) return;
    ::kill(m_pid, SIGKILL);
    ::waitpid(m_pid, nullptr, 0);
    m_pid = -1;
  }

 private:
  pid_t m_pid = -1;
  int m_report = -1;
};

TEST_P(EngineLock, SecondSessionCannotTakeTheLockAndSeesWhoHoldsIt) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  const core::DatabaseUrl url = url_from(db->url());
  auto first = open_or_fail(url, "magent-holder-first");
  auto second = open_or_fail(url, "magent-holder-second");
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->lock_holder(k_key).value(), std::nullopt);

  ASSERT_EQ(first->try_lock(k_key).value(), true);
  EXPECT_EQ(first->try_lock(k_key).value(), true);  // taking it again is harmless
  EXPECT_EQ(second->try_lock(k_key).value(), false);

  auto holder = second->lock_holder(k_key);
  ASSERT_TRUE(holder.ok()) << holder.error().message;
  ASSERT_TRUE(holder->has_value());
  if (GetParam() == Engine::postgresql) {
    EXPECT_NE((*holder)->find("magent-holder-first"), std::string::npos) << **holder;
    EXPECT_NE((*holder)->find("pg backend"), std::string::npos) << **holder;
  } else {
    // GET_LOCK names are server-wide; the server knows which connection holds ours.
    const std::string name = db::mysql_lock_name(url.database, k_key);
    std::string id = db->sql("SELECT IS_USED_LOCK('" + name + "')");
    id.erase(id.find_last_not_of('\n') + 1);
    EXPECT_NE((*holder)->find("mysql connection " + id + ","), std::string::npos) << **holder;
    // scripts/test-servers turns performance_schema on, which shows the program name.
    if (std::getenv("MAGENT_TEST_SERVERS_DIR") != nullptr) {
      EXPECT_EQ((*holder)->rfind("magent-holder-first@", 0), 0U) << **holder;
    }
  }

  ASSERT_TRUE(first->unlock().ok());
  EXPECT_EQ(second->try_lock(k_key).value(), true);
  EXPECT_EQ(first->try_lock(k_key).value(), false);
  ASSERT_TRUE(second->unlock().ok());
  EXPECT_TRUE(second->unlock().ok());  // nothing held: a no-op
  EXPECT_EQ(first->lock_holder(k_key).value(), std::nullopt);
}

TEST_P(EngineLock, LockOfAKilledProcessIsReleasedByTheServer) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  const core::DatabaseUrl url = url_from(db->url());
  LockHoldingChild child(url);
  ASSERT_TRUE(child.holds_lock());
  auto waiter = open_or_fail(url);
  ASSERT_NE(waiter, nullptr);
  EXPECT_EQ(waiter->try_lock(k_key).value(), false);
  if (GetParam() == Engine::postgresql) {
    auto holder = waiter->lock_holder(k_key);
    ASSERT_TRUE(holder.ok() && holder->has_value());
    EXPECT_NE((*holder)->find("magent-child-holder"), std::string::npos) << **holder;
  }
  child.kill_now();
  EXPECT_TRUE(lock_within(*waiter, 5s));
}

TEST_P(EngineLock, SameKeyInTwoDatabasesOnOneServerDoesNotCollide) {
  MAGENT_REQUIRE_DATABASE(db_one, GetParam(), m_temp);
  MAGENT_REQUIRE_DATABASE(db_two, GetParam(), m_temp);
  auto one = open_or_fail(url_from(db_one->url()));
  auto two = open_or_fail(url_from(db_two->url()));
  ASSERT_NE(one, nullptr);
  ASSERT_NE(two, nullptr);
  EXPECT_EQ(one->try_lock(k_key).value(), true);
  EXPECT_EQ(two->try_lock(k_key).value(), true);
  EXPECT_EQ(two->lock_holder(k_key).value().has_value(), true);
}

TEST_P(EngineLock, LockUrlGivesTheLockItsOwnSession) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  const core::DatabaseUrl url = url_from(db->url());
  db::ConnectOptions options = options_for(url, "magent-lock-url");
  core::DatabaseUrl unusable = url;
  unusable.port = closed_port();
  options.lock_url = unusable;  // the lock must come from here, and it cannot
  auto opened = db::open_database(options);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  auto taken = (*opened)->try_lock(k_key);
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().kind, core::ErrorKind::unreachable);

  options.lock_url = url;
  auto working = db::open_database(options);
  ASSERT_TRUE(working.ok()) << working.error().message;
  EXPECT_EQ((*working)->try_lock(k_key).value(), true);
}

TEST_P(EngineLock, KilledLockSessionIsReportedAndTheLockCanBeTakenAgain) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  auto database = open_or_fail(url_from(db->url()), "magent-lock-victim");
  ASSERT_NE(database, nullptr);
  ASSERT_EQ(database->try_lock(k_key).value(), true);
  if (GetParam() == Engine::postgresql) {
    db->sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name LIKE 'magent-lock-victim@%' AND pid IN"
            " (SELECT pid FROM pg_locks WHERE locktype = 'advisory')");
  } else {
    const std::string name = db::mysql_lock_name(database_name(*db), k_key);
    std::string id = db->sql("SELECT IS_USED_LOCK('" + name + "')");
    db->sql("KILL " + id);
  }
  auto still = database->try_lock(k_key);  // the lock is gone with its session
  ASSERT_FALSE(still.ok());
  EXPECT_EQ(still.error().kind, core::ErrorKind::unreachable) << still.error().message;
  EXPECT_TRUE(lock_within(*database, 5s));  // a new lock session takes it again
  EXPECT_TRUE(database->query("SELECT 1").ok());  // the main session was never touched
}

INSTANTIATE_TEST_SUITE_P(Servers, EngineLock,
                         ::testing::Values(Engine::postgresql, Engine::mysql), param_name);

}  // namespace
}  // namespace magent::test
