#include "agent/db/ledger.hpp"

#include <gtest/gtest.h>

#include "agent/db/connect.hpp"
#include "tests/support/database_urls.hpp"
#include "tests/support/temp_dir.hpp"

namespace magent::db {
namespace {

using namespace std::chrono_literals;
using core::ErrorKind;

WallTime at(std::string_view text) {
  auto t = parse_timestamp(text);
  EXPECT_TRUE(t.has_value()) << text;
  return t.value_or(WallTime{});
}

LedgerEntry started_entry(std::string revision,
                          std::string_view started = "2026-11-23T12:00:00.123Z") {
  LedgerEntry e;
  e.revision = std::move(revision);
  e.direction = LedgerDirection::upgrade;
  e.path = "20261123_add_phone.sql";
  e.checksum = std::string(64, 'a');
  e.started_at = at(started);
  e.host = "web-1";
  e.pid = 4242;
  e.agent_version = "0.1.0";
  e.trigger = LedgerTrigger::automatic;
  return e;
}

LedgerResolution finished(LedgerOutcome outcome, std::vector<std::string> versions_after) {
  return {.outcome = outcome,
          .finished_at = at("2026-11-23T12:00:01.623Z"),
          .duration = 1500ms,
          .versions_after = std::move(versions_after)};
}

TEST(LedgerTimestamp, FormatsUtcWithMilliseconds) {
  using namespace std::chrono;
  const WallTime t = sys_days{year{2026} / 11 / 23} + 12h + 0min + 0s + 123ms + 900us;
  EXPECT_EQ(format_timestamp(t), "2026-11-23T12:00:00.123Z");
  EXPECT_EQ(format_timestamp(WallTime{}), "1970-01-01T00:00:00.000Z");
}

TEST(LedgerTimestamp, ParsesWhatItFormats) {
  for (const char* text :
       {"2026-11-23T12:00:00.123Z", "2000-02-29T23:59:59.999Z", "1970-01-01T00:00:00.000Z"}) {
    auto t = parse_timestamp(text);
    ASSERT_TRUE(t.has_value()) << text;
    EXPECT_EQ(format_timestamp(*t), text);
  }
}

TEST(LedgerTimestamp, RejectsAnythingElse) {
  for (const char* text :
       {"", "2026-11-23T12:00:00Z", "2026-11-23 12:00:00.123Z", "2026-13-01T00:00:00.000Z",
        "2026-02-30T00:00:00.000Z", "2026-11-23T24:00:00.000Z", "2026-11-23T12:00:00.12xZ",
        "2026-11-23T12:00:00.123+"}) {
    EXPECT_FALSE(parse_timestamp(text).has_value()) << text;
  }
}

TEST(LedgerError, ShortErrorsAreKeptWhole) {
  EXPECT_EQ(truncate_error("boom"), "boom");
}

TEST(LedgerError, LongErrorsAreCutAtAUtf8BoundaryAndMarked) {
  std::string error;
  while (error.size() < 10'000) error += "é";  // two bytes each
  const std::string cut = truncate_error(error);
  EXPECT_LE(cut.size(), k_max_ledger_error_bytes);
  EXPECT_GT(cut.size(), k_max_ledger_error_bytes - 20);
  ASSERT_EQ(cut.substr(cut.size() - 12), " [truncated]");
  const std::string body = cut.substr(0, cut.size() - 12);
  EXPECT_EQ(body.size() % 2, 0u);  // no half character
  EXPECT_EQ(body, error.substr(0, body.size()));
}

class Ledger : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = open_database(test::sqlite_options((m_dir.path() / "app.db").string()));
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    m_db = std::move(*opened);
    auto ensured = ensure_ledger(*m_db, m_table);
    ASSERT_TRUE(ensured.ok()) << ensured.error().message;
  }
  std::int64_t add(const LedgerEntry& entry) {
    auto id = append(*m_db, m_table, entry);
    EXPECT_TRUE(id.ok()) << id.error().message;
    return id.ok() ? *id : -1;
  }
  std::vector<LedgerEntry> recent(std::size_t limit = 100) {
    auto rows = read_recent(*m_db, m_table, limit);
    EXPECT_TRUE(rows.ok()) << rows.error().message;
    return rows.ok() ? *rows : std::vector<LedgerEntry>{};
  }

