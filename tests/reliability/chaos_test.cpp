// Chaos: `migration-agent upgrade` of a long generated chain, SIGKILLed at a random moment,
// over and over, on SQLite, PostgreSQL and MariaDB. After every kill the database must be
// consistent (alembic_version names a real revision, the schema and rows are exactly that
// revision's, the ledger holds a `succeeded` row for every committed step and no other, the
// lock is free), and the next `upgrade` must finish the job — except on MariaDB after a
// step that died half-way, where it must fail on the step's first statement and leave
// `failed` drift for an operator to settle (scripts/reliability; docs/reliability.md).
//
//   chaos [--iterations N] [--engines sqlite,postgresql,mysql] [--revisions N] [--seed S]
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "tests/reliability/chain.hpp"
#include "tests/reliability/database_content.hpp"
#include "tests/support/cli_fixture.hpp"

namespace magent::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct ChaosOptions {
  int iterations = 50;
  int revisions = 200;
  std::set<Engine> engines = {Engine::sqlite, Engine::postgresql, Engine::mysql};
  std::uint64_t seed = 0;
};

ChaosOptions& options() {
  static ChaosOptions o;
  return o;
}

std::vector<std::string> drift_kinds(const nlohmann::json& check) {
  std::vector<std::string> kinds;
  if (!check.is_object() || !check["drift"].is_array()) return kinds;
  for (const auto& d : check["drift"]) kinds.push_back(d.value("kind", "?"));
  return kinds;
}

// Where one killed run left the database.
struct KilledState {
  int at = 0;                  // alembic_version's revision, as an index (0 = base)
  std::optional<int> started;  // MariaDB: a `started` row for revision at+1 (index)
  int partial = 0;             // statements of that revision whose effect is visible
};

// How iterations ended, for the summary.
struct Tally {
  int iterations = 0, failed = 0;
  int before_first_step = 0, mid_chain = 0, finished_before_kill = 0;
  int started_nothing_committed = 0, partial_step = 0;
  std::vector<int> positions;
};

class Chaos : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    if (options().engines.count(GetParam()) == 0) GTEST_SKIP() << "not in --engines";
    m_chain = generate_chain(options().seed, options().revisions);
    write_chain(m_chain, migrations());
    for (std::size_t i = 0; i < m_chain.size(); ++i)
      m_index[m_chain[i].id] = static_cast<int>(i) + 1;
    m_lock_config = m_temp.write("lock.toml", "[apply]\nlock_timeout = \"2s\"\n");
  }

  std::filesystem::path migrations() const { return m_temp.path() / "migrations"; }
  int head() const { return static_cast<int>(m_chain.size()); }
  const std::string& id(int index) const {
    return m_chain.at(static_cast<std::size_t>(index - 1)).id;
  }

  std::unique_ptr<TestDatabase> fresh_database() { return make_test_database(GetParam(), m_temp); }

  AgentRunner agent(const TestDatabase& db, bool short_lock_timeout) const {
    AgentRunner runner(db.url(), migrations(), m_temp.path());
    if (short_lock_timeout) runner.set_config(m_lock_config);
    return runner;
  }

  // The content of a clean database upgraded to revision `index` by the agent (cached).
  // With `partials`, also the contents after the first 1..n statements of revision
  // index+1, run by hand on that database: what MariaDB, whose DDL commits statement by
  // statement, may show after a kill.
  const DatabaseContent* reference(int index, bool partials = false) {
    const bool have = m_references.count(index) != 0;
    if (have && (!partials || m_partials.count(index + 1) != 0)) return &m_references[index];
    auto db = fresh_database();
    if (!db) return nullptr;
    if (index > 0) {
      ProcessResult up = agent(*db, false).run({"upgrade", id(index)});
      EXPECT_EQ(up.exit_code, 0) << "reference upgrade to " << id(index) << ": " << describe(up);
      if (up.exit_code != 0) return nullptr;
    }
    std::string error;
    DatabaseContent content = read_content(*db, &error);
    EXPECT_EQ(error, "");
    if (!error.empty()) return nullptr;
    if (partials && index < head()) {
      std::vector<DatabaseContent> contents;
      for (const std::string& statement : m_chain.at(static_cast<std::size_t>(index)).statements) {
        if (!db->try_sql(statement + ";")) {
          ADD_FAILURE() << "cannot run by hand: " << statement;
          return nullptr;
        }
        contents.push_back(read_content(*db, &error));
        EXPECT_EQ(error, "");
      }
      m_partials[index + 1] = std::move(contents);
    }
    return &(m_references[index] = std::move(content));
  }

  // Waits until the server has ended every session of the killed agent (it finishes a
  // statement that was running, then notices the closed socket), so what we read is final.
  bool wait_for_sessions_to_end(const TestDatabase& db) {
    std::string sql;
    if (db.engine() == Engine::postgresql) {
      sql =
          "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND "
          "pid <> pg_backend_pid()";
    } else if (db.engine() == Engine::mysql) {
      sql =
          "SELECT COUNT(*) FROM information_schema.processlist WHERE db = DATABASE() AND "
          "id <> CONNECTION_ID()";
    } else {
      return true;
    }
    const auto deadline = Clock::now() + 60s;
    while (Clock::now() < deadline) {
      if (query_value(db, sql) == "0") return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

  void iteration(std::mt19937_64& random, std::chrono::milliseconds expected_run, Tally& tally);
  KilledState check_killed_database(const TestDatabase& db);
  void check_recovery(const TestDatabase& db, const KilledState& state);
  void check_operator_settles_partial_step(const TestDatabase& db, const KilledState& state);

  TempDir m_temp;
  std::vector<ChainRevision> m_chain;
  std::map<std::string, int> m_index;
  std::filesystem::path m_lock_config;
  std::map<int, DatabaseContent> m_references;
  std::map<int, std::vector<DatabaseContent>> m_partials;
};

KilledState Chaos::check_killed_database(const TestDatabase& db) {
  KilledState state;
  // alembic_version: empty or one row naming a revision of the chain.
  const auto versions = version_rows(db);
  EXPECT_LE(versions.size(), 1U);
  if (!versions.empty()) {
    const auto found = m_index.find(versions.front());
    if (found == m_index.end()) {
      ADD_FAILURE() << "alembic_version names no revision of the chain: " << versions.front();
      return state;
    }
    state.at = found->second;
  }

  // The ledger: a `succeeded` upgrade row for each of revisions 1..at exactly, nothing
  // `failed`, and (MariaDB only) at most one `started` row: the newest, for at+1.
  const auto ledger = ledger_rows(db);
  std::set<int> succeeded;
  for (const LedgerRow& row : ledger) {
    EXPECT_EQ(row.direction, "upgrade") << row.revision;
    const auto found = m_index.find(row.revision);
    if (found == m_index.end()) {
      ADD_FAILURE() << "ledger row for an unknown revision " << row.revision;
      continue;
    }
    if (row.outcome == "succeeded") {
      EXPECT_TRUE(succeeded.insert(found->second).second) << "succeeded twice: " << row.revision;
      EXPECT_LE(found->second, state.at)
          << "ledger says " << row.revision << " succeeded, but alembic_version is at "
          << (state.at ? id(state.at) : "base");
      if (found->second == state.at) {
        EXPECT_EQ(row.versions_after, id(state.at));
      }
    } else if (row.outcome == "started" && GetParam() == Engine::mysql) {
      EXPECT_FALSE(state.started) << "two started rows";
      EXPECT_EQ(row.id, ledger.back().id) << "a started row that is not the newest";
      EXPECT_EQ(found->second, state.at + 1) << "started row for " << row.revision;
      state.started = found->second;
    } else {
      ADD_FAILURE() << "ledger row " << row.revision << " is " << row.outcome << " after a kill on "
                    << engine_name(GetParam());
    }
  }
  EXPECT_EQ(static_cast<int>(succeeded.size()), state.at)
      << "committed steps without their ledger row";

  // The content: exactly revision `at`'s; on MariaDB possibly plus a prefix of the started
  // step's statements (its DDL commits statement by statement).
  std::string error;
  const DatabaseContent actual = read_content(db, &error);
  if (!error.empty()) {
    ADD_FAILURE() << error;
    return state;
  }
  const DatabaseContent* expected = reference(state.at, state.started.has_value());
  if (!expected) return state;
  if (actual == *expected) return state;
  if (state.started) {
    const auto& partials = m_partials[*state.started];
    for (std::size_t j = 0; j < partials.size(); ++j) {
      if (actual == partials[j]) {
        state.partial = static_cast<int>(j) + 1;
        return state;
      }
    }
  }
  ADD_FAILURE() << "the killed database's content is not revision "
                << (state.at ? id(state.at) : "base") << "'s"
                << (state.started ? " nor a partial " + id(*state.started) : std::string()) << ":\n"
                << describe_difference(*expected, actual);
  return state;
}

void Chaos::check_recovery(const TestDatabase& db, const KilledState& state) {
  AgentRunner runner = agent(db, true);
  ProcessResult up = runner.run({"upgrade"});
  // No lock outlives its holder: the server (or the kernel, for SQLite) has freed it.
  ASSERT_NE(up.exit_code, 4) << "the killed agent's lock is still held: " << describe(up);

  if (state.partial > 0) {
    // MariaDB, a step that died half-way: the CLI re-runs the step, whose first statement
    // already took effect, so it fails; the database stays where it was and `check`
    // reports `failed` drift until an operator settles it.
    const std::string& failing = id(*state.started);
    EXPECT_EQ(up.exit_code, 5) << describe(up);
    EXPECT_TRUE(one_line(up.err));
    EXPECT_TRUE(contains(up.err, "revision " + failing + " failed")) << up.err;
    EXPECT_TRUE(contains(up.err, "already exists") || contains(up.err, "Duplicate")) << up.err;
    const auto versions = version_rows(db);
    EXPECT_EQ(versions,
              state.at ? std::vector<std::string>{id(state.at)} : std::vector<std::string>{});
    const auto ledger = ledger_rows(db);
    ASSERT_FALSE(ledger.empty());
    EXPECT_EQ(ledger.back().revision, failing);
    EXPECT_EQ(ledger.back().outcome, "failed");
    nlohmann::json check = runner.run_json({"check"}, 1);
    const auto kinds = drift_kinds(check);
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), "failed"), kinds.end()) << check.dump();
    check_operator_settles_partial_step(db, state);
    return;
  }

  EXPECT_EQ(up.exit_code, 0) << describe(up);
  EXPECT_EQ(version_rows(db), std::vector<std::string>{id(head())});
  std::map<std::string, int> succeeded;
  for (const LedgerRow& row : ledger_rows(db)) {
    if (row.outcome == "succeeded") ++succeeded[row.revision];
  }
  EXPECT_EQ(static_cast<int>(succeeded.size()), head());
  for (const auto& [revision, count] : succeeded) EXPECT_EQ(count, 1) << revision;
  std::string error;
  const DatabaseContent actual = read_content(db, &error);
  EXPECT_EQ(error, "");
  if (const DatabaseContent* expected = reference(head())) {
    EXPECT_TRUE(actual == *expected) << describe_difference(*expected, actual);
  }
  ProcessResult check = runner.run({"check"});
  EXPECT_EQ(check.exit_code, 0) << describe(check);
}