  test::TempDir m_dir;
  std::unique_ptr<Database> m_db;
  LedgerTable m_table;
};

TEST_F(Ledger, EnsuringTwiceIsHarmlessAndKeepsRows) {
  add(started_entry("a1"));
  ASSERT_TRUE(ensure_ledger(*m_db, m_table).ok());
  EXPECT_EQ(recent().size(), 1u);
}

TEST_F(Ledger, AppendReturnsIncreasingIds) {
  const std::int64_t first = add(started_entry("a1"));
  const std::int64_t second = add(started_entry("b2"));
  EXPECT_GT(first, 0);
  EXPECT_GT(second, first);
}

TEST_F(Ledger, EveryFieldRoundTrips) {
  LedgerEntry e = started_entry("a1");
  e.direction = LedgerDirection::downgrade;
  e.trigger = LedgerTrigger::manual;
  e.peer_uid = 1000;
  e.peer_pid = 777;
  e.outcome = LedgerOutcome::failed;
  e.finished_at = at("2026-11-23T12:00:02.000Z");
  e.duration = 1877ms;
  e.error = "syntax error at or near \"TABLEE\"";
  e.versions_after = std::vector<std::string>{"b1", "c1"};
  e.schema_fingerprint = "sha256:abc";
  e.id = add(e);
  const auto rows = recent();
  ASSERT_EQ(rows.size(), 1u);
  const LedgerEntry& r = rows.front();
  EXPECT_EQ(r.id, e.id);
  EXPECT_EQ(r.revision, "a1");
  EXPECT_EQ(r.direction, LedgerDirection::downgrade);
  EXPECT_EQ(r.path, e.path);
  EXPECT_EQ(r.checksum, e.checksum);
  EXPECT_EQ(r.started_at, e.started_at);
  EXPECT_EQ(r.finished_at, e.finished_at);
  EXPECT_EQ(r.duration, e.duration);
  EXPECT_EQ(r.outcome, LedgerOutcome::failed);
  EXPECT_EQ(r.error, e.error);
  EXPECT_EQ(r.host, "web-1");
  EXPECT_EQ(r.pid, 4242);
  EXPECT_EQ(r.agent_version, "0.1.0");
  EXPECT_EQ(r.trigger, LedgerTrigger::manual);
  EXPECT_EQ(r.peer_uid, 1000);
  EXPECT_EQ(r.peer_pid, 777);
  EXPECT_EQ(r.versions_after, e.versions_after);
  EXPECT_EQ(r.schema_fingerprint, e.schema_fingerprint);
}

TEST_F(Ledger, UnsetOptionalFieldsAreStoredAsNull) {
  add(started_entry("a1"));
  auto rows = m_db->query(
      "SELECT finished_at, duration_ms, error, peer_uid, peer_pid, versions_after, "
      "schema_fingerprint, outcome, \"trigger\", started_at FROM migration_agent_log");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  const Row& row = rows->front();
  for (std::size_t i = 0; i < 7; ++i) EXPECT_FALSE(row.at(i).has_value()) << i;
  EXPECT_EQ(row.at(7), "started");
  EXPECT_EQ(row.at(8), "auto");
  EXPECT_EQ(row.at(9), "2026-11-23T12:00:00.123Z");
}

TEST_F(Ledger, EmptyVersionsAfterMeansBaseNotUnknown) {
  LedgerEntry e = started_entry("a1");
  e.versions_after = std::vector<std::string>{};
  add(e);
  const auto rows = recent();
  ASSERT_EQ(rows.size(), 1u);
  ASSERT_TRUE(rows.front().versions_after.has_value());
  EXPECT_TRUE(rows.front().versions_after->empty());
}

TEST_F(Ledger, LongErrorsAreTruncatedWhenStored) {
  LedgerEntry e = started_entry("a1");
  e.error = std::string(20'000, 'x');
  add(e);
  const auto rows = recent();
  ASSERT_EQ(rows.size(), 1u);
  ASSERT_TRUE(rows.front().error.has_value());
  EXPECT_LE(rows.front().error->size(), k_max_ledger_error_bytes);
}

TEST_F(Ledger, UpdateOutcomeFinishesAStartedRow) {
  const std::int64_t id = add(started_entry("a1"));
  auto done = update_outcome(*m_db, m_table, id, finished(LedgerOutcome::succeeded, {"a1"}));
  ASSERT_TRUE(done.ok()) << done.error().message;
  const auto rows = recent();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows.front().outcome, LedgerOutcome::succeeded);
  EXPECT_EQ(rows.front().finished_at, at("2026-11-23T12:00:01.623Z"));
  EXPECT_EQ(rows.front().duration, 1500ms);
  EXPECT_EQ(rows.front().versions_after, std::vector<std::string>{"a1"});
  EXPECT_FALSE(rows.front().error.has_value());
}

TEST_F(Ledger, UpdateOutcomeRecordsTheError) {
  const std::int64_t id = add(started_entry("a1"));
  LedgerResolution failure = finished(LedgerOutcome::failed, {});
  failure.error = "no such table: usuario";
  ASSERT_TRUE(update_outcome(*m_db, m_table, id, failure).ok());
  const auto rows = recent();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows.front().outcome, LedgerOutcome::failed);
  EXPECT_EQ(rows.front().error, "no such table: usuario");
}