// The operator's way out (docs/operations.md): finish the step's remaining statements by
// hand, stamp the revision, and upgrade on.
void Chaos::check_operator_settles_partial_step(const TestDatabase& db, const KilledState& state) {
  const ChainRevision& step = m_chain.at(static_cast<std::size_t>(*state.started - 1));
  for (std::size_t j = static_cast<std::size_t>(state.partial); j < step.statements.size(); ++j) {
    db.sql(step.statements[j] + ";");
  }
  AgentRunner runner = agent(db, true);
  ProcessResult stamp = runner.run({"stamp", step.id});
  ASSERT_EQ(stamp.exit_code, 0) << describe(stamp);
  ProcessResult up = runner.run({"upgrade"});
  ASSERT_EQ(up.exit_code, 0) << describe(up);
  EXPECT_EQ(version_rows(db), std::vector<std::string>{id(head())});
  std::string error;
  const DatabaseContent actual = read_content(db, &error);
  EXPECT_EQ(error, "");
  if (const DatabaseContent* expected = reference(head())) {
    EXPECT_TRUE(actual == *expected) << describe_difference(*expected, actual);
  }
  ProcessResult check = runner.run({"check"});
  EXPECT_EQ(check.exit_code, 0) << describe(check);
}

void Chaos::iteration(std::mt19937_64& random, std::chrono::milliseconds expected_run,
                      Tally& tally) {
  auto db = fresh_database();
  ASSERT_NE(db, nullptr);
  const auto delay = std::chrono::microseconds(std::uniform_int_distribution<long>(
      0, std::chrono::duration_cast<std::chrono::microseconds>(expected_run).count())(random));
  SCOPED_TRACE("SIGKILL after " + std::to_string(delay.count() / 1000) + " ms");

  AgentRunner runner = agent(*db, false);
  BackgroundProcess run(runner.argv({"upgrade"}), runner.options());
  std::this_thread::sleep_for(delay);
  run.signal(SIGKILL);
  ProcessResult killed = run.wait(30s);
  ASSERT_FALSE(killed.timed_out);
  if (killed.signal != SIGKILL) {
    EXPECT_EQ(killed.exit_code, 0)
        << "finished before the kill, but not well: " << describe(killed);
  }
  ASSERT_TRUE(wait_for_sessions_to_end(*db)) << "the killed agent's sessions never ended";

  const KilledState state = check_killed_database(*db);
  if (HasFailure()) return;
  SCOPED_TRACE("killed at " + (state.at ? id(state.at) : std::string("base")) +
               (state.started ? ", started " + id(*state.started) + " with " +
                                    std::to_string(state.partial) + " statement(s) visible"
                              : std::string()));
  tally.positions.push_back(state.at);
  if (state.at == head()) {
    ++tally.finished_before_kill;
  } else if (state.at == 0 && !state.started) {
    ++tally.before_first_step;
  } else {
    ++tally.mid_chain;
  }
  if (state.started) ++(state.partial > 0 ? tally.partial_step : tally.started_nothing_committed);
  check_recovery(*db, state);
}