TEST_F(Ledger, AFinishedRowIsNeverRewritten) {
  const std::int64_t id = add(started_entry("a1"));
  ASSERT_TRUE(update_outcome(*m_db, m_table, id, finished(LedgerOutcome::failed, {})).ok());
  auto again = update_outcome(*m_db, m_table, id, finished(LedgerOutcome::succeeded, {"a1"}));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind, ErrorKind::step_failed);
  EXPECT_NE(again.error().message.find("already failed"), std::string::npos);
  EXPECT_EQ(recent().front().outcome, LedgerOutcome::failed);
}

TEST_F(Ledger, UpdatingAMissingRowFails) {
  auto r = update_outcome(*m_db, m_table, 999, finished(LedgerOutcome::succeeded, {}));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("999 not found"), std::string::npos) << r.error().message;
}

TEST_F(Ledger, ReadRecentIsNewestFirstAndLimited) {
  for (const char* rev : {"a", "b", "c", "d"}) add(started_entry(rev));
  const auto rows = recent(3);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].revision, "d");
  EXPECT_EQ(rows[1].revision, "c");
  EXPECT_EQ(rows[2].revision, "b");
  EXPECT_TRUE(recent(0).empty());
}

TEST_F(Ledger, LastEntryForPicksTheNewestRowOfThatRevision) {
  const std::int64_t first = add(started_entry("a1"));
  add(started_entry("b2"));
  LedgerEntry down = started_entry("a1");
  down.direction = LedgerDirection::downgrade;
  const std::int64_t third = add(down);
  add(started_entry("c3"));
  auto last = last_entry_for(*m_db, m_table, "a1");
  ASSERT_TRUE(last.ok());
  ASSERT_TRUE(last->has_value());
  EXPECT_EQ((*last)->id, third);
  EXPECT_NE((*last)->id, first);
  EXPECT_EQ((*last)->direction, LedgerDirection::downgrade);
  auto none = last_entry_for(*m_db, m_table, "zz");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_F(Ledger, UnresolvedAreFailedOrStartedRowsWithNoLaterSuccess) {
  const std::int64_t a_failed = add(started_entry("a"));
  ASSERT_TRUE(update_outcome(*m_db, m_table, a_failed, finished(LedgerOutcome::failed, {})).ok());
  const std::int64_t a_retry = add(started_entry("a"));
  ASSERT_TRUE(
      update_outcome(*m_db, m_table, a_retry, finished(LedgerOutcome::succeeded, {"a"})).ok());
  const std::int64_t b_failed = add(started_entry("b"));
  ASSERT_TRUE(
      update_outcome(*m_db, m_table, b_failed, finished(LedgerOutcome::failed, {"a"})).ok());
  const std::int64_t c_started = add(started_entry("c"));  // the agent died mid-step
  auto unresolved = unresolved_entries(*m_db, m_table, 10);
  ASSERT_TRUE(unresolved.ok()) << unresolved.error().message;
  ASSERT_EQ(unresolved->size(), 2u);
  EXPECT_EQ((*unresolved)[0].id, c_started);
  EXPECT_EQ((*unresolved)[0].outcome, LedgerOutcome::started);
  EXPECT_EQ((*unresolved)[1].id, b_failed);
}

TEST_F(Ledger, AnEarlierSuccessDoesNotResolveALaterFailure) {
  const std::int64_t ok = add(started_entry("a"));
  ASSERT_TRUE(update_outcome(*m_db, m_table, ok, finished(LedgerOutcome::succeeded, {"a"})).ok());
  const std::int64_t bad = add(started_entry("a"));
  ASSERT_TRUE(update_outcome(*m_db, m_table, bad, finished(LedgerOutcome::failed, {})).ok());
  auto unresolved = unresolved_entries(*m_db, m_table, 10);
  ASSERT_TRUE(unresolved.ok());
  ASSERT_EQ(unresolved->size(), 1u);
  EXPECT_EQ(unresolved->front().id, bad);
}

TEST_F(Ledger, ConfiguredTableNameIsUsed) {
  const LedgerTable custom{.name = "Agent Log"};
  ASSERT_TRUE(ensure_ledger(*m_db, custom).ok());
  ASSERT_TRUE(append(*m_db, custom, started_entry("a1")).ok());
  EXPECT_TRUE(*m_db->table_exists("", "Agent Log"));
  EXPECT_TRUE(recent().empty());  // the default table is untouched
  EXPECT_EQ(read_recent(*m_db, custom, 5)->size(), 1u);
}

TEST_F(Ledger, SchemaFingerprintIsSetOnAFinishedRowAndReplaced) {
  const std::int64_t id = add(started_entry("a"));
  ASSERT_TRUE(update_outcome(*m_db, m_table, id, finished(LedgerOutcome::succeeded, {"a"})).ok());
  ASSERT_TRUE(set_schema_fingerprint(*m_db, m_table, id, "first").ok());
  ASSERT_TRUE(set_schema_fingerprint(*m_db, m_table, id, "second").ok());
  const auto rows = recent();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].schema_fingerprint, "second");
  EXPECT_EQ(rows[0].outcome, LedgerOutcome::succeeded);  // nothing else is touched
}

TEST_F(Ledger, SchemaFingerprintForAMissingRowIsAnError) {
  auto r = set_schema_fingerprint(*m_db, m_table, 42, "text");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::step_failed);
  EXPECT_NE(r.error().message.find("ledger row 42 not found"), std::string::npos);
}

TEST_F(Ledger, CorruptRowIsAnErrorNotACrash) {
  add(started_entry("a1"));
  ASSERT_TRUE(m_db->execute("UPDATE migration_agent_log SET direction = 'sideways'").ok());
  auto rows = read_recent(*m_db, m_table, 5);
  ASSERT_FALSE(rows.ok());
  EXPECT_NE(rows.error().message.find("direction"), std::string::npos);
}

}  // namespace
}  // namespace magent::db