TEST_P(Chaos, KilledUpgradeLeavesAConsistentDatabaseAndTheNextUpgradeFinishesOrRefuses) {
  // How long a whole upgrade takes here and now (the fastest of three: the first run on a
  // fresh server warms its caches): kills land anywhere within it.
  auto expected_run = std::chrono::milliseconds::max();
  for (int run = 0; run < 3; ++run) {
    auto timing_db = fresh_database();
    if (!timing_db) GTEST_SKIP() << engine_name(GetParam()) << " server not configured";
    const auto start = Clock::now();
    ProcessResult full = agent(*timing_db, false).run({"upgrade"});
    expected_run = std::min(
        expected_run, std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start));
    ASSERT_EQ(full.exit_code, 0) << describe(full);
    if (run == 0) {
      std::string error;
      m_references[head()] = read_content(*timing_db, &error);
      ASSERT_EQ(error, "");
    }
  }

  std::seed_seq seq{options().seed, static_cast<std::uint64_t>(GetParam())};
  std::mt19937_64 random(seq);
  Tally tally;
  for (int i = 0; i < options().iterations; ++i) {
    SCOPED_TRACE("iteration " + std::to_string(i + 1) + " of " +
                 std::to_string(options().iterations));
    const bool failed_before = HasFailure();
    iteration(random, expected_run, tally);
    ++tally.iterations;
    if (HasFailure() && !failed_before) ++tally.failed;
    if (tally.failed >= 3) break;  // enough to debug; the rest would repeat it
  }

  std::sort(tally.positions.begin(), tally.positions.end());
  std::ostringstream summary;
  summary << "chaos " << engine_name(GetParam()) << ": " << tally.iterations - tally.failed << "/"
          << tally.iterations << " iterations passed (seed " << options().seed << ", " << head()
          << " revisions, full upgrade " << expected_run.count() << " ms); killed "
          << tally.before_first_step << "x before the first step, " << tally.mid_chain
          << "x mid-chain, " << tally.finished_before_kill << "x after finishing";
  if (GetParam() == Engine::mysql) {
    summary << "; started rows: " << tally.started_nothing_committed << "x nothing committed, "
            << tally.partial_step << "x a partial step (exit 5, failed drift, settled by hand)";
  }
  if (!tally.positions.empty()) {
    summary << "; alembic_version after the kills (revision numbers):";
    for (const int position : tally.positions) summary << " " << position;
  }
  std::cout << summary.str() << std::endl;
  RecordProperty("summary", summary.str());
}

INSTANTIATE_TEST_SUITE_P(Engines, Chaos, ::testing::ValuesIn(all_engines()), engine_param_name);

int usage(const char* argv0, const std::string& problem) {
  std::cerr << argv0 << ": " << problem << "\nusage: " << argv0
            << " [--iterations N] [--engines sqlite,postgresql,mysql] [--revisions N] [--seed S]"
               " [gtest flags]\n";
  return 2;
}

std::optional<std::set<Engine>> parse_engines(const std::string& list) {
  std::set<Engine> out;
  std::stringstream in(list);
  for (std::string name; std::getline(in, name, ',');) {
    if (name == "sqlite") {
      out.insert(Engine::sqlite);
    } else if (name == "postgresql" || name == "postgres") {
      out.insert(Engine::postgresql);
    } else if (name == "mysql" || name == "mariadb") {
      out.insert(Engine::mysql);
    } else {
      return std::nullopt;
    }
  }
  if (out.empty()) return std::nullopt;
  return out;
}

}  // namespace
}  // namespace magent::test

int main(int argc, char** argv) {
  using magent::test::options;
  ::testing::InitGoogleTest(&argc, argv);
  options().seed = std::random_device{}();
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) return magent::test::usage(argv[0], "missing value or unknown flag " + flag);
    const std::string value = argv[++i];
    try {
      if (flag == "--iterations") {
        options().iterations = std::stoi(value);
      } else if (flag == "--revisions") {
        options().revisions = std::stoi(value);
      } else if (flag == "--seed") {
        options().seed = std::stoull(value);
      } else if (flag == "--engines") {
        auto engines = magent::test::parse_engines(value);
        if (!engines) return magent::test::usage(argv[0], "bad --engines " + value);
        options().engines = *engines;
      } else {
        return magent::test::usage(argv[0], "unknown flag " + flag);
      }
    } catch (const std::exception&) {
      return magent::test::usage(argv[0], "bad value for " + flag + ": " + value);
    }
  }
  if (options().iterations < 1 || options().revisions < 2) {
    return magent::test::usage(argv[0], "--iterations must be >= 1 and --revisions >= 2");
  }
  std::cout << "chaos: seed " << options().seed << " (--seed " << options().seed
            << " repeats this run)" << std::endl;
  return RUN_ALL_TESTS();
}
